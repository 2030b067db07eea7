// The shipped templates and the emails of the contract, rendered for real.

#include "mail/emails.h"
#include "mail/message.h"
#include "mail/templates.h"
#include "support/scratch_dir.h"
#include "support/spooled.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace parkd::mail {
namespace {

using parkd::testing::spooled;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kShippedTemplates = fs::path(PARKD_SOURCE_DIR) / "src/mail/templates";
constexpr std::int64_t kNov24At1800 = 1795543200;  // 2026-11-24T18:00:00Z = 19:00 CET

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

using TempDir = parkd::testing::ScratchDir;

class Emails : public ::testing::Test {
 protected:
  Emails() : templates_({kShippedTemplates}) {
    ctx_.from = "parkd@example.com";
    ctx_.from_name = "parkd";
    ctx_.tz = date::locate_zone("Europe/Berlin");
    ctx_.currency = "EUR";
    ctx_.templates = &templates_;
  }

  // The message must also survive MIME building: every email is sendable.
  void expect_sendable(const MailMessage& m) {
    auto mime = build_mime(m, from_unix(kNov24At1800), "example.com");
    EXPECT_TRUE(mime.ok()) << (mime.ok() ? "" : mime.error().message);
  }

  TemplateRenderer templates_;
  EmailContext ctx_;
};

Recipient ann() { return {"ann@example.org", "Ann"}; }

BookingConfirmation reserved_booking() {
  BookingConfirmation b;
  b.to = ann();
  b.booking_id = 42;
  b.lot_name = "Downtown Parking";
  b.lot_address = "1 Main St, Springfield";
  b.spot_number = 7;
  b.kind = BookingKind::reserved;
  b.start = from_unix(kNov24At1800);
  b.reserved_end = from_unix(kNov24At1800 + 2 * 3600);
  b.price_per_hour_cents = 1250;
  b.total_cost_cents = 2500;
  b.vehicle_number = "KA 01 AB 1234";
  return b;
}

// ---- TemplateRenderer ---------------------------------------------------------------

TEST(TemplateRenderer, RendersTheTextAndTheHtmlPartInsideTheLayout) {
  TempDir dir;
  dir.write("hello.txt.mustache", "Hi {{{who}}}");
  dir.write("hello.html.mustache", "<p>Hi {{who}}</p>");
  dir.write("layout.html.mustache", "<main>{{{content}}}</main><i>{{title}}</i>");
  TemplateRenderer renderer({dir.path()});
  auto parts = renderer.render("hello", {{"who", std::string("A&B")}, {"title", std::string("T")}});
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ(parts->text, "Hi A&B");
  EXPECT_EQ(parts->html, "<main><p>Hi A&amp;B</p></main><i>T</i>");
}

TEST(TemplateRenderer, TakesEachFileFromTheFirstDirectoryThatHasIt) {
  TempDir override_dir;
  override_dir.write("booking_confirmation.txt.mustache", "Custom text for {{{lot_name}}}");
  TemplateRenderer renderer({override_dir.path(), kShippedTemplates});
  auto parts = renderer.render("booking_confirmation", {{"lot_name", std::string("Downtown")}});
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ(parts->text, "Custom text for Downtown");
  EXPECT_TRUE(contains(parts->html, "parkd"));  // layout and HTML part still shipped ones
  EXPECT_EQ(renderer.locate("layout.html.mustache"), kShippedTemplates / "layout.html.mustache");
}

TEST(TemplateRenderer, ResolvesPartialsWithTheExtensionOfThePart) {
  TempDir dir;
  dir.write("x.txt.mustache", "[{{> row}}]");
  dir.write("x.html.mustache", "[{{>row}}]");
  dir.write("row.txt.mustache", "text {{> inner}}");
  dir.write("inner.txt.mustache", "inner");
  dir.write("row.html.mustache", "html");
  dir.write("layout.html.mustache", "{{{content}}}");
  TemplateRenderer renderer({dir.path()});
  auto parts = renderer.render("x", {});
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ(parts->text, "[text inner]");
  EXPECT_EQ(parts->html, "[html]");
}

TEST(TemplateRenderer, ReadsAnEditedTemplateAtTheNextRender) {
  TempDir dir;
  dir.write("layout.html.mustache", "{{{content}}}");
  dir.write("n.html.mustache", "h");
  dir.write("n.txt.mustache", "before");
  TemplateRenderer renderer({dir.path()});
  EXPECT_EQ(renderer.render("n", {})->text, "before");
  dir.write("n.txt.mustache", "after");
  EXPECT_EQ(renderer.render("n", {})->text, "after");
}

TEST(TemplateRenderer, ReportsAMissingTemplate) {
  TempDir dir;
  TemplateRenderer renderer({dir.path()});
  auto parts = renderer.render("nothing_here", {});
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().code, "template_missing");
  EXPECT_TRUE(contains(parts.error().message, "nothing_here.txt.mustache"));
}

