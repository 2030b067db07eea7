#pragma once
// The background tasks behind the job types (docs/api.md "Emails (background jobs)").
// Reports for many recipients fan out into one job per recipient, so one bad address
// neither stops nor repeats the others; each email job records that it sent, so a
// retry after a crash does not send twice.

#include "config/config.h"
#include "jobs/worker.h"
#include "mail/emails.h"
#include "mail/transport.h"
#include "services/booking_service.h"

#include <date/tz.h>

namespace parkd::jobs {

struct TaskDeps {
  Store& store;
  BookingService& bookings;
  mail::MailTransport& transport;
  mail::EmailContext email;
  const Config& config;
  const date::time_zone* tz;
};

void register_tasks(JobRegistry& registry, const TaskDeps& deps);

// The left part of the Message-ID of the email that `job` sends
// ("job-42.booking_confirmation.1764864000"; the domain is MAIL_FROM's): the same on every
// attempt, so the copy that a crash after the SMTP server accepted the message (and
// before the job recorded it) sends again can be recognised. The job's creation time
// keeps it apart from another installation's job of the same id (a copy of this
// database, a test instance sending from the same domain).
std::string message_id_left_for(const Job& job);

// The job types scheduled by cron, with their configured expressions.
std::vector<std::pair<std::string, std::string>> default_schedules(const Config& config);

// The [start, end) of the calendar day or month before the one containing `at`, in
// `tz`, with its label ("2026-11-23", "2026-10").
struct Period {
  Timestamp start;
  Timestamp end;
  std::string label;
};
Period previous_day(Timestamp at, const date::time_zone* tz);
Period previous_month(Timestamp at, const date::time_zone* tz);

}  // namespace parkd::jobs
