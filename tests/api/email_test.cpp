// Black-box: the six emails of docs/api.md "Emails (background jobs)" delivered over real SMTP
// (tests/support/smtp_sink, with and without AUTH) and read back as a mail client would.
// Retries, the outbox and the CSV download are in email_delivery_test.cpp.
#include "support/api_assertions.h"
#include "support/email_fixture.h"

#include <fstream>
#include <thread>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;
using namespace parkd::test::email;

// The six emails, each delivered with and without SMTP AUTH.
class EmailOverSmtp : public ::testing::TestWithParam<bool>, public EmailFixture {
 protected:
  EmailOverSmtp() : EmailFixture(GetParam()) {}
  void SetUp() override { ASSERT_TRUE(sink_.start()); }
};

INSTANTIATE_TEST_SUITE_P(Email, EmailOverSmtp, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "WithAuth" : "WithoutAuth";
                         });

TEST_P(EmailOverSmtp, ABookingConfirmationShowsLotSpotTypeTimesPriceAndVehicle) {
  start();
  std::string lot_name = unique_name("Quay <b>&");
  auto lot = create_lot(http(), admin_, 3, 3.75, lot_name);
  // A display name that needs RFC 2047 in the To header and escaping in the HTML.
  TestUser user{unique_name("zoe").replace(3, 1, "-") + "@test.local", "", 0};
  auto registered = http().post(
      "/auth/register",
      {{"email", user.email}, {"username", "Zo\u00eb & Co"}, {"password", "password-123"}});
  ASSERT_EQ(registered.status, 201) << registered.body;
  user.token = registered.json()["token"].get<std::string>();
  auto now = book(http(), user.token, {{"lot_id", lot["id"]}, {"vehicle_number", "ab-123"}});
  ASSERT_EQ(now.status, 201) << now.body;
  json window = reservation(lot["id"].get<std::int64_t>(), 3600, 3 * kHour);
  auto later = book(http(), user.token, window);
  ASSERT_EQ(later.status, 201) << later.body;
  json immediate = now.json()["booking"], reserved = later.json()["booking"];

  Mail first = wait_for_mail(user.email, "Booking confirmed: " + lot_name + ", spot 1");
  expect_well_formed(first, user.email);
  EXPECT_TRUE(contains(first.mime.header("to"), "=?UTF-8?")) << first.mime.header("to");
  EXPECT_EQ(mail::decode_header_text(first.mime.header("to")).value_or(""),
            "Zo\u00eb & Co <" + user.email + ">");
  EXPECT_TRUE(contains(first.text, "Hello Zo\u00eb & Co,")) << first.text;
  EXPECT_TRUE(contains(first.html, "Hello Zo\u00eb &amp; Co,")) << first.html;
  EXPECT_TRUE(contains(first.text, "your booking at " + lot_name + " is confirmed: spot 1."))
      << first.text;
  EXPECT_TRUE(contains(first.text, "Lot: " + lot_name)) << first.text;
  EXPECT_TRUE(contains(first.text, "Address: 1 Test Street")) << first.text;
  EXPECT_TRUE(contains(first.text, "Spot: 1")) << first.text;
  EXPECT_TRUE(contains(first.text, "Type: Immediate")) << first.text;
  EXPECT_TRUE(contains(first.text, "Started: " + shown(immediate["start_time"]))) << first.text;
  EXPECT_TRUE(contains(first.text, "Price per hour: ₹3.75")) << first.text;
  EXPECT_TRUE(contains(first.text, "Vehicle: AB-123")) << first.text;
  EXPECT_TRUE(contains(first.text, "Booking: #" + immediate["id"].dump())) << first.text;
  // User-supplied text is escaped in the HTML part.
  EXPECT_TRUE(contains(first.html, "Quay &lt;b&gt;&amp;")) << first.html;
  EXPECT_FALSE(contains(first.html, "<b>&")) << first.html;
  EXPECT_TRUE(contains(first.html, "3.75")) << first.html;
  EXPECT_TRUE(contains(first.html, "AB-123")) << first.html;

  Mail second = wait_for_mail(user.email, "Booking confirmed: " + lot_name + ", spot 2");
  expect_well_formed(second, user.email);
  EXPECT_TRUE(contains(second.text, "Type: Reserved")) << second.text;
  EXPECT_TRUE(contains(second.text, "From: " + shown(reserved["reserved_start"]))) << second.text;
  EXPECT_TRUE(contains(second.text, "Until: " + shown(reserved["reserved_end"]))) << second.text;
  EXPECT_TRUE(contains(second.text, "Total cost: ₹7.50")) << second.text;  // 2 h at 3.75
  EXPECT_FALSE(contains(second.text, "Vehicle:")) << second.text;

  wait_for_jobs_to_settle();
  EXPECT_EQ(mail("", "").size(), 2u);
}