TEST(TemplateRenderer, ReportsAMissingPartial) {
  TempDir dir;
  dir.write("p.txt.mustache", "{{> absent}}");
  TemplateRenderer renderer({dir.path()});
  auto parts = renderer.render("p", {});
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().code, "template_missing");
}

TEST(TemplateRenderer, RejectsANameThatCouldLeaveTheDirectory) {
  TemplateRenderer renderer({kShippedTemplates});
  for (std::string name : {"../etc/passwd", "a/b", "", "layout.html"}) {
    auto parts = renderer.render(name, {});
    ASSERT_FALSE(parts.ok()) << name;
    EXPECT_EQ(parts.error().code, "invalid_template_name") << name;
  }
}

TEST(TemplateRenderer, RejectsAPartialNameThatCouldLeaveTheDirectory) {
  TempDir dir;
  dir.write("p.txt.mustache", "{{> ../secret}}");
  TemplateRenderer renderer({dir.path()});
  auto parts = renderer.render("p", {});
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().code, "invalid_template_name");
}

TEST(ShippedTemplates, AreCompiledIntoTheBinaryByteForByte) {
  std::size_t on_disk = 0;
  for (const auto& entry : fs::directory_iterator(kShippedTemplates)) {
    ++on_disk;
    std::string name = entry.path().filename().string();
    const EmbeddedFile* embedded = find_embedded(embedded_templates(), name);
    ASSERT_NE(embedded, nullptr) << name << " is not embedded";
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(embedded->data, bytes) << name;
    EXPECT_EQ(embedded->sha256.size(), 64u) << name;
  }
  EXPECT_EQ(embedded_templates().size(), on_disk);
}

TEST(ShippedTemplates, RenderWithoutAnyTemplateDirectory) {
  TemplateRenderer renderer = shipped_templates("");
  EXPECT_TRUE(renderer.locate("layout.html.mustache").empty());
  auto html = renderer.render_file("layout.html.mustache", {{"content", std::string("<p>x</p>")}});
  ASSERT_TRUE(html.ok()) << html.error().message;
  EXPECT_TRUE(contains(*html, "<p>x</p>"));
}

TEST(ShippedTemplates, AnOverrideDirectoryReplacesOnlyItsOwnFiles) {
  TempDir dir;
  dir.write("footer.txt.mustache", "overridden footer");
  TemplateRenderer renderer = shipped_templates(dir.path());
  auto footer = renderer.render_file("footer.txt.mustache", {});
  ASSERT_TRUE(footer.ok());
  EXPECT_EQ(*footer, "overridden footer");
  auto layout = renderer.render_file("layout.html.mustache", {{"content", std::string("y")}});
  ASSERT_TRUE(layout.ok()) << layout.error().message;  // still the embedded one
}

// ---- formatting -------------------------------------------------------------------

