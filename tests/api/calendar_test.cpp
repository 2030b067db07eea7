// Black-box: the reservation calendar of docs/api.md "Calendar", as a user meets it:
// reservation.ics on the confirmation email, the booking cancelled email with
// METHOD:CANCEL, the extension email with the updated REQUEST (all over real SMTP,
// read back with libical), and GET /api/bookings/{id}/calendar.ics with its access rules.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/ical_reading.h"
#include "support/job_support.h"
#include "support/parkd_process.h"
#include "support/smtp_sink.h"

#include "common/time.h"

#include <gtest/gtest.h>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;
using parkd::testing::IcalReading;
using parkd::testing::read_ical;
using parkd::testing::SmtpSink;

constexpr const char* kMailFrom = "noreply@parkd.test";
constexpr std::int64_t kHour = 3600;
// A lot name and address that need escaping in iCalendar TEXT (lot names may hold no
// line break; addresses may).
const std::string kAddress =
    "Quai 1, Gate 2; Level \u2212"
    "1\nZ\u00fcrich";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A message as the sink received it: subject, text part and its reservation.ics.
struct Mail {
  std::string subject, text, html;
  std::optional<std::string> ics;
  std::string ics_content_type;  // of the attachment part
};

Mail read_mail(const std::string& data) {
  MimeEntity mime = parse_mime(data);
  Mail m{mime.subject(), "", "", mime.attachment("reservation.ics"), ""};
  if (const MimeEntity* text = mime.body_part("text/plain")) m.text = text->decoded();
  if (const MimeEntity* html = mime.body_part("text/html")) m.html = html->decoded();
  for (const MimeEntity* leaf : mime.leaves()) {
    if (leaf->parameter("content-disposition", "filename") == "reservation.ics") {
      m.ics_content_type = leaf->header("content-type");
    }
  }
  return m;
}

// parkd with its worker, sending through the sink; one user and a lot with an awkward
// name and address.
class Calendar : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sink_.start());
    parkd_ = std::make_unique<ParkdProcess>(Env{{"SMTP_HOST", "127.0.0.1"},
                                                {"SMTP_PORT", std::to_string(sink_.port())},
                                                {"SMTP_TLS", "none"},
                                                {"MAIL_FROM", kMailFrom}},
                                            std::vector<std::string>{"serve", "--no-scheduler"});
    admin_ = parkd_->admin_token();
    user_ = make_user(*parkd_);
    lot_name_ = unique_name("Quay, Pier; \\North\\ \u99d0\u8eca\u5834");
    auto r = http().post(
        "/api/lots",
        {{"name", lot_name_}, {"capacity", 2}, {"price_per_hour", 2}, {"address", kAddress}},
        admin_);
    ASSERT_EQ(r.status, 201) << r.body;
    lot_ = r.json()["lot"];
  }

  HttpClient http() const { return parkd_->client(); }

  json reserve(std::int64_t start_s, std::int64_t end_s) {
    auto r = book(http(), user_.token, reservation(lot_["id"].get<std::int64_t>(), start_s, end_s));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["booking"];
  }

  // Waits for the `count`th email whose subject starts with `subject_prefix`.
  Mail wait_for_mail(const std::string& subject_prefix, std::size_t count = 1) const {
    std::vector<Mail> found;
    bool arrived = eventually(
        [&] {
          found.clear();
          for (const auto& received : sink_.messages()) {
            Mail m = read_mail(received.data);
            if (m.subject.starts_with(subject_prefix)) found.push_back(std::move(m));
          }
          return found.size() >= count;
        },
        20s);
    EXPECT_TRUE(arrived) << "no '" << subject_prefix << "' email\n" << parkd_->log();
    return found.size() >= count ? found[count - 1] : Mail{};
  }

  HttpResult calendar_file(const json& booking, const std::string& token) const {
    return http().get("/api/bookings/" + booking["id"].dump() + "/calendar.ics", token);
  }

  // What every calendar of `booking` shows whatever its method.
  void expect_reservation(const IcalReading& c, const json& booking) const {
    EXPECT_TRUE(c.parsed);
    EXPECT_EQ(c.errors, 0);
    EXPECT_EQ(c.events, 1);
    EXPECT_TRUE(c.uid.ends_with("@parkd.test")) << c.uid;
    EXPECT_TRUE(c.start_utc);
    EXPECT_TRUE(c.end_utc);
    EXPECT_EQ(c.start, unix_of(booking["reserved_start"].get<std::string>()));
    EXPECT_EQ(c.end, unix_of(booking["reserved_end"].get<std::string>()));
    EXPECT_EQ(c.summary, "Parking at " + lot_name_ + ", spot " + booking["spot_number"].dump());
    EXPECT_EQ(c.location, kAddress);
    EXPECT_EQ(c.organizer, std::string("mailto:") + kMailFrom);
    EXPECT_EQ(c.attendee, "mailto:" + user_.email);
  }

  SmtpSink sink_;
  std::unique_ptr<ParkdProcess> parkd_;
  std::string admin_;
  TestUser user_;
  std::string lot_name_;
  json lot_;
};

TEST_F(Calendar, AReservationsConfirmationCarriesAParsableRequest) {
  json b = reserve(kHour, 3 * kHour);
  Mail m = wait_for_mail("Booking confirmed: ");
  ASSERT_TRUE(m.ics.has_value()) << m.text;
  EXPECT_TRUE(contains(m.ics_content_type, "text/calendar")) << m.ics_content_type;
  EXPECT_TRUE(contains(m.ics_content_type, "method=REQUEST")) << m.ics_content_type;
  EXPECT_TRUE(contains(m.text, "reservation.ics")) << m.text;
  IcalReading c = read_ical(*m.ics);
  EXPECT_EQ(c.method, ICAL_METHOD_REQUEST) << *m.ics;
  EXPECT_EQ(c.status, ICAL_STATUS_CONFIRMED);
  expect_reservation(c, b);
}

