// Black-box tests of the command line: help, version, db reset/seed/migrate, and the
// refusal to serve with an invalid setting.
#include "support/api_helpers.h"  // TempDir
#include "support/job_support.h"  // sql_count
#include "support/parkd_process.h"
#include "support/test_database.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>

namespace parkd::test {
namespace {

using nlohmann::json;
using Env = std::map<std::string, std::string>;
using namespace std::chrono_literals;

constexpr const char* kDemoUser = "user@parking.com";
constexpr const char* kDemoPassword = "user1234";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

CommandResult parkd_cli(const TempDir& dir, const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = {}) {
  return run_parkd(args, env, dir.path(), 60s);
}

HttpResult login(const ParkdProcess& p, const std::string& email, const std::string& password) {
  return p.client().post("/auth/login", {{"email", email}, {"password", password}});
}

TEST(Cli, HelpListsTheSubcommandsAndExitsZero) {
  TempDir dir;
  auto r = parkd_cli(dir, {"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* sub : {"serve", "db", "version"}) {
    EXPECT_TRUE(contains(r.output, sub)) << sub << " missing from:\n" << r.output;
  }
}

TEST(Cli, DbHelpListsMigrateResetAndSeed) {
  TempDir dir;
  auto r = parkd_cli(dir, {"db", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* sub : {"migrate", "reset", "seed"}) {
    EXPECT_TRUE(contains(r.output, sub)) << sub << " missing from:\n" << r.output;
  }
}

TEST(Cli, VersionPrintsTheVersion) {
  TempDir dir;
  auto r = parkd_cli(dir, {"version"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, PARKD_VERSION)) << r.output;
}

TEST(Cli, UnknownSubcommandSaysSoAndListsTheValidOnes) {
  TempDir dir;
  auto r = parkd_cli(dir, {"frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown command 'frobnicate'")) << r.output;
  for (const char* sub : {"serve", "db", "user", "version"}) {
    EXPECT_TRUE(contains(r.output, sub)) << sub << " missing from:\n" << r.output;
  }
  EXPECT_FALSE(contains(r.output, "A subcommand is required")) << r.output;

  auto nested = parkd_cli(dir, {"db", "frobnicate"});
  EXPECT_EQ(nested.exit_code, 2) << nested.output;
  EXPECT_TRUE(contains(nested.output, "unknown command 'frobnicate'")) << nested.output;
  EXPECT_TRUE(contains(nested.output, "migrate")) << nested.output;
}

TEST(Cli, DbMigrateCreatesTheDatabase) {
  TempDir dir;
  auto r = parkd_cli(dir, {"db", "migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (!testing_postgres()) {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "parking.db"));
  }
  EXPECT_GE(sql_count(dir.path(), "SELECT COUNT(*) FROM schema_migrations"), 1);
  EXPECT_EQ(sql_count(dir.path(), "SELECT COUNT(*) FROM users"), 0);
}

TEST(Cli, SeedDemoCreatesTheDemoUserAndLot) {
  TempDir dir;
  auto seeded = parkd_cli(dir, {"db", "seed", "--demo"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;

  ParkdProcess parkd({}, {"serve"}, dir.path());
  auto r = login(parkd, kDemoUser, kDemoPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["roles"], json::array({"user"}));

  auto lots = parkd.client().get("/api/lots", r.json()["token"]);
  ASSERT_EQ(lots.status, 200) << lots.body;
  ASSERT_EQ(lots.json()["total"], 1) << lots.body;
  auto lot = lots.json()["lots"][0];
  EXPECT_EQ(lot["name"], "Downtown Parking");
  EXPECT_EQ(lot["capacity"], 20);
  EXPECT_EQ(lot["available_spots"], 20);
  EXPECT_DOUBLE_EQ(lot["price_per_hour"].get<double>(), 5.0);
}

TEST(Cli, SeedDemoCreatesAnAdminThatCanLogIn) {
  TempDir dir;
  ASSERT_EQ(parkd_cli(dir, {"db", "seed", "--demo"}).exit_code, 0);
  ParkdProcess parkd({}, {"serve"}, dir.path());
  auto r = login(parkd, kAdminEmail, kAdminPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["roles"], json::array({"admin"}));
}

TEST(Cli, SeedDemoWithoutAdminSettingsCreatesTheOriginalsAdmin) {
  TempDir dir;
  std::map<std::string, std::string> defaults{{"ADMIN_EMAIL", ""}, {"ADMIN_PASSWORD", ""}};
  auto seeded = parkd_cli(dir, {"db", "seed", "--demo"}, defaults);
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  ParkdProcess parkd(defaults, {"serve"}, dir.path());
  auto r = login(parkd, "admin@parking.com", "admin123");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["roles"], json::array({"admin"}));
}

TEST(Cli, SeedDemoTwiceKeepsOneOfEverything) {
  TempDir dir;
  ASSERT_EQ(parkd_cli(dir, {"db", "seed", "--demo"}).exit_code, 0);
  auto again = parkd_cli(dir, {"db", "seed", "--demo"});
  EXPECT_EQ(again.exit_code, 0) << again.output;

  ParkdProcess parkd({}, {"serve"}, dir.path());
  std::string admin = parkd.admin_token();
  auto lots = parkd.client().get("/api/lots", admin);
  EXPECT_EQ(lots.json()["total"], 1) << lots.body;
  auto users = parkd.client().get("/api/users", admin);
  EXPECT_EQ(users.json()["total"], 2) << users.body;
}

TEST(Cli, SeedDemoNeverChangesAnExistingPassword) {
  TempDir dir;
  std::map<std::string, std::string> generated{{"ADMIN_PASSWORD", ""}};
  std::string admin_password;
  {
    ParkdProcess parkd(generated, {"serve"}, dir.path());
    auto at = parkd.log().find("password: ");
    ASSERT_NE(at, std::string::npos) << parkd.log();
    std::istringstream(parkd.log().substr(at + 10)) >> admin_password;
    parkd.register_user(kDemoUser, "my-own-password");
  }
  auto seeded = parkd_cli(dir, {"db", "seed", "--demo"}, generated);
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  EXPECT_TRUE(contains(seeded.output, "password unchanged")) << seeded.output;

  ParkdProcess parkd(generated, {"serve"}, dir.path());
  EXPECT_EQ(login(parkd, kAdminEmail, admin_password).status, 200);
  EXPECT_EQ(login(parkd, kAdminEmail, "admin123").status, 401);
  EXPECT_EQ(login(parkd, kDemoUser, "my-own-password").status, 200);
  EXPECT_EQ(login(parkd, kDemoUser, kDemoPassword).status, 401);
}

TEST(Cli, SeedWithoutDemoRefuses) {
  TempDir dir;
  auto r = parkd_cli(dir, {"db", "seed"});
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST(Cli, DbResetWithoutYesRefusesAndKeepsTheData) {
  TempDir dir;
  ASSERT_EQ(parkd_cli(dir, {"db", "seed", "--demo"}).exit_code, 0);
  auto r = parkd_cli(dir, {"db", "reset"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "--yes")) << r.output;

  ParkdProcess parkd({}, {"serve"}, dir.path());
  EXPECT_EQ(login(parkd, kDemoUser, kDemoPassword).status, 200);
}

TEST(Cli, DbResetWithYesDeletesAllData) {
  TempDir dir;
  ASSERT_EQ(parkd_cli(dir, {"db", "seed", "--demo"}).exit_code, 0);
  auto r = parkd_cli(dir, {"db", "reset", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.output;

  ParkdProcess parkd({}, {"serve"}, dir.path());
  EXPECT_EQ(login(parkd, kDemoUser, kDemoPassword).status, 401);
  auto lots = parkd.client().get("/api/lots", parkd.admin_token());
  EXPECT_EQ(lots.json()["total"], 0) << lots.body;
}

TEST(Cli, ServeOnAPortInUseExitsNonZeroNamingThePort) {
  ParkdProcess running;
  TempDir dir;
  auto r = run_parkd({"serve"}, {{"PORT", std::to_string(running.port())}}, dir.path(), 20s);
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, std::to_string(running.port()))) << r.output;
  EXPECT_EQ(running.client().get("/healthz").status, 200);
}

TEST(Cli, AnUnreachableDatabaseIsReportedOnce) {
  TempDir dir;
  std::string url = "postgresql://parkd@127.0.0.1:" + std::to_string(free_port()) + "/parkd";
  auto r = run_parkd({"db", "migrate"}, {{"DATABASE_URL", url}}, dir.path(), 30s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::size_t first = r.output.find("cannot connect");
  ASSERT_NE(first, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("cannot connect", first + 1), std::string::npos) << r.output;
}

// `serve` with an invalid setting must stop at start-up, naming the variable.
struct BadSetting {
  const char* variable;
  const char* value;
};

void PrintTo(const BadSetting& s, std::ostream* os) { *os << s.variable << "=" << s.value; }

class CliServeRefuses : public ::testing::TestWithParam<BadSetting> {};

TEST_P(CliServeRefuses, AnInvalidSettingAndNamesTheVariable) {
  TempDir dir;
  std::map<std::string, std::string> env{{"PORT", std::to_string(free_port())}};
  env[GetParam().variable] = GetParam().value;
  auto r = run_parkd({"serve"}, env, dir.path(), 20s);
  EXPECT_FALSE(r.timed_out) << "serve started despite " << GetParam().variable << "="
                            << GetParam().value << ":\n"
                            << r.output;
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, GetParam().variable)) << r.output;
  // Said once: the same complaint on several lines reads as several problems.
  std::istringstream lines(r.output);
  int naming = 0;
  for (std::string line; std::getline(lines, line);) naming += contains(line, GetParam().variable);
  EXPECT_EQ(naming, 1) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliServeRefuses,
    ::testing::Values(
        BadSetting{"PORT", "abc"}, BadSetting{"PORT", "70000"}, BadSetting{"TOKEN_MAX_AGE", "-1"},
        BadSetting{"TOKEN_MAX_AGE", "59"}, BadSetting{"SMTP_TLS", "bogus"},
        BadSetting{"LOGIN_MAX_FAILURES", "0"}, BadSetting{"LOGIN_MAX_FAILURES_PER_ADDRESS", "many"},
        BadSetting{"LOGIN_WINDOW_SECONDS", "-5"}, BadSetting{"HTTP_THREADS", "0"},
        BadSetting{"SECRET_KEY", "too-short"},
        BadSetting{"DATABASE_URL", "mysql://localhost/parkd"},
        BadSetting{"TIMEZONE", "Mars/Olympus_Mons"}, BadSetting{"LOG_LEVEL", "loud"},
        BadSetting{"MIN_CHARGE_MINUTES", "1.5"}, BadSetting{"PARKD_CLOCK_OFFSET", "yesterday"},
        BadSetting{"METRICS_ALLOW", "127.0.0.1,intranet"},
        BadSetting{"TRUSTED_PROXIES", "127.0.0.1,nginx"},
        BadSetting{"TRUSTED_PROXIES", "10.0.0.0/33"}, BadSetting{"LOG_FORMAT", "yaml"},
        BadSetting{"CURRENCY", "XYZ"}, BadSetting{"CURRENCY", "usd"},
        BadSetting{"CURRENCY", "Rupees"}, BadSetting{"PUBLIC_URL", "parking.example.com"},
        BadSetting{"PUBLIC_URL", "ftp://parking.example.com"},
        BadSetting{"PUBLIC_URL", "https://parking.example.com/?next=x"}),
    [](const ::testing::TestParamInfo<BadSetting>& info) {
      return std::string(info.param.variable) + "_" + std::to_string(info.index);
    });

}  // namespace
}  // namespace parkd::test