TEST(FormatLocalTime, ShowsTheTimeInTheZoneWithItsAbbreviation) {
  EXPECT_EQ(format_local_time(from_unix(kNov24At1800), date::locate_zone("Europe/Berlin")),
            "2026-11-24 19:00 CET");
  EXPECT_EQ(format_local_time(from_unix(kNov24At1800), date::locate_zone("UTC")),
            "2026-11-24 18:00 UTC");
  // Summer time: 2026-07-01T12:00:00Z.
  EXPECT_EQ(format_local_time(from_unix(1782907200), date::locate_zone("Europe/Berlin")),
            "2026-07-01 14:00 CEST");
}

TEST(FormatHours, RoundsToOneDecimalHalfUp) {
  EXPECT_EQ(format_hours(0s), "0.0");
  EXPECT_EQ(format_hours(5400s), "1.5");
  EXPECT_EQ(format_hours(3600s * 12 + 180s), "12.1");  // 12.05 -> 12.1
  EXPECT_EQ(format_hours(179s), "0.0");
}

TEST(FormatPercent, RoundsToOneDecimalAndHandlesNoSpots) {
  EXPECT_EQ(format_percent(12, 40), "30.0%");
  EXPECT_EQ(format_percent(1, 3), "33.3%");
  EXPECT_EQ(format_percent(2, 3), "66.7%");
  EXPECT_EQ(format_percent(0, 0), "0.0%");
}

// ---- the six emails -----------------------------------------------------------------

TEST_F(Emails, BookingConfirmationShowsTheBookingInBothParts) {
  auto m = booking_confirmation_email(reserved_booking(), ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Booking confirmed: Downtown Parking, spot 7");
  EXPECT_EQ(m->to, "ann@example.org");
  EXPECT_EQ(m->to_name, "Ann");
  EXPECT_EQ(m->from, "parkd@example.com");
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "Downtown Parking")) << *part;
    EXPECT_TRUE(contains(*part, "Reserved"));
    EXPECT_TRUE(contains(*part, "2026-11-24 19:00 CET"));
    EXPECT_TRUE(contains(*part, "2026-11-24 21:00 CET"));
    EXPECT_TRUE(contains(*part, "€12.50"));
    EXPECT_TRUE(contains(*part, "€25.00"));
    EXPECT_TRUE(contains(*part, "KA 01 AB 1234"));
    EXPECT_TRUE(contains(*part, "#42"));
    EXPECT_TRUE(contains(*part, "1 Main St, Springfield"));
  }
  EXPECT_TRUE(contains(m->html, "<!DOCTYPE html>"));
  expect_sendable(*m);
}

TEST_F(Emails, BookingConfirmationOfAnImmediateBookingShowsItsStart) {
  BookingConfirmation b = reserved_booking();
  b.kind = BookingKind::immediate;
  b.reserved_end.reset();
  b.total_cost_cents.reset();
  b.vehicle_number.clear();
  auto m = booking_confirmation_email(b, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "Immediate"));
    EXPECT_TRUE(contains(*part, "Started"));
    EXPECT_TRUE(contains(*part, "until you release"));
    EXPECT_FALSE(contains(*part, "Vehicle"));
  }
}