TEST_P(EmailOverSmtp, TheDailyReminderGoesToEachInactiveUserWithTheLotsThatHaveFreeSpots) {
  std::string open_lot = unique_name("Open"), full_lot = unique_name("Full");
  TestUser lapsed;
  {
    // Ten days ago: the lots, and the last booking of a user who has not booked since.
    auto past = process_at(unix_now() - 10 * kDay);
    auto admin = past->admin_token();
    auto open = create_lot(past->client(), admin, 3, 2.0, open_lot);
    create_lot(past->client(), admin, 1, 5.0, full_lot);
    lapsed = make_user(*past);
    auto b = book(past->client(), lapsed.token, {{"lot_id", open["id"]}});
    ASSERT_EQ(b.status, 201) << b.body;
    auto released = past->client().post("/api/release/" + b.json()["booking"]["id"].dump(), json(),
                                        lapsed.token);
    ASSERT_EQ(released.status, 200) << released.body;
  }
  start({{"INACTIVE_DAYS", "3"}});
  auto idle = make_user(*api_);
  auto busy = make_user(*api_);
  auto lots = http().get("/api/lots", admin_).json()["lots"];
  for (const auto& l : lots) {
    if (l["name"] == full_lot) {
      ASSERT_EQ(book(http(), busy.token, {{"lot_id", l["id"]}}).status, 201);
    }
  }

  auto r = http().post("/api/admin/send-daily-reminder", json(), admin_);
  ASSERT_EQ(r.status, 202) << r.body;
  wait_for_mail(idle.email, "Need a parking spot");
  wait_for_jobs_to_settle();

  auto reminders = mail("", "Need a parking spot");
  ASSERT_EQ(reminders.size(), 2u);
  for (const std::string& to : {idle.email, lapsed.email}) {
    auto sent = mail(to, "Need a parking spot");
    ASSERT_EQ(sent.size(), 1u) << to;
    const Mail& m = sent[0];
    expect_well_formed(m, to);
    EXPECT_EQ(m.subject, "Need a parking spot? 1 lot has free spaces today");
    EXPECT_TRUE(contains(m.text, "- " + open_lot + ": 3 free, ₹2.00 per hour (1 Test Street)"))
        << m.text;
    EXPECT_FALSE(contains(m.text, full_lot)) << m.text;
    EXPECT_TRUE(contains(m.html, open_lot)) << m.html;
  }
  EXPECT_TRUE(mail(busy.email, "Need a parking spot").empty());
  EXPECT_TRUE(mail(kAdminEmail, "Need a parking spot").empty());
}

