// Black-box tests of `parkd user ...` against a running server sharing its database:
// what each command changes is what the API then does (logins, tokens, roles), and
// every bad argument exits 2 without changing anything.
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <string>

namespace parkd::test {
namespace {

using nlohmann::json;

CommandResult user_cli(const ParkdProcess& p, const std::vector<std::string>& args,
                       const std::string& input = "") {
  std::vector<std::string> full{"user"};
  full.insert(full.end(), args.begin(), args.end());
  return run_parkd_with_input(full, {}, p.dir(), input);
}

HttpResult login(const ParkdProcess& p, const std::string& email, const std::string& password) {
  return p.client().post("/auth/login", {{"email", email}, {"password", password}});
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(UserCli, PasswdSetsTheNewPasswordAndEndsTheOldTokens) {
  ParkdProcess parkd;
  std::string token = parkd.register_user("driver@test.local", "first-password");

  auto r = user_cli(parkd, {"passwd", "Driver@Test.Local"}, "second-password\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  EXPECT_EQ(login(parkd, "driver@test.local", "second-password").status, 200);
  EXPECT_EQ(login(parkd, "driver@test.local", "first-password").status, 401);
  EXPECT_EQ(parkd.client().get("/auth/me", token).status, 401);
}

TEST(UserCli, PasswdRefusesAWeakPasswordAndKeepsTheOldOne) {
  ParkdProcess parkd;
  std::string token = parkd.register_user("driver@test.local", "first-password");

  auto r = user_cli(parkd, {"passwd", "driver@test.local"}, "short\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "password")) << r.output;
  EXPECT_EQ(login(parkd, "driver@test.local", "first-password").status, 200);
  EXPECT_EQ(parkd.client().get("/auth/me", token).status, 200);

  auto none = user_cli(parkd, {"passwd", "driver@test.local"}, "");
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_EQ(login(parkd, "driver@test.local", "first-password").status, 200);
}

TEST(UserCli, DisableRefusesLoginAndTokensAndEnableRestoresLogin) {
  ParkdProcess parkd;
  std::string token = parkd.register_user("driver@test.local", "first-password");

  auto off = user_cli(parkd, {"disable", "driver@test.local"});
  ASSERT_EQ(off.exit_code, 0) << off.output;
  auto refused = login(parkd, "driver@test.local", "first-password");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.json()["error"], "account_disabled") << refused.body;
  EXPECT_EQ(login(parkd, "driver@test.local", "wrong-password").status, 401);
  EXPECT_EQ(parkd.client().get("/auth/me", token).status, 401);

  auto on = user_cli(parkd, {"enable", "driver@test.local"});
  ASSERT_EQ(on.exit_code, 0) << on.output;
  auto back = login(parkd, "driver@test.local", "first-password");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(parkd.client().get("/auth/me", back.json()["token"]).status, 200);
}

TEST(UserCli, RoleAdminOpensTheAdminEndpointsAndEndsTheOldTokens) {
  ParkdProcess parkd;
  std::string token = parkd.register_user("clerk@test.local", "first-password");
  EXPECT_EQ(parkd.client().get("/api/users", token).status, 403);

  auto r = user_cli(parkd, {"role", "clerk@test.local", "admin"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parkd.client().get("/auth/me", token).status, 401);
  auto session = login(parkd, "clerk@test.local", "first-password");
  ASSERT_EQ(session.status, 200) << session.body;
  EXPECT_EQ(session.json()["roles"], json::array({"admin"}));
  std::string admin = session.json()["token"];
  EXPECT_EQ(parkd.client().get("/api/users", admin).status, 200);

  ASSERT_EQ(user_cli(parkd, {"role", "clerk@test.local", "user"}).exit_code, 0);
  EXPECT_EQ(parkd.client().get("/api/users", admin).status, 401);
}

TEST(UserCli, CreateMakesAnAccountThatLogsInWithItsRole) {
  ParkdProcess parkd;
  auto user =
      user_cli(parkd, {"create", "new@test.local", "--name", "New Person"}, "created-password\n");
  ASSERT_EQ(user.exit_code, 0) << user.output;
  auto session = login(parkd, "new@test.local", "created-password");
  ASSERT_EQ(session.status, 200) << session.body;
  EXPECT_EQ(session.json()["roles"], json::array({"user"}));
  EXPECT_EQ(session.json()["user"]["username"], "New Person");

  auto admin = user_cli(parkd, {"create", "boss@test.local", "--admin"}, "boss-password\n");
  ASSERT_EQ(admin.exit_code, 0) << admin.output;
  auto boss = login(parkd, "boss@test.local", "boss-password");
  ASSERT_EQ(boss.status, 200) << boss.body;
  EXPECT_EQ(boss.json()["roles"], json::array({"admin"}));

  auto again = user_cli(parkd, {"create", "new@test.local"}, "another-password\n");
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_EQ(login(parkd, "new@test.local", "created-password").status, 200);
}

TEST(UserCli, ListShowsEveryAccountWithItsRoleAndStatus) {
  ParkdProcess parkd;
  parkd.register_user("driver@test.local");
  ASSERT_EQ(user_cli(parkd, {"disable", "driver@test.local"}).exit_code, 0);
  auto r = user_cli(parkd, {"list"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  bool admin_seen = false, driver_seen = false;
  for (std::string line; std::getline(lines, line);) {
    if (contains(line, kAdminEmail)) {
      admin_seen = true;
      EXPECT_TRUE(contains(line, "admin") && contains(line, "enabled")) << line;
    }
    if (contains(line, "driver@test.local")) {
      driver_seen = true;
      EXPECT_TRUE(contains(line, " user ") && contains(line, "disabled")) << line;
    }
  }
  EXPECT_TRUE(admin_seen && driver_seen) << r.output;
}

TEST(UserCli, TheLastAdminCanBeNeitherDemotedNorDisabled) {
  ParkdProcess parkd;
  auto demote = user_cli(parkd, {"role", kAdminEmail, "user"});
  EXPECT_EQ(demote.exit_code, 2) << demote.output;
  auto disable = user_cli(parkd, {"disable", kAdminEmail});
  EXPECT_EQ(disable.exit_code, 2) << disable.output;
  std::string token = parkd.admin_token();
  EXPECT_EQ(parkd.client().get("/api/users", token).status, 200);

  // With a second admin, the first may go.
  parkd.register_user("second@test.local", "second-password");
  ASSERT_EQ(user_cli(parkd, {"role", "second@test.local", "admin"}).exit_code, 0);
  EXPECT_EQ(user_cli(parkd, {"disable", kAdminEmail}).exit_code, 0);
}

TEST(UserCli, ADisabledUserGetsNoReminders) {
  TempDir dir;
  {
    ParkdProcess parkd({}, {"serve"}, dir.path());
    parkd.register_user("active@test.local");
    parkd.register_user("gone@test.local");
  }
  ASSERT_EQ(run_parkd({"user", "disable", "gone@test.local"}, {}, dir.path()).exit_code, 0);
  // Stopped server: `parkd send` runs the queued jobs itself and lists what it sent.
  auto r = run_parkd({"send", "--reminders"}, {}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "active@test.local")) << r.output;
  EXPECT_FALSE(contains(r.output, "gone@test.local")) << r.output;
}

struct BadArguments {
  std::vector<std::string> args;
  std::string input;
  std::string said;  // part of the message
};

void PrintTo(const BadArguments& b, std::ostream* os) {
  for (const auto& a : b.args) *os << a << " ";
}

class UserCliRefuses : public ::testing::TestWithParam<BadArguments> {};

TEST_P(UserCliRefuses, WithExitStatus2AndChangesNothing) {
  ParkdProcess parkd;
  std::string token = parkd.register_user("driver@test.local", "first-password");
  auto r = user_cli(parkd, GetParam().args, GetParam().input);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, GetParam().said)) << r.output;
  EXPECT_EQ(parkd.client().get("/auth/me", token).status, 200);
  auto session = login(parkd, "driver@test.local", "first-password");
  ASSERT_EQ(session.status, 200) << session.body;
  EXPECT_EQ(session.json()["roles"], json::array({"user"}));
}

INSTANTIATE_TEST_SUITE_P(
    UserCli, UserCliRefuses,
    ::testing::Values(
        BadArguments{{"passwd", "nobody@test.local"}, "a-good-password\n", "nobody@test.local"},
        BadArguments{{"disable", "nobody@test.local"}, "", "nobody@test.local"},
        BadArguments{{"passwd", "not-an-email"}, "a-good-password\n", "email"},
        BadArguments{{"passwd", "driver@test.local"}, "1234567\n", "password"},
        BadArguments{{"passwd", "driver@test.local"}, "Password123\n", "common"},
        BadArguments{{"create", "new@test.local"}, "qwertyuiop\n", "common"},
        BadArguments{{"role", "driver@test.local", "superuser"}, "", "admin or user"},
        BadArguments{{"role", "driver@test.local"}, "", "role"},
        BadArguments{{"create", "bad email@x"}, "a-good-password\n", "email"},
        BadArguments{{"create", "driver@test.local"}, "a-good-password\n", "exists"},
        BadArguments{{"frobnicate", "driver@test.local"}, "", "create"}),
    [](const ::testing::TestParamInfo<BadArguments>& info) {
      return info.param.args[0] + "_" + std::to_string(info.index);
    });

}  // namespace
}  // namespace parkd::test