TEST_F(Emails, EscapesUserTextInTheHtmlPart) {
  BookingConfirmation b = reserved_booking();
  b.lot_name = "<script>alert(1)</script>";
  b.lot_address = "\"><img src=x onerror=alert(1)>";
  b.to.name = "<b>Ann</b> & Co";
  auto m = booking_confirmation_email(b, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(contains(m->html, "<script>"));
  EXPECT_FALSE(contains(m->html, "<img"));
  EXPECT_FALSE(contains(m->html, "<b>Ann"));
  EXPECT_TRUE(contains(m->html, "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
  EXPECT_TRUE(contains(m->html, "&lt;b&gt;Ann&lt;&#x2F;b&gt; &amp; Co"));
  // Plain text is not HTML: it shows the name as it is.
  EXPECT_TRUE(contains(m->text, "<script>alert(1)</script>"));
  EXPECT_TRUE(contains(m->text, "<b>Ann</b> & Co"));
}

TEST_F(Emails, EscapesLotNamesInEveryReportTable) {
  MonthlyAdminReport r;
  r.to = {"admin@example.com", "Admin"};
  r.month = "2026-10";
  r.lots = {{"<script>x</script>", 1, 100}};
  r.busiest_lot = "<script>x</script>";
  auto m = monthly_admin_report_email(r, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(contains(m->html, "<script>"));
  EXPECT_TRUE(contains(m->html, "&lt;script&gt;"));
}

TEST_F(Emails, KeepsALineBreakInALotNameOutOfTheSubject) {
  BookingConfirmation b = reserved_booking();
  b.lot_name = "Evil\r\nBcc: victim@example.com";
  auto m = booking_confirmation_email(b, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Booking confirmed: Evil  Bcc: victim@example.com, spot 7");
  expect_sendable(*m);
}

TEST_F(Emails, DailyReminderListsTheLotsWithFreeSpots) {
  DailyReminder r;
  r.to = ann();
  r.lots = {{"Downtown Parking", "1 Main St", 12, 1250}, {"Airport", "", 3, 400}};
  auto m = daily_reminder_email(r, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Need a parking spot? 2 lots have free spaces today");
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "Hello Ann"));
    EXPECT_TRUE(contains(*part, "Downtown Parking"));
    EXPECT_TRUE(contains(*part, "1 Main St"));
    EXPECT_TRUE(contains(*part, "12"));
    EXPECT_TRUE(contains(*part, "€12.50"));
    EXPECT_TRUE(contains(*part, "Airport"));
    EXPECT_TRUE(contains(*part, "€4.00"));
  }
  expect_sendable(*m);
}

TEST_F(Emails, DailyReminderWithoutFreeLotsSaysSo) {
  DailyReminder r;
  r.to = {"bob@example.org", ""};
  auto m = daily_reminder_email(r, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Need a parking spot today?");
  EXPECT_TRUE(contains(m->text, "Hello there"));
  EXPECT_TRUE(contains(m->text, "All lots are full"));
  EXPECT_TRUE(contains(m->html, "All lots are full"));
}

TEST_F(Emails, MonthlyAdminReportShowsTotalsAndTheLotTable) {
  MonthlyAdminReport r;
  r.to = {"admin@example.com", "Admin"};
  r.month = "2026-10";
  r.total_bookings = 57;
  r.completed_bookings = 50;
  r.revenue_cents = 123456;
  r.parked_time = 3600s * 140 + 1800s;
  r.lots = {{"Downtown Parking", 40, 100000}, {"Airport", 17, 23456}};
  r.busiest_lot = "Downtown Parking";
  r.new_users = 9;
  auto m = monthly_admin_report_email(r, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "parkd monthly report for 2026-10");
  EXPECT_EQ(m->to, "admin@example.com");
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "2026-10"));
    EXPECT_TRUE(contains(*part, "57"));
    EXPECT_TRUE(contains(*part, "50"));
    EXPECT_TRUE(contains(*part, "€1234.56"));
    EXPECT_TRUE(contains(*part, "140.5"));
    EXPECT_TRUE(contains(*part, "Busiest lot"));
    EXPECT_TRUE(contains(*part, "Downtown Parking"));
    EXPECT_TRUE(contains(*part, "€1000.00"));
    EXPECT_TRUE(contains(*part, "Airport"));
    EXPECT_TRUE(contains(*part, "€234.56"));
    EXPECT_TRUE(contains(*part, "New users"));
    EXPECT_TRUE(contains(*part, "9"));
  }
  expect_sendable(*m);
}

TEST_F(Emails, MonthlyUserReportShowsTheUsersFigures) {
  MonthlyUserReport r;
  r.to = ann();
  r.month = "2026-10";
  r.bookings = 4;
  r.parked_time = 3600s * 7 + 1800s;
  r.spent_cents = 8750;
  r.favourite_lot = "Airport";
  auto m = monthly_user_report_email(r, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Your parking report for 2026-10");
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "Hello Ann"));
    EXPECT_TRUE(contains(*part, "2026-10"));
    EXPECT_TRUE(contains(*part, "4"));
    EXPECT_TRUE(contains(*part, "7.5"));
    EXPECT_TRUE(contains(*part, "€87.50"));
    EXPECT_TRUE(contains(*part, "Favourite lot"));
    EXPECT_TRUE(contains(*part, "Airport"));
  }
  expect_sendable(*m);
}

