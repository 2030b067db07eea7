// Black-box tests of the first start: the admin account is created only once parkd is
// sure to run (settings checked, database open, port bound), and a generated admin
// password is never lost: shown once, kept in instance/admin_password (mode 0600) until
// the admin changes it.
#include "support/api_helpers.h"  // TempDir
#include "support/job_support.h"  // sql_count
#include "support/parkd_process.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;

// No ADMIN_PASSWORD: parkd must generate one.
const std::map<std::string, std::string> kGenerated{{"ADMIN_PASSWORD", ""}};

// The password from "password: <it>" in a start's output, or "" when none is shown.
std::string shown_password(const std::string& output) {
  std::smatch m;
  if (std::regex_search(output, m, std::regex("password: +(\\S+)"))) return m[1];
  return "";
}

std::string kept_password(const std::filesystem::path& dir) {
  std::ifstream in(dir / "instance" / "admin_password");
  std::string line;
  std::getline(in, line);
  return line;
}

int login_status(const ParkdProcess& p, const std::string& password) {
  return p.client().post("/auth/login", {{"email", kAdminEmail}, {"password", password}}).status;
}

TEST(FirstStart, OnABusyPortCreatesNoAdminAndTheNextStartShowsAWorkingPassword) {
  ParkdProcess holder;  // owns the port the first start wants
  TempDir dir;
  auto env = kGenerated;
  env["SECRET_KEY"] = "";  // nor may it leave a generated key behind
  auto second_env = env;
  env["PORT"] = std::to_string(holder.port());
  auto failed = run_parkd({"serve"}, env, dir.path(), 20s);
  ASSERT_FALSE(failed.timed_out) << failed.output;
  EXPECT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_EQ(shown_password(failed.output), "") << "a failed start showed a password:\n"
                                               << failed.output;
  EXPECT_EQ(sql_count(dir.path(), "SELECT COUNT(*) FROM users"), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "instance" / "admin_password"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "instance" / "secret_key"));

  ParkdProcess parkd(second_env, {"serve"}, dir.path());
  std::string password = shown_password(parkd.log());
  ASSERT_NE(password, "") << parkd.log();
  EXPECT_NE(parkd.log().find("Created the admin account"), std::string::npos) << parkd.log();
  EXPECT_EQ(login_status(parkd, password), 200);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "instance" / "secret_key"));
}

TEST(FirstStart, KeepsTheGeneratedPasswordInAPrivateFileUntilItIsChanged) {
  TempDir dir;
  // A permissive umask must not make the file readable by others.
  mode_t saved_umask = ::umask(0);
  auto parkd =
      std::make_unique<ParkdProcess>(kGenerated, std::vector<std::string>{"serve"}, dir.path());
  ::umask(saved_umask);
  auto file = dir.path() / "instance" / "admin_password";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << parkd->log();
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string kept = kept_password(dir.path());
  EXPECT_EQ(kept, shown_password(parkd->log()));
  EXPECT_EQ(login_status(*parkd, kept), 200);

  // A second start has nothing new to show, and says where the password is.
  std::size_t first_log = parkd->log().size();  // both starts append to parkd.log
  parkd.reset();
  parkd = std::make_unique<ParkdProcess>(kGenerated, std::vector<std::string>{"serve"}, dir.path());
  std::string second_log = parkd->log().substr(first_log);
  EXPECT_EQ(shown_password(second_log), "") << second_log;
  EXPECT_NE(second_log.find(file.string()), std::string::npos) << second_log;
  EXPECT_EQ(login_status(*parkd, kept), 200);

  auto changed = run_parkd_with_input({"user", "passwd", kAdminEmail}, kGenerated, dir.path(),
                                      "chosen-by-the-admin\n");
  EXPECT_EQ(changed.exit_code, 0) << changed.output;
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(login_status(*parkd, "chosen-by-the-admin"), 200);
  EXPECT_EQ(login_status(*parkd, kept), 401);
}

TEST(FirstStart, AChosenAdminPasswordIsNeitherShownNorKept) {
  TempDir dir;
  ParkdProcess parkd({}, {"serve"}, dir.path());  // ADMIN_PASSWORD=admin-pass-1
  EXPECT_EQ(shown_password(parkd.log()), "") << parkd.log();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "instance" / "admin_password"));
  EXPECT_EQ(login_status(parkd, kAdminPassword), 200);
}

}  // namespace
}  // namespace parkd::test
