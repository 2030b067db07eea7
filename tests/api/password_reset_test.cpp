// Black-box: password reset (docs/api.md "Password reset"): the same answer for every
// email, the link in the email (from PUBLIC_URL, never from the request), a token that
// works once and for one hour, a weak password that leaves the token usable, and the
// throttling of requests and of bad tokens.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/job_support.h"
#include "support/parkd_process.h"
#include "support/smtp_sink.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;
using parkd::testing::SmtpSink;

constexpr const char* kPublicUrl = "https://parking.example.com";
constexpr const char* kSubject = "Reset your parkd password";
constexpr const char* kPassword = "old-password-1";
constexpr const char* kNewPassword = "brand-new-password-2";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct ResetMail {
  std::string text, html, token;
};

// One parkd with its worker, sending through the sink; PUBLIC_URL given with a trailing
// '/', which parkd drops.
class PasswordReset : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(sink_.start()); }

  void start(Env extra = {}, std::vector<std::string> args = {"serve", "--no-scheduler"}) {
    Env env{{"SMTP_HOST", "127.0.0.1"},
            {"SMTP_PORT", std::to_string(sink_.port())},
            {"SMTP_TLS", "none"},
            {"MAIL_FROM", "noreply@parkd.test"},
            {"PUBLIC_URL", std::string(kPublicUrl) + "/"}};
    for (auto& [k, v] : extra) env[k] = v;
    api_.reset();
    api_ = std::make_unique<ParkdProcess>(env, args, dir_.path());
  }
  HttpClient http() const { return api_->client(); }

  HttpResult ask(const std::string& email, const std::vector<std::string>& headers = {}) const {
    return http().post("/auth/password-reset", {{"email", email}}, "", headers);
  }
  HttpResult confirm(const std::string& token, const std::string& password) const {
    return http().post("/auth/password-reset/confirm",
                       {{"token", token}, {"new_password", password}});
  }
  HttpResult login(const std::string& email, const std::string& password) const {
    return http().post("/auth/login", {{"email", email}, {"password", password}});
  }

  // The reset emails received for `to`, oldest first, with the token of each link.
  std::vector<ResetMail> mails_to(const std::string& to) const {
    std::vector<ResetMail> out;
    for (const auto& received : sink_.messages()) {
      if (std::find(received.rcpt_to.begin(), received.rcpt_to.end(), to) == received.rcpt_to.end())
        continue;
      MimeEntity mime = parse_mime(received.data);
      if (mime.subject() != kSubject) continue;
      ResetMail m;
      if (const MimeEntity* text = mime.body_part("text/plain")) m.text = text->decoded();
      if (const MimeEntity* html = mime.body_part("text/html")) m.html = html->decoded();
      std::string prefix = std::string(kPublicUrl) + "/reset-password?token=";
      if (auto at = m.text.find(prefix); at != std::string::npos) {
        auto start = at + prefix.size();
        auto end = m.text.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", start);
        m.token = m.text.substr(start, end - start);
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  // Waits for the `count`th reset email to `to`; that one.
  ResetMail wait_for_mail(const std::string& to, std::size_t count = 1) const {
    std::vector<ResetMail> found;
    bool arrived = eventually(
        [&] {
          found = mails_to(to);
          return found.size() >= count;
        },
        20s);
    EXPECT_TRUE(arrived) << "no reset email " << count << " for " << to << "\n" << api_->log();
    return found.size() >= count ? found[count - 1] : ResetMail{};
  }

  // Waits until every password_reset job has finished.
  void wait_for_reset_jobs(std::size_t count) const {
    std::string admin = api_->admin_token();
    bool settled = eventually(
        [&] {
          json jobs = jobs_of_type(http(), admin, "password_reset");
          std::size_t done = 0;
          for (const auto& j : jobs) done += j["status"] == "succeeded";
          return done >= count;
        },
        20s);
    EXPECT_TRUE(settled) << api_->log();
  }

  TempDir dir_;
  SmtpSink sink_;
  std::unique_ptr<ParkdProcess> api_;
};

TEST_F(PasswordReset, KnownAndUnknownEmailsGetTheSameAnswer) {
  start();
  api_->register_user("known@reset.test", kPassword);
  auto known = ask("known@reset.test");
  auto unknown = ask("nobody@reset.test");
  ASSERT_EQ(known.status, 202) << known.body;
  ASSERT_EQ(unknown.status, 202) << unknown.body;
  EXPECT_EQ(known.body, unknown.body);
  EXPECT_TRUE(known.json()["message"].is_string()) << known.body;
  wait_for_reset_jobs(2);
  EXPECT_EQ(mails_to("known@reset.test").size(), 1u);
  EXPECT_TRUE(mails_to("nobody@reset.test").empty());
  EXPECT_EQ(sink_.messages().size(), 1u);
}

TEST_F(PasswordReset, NotAnEmailIs400WithTheField) {
  start();
  auto r = ask("not-an-email");
  ASSERT_TRUE(IsJsonError(r, 400)) << r.body;
  EXPECT_TRUE(r.json()["fields"].contains("email")) << r.body;
  EXPECT_TRUE(IsJsonError(http().post("/auth/password-reset", json::object()), 400));
}

TEST_F(PasswordReset, TheLinkSetsANewPasswordAndEndsEveryToken) {
  start();
  std::string old_token = api_->register_user("forgetful@reset.test", kPassword);
  // A forged Host must not reach the link (host-header poisoning).
  auto asked =
      ask("Forgetful@Reset.test", {"Host: evil.example", "X-Forwarded-Host: evil.example"});
  ASSERT_EQ(asked.status, 202) << asked.body;
  ResetMail mail = wait_for_mail("forgetful@reset.test");
  ASSERT_EQ(mail.token.size(), 43u) << mail.text;
  // The HTML part has the same link, its '/' escaped as &#x2F;.
  EXPECT_TRUE(contains(mail.html, "parking.example.com&#x2F;reset-password?token=" + mail.token))
      << mail.html;
  EXPECT_FALSE(contains(mail.text + mail.html, "evil.example"));
  EXPECT_FALSE(contains(mail.text, "<p")) << mail.text;
  // The token is in the email alone: not in the log, not in the admin's job list.
  EXPECT_FALSE(contains(api_->log(), mail.token));
  EXPECT_FALSE(contains(http().get("/api/admin/jobs", api_->admin_token()).body, mail.token));

  auto done = confirm(mail.token, kNewPassword);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_TRUE(done.json()["message"].is_string()) << done.body;
  EXPECT_TRUE(IsJsonError(http().get("/auth/me", old_token), 401));
  EXPECT_TRUE(IsJsonError(login("forgetful@reset.test", kPassword), 401));
  auto fresh = login("forgetful@reset.test", kNewPassword);
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(http().get("/auth/me", fresh.json()["token"]).status, 200);
  // Single use.
  EXPECT_TRUE(IsJsonError(confirm(mail.token, "yet-another-password-3"), 400, "invalid_token"));
  EXPECT_EQ(login("forgetful@reset.test", kNewPassword).status, 200);
}

TEST_F(PasswordReset, AnUnknownTokenIsInvalid) {
  start();
  EXPECT_TRUE(
      IsJsonError(confirm("not-a-token-anyone-was-sent", kNewPassword), 400, "invalid_token"));
  EXPECT_TRUE(IsJsonError(confirm("", kNewPassword), 400, "invalid_token"));
  auto missing = http().post("/auth/password-reset/confirm", {{"new_password", kNewPassword}});
  ASSERT_TRUE(IsJsonError(missing, 400));
  EXPECT_TRUE(missing.json()["fields"].contains("token")) << missing.body;
}

// Two confirmations of one link released together, several rounds: the token is used
// once, so exactly one sets its password and the other is told the token is invalid.
TEST_F(PasswordReset, TwoConfirmationsRacingWithOneTokenLetExactlyOneWin) {
  // Every round asks for a link and loses one confirmation: room for all of them.
  start({{"LOGIN_MAX_FAILURES", "1000"}, {"LOGIN_MAX_FAILURES_PER_ADDRESS", "100000"}});
  const std::string email = "raced@reset.test";
  api_->register_user(email, kPassword);
  std::string current = kPassword;
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_EQ(ask(email).status, 202);
    ResetMail mail = wait_for_mail(email, static_cast<std::size_t>(round) + 1);
    ASSERT_FALSE(mail.token.empty()) << mail.text;
    const std::vector<std::string> candidates{"racer-one-password-" + std::to_string(round),
                                              "racer-two-password-" + std::to_string(round)};
    auto results = run_together(
        2, [&](int i) { return confirm(mail.token, candidates[static_cast<std::size_t>(i)]); });
    int winner = -1;
    for (int i = 0; i < 2; ++i) {
      if (results[i].status == 200) {
        EXPECT_EQ(winner, -1) << "both confirmations succeeded";
        winner = i;
      } else {
        EXPECT_TRUE(IsJsonError(results[i], 400, "invalid_token")) << results[i].body;
      }
    }
    ASSERT_NE(winner, -1) << results[0].body << "\n" << results[1].body;
    const std::string& won = candidates[static_cast<std::size_t>(winner)];
    const std::string& lost = candidates[static_cast<std::size_t>(1 - winner)];
    EXPECT_EQ(login(email, won).status, 200);
    EXPECT_TRUE(IsJsonError(login(email, lost), 401));
    EXPECT_TRUE(IsJsonError(login(email, current), 401));
    EXPECT_TRUE(IsJsonError(confirm(mail.token, "too-late-password-9"), 400, "invalid_token"));
    current = won;
  }
}

TEST_F(PasswordReset, AWeakPasswordLeavesTheTokenUsable) {
  start();
  api_->register_user("weak@reset.test", kPassword);
  ASSERT_EQ(ask("weak@reset.test").status, 202);
  ResetMail mail = wait_for_mail("weak@reset.test");
  for (const char* weak : {"short", "          "}) {
    auto r = confirm(mail.token, weak);
    ASSERT_TRUE(IsJsonError(r, 400)) << weak;
    EXPECT_TRUE(r.json()["fields"].contains("password")) << r.body;
  }
  EXPECT_EQ(login("weak@reset.test", kPassword).status, 200);
  ASSERT_EQ(confirm(mail.token, kNewPassword).status, 200);
  EXPECT_EQ(login("weak@reset.test", kNewPassword).status, 200);
}

TEST_F(PasswordReset, ANewRequestReplacesTheEarlierLink) {
  start();
  api_->register_user("twice@reset.test", kPassword);
  ASSERT_EQ(ask("twice@reset.test").status, 202);
  ResetMail first = wait_for_mail("twice@reset.test", 1);
  ASSERT_EQ(ask("twice@reset.test").status, 202);
  ResetMail second = wait_for_mail("twice@reset.test", 2);
  ASSERT_NE(first.token, second.token);
  EXPECT_TRUE(IsJsonError(confirm(first.token, kNewPassword), 400, "invalid_token"));
  EXPECT_EQ(confirm(second.token, kNewPassword).status, 200);
}

TEST_F(PasswordReset, TheTokenExpiresAfterOneHour) {
  start();
  api_->register_user("slow@reset.test", kPassword);
  ASSERT_EQ(ask("slow@reset.test").status, 202);
  ResetMail mail = wait_for_mail("slow@reset.test");
  ASSERT_FALSE(mail.token.empty());
  const std::vector<std::string> api_only{"serve", "--no-worker", "--no-scheduler"};
  // 59 minutes later it still works (a weak password proves it without using it up) ...
  start({{"PARKD_CLOCK_OFFSET", "3540"}}, api_only);
  auto weak = confirm(mail.token, "short");
  ASSERT_TRUE(IsJsonError(weak, 400)) << weak.body;
  EXPECT_TRUE(weak.json()["fields"].contains("password")) << weak.body;
  // ... and past the hour it does not.
  start({{"PARKD_CLOCK_OFFSET", "3610"}}, api_only);
  EXPECT_TRUE(IsJsonError(confirm(mail.token, kNewPassword), 400, "invalid_token"));
  EXPECT_EQ(login("slow@reset.test", kPassword).status, 200);
}

TEST_F(PasswordReset, ADisabledAccountGetsNoLink) {
  start();
  api_->register_user("disabled@reset.test", kPassword);
  std::string admin = api_->admin_token();
  auto me = http().post("/auth/login", {{"email", "disabled@reset.test"}, {"password", kPassword}});
  auto id = me.json()["user"]["id"].get<std::int64_t>();
  ASSERT_EQ(http().put("/api/users/" + std::to_string(id), {{"disabled", true}}, admin).status,
            200);
  ASSERT_EQ(ask("disabled@reset.test").status, 202);
  wait_for_reset_jobs(1);
  EXPECT_TRUE(mails_to("disabled@reset.test").empty());
}

TEST_F(PasswordReset, RequestsAreThrottledPerAccountApartFromLogins) {
  start({{"LOGIN_MAX_FAILURES", "2"}});
  api_->register_user("spammed@reset.test", kPassword);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(ask("spammed@reset.test").status, 202) << i;
  auto blocked = ask("SPAMMED@reset.test");
  ASSERT_TRUE(IsJsonError(blocked, 429, "too_many_attempts"));
  int retry_after = std::stoi(blocked.header("retry-after").value_or("0"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 900);
  // Logins count apart: the account still logs in, and another email may still ask.
  EXPECT_EQ(login("spammed@reset.test", kPassword).status, 200);
  EXPECT_EQ(ask("someone-else@reset.test").status, 202);
}

TEST_F(PasswordReset, RequestsAreThrottledPerAddress) {
  start({{"LOGIN_MAX_FAILURES_PER_ADDRESS", "3"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ask("probe-" + std::to_string(i) + "@reset.test").status, 202) << i;
  }
  auto blocked = ask("probe-3@reset.test");
  ASSERT_TRUE(IsJsonError(blocked, 429));
  EXPECT_TRUE(blocked.header("retry-after").has_value());
}

TEST_F(PasswordReset, BadTokensAreThrottledPerAddress) {
  start({{"LOGIN_MAX_FAILURES_PER_ADDRESS", "3"}});
  api_->register_user("guessed@reset.test", kPassword);
  ASSERT_EQ(ask("guessed@reset.test").status, 202);
  ResetMail mail = wait_for_mail("guessed@reset.test");
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        IsJsonError(confirm("guess-" + std::to_string(i), kNewPassword), 400, "invalid_token"));
  }
  auto blocked = confirm(mail.token, kNewPassword);
  ASSERT_TRUE(IsJsonError(blocked, 429, "too_many_attempts"));
  EXPECT_TRUE(blocked.header("retry-after").has_value());
  // Not mixed with logins from the same address.
  EXPECT_EQ(login("guessed@reset.test", kPassword).status, 200);
}

}  // namespace
}  // namespace parkd::test