TEST_F(Emails, DailyAdminReportShowsTheDayAndOccupancy) {
  DailyAdminReport r;
  r.to = {"admin@example.com", ""};
  r.date = "2026-11-23";
  r.bookings = 31;
  r.revenue_cents = 45600;
  r.new_users = 2;
  r.occupied_spots = 12;
  r.total_spots = 40;
  r.lots = {{"Downtown Parking", 20, 30000, 9, 20}, {"Airport", 11, 15600, 3, 20}};
  auto m = daily_admin_report_email(r, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "parkd daily report for 2026-11-23");
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "2026-11-23"));
    EXPECT_TRUE(contains(*part, "31"));
    EXPECT_TRUE(contains(*part, "€456.00"));
    EXPECT_TRUE(contains(*part, "12 of 40 spots (30.0%)"));
    EXPECT_TRUE(contains(*part, "Downtown Parking"));
    EXPECT_TRUE(contains(*part, "€300.00"));
    EXPECT_TRUE(contains(*part, "9 of 20"));
    EXPECT_TRUE(contains(*part, "45.0%"));
    EXPECT_TRUE(contains(*part, "€156.00"));
  }
  expect_sendable(*m);
}

TEST_F(Emails, UserExportAttachesBookingsCsv) {
  UserExport e;
  e.to = ann();
  e.generated_at = from_unix(kNov24At1800);
  e.booking_count = 2;
  e.bookings_csv = spooled("id,lot_name\r\n1,Downtown\r\n2,Airport\r\n");
  auto m = user_export_email(e, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Your parkd bookings export");
  ASSERT_EQ(m->attachments.size(), 1u);
  EXPECT_EQ(m->attachments[0].filename, "bookings.csv");
  EXPECT_EQ(m->attachments[0].content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(m->attachments[0].file, e.bookings_csv);
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "bookings.csv"));
    EXPECT_TRUE(contains(*part, "2026-11-24 19:00 CET"));
  }
  expect_sendable(*m);
}

TEST_F(Emails, AdminExportAttachesUsersLotsAndBookings) {
  AdminExport e;
  e.to = {"admin@example.com", "Admin"};
  e.generated_at = from_unix(kNov24At1800);
  e.user_count = 3;
  e.lot_count = 2;
  e.booking_count = 5;
  e.users_csv = spooled("id,email\r\n");
  e.lots_csv = spooled("id,name\r\n");
  e.bookings_csv = spooled("id,lot_name\r\n");
  auto m = admin_export_email(e, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "parkd data export: users, lots, bookings");
  ASSERT_EQ(m->attachments.size(), 3u);
  EXPECT_EQ(m->attachments[0].filename, "users.csv");
  EXPECT_EQ(m->attachments[1].filename, "lots.csv");
  EXPECT_EQ(m->attachments[2].filename, "bookings.csv");
  EXPECT_EQ(m->attachments[0].file, e.users_csv);
  EXPECT_EQ(m->attachments[1].file, e.lots_csv);
  EXPECT_EQ(m->attachments[2].file, e.bookings_csv);
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "users.csv"));
    EXPECT_TRUE(contains(*part, "Users"));
    EXPECT_TRUE(contains(*part, "3"));
    EXPECT_TRUE(contains(*part, "5"));
  }
  expect_sendable(*m);
}

// ---- calendar attachments (docs/api.md "Calendar") ---------------------------------

