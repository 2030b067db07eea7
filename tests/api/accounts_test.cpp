// Black-box tests of the second release's account changes (docs/openapi.yaml: PUT
// /api/users/{id}, PATCH /auth/me, POST /auth/password) and of the `disabled` flag every
// User object carries, against the real binary over HTTP.
#include "support/api_assertions.h"
#include "support/api_helpers.h"

#include <gtest/gtest.h>

#include <string>

namespace parkd::test {
namespace {

constexpr const char* kUserPassword = "password-123";  // ParkdProcess::register_user's

class Accounts : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_token_ = parkd_.admin_token();
    auto me = http_.get("/auth/me", admin_token_);
    ASSERT_EQ(me.status, 200) << me.body;
    admin_id_ = me.json()["user"]["id"].get<std::int64_t>();
  }

  HttpResult put_user(std::int64_t id, const json& body, const std::string& token = "") const {
    return http_.put("/api/users/" + std::to_string(id), body,
                     token.empty() ? admin_token_ : token);
  }
  HttpResult login(const std::string& email, const std::string& password) const {
    return http_.post("/auth/login", {{"email", email}, {"password", password}});
  }

  ParkdProcess parkd_;
  HttpClient http_ = parkd_.client();
  std::string admin_token_;
  std::int64_t admin_id_ = 0;
};

TEST_F(Accounts, EveryUserObjectSaysWhetherTheAccountIsDisabled) {
  auto reg =
      http_.post("/auth/register", {{"email", "flag@test.local"}, {"password", "pw-12345678"}});
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(reg.json()["user"]["disabled"], false);
  auto token = reg.json()["token"].get<std::string>();
  EXPECT_EQ(http_.get("/auth/me", token).json()["user"]["disabled"], false);
  EXPECT_EQ(login("flag@test.local", "pw-12345678").json()["user"]["disabled"], false);
  // Kept in a variable: a range-for over a member of a temporary would dangle.
  auto users = http_.get("/api/users", admin_token_).json()["users"];
  ASSERT_EQ(users.size(), 2u) << users;
  for (const auto& u : users) EXPECT_EQ(u["disabled"], false) << u;
}

