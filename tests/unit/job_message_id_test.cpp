// The Message-ID of a job's email: the same on every attempt to send it (a mail system
// can then drop the copy that a crash after the SMTP server's acceptance sends again),
// different for every other job.

#include "jobs/tasks.h"
#include "mail/message.h"

#include <gtest/gtest.h>

#include <string>

namespace parkd::jobs {
namespace {

Job confirmation_job(Id id, int attempts) {
  Job job;
  job.id = id;
  job.type = "booking_confirmation";
  job.attempts = attempts;
  job.created_at = from_unix(1764864000);
  return job;
}

mail::MailMessage confirmation_for(const Job& job) {
  mail::MailMessage m;
  m.from = "parkd@parkd.example";
  m.to = "ann@example.org";
  m.subject = "Booking confirmed";
  m.text = "Your spot is 3.";
  m.message_id_left = message_id_left_for(job);
  return m;
}

// The Message-ID header of `message` rendered at `unix_time`.
std::string rendered_message_id(const mail::MailMessage& message, std::int64_t unix_time) {
  auto mime = mail::build_mime(message, from_unix(unix_time), "");
  EXPECT_TRUE(mime.ok()) << mime.error().message;
  if (!mime) return "";
  std::size_t start = mime->find("\r\nMessage-ID: ");
  if (start == std::string::npos) return "";
  start += 2;
  return mime->substr(start, mime->find("\r\n", start) - start);
}

TEST(JobMessageId, TheSameJobSentTwiceCarriesTheSameMessageId) {
  // The first attempt, and a retry an hour later after a crash.
  std::string first = rendered_message_id(confirmation_for(confirmation_job(42, 1)), 1764864001);
  std::string again = rendered_message_id(confirmation_for(confirmation_job(42, 2)), 1764867601);
  EXPECT_EQ(first, "Message-ID: <job-42.booking_confirmation.1764864000@parkd.example>");
  EXPECT_EQ(again, first);
}

TEST(JobMessageId, TwoJobsGetDifferentMessageIds) {
  Job other_type = confirmation_job(42, 1);
  other_type.type = "daily_reminder_email";
  Job same_id_elsewhere = confirmation_job(42, 1);  // another installation's job 42
  same_id_elsewhere.created_at = from_unix(1764864000 + 17);
  std::string base = message_id_left_for(confirmation_job(42, 1));
  EXPECT_NE(message_id_left_for(confirmation_job(43, 1)), base);
  EXPECT_NE(message_id_left_for(other_type), base);
  EXPECT_NE(message_id_left_for(same_id_elsewhere), base);
  EXPECT_NE(rendered_message_id(confirmation_for(confirmation_job(43, 1)), 1764864001),
            rendered_message_id(confirmation_for(confirmation_job(42, 1)), 1764864001));
}

TEST(JobMessageId, AMessageWithoutOneGetsARandomMessageIdEachTime) {
  mail::MailMessage m = confirmation_for(confirmation_job(42, 1));
  m.message_id_left.clear();
  EXPECT_NE(rendered_message_id(m, 1764864001), rendered_message_id(m, 1764864001));
}

TEST(JobMessageId, AMessageIdLeftPartThatIsNotADotAtomIsRefused) {
  for (std::string bad : {"a b", "<x>", "a..b", ".a", "a@b", "x\r\nBcc: victim@example.com"}) {
    mail::MailMessage m = confirmation_for(confirmation_job(42, 1));
    m.message_id_left = bad;
    auto mime = mail::build_mime(m, from_unix(1764864001), "");
    EXPECT_FALSE(mime.ok()) << bad;
  }
}

}  // namespace
}  // namespace parkd::jobs
