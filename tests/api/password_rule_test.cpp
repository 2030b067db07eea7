// Black-box tests of the account rules of docs/api.md, "Accounts": the one password rule
// (8–128 characters, not only white space, not one of the 10 000 most common passwords) at
// registration and password change, usernames without Unicode format characters, and the
// throttling of registrations that probe which emails have an account.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace parkd::test {
namespace {

constexpr const char* kUserPassword = "password-123";  // ParkdProcess::register_user's

std::string repeat(const std::string& unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

std::string unique_email(const std::string& tag) {
  static std::atomic<int> counter{0};
  return tag + "-" + std::to_string(++counter) + "@rule.test";
}

bool mentions(const HttpResult& r, const std::string& field, const std::string& words) {
  json fields = r.json()["fields"];  // a copy: r.json() is a temporary
  return fields.contains(field) &&
         fields[field].get<std::string>().find(words) != std::string::npos;
}

class AccountsPasswordRule : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { parkd_ = new ParkdProcess(); }
  static void TearDownTestSuite() {
    delete parkd_;
    parkd_ = nullptr;
  }

  static HttpResult register_with(const std::string& email, const std::string& password,
                                  const std::string& username = "") {
    json body = {{"email", email}, {"password", password}};
    if (!username.empty()) body["username"] = username;
    return parkd_->client().post("/auth/register", body);
  }

  static ParkdProcess* parkd_;
};

ParkdProcess* AccountsPasswordRule::parkd_ = nullptr;

TEST_F(AccountsPasswordRule, RegistrationWithACommonPasswordIs400FieldsPasswordWhateverItsCase) {
  for (const char* common : {"password123", "Password123", "QWERTYUIOP", "Iloveyou1"}) {
    auto r = register_with(unique_email("common"), common);
    EXPECT_TRUE(IsJsonError(r, 400, "validation_error")) << common << ": " << r.body;
    EXPECT_TRUE(mentions(r, "password", "common")) << r.body;
  }
  EXPECT_EQ(register_with(unique_email("strong"), "password123-parks-here").status, 201);
}

TEST_F(AccountsPasswordRule, RegistrationCountsCharactersNotBytes) {
  // 128 euro signs are 384 bytes but 128 characters: accepted; 129 are refused.
  auto ok = register_with(unique_email("euro128"), repeat("\xE2\x82\xAC", 128));
  EXPECT_EQ(ok.status, 201) << ok.body;
  auto too_long = register_with(unique_email("euro129"), repeat("\xE2\x82\xAC", 129));
  EXPECT_TRUE(IsJsonError(too_long, 400));
  EXPECT_TRUE(mentions(too_long, "password", "128")) << too_long.body;
  auto spaces = register_with(unique_email("spaces"), std::string(20, ' '));
  EXPECT_TRUE(IsJsonError(spaces, 400));
  EXPECT_TRUE(mentions(spaces, "password", "white space")) << spaces.body;
}

TEST_F(AccountsPasswordRule, APasswordChangeToACommonPasswordIs400AndKeepsTheOldOne) {
  auto user = make_user(*parkd_, "change-common");
  auto http = parkd_->client();
  auto r =
      http.post("/auth/password",
                {{"current_password", kUserPassword}, {"new_password", "Sunshine1"}}, user.token);
  EXPECT_TRUE(IsJsonError(r, 400, "validation_error")) << r.body;
  EXPECT_TRUE(mentions(r, "password", "common")) << r.body;
  EXPECT_EQ(http.get("/auth/me", user.token).status, 200);
  auto login = http.post("/auth/login", {{"email", user.email}, {"password", kUserPassword}});
  EXPECT_EQ(login.status, 200) << login.body;
}

TEST_F(AccountsPasswordRule, AUsernameWithABidiOverrideOrAZeroWidthSpaceIs400FieldsUsername) {
  for (const std::string& name : {std::string("ab\xE2\x80\xAE"
                                              "cd"),  // U+202E
                                  std::string("a\xE2\x80\x8B"
                                              "b"),  // U+200B
                                  std::string("ad\xE2\x81\xA6"
                                              "a")}) {  // U+2066
    auto r = register_with(unique_email("bidi"), "a-strong-password", name);
    EXPECT_TRUE(IsJsonError(r, 400, "validation_error")) << r.body;
    EXPECT_TRUE(mentions(r, "username", "formatting")) << r.body;
  }
  auto user = make_user(*parkd_, "rename-bidi");
  auto r =
      parkd_->client().patch("/auth/me", {{"username", "evil\xE2\x80\xAEgnp.exe"}}, user.token);
  EXPECT_TRUE(IsJsonError(r, 400)) << r.body;
  EXPECT_TRUE(mentions(r, "username", "formatting")) << r.body;
}

// The test client connects from 127.0.0.1 and plays a trusted proxy, so X-Forwarded-For
// names the client address (as in proxy_test.cpp).
HttpResult register_from(const ParkdProcess& p, const std::string& address,
                         const std::string& email) {
  return p.client().post("/auth/register", {{"email", email}, {"password", "a-strong-password"}},
                         "", {"X-Forwarded-For: " + address});
}

TEST(RegisterThrottle, ProbesForTakenEmailsGet429FromThatAddressOnly) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.1"}, {"LOGIN_MAX_FAILURES", "3"}});
  ASSERT_EQ(register_from(parkd, "203.0.113.1", "taken@probe.test").status, 201);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        IsJsonError(register_from(parkd, "203.0.113.9", "taken@probe.test"), 409, "email_taken"))
        << i;
  }
  auto blocked = register_from(parkd, "203.0.113.9", "new-one@probe.test");
  EXPECT_TRUE(IsJsonError(blocked, 429, "too_many_attempts")) << blocked.body;
  auto retry_after = blocked.header("retry-after");
  ASSERT_TRUE(retry_after.has_value());
  EXPECT_GT(std::stoi(*retry_after), 0);
  EXPECT_EQ(register_from(parkd, "203.0.113.10", "other@probe.test").status, 201);
  // Logins from the probing address are counted apart and still work.
  auto login = parkd.client().post(
      "/auth/login", {{"email", "taken@probe.test"}, {"password", "a-strong-password"}}, "",
      {"X-Forwarded-For: 203.0.113.9"});
  EXPECT_EQ(login.status, 200) << login.body;
}

TEST(RegisterThrottle, SuccessfulRegistrationsAndFailedLoginsDoNotCount) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.1"},
                         {"LOGIN_MAX_FAILURES", "2"},
                         {"LOGIN_MAX_FAILURES_PER_ADDRESS", "2"}});
  for (int i = 0; i < 4; ++i) {
    auto r = register_from(parkd, "203.0.113.20", "many-" + std::to_string(i) + "@probe.test");
    EXPECT_EQ(r.status, 201) << i << ": " << r.body;
  }
  for (int i = 0; i < 2; ++i) {
    auto r = parkd.client().post("/auth/login",
                                 {{"email", "many-0@probe.test"}, {"password", "wrong-password"}},
                                 "", {"X-Forwarded-For: 203.0.113.20"});
    EXPECT_EQ(r.status, 401) << r.body;
  }
  auto r = register_from(parkd, "203.0.113.20", "after-logins@probe.test");
  EXPECT_EQ(r.status, 201) << r.body;
}

}  // namespace
}  // namespace parkd::test
