// Black-box: email delivery through SMTP outages, refused logins and refused recipients
// (each message sent once, the job's error kept or cleared as it should be); the .eml
// outbox when no SMTP server is configured; and the CSV download (docs/api.md "CSV").
#include "support/api_assertions.h"
#include "support/email_fixture.h"

#include <fstream>
#include <thread>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;
using namespace parkd::test::email;

// Delivery through an outage: the sink is down at first.
class EmailDelivery : public ::testing::Test, public EmailFixture {
 protected:
  EmailDelivery() : EmailFixture(true) {}
};

TEST_F(EmailDelivery, AnSmtpOutageIsRetriedAndEachMessageIsSentOnce) {
  ASSERT_TRUE(sink_.start());  // for its port
  sink_.stop();
  start();
  auto lot = create_lot(http(), admin_, 5);
  auto ann = make_user(*api_), bob = make_user(*api_);
  ASSERT_EQ(book(http(), ann.token, {{"lot_id", lot["id"]}}).status, 201);
  ASSERT_EQ(book(http(), bob.token, {{"lot_id", lot["id"]}}).status, 201);

  json jobs;
  ASSERT_TRUE(eventually(
      [&] {
        jobs = jobs_of_type(http(), admin_, "booking_confirmation");
        if (jobs.size() != 2) return false;
        for (const auto& j : jobs) {
          if (j["status"] != "failed") return false;
        }
        return true;
      },
      15s))
      << jobs.dump() << "\n"
      << api_->log();
  for (const auto& j : jobs) {
    std::string error = j["last_error"].get<std::string>();
    EXPECT_TRUE(contains(error, "SMTP delivery via 127.0.0.1:" + std::to_string(sink_.port())))
        << error;
    EXPECT_FALSE(contains(error, kSmtpPassword)) << error;
    EXPECT_FALSE(contains(error, mail::base64_encode(kSmtpPassword))) << error;
    EXPECT_TRUE(j["finished_at"].is_null());
  }

  ASSERT_TRUE(sink_.start());
  for (const auto& j : jobs) {
    json done = wait_for_job(http(), admin_, j["id"].get<std::int64_t>(), "succeeded", 20s);
    EXPECT_EQ(done["status"], "succeeded") << done.dump();
    EXPECT_GE(done["attempts"].get<int>(), 2);
    EXPECT_TRUE(done["last_error"].is_null()) << done.dump();  // it recovered
  }
  EXPECT_EQ(mail(ann.email, "Booking confirmed").size(), 1u);
  EXPECT_EQ(mail(bob.email, "Booking confirmed").size(), 1u);
  EXPECT_EQ(sink_.messages().size(), 2u);
  EXPECT_EQ(sink_.failed_logins(), 0);
  EXPECT_FALSE(contains(api_->log(), kSmtpPassword));
}

TEST_F(EmailDelivery, ARefusedLoginIsRetriedWithTheReasonButWithoutThePassword) {
  // A wrong password is the installation's fault, not the message's: the job waits for
  // an operator to fix it rather than dying.
  SmtpSink strict(SmtpSinkOptions{kSmtpUser, "another-password", true, {"PLAIN", "LOGIN"}});
  ASSERT_TRUE(strict.start());
  auto env = smtp_env();
  env["SMTP_PORT"] = std::to_string(strict.port());
  ParkdProcess parkd(env, {"serve", "--no-scheduler"});
  auto admin = parkd.admin_token();
  auto lot = create_lot(parkd.client(), admin, 1);
  auto user = make_user(parkd);
  ASSERT_EQ(book(parkd.client(), user.token, {{"lot_id", lot["id"]}}).status, 201);

  json jobs;
  ASSERT_TRUE(eventually(
      [&] {
        jobs = jobs_of_type(parkd.client(), admin, "booking_confirmation");
        return jobs.size() == 1 && jobs[0]["attempts"].get<int>() >= 2 &&
               jobs[0]["status"] == "failed";  // the second attempt failed too
      },
      15s))
      << jobs.dump() << "\n"
      << parkd.log();
  std::string error = jobs[0]["last_error"].get<std::string>();
  EXPECT_TRUE(contains(error, "535")) << error;
  EXPECT_FALSE(contains(error, kSmtpPassword)) << error;
  EXPECT_FALSE(contains(error, mail::base64_encode(kSmtpPassword))) << error;
  EXPECT_GE(strict.failed_logins(), 2);
  EXPECT_TRUE(strict.messages().empty());
  EXPECT_FALSE(contains(parkd.log(), kSmtpPassword));
}

