// The email tests' common ground: parkd run with its worker against tests/support/
// smtp_sink (with or without SMTP AUTH), each received message read back as a mail
// client shows it, and the times the emails print. Used by tests/api/email_test.cpp and
// email_delivery_test.cpp.
#pragma once

#include "support/api_helpers.h"
#include "support/job_support.h"
#include "support/parkd_process.h"
#include "support/smtp_sink.h"

#include "common/time.h"
#include "mail/encoding.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

namespace parkd::test::email {

using namespace std::chrono_literals;

using parkd::testing::ReceivedMessage;
using parkd::testing::SmtpSink;
using parkd::testing::SmtpSinkOptions;

constexpr const char* kSmtpUser = "parkd-mailer";
constexpr const char* kSmtpPassword = "Sm7p-pa55word!";
constexpr const char* kMailFrom = "noreply@parkd.test";
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;
inline const std::vector<std::string> kApiOnly{"serve", "--no-worker", "--no-scheduler"};

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// "2026-11-24 18:00 UTC": how the emails show an API time (TIMEZONE is UTC here).
inline std::string shown(const json& iso) {
  std::string t = iso.get<std::string>();
  return t.substr(0, 10) + " " + t.substr(11, 5) + " UTC";
}

// The unix time of 12:00 UTC on the day `days` before today.
inline std::int64_t noon_days_ago(int days) {
  auto today = date::floor<date::days>(std::chrono::system_clock::now());
  return std::chrono::duration_cast<std::chrono::seconds>(
             (today - date::days{days} + std::chrono::hours{12}).time_since_epoch())
      .count();
}

// 12:00 UTC on the 10th of last month, and that month as "YYYY-MM".
inline std::pair<std::int64_t, std::string> mid_last_month() {
  date::year_month_day today{date::floor<date::days>(std::chrono::system_clock::now())};
  date::year_month last = date::year_month{today.year(), today.month()} - date::months{1};
  date::sys_days tenth{last / date::day{10}};
  auto at = std::chrono::duration_cast<std::chrono::seconds>(
                (tenth + std::chrono::hours{12}).time_since_epoch())
                .count();
  return {at, date::format("%Y-%m", last)};
}

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A message as the sink received it and as a mail client shows it.
struct Mail {
  ReceivedMessage envelope;
  MimeEntity mime;
  std::string subject, text, html;
};

inline Mail read_mail(const ReceivedMessage& received) {
  Mail m{received, parse_mime(received.data), "", "", ""};
  m.subject = m.mime.subject();
  if (const MimeEntity* text = m.mime.body_part("text/plain")) m.text = text->decoded();
  if (const MimeEntity* html = m.mime.body_part("text/html")) m.html = html->decoded();
  return m;
}

// The users created on `day_or_month` ("2026-11-23" or "2026-10"), admin included.
inline std::int64_t users_created_in(const HttpClient& http, const std::string& admin,
                                     const std::string& prefix) {
  auto r = http.get("/api/users", admin);
  EXPECT_EQ(r.status, 200) << r.body;
  std::int64_t n = 0;
  json users = r.json()["users"];
  for (const auto& u : users) n += u["created_at"].get<std::string>().starts_with(prefix);
  return n;
}

// One database in `dir_`; `api_` runs parkd with its worker, sending through the sink.
class EmailFixture {
 protected:
  explicit EmailFixture(bool with_auth)
      : with_auth_(with_auth),
        sink_(with_auth ? SmtpSinkOptions{kSmtpUser, kSmtpPassword, true, {"PLAIN", "LOGIN"}}
                        : SmtpSinkOptions{}) {}

  std::map<std::string, std::string> smtp_env() const {
    std::map<std::string, std::string> env{{"SMTP_HOST", "127.0.0.1"},
                                           {"SMTP_PORT", std::to_string(sink_.port())},
                                           {"SMTP_TLS", "none"},
                                           {"MAIL_FROM", kMailFrom}};
    if (with_auth_) {
      env["SMTP_USER"] = kSmtpUser;
      env["SMTP_PASSWORD"] = kSmtpPassword;
    }
    return env;
  }