TEST_F(Accounts, DisablingAUserEndsItsTokensAtOnceAndRefusesItsLogin) {
  auto user = make_user(parkd_, "disable");
  auto r = put_user(user.id, {{"disabled", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["user"]["id"], user.id);
  EXPECT_EQ(r.json()["user"]["disabled"], true);
  EXPECT_EQ(r.json()["user"]["roles"], json::array({"user"}));

  EXPECT_TRUE(IsJsonError(http_.get("/auth/me", user.token), 401));
  EXPECT_TRUE(IsJsonError(login(user.email, kUserPassword), 403, "account_disabled"));
  // The admin's list shows it.
  auto users = http_.get("/api/users", admin_token_).json()["users"];
  bool listed = false;
  for (const auto& u : users) {
    if (u["id"] == user.id) listed = u["disabled"] == true;
  }
  EXPECT_TRUE(listed) << users;

  auto enabled = put_user(user.id, {{"disabled", false}});
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  EXPECT_EQ(enabled.json()["user"]["disabled"], false);
  auto back = login(user.email, kUserPassword);
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(http_.get("/auth/me", back.json()["token"].get<std::string>()).status, 200);
}

TEST_F(Accounts, PromotingAUserGivesTheAdminRoleAndEndsItsOlderTokens) {
  auto user = make_user(parkd_, "promote");
  EXPECT_TRUE(IsJsonError(http_.get("/api/users", user.token), 403));
  auto r = put_user(user.id, {{"roles", {"admin"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["user"]["roles"], json::array({"admin"}));
  EXPECT_TRUE(IsJsonError(http_.get("/auth/me", user.token), 401));
  auto again = login(user.email, kUserPassword);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["roles"], json::array({"admin"}));
  EXPECT_EQ(http_.get("/api/users", again.json()["token"].get<std::string>()).status, 200);

  // And back: an admin may demote another admin.
  auto demoted = put_user(user.id, {{"roles", {"user"}}});
  ASSERT_EQ(demoted.status, 200) << demoted.body;
  EXPECT_EQ(demoted.json()["user"]["roles"], json::array({"user"}));
}

TEST_F(Accounts, BothFieldsChangeTogether) {
  auto user = make_user(parkd_, "both");
  auto r = put_user(user.id, {{"roles", {"admin"}}, {"disabled", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["user"]["roles"], json::array({"admin"}));
  EXPECT_EQ(r.json()["user"]["disabled"], true);
  EXPECT_TRUE(IsJsonError(login(user.email, kUserPassword), 403, "account_disabled"));
}

TEST_F(Accounts, AChangeToWhatIsStoredKeepsTheUsersTokens) {
  auto user = make_user(parkd_, "same");
  auto r = put_user(user.id, {{"roles", {"user"}}, {"disabled", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(http_.get("/auth/me", user.token).status, 200);
}

TEST_F(Accounts, AnAdminCannotDisableOrDemoteThemself) {
  EXPECT_TRUE(IsJsonError(put_user(admin_id_, {{"disabled", true}}), 409, "self_lockout"));
  EXPECT_TRUE(IsJsonError(put_user(admin_id_, {{"roles", {"user"}}}), 409, "self_lockout"));
  // Nothing changed: the admin's token still works and still has the role.
  auto me = http_.get("/auth/me", admin_token_);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["user"]["roles"], json::array({"admin"}));
  EXPECT_EQ(me.json()["user"]["disabled"], false);
  // Saying what is already so is no change.
  EXPECT_EQ(put_user(admin_id_, {{"roles", {"admin"}}, {"disabled", false}}).status, 200);
  EXPECT_EQ(http_.get("/auth/me", admin_token_).status, 200);
}

TEST_F(Accounts, AnUnknownUserIsNotFound) {
  EXPECT_TRUE(IsJsonError(put_user(999999, {{"disabled", true}}), 404));
  EXPECT_TRUE(IsJsonError(http_.put("/api/users/abc", {{"disabled", true}}, admin_token_), 404));
}

TEST_F(Accounts, AMalformedChangeIsRefusedNamingTheField) {
  auto user = make_user(parkd_, "badbody");
  struct Case {
    json body;
    const char* field;
  };
  for (const auto& c :
       {Case{json::object(), "roles"}, Case{{{"roles", "admin"}}, "roles"},
        Case{{{"roles", json::array()}}, "roles"}, Case{{{"roles", {"boss"}}}, "roles"},
        Case{{{"roles", {1}}}, "roles"}, Case{{{"disabled", "yes"}}, "disabled"},
        Case{{{"disabled", 1}}, "disabled"},
        Case{{{"roles", {"admin"}}, {"disabled", nullptr}}, "disabled"}}) {
    auto r = put_user(user.id, c.body);
    EXPECT_TRUE(IsJsonError(r, 400)) << c.body;
    EXPECT_TRUE(r.json()["fields"].contains(c.field)) << c.body << " -> " << r.body;
  }
  EXPECT_TRUE(IsJsonError(
      http_.request("PUT", "/api/users/" + std::to_string(user.id), "{not json",
                    {"Content-Type: application/json", "Authorization: Bearer " + admin_token_}),
      400));
  // None of them changed anything.
  auto me = http_.get("/auth/me", user.token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["user"]["roles"], json::array({"user"}));
}

TEST_F(Accounts, OnlyAnAdminChangesUsers) {
  auto user = make_user(parkd_, "notadmin");
  auto other = make_user(parkd_, "victim");
  EXPECT_TRUE(IsJsonError(put_user(other.id, {{"disabled", true}}, user.token), 403));
  EXPECT_TRUE(IsJsonError(put_user(user.id, {{"roles", {"admin"}}}, user.token), 403));
  EXPECT_TRUE(
      IsJsonError(http_.put("/api/users/" + std::to_string(other.id), {{"disabled", true}}), 401));
  EXPECT_EQ(http_.get("/auth/me", other.token).status, 200);
}

}  // namespace
}  // namespace parkd::test

namespace parkd::test {
namespace {

TEST_F(Accounts, AUserRenamesThemselfTrimmedAndKeepsTheirToken) {
  auto user = make_user(parkd_, "rename");
  auto r = http_.patch("/auth/me", {{"username", "  Asha Rao  "}}, user.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["user"]["username"], "Asha Rao");
  EXPECT_EQ(r.json()["user"]["id"], user.id);
  auto me = http_.get("/auth/me", user.token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["user"]["username"], "Asha Rao");
  // The new name logs in, as a registered one does.
  EXPECT_EQ(login("asha rao", kUserPassword).status, 200);
  // Its own name in another case is no conflict.
  EXPECT_EQ(
      http_.patch("/auth/me", {{"username", "ASHA RAO"}}, user.token).json()["user"]["username"],
      "ASHA RAO");
}

TEST_F(Accounts, AnEmptyOrNullUsernameMeansNone) {
  auto user = make_user(parkd_, "noname");
  ASSERT_EQ(http_.patch("/auth/me", {{"username", "Temp"}}, user.token).status, 200);
  auto blank = http_.patch("/auth/me", {{"username", "   "}}, user.token);
  ASSERT_EQ(blank.status, 200) << blank.body;
  EXPECT_TRUE(blank.json()["user"]["username"].is_null());
  ASSERT_EQ(http_.patch("/auth/me", {{"username", "Temp"}}, user.token).status, 200);
  auto null = http_.patch("/auth/me", {{"username", nullptr}}, user.token);
  ASSERT_EQ(null.status, 200) << null.body;
  EXPECT_TRUE(null.json()["user"]["username"].is_null());
}

TEST_F(Accounts, AnotherUsersNameIsTakenIgnoringCase) {
  auto first = make_user(parkd_, "first");
  auto second = make_user(parkd_, "second");
  ASSERT_EQ(http_.patch("/auth/me", {{"username", "Ravi"}}, first.token).status, 200);
  EXPECT_TRUE(IsJsonError(http_.patch("/auth/me", {{"username", "rAVI"}}, second.token), 409,
                          "username_taken"));
  EXPECT_TRUE(http_.get("/auth/me", second.token).json()["user"]["username"].is_null());
}

TEST_F(Accounts, ABadUsernameIsRefusedByTheRulesOfRegistration) {
  auto user = make_user(parkd_, "badname");
  int registrations = 0;
  for (const json& name : {json("a@b"), json(std::string(65, 'x')), json("tab\there"), json(5)}) {
    auto r = http_.patch("/auth/me", {{"username", name}}, user.token);
    EXPECT_TRUE(IsJsonError(r, 400)) << name;
    EXPECT_TRUE(r.json()["fields"].contains("username")) << name << " -> " << r.body;
    // Registration says the same about it.
    if (name.is_string()) {
      auto reg = http_.post("/auth/register",
                            {{"email", "badname-" + std::to_string(++registrations) + "@x.test"},
                             {"username", name},
                             {"password", "pw-12345678"}});
      EXPECT_EQ(reg.status, 400) << name;
      EXPECT_TRUE(reg.json()["fields"].contains("username")) << name << " -> " << reg.body;
    }
  }
  auto missing = http_.patch("/auth/me", json::object(), user.token);
  EXPECT_TRUE(IsJsonError(missing, 400));
  EXPECT_TRUE(missing.json()["fields"].contains("username")) << missing.body;
  EXPECT_TRUE(IsJsonError(http_.patch("/auth/me", {{"username", "Nobody"}}), 401));
}

}  // namespace
}  // namespace parkd::test

namespace parkd::test {
namespace {

TEST_F(Accounts, ChangingThePasswordEndsEveryOtherTokenAndAnswersAFreshOne) {
  auto user = make_user(parkd_, "passwd");
  auto second = login(user.email, kUserPassword).json()["token"].get<std::string>();
  auto r = http_.post("/auth/password",
                      {{"current_password", kUserPassword}, {"new_password", "a new pass phrase"}},
                      user.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["message"].is_string());
  auto fresh = r.json()["token"].get<std::string>();
  EXPECT_TRUE(IsJsonError(http_.get("/auth/me", user.token), 401));
  EXPECT_TRUE(IsJsonError(http_.get("/auth/me", second), 401));
  EXPECT_EQ(http_.get("/auth/me", fresh).status, 200);
  EXPECT_TRUE(IsJsonError(login(user.email, kUserPassword), 401));
  EXPECT_EQ(login(user.email, "a new pass phrase").status, 200);
}

TEST_F(Accounts, AWrongCurrentPasswordChangesNothing) {
  auto user = make_user(parkd_, "wrongpw");
  auto r = http_.post("/auth/password",
                      {{"current_password", "not-the-password"}, {"new_password", "another-one-1"}},
                      user.token);
  EXPECT_TRUE(IsJsonError(r, 401, "wrong_password"));
  EXPECT_EQ(http_.get("/auth/me", user.token).status, 200);
  EXPECT_EQ(login(user.email, kUserPassword).status, 200);
}

// A stolen token must not become a way to guess the password: wrong current passwords
// count like failed logins (LOGIN_MAX_FAILURES, default 5), then even the right one waits.
TEST_F(Accounts, WrongCurrentPasswordsAreThrottledLikeFailedLogins) {
  auto user = make_user(parkd_, "guessed");
  json guess = {{"current_password", "not-the-password"}, {"new_password", "another-one-1"}};
  for (int i = 1; i <= 5; ++i) {
    EXPECT_TRUE(IsJsonError(http_.post("/auth/password", guess, user.token), 401)) << i;
  }
  json right = {{"current_password", kUserPassword}, {"new_password", "another-one-1"}};
  auto blocked = http_.post("/auth/password", right, user.token);
  EXPECT_TRUE(IsJsonError(blocked, 429, "too_many_attempts")) << blocked.body;
  EXPECT_TRUE(blocked.header("retry-after").has_value());
  EXPECT_EQ(login(user.email, kUserPassword).status, 429);  // one count per account
}

TEST_F(Accounts, ANewPasswordOutsideTheRulesIsRefusedAsFieldsPassword) {
  auto user = make_user(parkd_, "weakpw");
  for (const std::string& bad :
       {std::string("short"), std::string(129, 'x'), std::string(12, ' ')}) {
    auto r = http_.post("/auth/password",
                        {{"current_password", kUserPassword}, {"new_password", bad}}, user.token);
    EXPECT_TRUE(IsJsonError(r, 400)) << bad.size();
    EXPECT_TRUE(r.json()["fields"].contains("password")) << r.body;
  }
  auto missing = http_.post("/auth/password", {{"current_password", kUserPassword}}, user.token);
  EXPECT_TRUE(IsJsonError(missing, 400));
  EXPECT_TRUE(missing.json()["fields"].contains("new_password")) << missing.body;
  EXPECT_TRUE(IsJsonError(http_.post("/auth/password", {{"current_password", kUserPassword},
                                                        {"new_password", "x-12345678"}}),
                          401));
  // Still the old password, still the old token.
  EXPECT_EQ(http_.get("/auth/me", user.token).status, 200);
  EXPECT_EQ(login(user.email, kUserPassword).status, 200);
}

}  // namespace
}  // namespace parkd::test