TEST_F(EmailDelivery, APermanentRefusalOfOneRecipientKillsOnlyThatEmailAtOnce) {
  ASSERT_TRUE(sink_.start());
  start();
  auto lot = create_lot(http(), admin_, 5);
  auto ann = make_user(*api_), bob = make_user(*api_);
  const std::string refusal = "550 5.1.1 <" + ann.email + ">: Recipient address rejected";
  sink_.refuse_recipient(ann.email, refusal);
  ASSERT_EQ(book(http(), ann.token, {{"lot_id", lot["id"]}}).status, 201);
  ASSERT_EQ(book(http(), bob.token, {{"lot_id", lot["id"]}}).status, 201);

  wait_for_mail(bob.email, "Booking confirmed");
  json jobs;
  ASSERT_TRUE(eventually(
      [&] {
        jobs = jobs_of_type(http(), admin_, "booking_confirmation");
        // Newest first: ann's is [1]. Bob's job is marked succeeded just after the sink
        // has his message, so both outcomes are waited for.
        return jobs.size() == 2 && jobs[1]["status"] == "dead" && jobs[0]["status"] == "succeeded";
      },
      15s))
      << jobs.dump() << "\n"
      << api_->log();
  EXPECT_EQ(jobs[0]["status"], "succeeded");
  EXPECT_EQ(jobs[1]["attempts"], 1);
  EXPECT_FALSE(jobs[1]["finished_at"].is_null());
  std::string error = jobs[1]["last_error"].get<std::string>();
  EXPECT_TRUE(contains(error, refusal)) << error;

  // A retry would have come within 2 s: none does, the server is not asked again.
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(sink_.rcpt_attempts(ann.email), 1);
  auto again = job_of(http(), admin_, jobs[1]["id"].get<std::int64_t>());
  EXPECT_EQ(again["status"], "dead");
  EXPECT_EQ(again["attempts"], 1);
  EXPECT_TRUE(mail(ann.email, "").empty());
  EXPECT_EQ(mail(bob.email, "Booking confirmed").size(), 1u);
}

TEST_F(EmailDelivery, ATemporaryRefusalIsRetriedAndTheJobThenShowsNoError) {
  ASSERT_TRUE(sink_.start());
  start();
  auto lot = create_lot(http(), admin_, 5);
  auto ann = make_user(*api_);
  sink_.refuse_recipient(ann.email, "451 4.7.1 Greylisted, try again later", 2);
  auto booked = book(http(), ann.token, {{"lot_id", lot["id"]}});
  ASSERT_EQ(booked.status, 201);

  json job;
  bool seen_failing = false;
  ASSERT_TRUE(eventually(
      [&] {
        json jobs = jobs_of_type(http(), admin_, "booking_confirmation");
        if (jobs.size() != 1) return false;
        job = jobs[0];
        if (job["status"] == "failed") {
          seen_failing = true;
          EXPECT_TRUE(contains(job["last_error"].get<std::string>(), "451 4.7.1 Greylisted"))
              << job.dump();
        }
        return job["status"] == "succeeded";
      },
      20s))
      << job.dump() << "\n"
      << api_->log();
  EXPECT_TRUE(seen_failing);
  EXPECT_EQ(job["attempts"], 3);
  EXPECT_TRUE(job["last_error"].is_null()) << job.dump();
  EXPECT_EQ(sink_.rcpt_attempts(ann.email), 3);
  auto received = mail(ann.email, "Booking confirmed");
  ASSERT_EQ(received.size(), 1u);
  // Its Message-ID is the job's, whatever attempt sent it.
  EXPECT_TRUE(received[0]
                  .mime.header("message-id")
                  .starts_with("<job-" + std::to_string(job["id"].get<std::int64_t>()) +
                               ".booking_confirmation."))
      << received[0].mime.header("message-id");
  EXPECT_TRUE(received[0].mime.header("message-id").ends_with("@parkd.test>"))
      << received[0].mime.header("message-id");
}