  void start(const std::map<std::string, std::string>& extra = {}) {
    auto env = smtp_env();
    for (auto& [k, v] : extra) env[k] = v;
    api_ = std::make_unique<ParkdProcess>(env, std::vector<std::string>{"serve", "--no-scheduler"},
                                          dir_.path());
    admin_ = api_->admin_token();
  }
  HttpClient http() const { return api_->client(); }

  // parkd on the same database with its clock at `unix_at`, and nothing in the
  // background: for bookings made "in the past".
  std::unique_ptr<ParkdProcess> process_at(std::int64_t unix_at,
                                           std::map<std::string, std::string> extra = {}) const {
    extra["PARKD_CLOCK_OFFSET"] = std::to_string(unix_at - unix_now());
    return std::make_unique<ParkdProcess>(extra, kApiOnly, dir_.path());
  }

  // The messages received so far for `to` (every recipient when empty) whose subject
  // starts with `subject_prefix`.
  std::vector<Mail> mail(const std::string& to, const std::string& subject_prefix) const {
    std::vector<Mail> out;
    for (const auto& received : sink_.messages()) {
      Mail m = read_mail(received);
      bool for_them = to.empty() || std::find(received.rcpt_to.begin(), received.rcpt_to.end(),
                                              to) != received.rcpt_to.end();
      if (for_them && m.subject.starts_with(subject_prefix)) out.push_back(std::move(m));
    }
    return out;
  }

  // Waits until `count` such messages arrived; the first of them (empty when none).
  Mail wait_for_mail(const std::string& to, const std::string& subject_prefix,
                     std::size_t count = 1) const {
    std::vector<Mail> found;
    bool arrived = eventually(
        [&] {
          found = mail(to, subject_prefix);
          return found.size() >= count;
        },
        20s);
    EXPECT_TRUE(arrived) << "no '" << subject_prefix << "' email for " << to << "\n" << api_->log();
    return found.empty() ? Mail{} : found.front();
  }

  // Waits until no job is queued, running or waiting for a retry.
  void wait_for_jobs_to_settle() const {
    bool settled = eventually(
        [&] {
          auto r = http().get("/api/admin/jobs?limit=10000", admin_);
          if (r.status != 200) return false;
          json jobs = r.json()["jobs"];
          for (const auto& j : jobs) {
            if (j["status"] != "succeeded" && j["status"] != "dead") return false;
          }
          return true;
        },
        20s);
    EXPECT_TRUE(settled) << http().get("/api/admin/jobs", admin_).body << "\n" << api_->log();
  }

  // What every email must be: sent to `to` alone, from MAIL_FROM, authenticated when
  // configured, with a plain-text and an HTML alternative.
  void expect_well_formed(const Mail& m, const std::string& to) const {
    EXPECT_EQ(m.envelope.rcpt_to, std::vector<std::string>{to});
    EXPECT_EQ(m.envelope.mail_from, kMailFrom);
    EXPECT_EQ(m.envelope.auth_user, with_auth_ ? kSmtpUser : "");
    EXPECT_TRUE(contains(m.mime.header("to"), "<" + to + ">") || m.mime.header("to") == to)
        << m.mime.header("to");
    EXPECT_TRUE(contains(m.mime.header("from"), kMailFrom)) << m.mime.header("from");
    EXPECT_FALSE(m.mime.header("date").empty());
    EXPECT_FALSE(m.mime.header("message-id").empty());
    EXPECT_FALSE(m.text.empty()) << m.envelope.data;
    EXPECT_FALSE(m.html.empty()) << m.envelope.data;
    EXPECT_TRUE(contains(m.html, "<html") || contains(m.html, "<table")) << m.html;
    EXPECT_FALSE(contains(m.text, "<p")) << m.text;
  }

  bool with_auth_;
  TempDir dir_;
  SmtpSink sink_;
  std::unique_ptr<ParkdProcess> api_;
  std::string admin_;
};

}  // namespace parkd::test::email