CalendarFile calendar(CalendarMethod method) {
  return {method, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"};
}

TEST_F(Emails, AReservationConfirmationAttachesItsCalendar) {
  BookingConfirmation b = reserved_booking();
  b.calendar = calendar(CalendarMethod::request);
  auto m = booking_confirmation_email(b, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->attachments.size(), 1u);
  EXPECT_EQ(m->attachments[0].filename, "reservation.ics");
  EXPECT_EQ(m->attachments[0].content_type, "text/calendar; charset=utf-8; method=REQUEST");
  EXPECT_EQ(m->attachments[0].data, b.calendar->text);
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "reservation.ics")) << *part;
  }
  expect_sendable(*m);
  // Without one (an immediate booking) the email says nothing of it.
  auto plain = booking_confirmation_email(reserved_booking(), ctx_);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->attachments.empty());
  EXPECT_FALSE(contains(plain->text, "reservation.ics"));
}

TEST_F(Emails, AnExtensionResendsTheConfirmationAsExtended) {
  BookingConfirmation b = reserved_booking();
  b.extended = true;
  b.calendar = calendar(CalendarMethod::request);
  auto m = booking_confirmation_email(b, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Booking extended: Downtown Parking, spot 7");
  EXPECT_TRUE(contains(m->text, "your booking at Downtown Parking is extended: spot 7."))
      << m->text;
  EXPECT_TRUE(contains(m->html, "Your reservation is extended")) << m->html;
  EXPECT_EQ(m->attachments.size(), 1u);
}

TEST_F(Emails, BookingCancelledShowsTheWindowAndCarriesTheCancel) {
  BookingCancellation c;
  c.to = ann();
  c.booking_id = 42;
  c.lot_name = "<Downtown> Parking";
  c.spot_number = 7;
  c.reserved_start = from_unix(kNov24At1800);
  c.reserved_end = from_unix(kNov24At1800 + 2 * 3600);
  c.calendar = calendar(CalendarMethod::cancel);
  auto m = booking_cancelled_email(c, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Booking cancelled: <Downtown> Parking, spot 7");
  EXPECT_TRUE(contains(m->text, "<Downtown> Parking")) << m->text;
  EXPECT_TRUE(contains(m->html, "&lt;Downtown&gt; Parking")) << m->html;
  EXPECT_FALSE(contains(m->html, "<Downtown>")) << m->html;
  for (const std::string* part : {&m->text, &m->html}) {
    EXPECT_TRUE(contains(*part, "cancelled")) << *part;
    EXPECT_TRUE(contains(*part, "2026-11-24 19:00 CET")) << *part;
    EXPECT_TRUE(contains(*part, "2026-11-24 21:00 CET")) << *part;
    EXPECT_TRUE(contains(*part, "#42")) << *part;
    EXPECT_TRUE(contains(*part, "reservation.ics")) << *part;
  }
  ASSERT_EQ(m->attachments.size(), 1u);
  EXPECT_EQ(m->attachments[0].filename, "reservation.ics");
  EXPECT_EQ(m->attachments[0].content_type, "text/calendar; charset=utf-8; method=CANCEL");
  expect_sendable(*m);
}

TEST_F(Emails, PasswordResetCarriesTheLinkInBothParts) {
  PasswordReset r;
  r.to = ann();
  r.link = "https://parking.example.com/reset-password?token=abc-DEF_123";
  auto m = password_reset_email(r, ctx_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subject, "Reset your parkd password");
  EXPECT_EQ(m->to, "ann@example.org");
  EXPECT_TRUE(contains(m->text, r.link)) << m->text;
  EXPECT_TRUE(contains(m->text, "60 minutes")) << m->text;
  // mstch escapes '/' in {{link}} as &#x2F;, which a browser reads back as '/'.
  EXPECT_TRUE(contains(m->html, "parking.example.com&#x2F;reset-password?token=abc-DEF_123\""))
      << m->html;
  EXPECT_TRUE(contains(m->html, "Hello Ann")) << m->html;
  expect_sendable(*m);
}

TEST_F(Emails, FailsWithTheRenderersErrorWhenATemplateIsMissing) {
  TempDir empty;
  TemplateRenderer renderer({empty.path()});
  ctx_.templates = &renderer;
  auto m = booking_confirmation_email(reserved_booking(), ctx_);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "template_missing");
}

}  // namespace
}  // namespace parkd::mail