TEST_F(Calendar, AnImmediateBookingsConfirmationHasNoCalendar) {
  auto r = book(http(), user_.token, {{"lot_id", lot_["id"]}});
  ASSERT_EQ(r.status, 201) << r.body;
  Mail m = wait_for_mail("Booking confirmed: ");
  EXPECT_FALSE(m.ics.has_value());
  EXPECT_FALSE(contains(m.text, "reservation.ics")) << m.text;
  auto file = calendar_file(r.json()["booking"], user_.token);
  EXPECT_EQ(file.status, 409) << file.body;
  EXPECT_EQ(file.json()["error"], "booking_open_ended");
}

TEST_F(Calendar, CancellingSendsTheBookingCancelledEmailWithACancelForTheSameUid) {
  json b = reserve(kHour, 2 * kHour);
  IcalReading confirmed = read_ical(wait_for_mail("Booking confirmed: ").ics.value_or(""));
  auto r = http().post("/api/bookings/" + b["id"].dump() + "/cancel", json(), user_.token);
  ASSERT_EQ(r.status, 200) << r.body;

  Mail m = wait_for_mail("Booking cancelled: " + lot_name_ + ", spot " + b["spot_number"].dump());
  EXPECT_TRUE(contains(m.text, "is cancelled")) << m.text;
  EXPECT_TRUE(contains(m.text, "#" + b["id"].dump())) << m.text;
  EXPECT_TRUE(contains(m.html, "cancelled")) << m.html;
  ASSERT_TRUE(m.ics.has_value());
  EXPECT_TRUE(contains(m.ics_content_type, "method=CANCEL")) << m.ics_content_type;
  IcalReading c = read_ical(*m.ics);
  EXPECT_EQ(c.method, ICAL_METHOD_CANCEL) << *m.ics;
  EXPECT_EQ(c.status, ICAL_STATUS_CANCELLED);
  EXPECT_EQ(c.uid, confirmed.uid);
  EXPECT_GT(c.sequence, confirmed.sequence);
  expect_reservation(c, b);

  // The download follows the booking: a cancelled one is a CANCEL too.
  auto file = calendar_file(b, user_.token);
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(read_ical(file.body).method, ICAL_METHOD_CANCEL);
}

TEST_F(Calendar, AnExtensionSendsTheUpdatedRequestForTheSameUid) {
  json b = reserve(kHour, 2 * kHour);
  IcalReading confirmed = read_ical(wait_for_mail("Booking confirmed: ").ics.value_or(""));
  std::string new_end =
      format_iso8601(from_unix(unix_of(b["reserved_end"].get<std::string>()) + kHour));
  auto r = http().post("/api/bookings/" + b["id"].dump() + "/extend", {{"reserved_end", new_end}},
                       user_.token);
  ASSERT_EQ(r.status, 200) << r.body;
  json extended = r.json()["booking"];

  Mail m = wait_for_mail("Booking extended: " + lot_name_);
  EXPECT_TRUE(contains(m.text, "is extended")) << m.text;
  ASSERT_TRUE(m.ics.has_value());
  EXPECT_TRUE(contains(m.ics_content_type, "method=REQUEST")) << m.ics_content_type;
  IcalReading c = read_ical(*m.ics);
  EXPECT_EQ(c.method, ICAL_METHOD_REQUEST);
  EXPECT_EQ(c.uid, confirmed.uid);
  EXPECT_GT(c.sequence, confirmed.sequence);
  EXPECT_EQ(c.end, unix_of(new_end));
  expect_reservation(c, extended);
}

TEST_F(Calendar, TheOwnerAndAnAdminDownloadTheSameFileAndNobodyElseSeesIt) {
  json b = reserve(kHour, 2 * kHour);
  auto mine = calendar_file(b, user_.token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.header("content-type").value_or(""), "text/calendar; charset=utf-8");
  EXPECT_TRUE(contains(mine.header("content-disposition").value_or(""), "reservation.ics"));
  EXPECT_TRUE(mine.body.starts_with("BEGIN:VCALENDAR\r\n")) << mine.body;
  IcalReading c = read_ical(mine.body);
  EXPECT_EQ(c.method, ICAL_METHOD_REQUEST);
  expect_reservation(c, b);
  IcalReading mailed = read_ical(wait_for_mail("Booking confirmed: ").ics.value_or(""));
  EXPECT_EQ(c.uid, mailed.uid);
  EXPECT_EQ(c.sequence, mailed.sequence);

  auto admins = calendar_file(b, admin_);
  ASSERT_EQ(admins.status, 200) << admins.body;
  EXPECT_EQ(read_ical(admins.body).uid, c.uid);
  EXPECT_EQ(read_ical(admins.body).attendee, "mailto:" + user_.email);  // still the owner's

  TestUser other = make_user(*parkd_);
  auto foreign = calendar_file(b, other.token);
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(foreign.json()["error"], "not_found");
  EXPECT_EQ(calendar_file(b, "").status, 401);
  auto unknown = http().get("/api/bookings/999999/calendar.ics", user_.token);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  auto malformed = http().get("/api/bookings/abc/calendar.ics", user_.token);
  EXPECT_EQ(malformed.status, 404) << malformed.body;
}

}  // namespace
}  // namespace parkd::test