TEST_P(EmailOverSmtp, TheMonthlyReportGoesToTheAdminAndEachUserActiveLastMonth) {
  auto [last_month_at, month] = mid_last_month();
  std::string harbour = unique_name("Harbour"), pier = unique_name("Pier");
  TestUser regular, once, quiet;
  json harbour_id;
  {
    auto past = process_at(last_month_at);
    auto http = past->client();
    auto admin = past->admin_token();
    auto harbour_lot = create_lot(http, admin, 5, 4.0, harbour);
    auto pier_lot = create_lot(http, admin, 5, 1.0, pier);
    harbour_id = harbour_lot["id"];
    regular = make_user(*past);
    once = make_user(*past);
    quiet = make_user(*past);
    auto release = [&](const HttpResult& r, const std::string& token) {
      ASSERT_EQ(r.status, 201) << r.body;
      auto released = http.post("/api/release/" + r.json()["booking"]["id"].dump(), json(), token);
      ASSERT_EQ(released.status, 200) << released.body;
    };
    // 4.00 (the minimum hour), then a 2-hour reservation: 8.00.
    release(book(http, regular.token, {{"lot_id", harbour_lot["id"]}}), regular.token);
    auto window = book(http, regular.token,
                       {{"lot_id", harbour_lot["id"]},
                        {"booking_type", "reserved"},
                        {"reserved_start", format_iso8601(from_unix(last_month_at + 600))},
                        {"reserved_end", format_iso8601(from_unix(last_month_at + 600 + 7200))}});
    ASSERT_EQ(window.status, 201) << window.body;
    release(book(http, once.token, {{"lot_id", pier_lot["id"]}}), once.token);  // 1.00
  }
  start();
  // The reservation's window is over: the periodic sweep completes it.
  enqueue_job(dir_.path(), "complete_reservations", json::object());
  // Tokens from last month have expired: log in again.
  auto login = http().post("/auth/login", {{"email", quiet.email}, {"password", "password-123"}});
  ASSERT_EQ(login.status, 200) << login.body;
  auto booked_now =
      book(http(), login.json()["token"].get<std::string>(), {{"lot_id", harbour_id}});
  ASSERT_EQ(booked_now.status, 201) << booked_now.body;  // activity this month only
  wait_for_jobs_to_settle();
  ASSERT_EQ(admin_bookings(http(), admin_, "status=Completed").size(), 3u);

  auto r = http().post("/api/admin/send-monthly-report", json(), admin_);
  ASSERT_EQ(r.status, 202) << r.body;
  wait_for_mail(kAdminEmail, "parkd monthly report for " + month);
  wait_for_mail(regular.email, "Your parking report for " + month);
  wait_for_mail(once.email, "Your parking report for " + month);
  wait_for_jobs_to_settle();

  auto to_admin = mail(kAdminEmail, "parkd monthly report");
  ASSERT_EQ(to_admin.size(), 1u);
  const Mail& a = to_admin[0];
  expect_well_formed(a, kAdminEmail);
  EXPECT_EQ(a.subject, "parkd monthly report for " + month);
  EXPECT_TRUE(contains(a.text, "Bookings: 3")) << a.text;
  EXPECT_TRUE(contains(a.text, "Completed: 3")) << a.text;
  EXPECT_TRUE(contains(a.text, "Revenue: ₹13.00")) << a.text;
  EXPECT_TRUE(contains(a.text, "Hours parked: 2.0")) << a.text;
  EXPECT_TRUE(contains(a.text, "Busiest lot: " + harbour)) << a.text;
  EXPECT_TRUE(
      contains(a.text, "New users: " + std::to_string(users_created_in(http(), admin_, month))))
      << a.text;
  EXPECT_TRUE(contains(a.text, "- " + harbour + ": 2, ₹12.00")) << a.text;
  EXPECT_TRUE(contains(a.text, "- " + pier + ": 1, ₹1.00")) << a.text;
  EXPECT_TRUE(contains(a.html, harbour) && contains(a.html, "₹13.00")) << a.html;

  auto to_regular = mail(regular.email, "Your parking report");
  ASSERT_EQ(to_regular.size(), 1u);
  const Mail& u = to_regular[0];
  expect_well_formed(u, regular.email);
  EXPECT_TRUE(contains(u.text, "here is your parking in " + month)) << u.text;
  EXPECT_TRUE(contains(u.text, "Bookings: 2")) << u.text;
  EXPECT_TRUE(contains(u.text, "Hours parked: 2.0")) << u.text;
  EXPECT_TRUE(contains(u.text, "Spent: ₹12.00")) << u.text;
  EXPECT_TRUE(contains(u.text, "Favourite lot: " + harbour)) << u.text;

  auto to_once = mail(once.email, "Your parking report");
  ASSERT_EQ(to_once.size(), 1u);
  EXPECT_TRUE(contains(to_once[0].text, "Bookings: 1")) << to_once[0].text;
  EXPECT_TRUE(contains(to_once[0].text, "Spent: ₹1.00")) << to_once[0].text;
  EXPECT_TRUE(contains(to_once[0].text, "Favourite lot: " + pier)) << to_once[0].text;

  EXPECT_TRUE(mail(quiet.email, "Your parking report").empty());
  EXPECT_EQ(mail("", "Your parking report").size(), 2u);
}

