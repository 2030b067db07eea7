// The Debian package, as `make deb` builds it: extracted (dpkg-deb -x, never installed
// into this machine), its binary must run alone, with the settings file it ships, and
// serve the API, the web UI and email. CTest's deb.* tests set PARKD_DEB_ROOT (see
// scripts/deb-extract.sh); elsewhere these tests skip.

#include "support/api_helpers.h"
#include "support/parkd_process.h"
#include "support/smtp_sink.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <regex>

namespace parkd::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using parkd::testing::SmtpSink;

std::optional<fs::path> deb_root() {
  const char* root = std::getenv("PARKD_DEB_ROOT");
  if (root == nullptr || *root == '\0') return std::nullopt;
  return fs::path(root);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// KEY=value lines as systemd's EnvironmentFile reads them: the whole rest of the line
// is the value, so an inline "# comment" would become part of it.
std::map<std::string, std::string> read_env_file(const fs::path& file) {
  std::map<std::string, std::string> env;
  std::ifstream in(file);
  std::string line;
  const std::regex assignment("^([A-Z_][A-Z0-9_]*)=(.*)$");
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, assignment)) << "not KEY=value: " << line;
    if (m.empty()) continue;
    EXPECT_EQ(m[2].str().find('#'), std::string::npos) << "a comment inside a value: " << line;
    env[m[1]] = m[2];
  }
  return env;
}

class DebPackage : public ::testing::Test {
 protected:
  void SetUp() override {
    auto root = deb_root();
    if (!root) GTEST_SKIP() << "PARKD_DEB_ROOT not set (run through ctest -R deb)";
    root_ = *root;
  }
  fs::path root_;
};

TEST_F(DebPackage, ShipsTheBinaryUnitsAndAPrivateSettingsFile) {
  EXPECT_TRUE(fs::is_regular_file(root_ / "usr/bin/parkd"));
  for (const char* unit :
       {"parkd.service", "parkd-api@.service", "parkd-worker.service", "parkd-scheduler.service"}) {
    fs::path file = root_ / "usr/lib/systemd/system" / unit;
    ASSERT_TRUE(fs::is_regular_file(file)) << unit;
    std::string text = slurp(file);
    EXPECT_NE(text.find("User=parkd"), std::string::npos) << unit;
    EXPECT_NE(text.find("EnvironmentFile=/etc/parkd/parkd.env"), std::string::npos) << unit;
    EXPECT_NE(text.find("TMPDIR=/var/lib/parkd/tmp"), std::string::npos) << unit;
    EXPECT_NE(text.find("ExecStart=/usr/bin/parkd "), std::string::npos) << unit;
  }
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "etc/parkd/parkd.env").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  std::string control = slurp(root_.parent_path() / "control/control");
  EXPECT_NE(control.find("Package: parkd"), std::string::npos);
  EXPECT_NE(control.find("libsqlite3"), std::string::npos) << control;
  EXPECT_NE(control.find("adduser"), std::string::npos) << control;
  std::string postinst = slurp(root_.parent_path() / "control/postinst");
  EXPECT_NE(postinst.find("adduser --system"), std::string::npos);
  EXPECT_NE(postinst.find("/var/lib/parkd/tmp"), std::string::npos);
  std::string conffiles = slurp(root_.parent_path() / "control/conffiles");
  EXPECT_NE(conffiles.find("/etc/parkd/parkd.env"), std::string::npos);
}

TEST_F(DebPackage, ItsBinaryAloneServesTheUiAndSendsABookingConfirmation) {
  // Only the binary, in a directory of its own: no web/ or templates/ beside it.
  TempDir alone;
  fs::copy_file(root_ / "usr/bin/parkd", alone.path() / "parkd");
  ASSERT_EQ(fs::directory_iterator(alone.path())->path().filename(), "parkd");
  ::setenv("PARKD_TEST_BINARY", (alone.path() / "parkd").c_str(), 1);

  SmtpSink sink;
  ASSERT_TRUE(sink.start());
  auto env = read_env_file(root_ / "etc/parkd/parkd.env");
  ASSERT_FALSE(env.empty());
  // The shipped settings, but this test's state directory, port, admin and mail server.
  env.erase("INSTANCE_DIR");
  env.erase("DATABASE_URL");
  env.erase("PORT");
  env.erase("ADMIN_EMAIL");
  env["SMTP_HOST"] = "127.0.0.1";
  env["SMTP_PORT"] = std::to_string(sink.port());
  env["SMTP_TLS"] = "none";
  env["MAIL_FROM"] = "parking@test.local";
  ParkdProcess parkd(env);
  ::unsetenv("PARKD_TEST_BINARY");
  HttpClient http = parkd.client();

  EXPECT_EQ(http.get("/healthz").status, 200);
  auto page = http.request("GET", "/", "", {"Accept: text/html"});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.header("content-type").value_or("").find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("<script"), std::string::npos) << page.body;

  std::string admin = parkd.admin_token();
  json lot = create_lot(http, admin, 2);
  TestUser user = make_user(parkd, "deb");
  auto booked = book(http, user.token, {{"lot_id", lot["id"]}});
  ASSERT_EQ(booked.status, 201) << booked.body;
  ASSERT_TRUE(sink.wait_for_messages(1, 20s)) << parkd.log();
  auto messages = sink.messages();
  EXPECT_EQ(messages[0].rcpt_to, std::vector<std::string>{user.email});
  EXPECT_NE(messages[0].data.find("Subject: Booking confirmed"), std::string::npos)
      << messages[0].data;
  EXPECT_EQ(parkd.log().find("not found"), std::string::npos) << parkd.log();
}

}  // namespace
}  // namespace parkd::test