TEST(EmailOutbox, WithoutSmtpHostABookingWritesOneEmlFileToTheOutbox) {
  ParkdProcess parkd({{"SMTP_HOST", ""}, {"OUTBOX_DIR", ""}}, {"serve", "--no-scheduler"});
  auto admin = parkd.admin_token();
  std::string name = unique_name("Outbox");
  auto lot = create_lot(parkd.client(), admin, 2, 2.5, name);
  auto user = make_user(parkd);
  ASSERT_EQ(book(parkd.client(), user.token, {{"lot_id", lot["id"]}}).status, 201);
  ASSERT_TRUE(eventually(
      [&] {
        auto jobs = jobs_of_type(parkd.client(), admin, "booking_confirmation");
        return jobs.size() == 1 && jobs[0]["status"] == "succeeded";
      },
      15s))
      << parkd.log();

  auto outbox = parkd.dir() / "instance" / "outbox";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(outbox))
    files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".eml");
  std::ifstream in(files[0], std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  MimeEntity m = parse_mime(raw);
  EXPECT_TRUE(contains(m.header("to"), user.email)) << m.header("to");
  EXPECT_EQ(m.subject(), "Booking confirmed: " + name + ", spot 1");
  ASSERT_NE(m.body_part("text/plain"), nullptr);
  ASSERT_NE(m.body_part("text/html"), nullptr);
  EXPECT_TRUE(contains(m.body_part("text/plain")->decoded(), "Price per hour: ₹2.50"));
}

TEST(EmailExports, TheCsvDownloadHasTheCallersBookingsWithCrlfAndTheFormulaGuard) {
  ParkdProcess parkd({}, kApiOnly);
  auto admin = parkd.admin_token();
  auto http = parkd.client();
  auto formula = create_lot(http, admin, 2, 2.0, "=SUM(1)");
  std::string plain = unique_name("Plain, \"quoted\"");
  auto plain_lot = create_lot(http, admin, 2, 2.0, plain);
  auto user = make_user(parkd), other = make_user(parkd);
  ASSERT_EQ(book(http, user.token, {{"lot_id", formula["id"]}, {"vehicle_number", "-AB 1"}}).status,
            201);
  ASSERT_EQ(book(http, user.token, {{"lot_id", plain_lot["id"]}}).status, 201);
  ASSERT_EQ(book(http, other.token, {{"lot_id", plain_lot["id"]}}).status, 201);

  auto r = http.get("/api/bookings/export.csv", user.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.header("content-type").value_or("").starts_with("text/csv"))
      << r.header("content-type").value_or("");
  EXPECT_TRUE(contains(r.header("content-disposition").value_or(""), "attachment"));
  // Every line ends in CRLF, the last one included.
  ASSERT_TRUE(r.body.ends_with("\r\n")) << r.body;
  for (std::size_t i = 0; i < r.body.size(); ++i) {
    if (r.body[i] == '\n') {
      ASSERT_TRUE(i > 0 && r.body[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  auto rows = parse_csv(r.body);
  ASSERT_EQ(rows.size(), 3u) << r.body;
  EXPECT_EQ(rows[0][0], "id");
  EXPECT_EQ(rows[0][2], "lot_name");
  EXPECT_EQ(rows[1][2], "'=SUM(1)");
  EXPECT_EQ(rows[1][5], "'-AB 1");
  EXPECT_EQ(rows[2][2], plain);
  EXPECT_TRUE(contains(r.body, "\"Plain, \"\"quoted\"\"")) << r.body;
  EXPECT_FALSE(contains(r.body, other.email)) << r.body;
  EXPECT_EQ(rows[1][1], user.email);

  EXPECT_TRUE(IsJsonError(http.get("/api/bookings/export.csv"), 401));

  // The admin's download has everyone's bookings; a user may not have it.
  auto all = http.get("/api/admin/bookings/export.csv", admin);
  ASSERT_EQ(all.status, 200) << all.body;
  auto all_rows = parse_csv(all.body);
  ASSERT_EQ(all_rows.size(), 4u) << all.body;
  EXPECT_TRUE(contains(all.body, other.email) && contains(all.body, user.email)) << all.body;
  EXPECT_TRUE(IsJsonError(http.get("/api/admin/bookings/export.csv", user.token), 403));
}

}  // namespace
}  // namespace parkd::test