TEST_P(EmailOverSmtp, TheDailyAdminReportHasYesterdaysFigures) {
  std::string dock = unique_name("Dock"), quiet_lot = unique_name("Quiet");
  std::int64_t yesterday_noon = noon_days_ago(1);
  std::string yesterday = format_iso8601(from_unix(yesterday_noon)).substr(0, 10);
  {
    auto past = process_at(yesterday_noon);
    auto http = past->client();
    auto admin = past->admin_token();
    auto dock_lot = create_lot(http, admin, 4, 6.0, dock);
    create_lot(http, admin, 2, 1.0, quiet_lot);
    auto released = make_user(*past), parked = make_user(*past);
    auto b = book(http, released.token, {{"lot_id", dock_lot["id"]}});
    ASSERT_EQ(b.status, 201) << b.body;
    ASSERT_EQ(http.post("/api/release/" + b.json()["booking"]["id"].dump(), json(), released.token)
                  .status,
              200);  // 6.00, the minimum hour
    ASSERT_EQ(book(http, parked.token, {{"lot_id", dock_lot["id"]}}).status, 201);  // still there
  }
  start();
  auto today = make_user(*api_);
  json lots = http().get("/api/lots", admin_).json()["lots"];
  for (const auto& l : lots) {
    if (l["name"] == quiet_lot) {
      ASSERT_EQ(book(http(), today.token, {{"lot_id", l["id"]}}).status, 201);
    }
  }

  auto r = http().post("/api/admin/send-daily-admin-report", json(), admin_);
  ASSERT_EQ(r.status, 202) << r.body;
  Mail m = wait_for_mail(kAdminEmail, "parkd daily report for ");
  expect_well_formed(m, kAdminEmail);
  EXPECT_EQ(m.subject, "parkd daily report for " + yesterday);
  EXPECT_TRUE(contains(m.text, "Bookings: 2")) << m.text;
  EXPECT_TRUE(contains(m.text, "Revenue: ₹6.00")) << m.text;
  EXPECT_TRUE(
      contains(m.text, "New users: " + std::to_string(users_created_in(http(), admin_, yesterday))))
      << m.text;
  EXPECT_TRUE(contains(m.text, "Occupancy now: 2 of 6 spots (33.3%)")) << m.text;
  EXPECT_TRUE(contains(m.text, "- " + dock + ": 2, ₹6.00, 1 of 4 (25.0%)")) << m.text;
  EXPECT_TRUE(contains(m.text, "- " + quiet_lot + ": 0, ₹0.00, 1 of 2 (50.0%)")) << m.text;
  EXPECT_TRUE(contains(m.html, dock) && contains(m.html, "33.3%")) << m.html;
  wait_for_jobs_to_settle();
  EXPECT_EQ(mail(kAdminEmail, "parkd daily report").size(), 1u);
}

// A report is "as of" its schedule's due time, not the moment a worker got to it: one
// due on 1 March that runs days late still reports February, and yesterday's daily
// report due three days ago reports the day before that.
TEST_P(EmailOverSmtp, AReportThatRunsLateCoversThePeriodItWasDueFor) {
  start();
  enqueue_job(dir_.path(), "monthly_report", {{"due_at", "2026-03-01T00:00:00Z"}}, smtp_env());
  std::int64_t due = noon_days_ago(3) - 4 * 3600;  // 08:00, three days ago
  std::string day_before = format_iso8601(from_unix(due - 86400)).substr(0, 10);
  enqueue_job(dir_.path(), "daily_admin_report", {{"due_at", format_iso8601(from_unix(due))}},
              smtp_env());
  Mail monthly = wait_for_mail(kAdminEmail, "parkd monthly report for ");
  EXPECT_EQ(monthly.subject, "parkd monthly report for 2026-02");
  Mail daily = wait_for_mail(kAdminEmail, "parkd daily report for ");
  EXPECT_EQ(daily.subject, "parkd daily report for " + day_before);
}

