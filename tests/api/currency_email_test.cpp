// Black-box: the emails show amounts in the configured CURRENCY (docs/api.md "Emails" and
// "Conventions"): parkd started with CURRENCY=EUR, a booking made, released and reserved,
// the daily admin report asked for, and every amount read back from the SMTP sink in both
// parts as "€3.75", never the default rupees or a bare number.
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

constexpr std::int64_t kHour = 3600;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct Parts {
  std::string subject, text, html;
};

class CurrencyEmails : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(sink_.start()); }

  void start(const std::string& currency) {
    api_ = std::make_unique<ParkdProcess>(Env{{"SMTP_HOST", "127.0.0.1"},
                                              {"SMTP_PORT", std::to_string(sink_.port())},
                                              {"SMTP_TLS", "none"},
                                              {"MAIL_FROM", "noreply@parkd.test"},
                                              {"CURRENCY", currency}},
                                          std::vector<std::string>{"serve", "--no-scheduler"},
                                          dir_.path());
    admin_ = api_->admin_token();
  }
  HttpClient http() const { return api_->client(); }

  // Waits for the `count`th email to `to` whose subject starts with `subject_prefix`, in
  // the order received; its parts.
  Parts wait_for_mail(const std::string& to, const std::string& subject_prefix,
                      std::size_t count = 1) const {
    Parts found;
    bool arrived = eventually(
        [&] {
          std::size_t seen = 0;
          for (const auto& received : sink_.messages()) {
            const auto& rcpt = received.rcpt_to;
            if (std::find(rcpt.begin(), rcpt.end(), to) == rcpt.end()) continue;
            MimeEntity mime = parse_mime(received.data);
            if (!mime.subject().starts_with(subject_prefix) || ++seen < count) continue;
            found.subject = mime.subject();
            if (const MimeEntity* text = mime.body_part("text/plain")) found.text = text->decoded();
            if (const MimeEntity* html = mime.body_part("text/html")) found.html = html->decoded();
            return true;
          }
          return false;
        },
        20s);
    EXPECT_TRUE(arrived) << "no email " << count << " '" << subject_prefix << "' for " << to << "\n"
                         << api_->log();
    return found;
  }

  TempDir dir_;
  SmtpSink sink_;
  std::unique_ptr<ParkdProcess> api_;
  std::string admin_;
};

TEST_F(CurrencyEmails, EveryAmountShowsTheConfiguredCurrency) {
  start("EUR");
  std::string lot_name = unique_name("Euro Quay");
  auto lot = create_lot(http(), admin_, 3, 3.75, lot_name);
  auto lot_id = lot["id"].get<std::int64_t>();
  TestUser user = make_user(*api_, "euro");

  const std::string confirmed = "Booking confirmed: " + lot_name + ", spot 1";
  auto parked = book(http(), user.token, {{"lot_id", lot_id}});
  ASSERT_EQ(parked.status, 201) << parked.body;
  Parts now = wait_for_mail(user.email, confirmed);
  EXPECT_TRUE(contains(now.text, "Price per hour: €3.75")) << now.text;
  EXPECT_TRUE(contains(now.text, "You are charged €3.75 per hour")) << now.text;
  EXPECT_TRUE(contains(now.html, "€3.75")) << now.html;

  auto released =
      http().post("/api/release/" + parked.json()["booking"]["id"].dump(), json(), user.token);
  ASSERT_EQ(released.status, 200) << released.body;
  auto reserved = book(http(), user.token, reservation(lot_id, kHour, 3 * kHour));
  ASSERT_EQ(reserved.status, 201) << reserved.body;
  Parts later = wait_for_mail(user.email, confirmed, 2);  // spot 1 again, free since release
  EXPECT_TRUE(contains(later.text, "Type: Reserved")) << later.text;
  EXPECT_TRUE(contains(later.text, "Price per hour: €3.75")) << later.text;
  EXPECT_TRUE(contains(later.text, "Total cost: €7.50")) << later.text;  // 2 h at 3.75
  EXPECT_TRUE(contains(later.html, "€7.50")) << later.html;

  ASSERT_EQ(http().post("/api/admin/send-daily-admin-report", json(), admin_).status, 202);
  Parts report = wait_for_mail(kAdminEmail, "parkd daily report for ");
  EXPECT_TRUE(contains(report.text, "Revenue: €0.00")) << report.text;  // nothing yesterday
  EXPECT_TRUE(contains(report.text, "- " + lot_name + ": 0, €0.00,")) << report.text;
  EXPECT_TRUE(contains(report.html, "€0.00")) << report.html;

  for (const Parts* m : {&now, &later, &report}) {
    EXPECT_FALSE(contains(m->text + m->html, "₹")) << m->text;
  }
}

TEST_F(CurrencyEmails, ACurrencyWithoutASymbolShowsItsCode) {
  start("CHF");
  std::string lot_name = unique_name("Franc Quay");
  auto lot = create_lot(http(), admin_, 1, 2.5, lot_name);
  TestUser user = make_user(*api_, "franc");
  ASSERT_EQ(book(http(), user.token, {{"lot_id", lot["id"]}}).status, 201);
  Parts m = wait_for_mail(user.email, "Booking confirmed: " + lot_name);
  EXPECT_TRUE(contains(m.text, "Price per hour: CHF 2.50")) << m.text;
  EXPECT_TRUE(contains(m.html, "CHF 2.50")) << m.html;
}

}  // namespace
}  // namespace parkd::test
