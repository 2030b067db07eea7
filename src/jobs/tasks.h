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