TEST_P(EmailOverSmtp, TheUserExportAttachesTheirBookingsAsCsv) {
  start();
  std::string north = unique_name("North"), south = unique_name("South");
  auto north_lot = create_lot(http(), admin_, 2, 2.0, north);
  auto south_lot = create_lot(http(), admin_, 2, 2.0, south);
  auto user = make_user(*api_), other = make_user(*api_);
  ASSERT_EQ(
      book(http(), user.token, {{"lot_id", north_lot["id"]}, {"vehicle_number", "xy 1"}}).status,
      201);
  ASSERT_EQ(
      book(http(), user.token, reservation(south_lot["id"].get<std::int64_t>(), 3600, 7200)).status,
      201);
  ASSERT_EQ(book(http(), other.token, {{"lot_id", south_lot["id"]}}).status, 201);

  auto r = http().get("/api/export", user.token);
  ASSERT_EQ(r.status, 202) << r.body;
  std::int64_t job_id = r.json()["job_id"].get<std::int64_t>();
  Mail m = wait_for_mail(user.email, "Your parkd bookings export");
  expect_well_formed(m, user.email);
  EXPECT_TRUE(contains(m.text, "Bookings: 2")) << m.text;
  EXPECT_TRUE(contains(m.text, "bookings.csv")) << m.text;
  EXPECT_EQ(wait_for_job(http(), user.token, job_id, "succeeded", 10s)["status"], "succeeded");

  auto csv = m.mime.attachment("bookings.csv");
  ASSERT_TRUE(csv.has_value()) << m.envelope.data;
  auto rows = parse_csv(*csv);
  ASSERT_EQ(rows.size(), 3u) << *csv;
  const auto& header = rows[0];
  auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(column("lot_name"), header.size()) << *csv;
  EXPECT_EQ(rows[1][column("user_email")], user.email);
  EXPECT_EQ(rows[1][column("lot_name")], north);
  EXPECT_EQ(rows[1][column("spot_number")], "1");
  EXPECT_EQ(rows[1][column("vehicle_number")], "XY 1");
  EXPECT_EQ(rows[1][column("booking_type")], "immediate");
  EXPECT_EQ(rows[2][column("lot_name")], south);
  EXPECT_EQ(rows[2][column("booking_type")], "reserved");
  EXPECT_EQ(rows[2][column("total_cost")], "2.00");
  EXPECT_FALSE(contains(*csv, other.email)) << *csv;
  for (const MimeEntity* leaf : m.mime.leaves()) {
    if (leaf->parameter("content-disposition", "filename") == "bookings.csv") {
      EXPECT_EQ(leaf->media_type(), "text/csv");
    }
  }
}

TEST_P(EmailOverSmtp, TheAdminExportAttachesUsersLotsAndBookings) {
  start();
  std::string east = unique_name("East"), west = unique_name("West");
  auto east_lot = create_lot(http(), admin_, 2, 2.0, east);
  create_lot(http(), admin_, 2, 2.0, west);
  auto ann = make_user(*api_), bob = make_user(*api_);
  ASSERT_EQ(book(http(), ann.token, {{"lot_id", east_lot["id"]}}).status, 201);
  ASSERT_EQ(book(http(), bob.token, {{"lot_id", east_lot["id"]}}).status, 201);

  auto r = http().post("/api/admin/export-all-data", json(), admin_);
  ASSERT_EQ(r.status, 202) << r.body;
  Mail m = wait_for_mail(kAdminEmail, "parkd data export");
  expect_well_formed(m, kAdminEmail);
  EXPECT_TRUE(contains(m.text, "Users: 3")) << m.text;
  EXPECT_TRUE(contains(m.text, "Lots: 2")) << m.text;
  EXPECT_TRUE(contains(m.text, "Bookings: 2")) << m.text;

  auto users = m.mime.attachment("users.csv");
  auto lots = m.mime.attachment("lots.csv");
  auto bookings = m.mime.attachment("bookings.csv");
  ASSERT_TRUE(users && lots && bookings) << m.envelope.data;
  auto user_rows = parse_csv(*users);
  ASSERT_EQ(user_rows.size(), 4u) << *users;
  EXPECT_EQ(user_rows[0][1], "email");
  EXPECT_TRUE(contains(*users, kAdminEmail) && contains(*users, ann.email) &&
              contains(*users, bob.email))
      << *users;
  auto lot_rows = parse_csv(*lots);
  ASSERT_EQ(lot_rows.size(), 3u) << *lots;
  EXPECT_EQ(lot_rows[1][1], east);
  EXPECT_EQ(lot_rows[1][5], "0");  // available_spots: both taken
  EXPECT_EQ(lot_rows[2][1], west);
  auto booking_rows = parse_csv(*bookings);
  ASSERT_EQ(booking_rows.size(), 3u) << *bookings;
  EXPECT_EQ(booking_rows[1][1], ann.email);
  EXPECT_EQ(booking_rows[2][1], bob.email);

  // The alias queues the same job.
  auto alias = http().post("/api/admin/export-all", json(), admin_);
  ASSERT_EQ(alias.status, 202) << alias.body;
  EXPECT_EQ(job_of(http(), admin_, alias.json()["job_id"].get<std::int64_t>())["type"],
            "admin_export");
  wait_for_mail(kAdminEmail, "parkd data export", 2);
  EXPECT_TRUE(IsJsonError(http().post("/api/admin/export-all-data", json(), ann.token), 403));
}
}  // namespace
}  // namespace parkd::test
