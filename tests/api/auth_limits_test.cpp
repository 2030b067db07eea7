// Black-box: how long a token lives (TOKEN_MAX_AGE, checked by a second process whose
// clock runs ahead) and how failed logins are throttled (per account and per client
// address; each test has its own server, since the counters are per process).
#include "support/api_assertions.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parkd::test {
namespace {

using Env = std::map<std::string, std::string>;

// --- expiry (TOKEN_MAX_AGE, with a second process whose clock runs ahead) ---------

class AuthExpiry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess(Env{{"TOKEN_MAX_AGE", "60"}});
    auto r = parkd_->client().post("/auth/register",
                                   {{"email", "expiry@auth.test"}, {"password", "password-123"}});
    token_ = new std::string(r.json().value("token", ""));
  }
  static void TearDownTestSuite() {
    delete token_;
    delete parkd_;
  }
  // A second server on the same database and key, `seconds` in the future.
  static std::unique_ptr<ParkdProcess> later(int seconds) {
    return std::make_unique<ParkdProcess>(
        std::map<std::string, std::string>{{"PARKD_CLOCK_OFFSET", std::to_string(seconds)}},
        std::vector<std::string>{"serve"}, parkd_->dir());
  }

  static ParkdProcess* parkd_;
  static std::string* token_;
};

ParkdProcess* AuthExpiry::parkd_ = nullptr;
std::string* AuthExpiry::token_ = nullptr;

TEST_F(AuthExpiry, TokenStillWorksBeforeTokenMaxAgeHasPassed) {
  ASSERT_FALSE(token_->empty());
  auto server = later(45);
  auto r = server->client().get("/auth/me", *token_);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthExpiry, TokenIsRejectedOnceTokenMaxAgeHasPassed) {
  ASSERT_FALSE(token_->empty());
  auto server = later(61);
  EXPECT_TRUE(IsJsonError(server->client().get("/auth/me", *token_), 401));
  // The later server itself is fine: a fresh login there works.
  auto fresh = server->client().post("/auth/login",
                                     {{"email", "expiry@auth.test"}, {"password", "password-123"}});
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(server->client().get("/auth/me", fresh.json()["token"]).status, 200);
}

// --- throttling (each test has its own server: the counters are per process) -----

HttpResult try_login(const ParkdProcess& p, const std::string& login, const std::string& password) {
  return p.client().post("/auth/login", {{"email", login}, {"password", password}});
}

TEST(AuthThrottling, AccountIsThrottledAfterFiveFailures) {
  ParkdProcess parkd;  // the defaults: 5 per account, 20 per address, 900 s
  parkd.register_user("victim@auth.test", "right-password");
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(try_login(parkd, "victim@auth.test", "wrong-password").status, 401)
        << "attempt " << i;
  }
  auto blocked = try_login(parkd, "victim@auth.test", "right-password");
  ASSERT_TRUE(IsJsonError(blocked, 429));
  auto retry_after = blocked.header("retry-after");
  ASSERT_TRUE(retry_after.has_value());
  int seconds = std::stoi(*retry_after);
  EXPECT_GT(seconds, 800);
  EXPECT_LE(seconds, 900);
}

TEST(AuthThrottling, ThrottledAccountDoesNotLockOutOtherAccounts) {
  ParkdProcess parkd(Env{{"LOGIN_MAX_FAILURES", "2"}});
  parkd.register_user("locked@auth.test", "right-password");
  parkd.register_user("bystander@auth.test", "right-password");
  for (int i = 0; i < 2; ++i) try_login(parkd, "locked@auth.test", "wrong-password");
  ASSERT_EQ(try_login(parkd, "locked@auth.test", "right-password").status, 429);
  EXPECT_EQ(try_login(parkd, "bystander@auth.test", "right-password").status, 200);
}

TEST(AuthThrottling, FailuresByUsernameAndByEmailCountForTheSameAccount) {
  ParkdProcess parkd(Env{{"LOGIN_MAX_FAILURES", "4"}});
  auto r = parkd.client().post("/auth/register", {{"email", "two-names@auth.test"},
                                                  {"username", "Two Names"},
                                                  {"password", "right-password"}});
  ASSERT_EQ(r.status, 201) << r.body;
  for (const char* login :
       {"two-names@auth.test", "Two Names", "TWO-NAMES@auth.test", "two names"}) {
    EXPECT_EQ(try_login(parkd, login, "wrong-password").status, 401) << login;
  }
  EXPECT_TRUE(IsJsonError(try_login(parkd, "two-names@auth.test", "right-password"), 429));
  EXPECT_TRUE(IsJsonError(try_login(parkd, "Two Names", "right-password"), 429));
}

TEST(AuthThrottling, ClientAddressIsThrottledAcrossAccounts) {
  ParkdProcess parkd(Env{{"LOGIN_MAX_FAILURES_PER_ADDRESS", "3"}});
  parkd.register_user("innocent@auth.test", "right-password");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(try_login(parkd, "guess-" + std::to_string(i) + "@auth.test", "password").status,
              401);
  }
  auto blocked = try_login(parkd, "innocent@auth.test", "right-password");
  ASSERT_TRUE(IsJsonError(blocked, 429));
  EXPECT_TRUE(blocked.header("retry-after").has_value());
}

TEST(AuthThrottling, ThrottleLiftsWhenTheWindowHasPassed) {
  // Times are whole seconds, so a 2 s window is 1-2 s long: it is still closed just
  // after the failures and open again 2.1 s later.
  ParkdProcess parkd(Env{{"LOGIN_MAX_FAILURES", "2"}, {"LOGIN_WINDOW_SECONDS", "2"}});
  parkd.register_user("patient@auth.test", "right-password");
  for (int i = 0; i < 2; ++i) try_login(parkd, "patient@auth.test", "wrong-password");
  auto blocked = try_login(parkd, "patient@auth.test", "right-password");
  ASSERT_EQ(blocked.status, 429);
  int retry_after = std::stoi(blocked.header("retry-after").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(try_login(parkd, "patient@auth.test", "right-password").status, 200);
}

TEST(AuthThrottling, SuccessfulLoginClearsTheAccountsFailures) {
  ParkdProcess parkd(Env{{"LOGIN_MAX_FAILURES", "3"}});
  parkd.register_user("typo@auth.test", "right-password");
  for (int i = 0; i < 2; ++i) try_login(parkd, "typo@auth.test", "wrong-password");
  ASSERT_EQ(try_login(parkd, "typo@auth.test", "right-password").status, 200);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(try_login(parkd, "typo@auth.test", "wrong-password").status, 401);
  }
  EXPECT_EQ(try_login(parkd, "typo@auth.test", "right-password").status, 200);
}

}  // namespace
}  // namespace parkd::test
