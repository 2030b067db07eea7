#pragma once
// Jobs as the API sees them: queue a background task, follow it by id.

#include "common/result.h"
#include "domain/models.h"
#include "store/store.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

namespace job_types {
inline constexpr const char* booking_confirmation = "booking_confirmation";
inline constexpr const char* booking_extended = "booking_extended";    // updated confirmation
inline constexpr const char* booking_cancelled = "booking_cancelled";  // reservation cancelled
inline constexpr const char* daily_reminder = "daily_reminder";
inline constexpr const char* daily_reminder_email = "daily_reminder_email";  // one per user
inline constexpr const char* monthly_report = "monthly_report";
inline constexpr const char* monthly_report_email = "monthly_report_email";  // one per recipient
inline constexpr const char* daily_admin_report = "daily_admin_report";
inline constexpr const char* user_export = "user_export";
inline constexpr const char* admin_export = "admin_export";
inline constexpr const char* complete_reservations = "complete_reservations";
inline constexpr const char* purge = "purge";
inline constexpr const char* password_reset = "password_reset";  // {email}: the reset link
inline constexpr const char* selftest = "selftest";  // fails on purpose until its 3rd attempt

inline constexpr std::array<const char*, 12> kAll = {booking_confirmation,  booking_extended,
                                                     booking_cancelled,     daily_reminder,
                                                     monthly_report,        daily_admin_report,
                                                     user_export,           admin_export,
                                                     complete_reservations, purge,
                                                     password_reset,        selftest};
}  // namespace job_types

// Whether a worker has a handler for `type` (jobs of any other type could never run).
bool is_known_job_type(std::string_view type);
// "unknown job type 'x'; known: a, b, ...": the one wording of the API and the CLI.
std::string unknown_job_type_message(std::string_view type);

// The states a job can be in (the admin list's `status` filter).
inline constexpr std::array<const char*, 5> kJobStatuses = {"queued", "running", "succeeded",
                                                            "failed", "dead"};
bool is_job_status(std::string_view status);
// "must be one of queued, running, ...": the one wording of the API and the CLI.
std::string job_status_problem();

class JobService {
 public:
  JobService(Store& store, int max_attempts) : store_(store), max_attempts_(max_attempts) {}

  // Retention: deletes succeeded jobs and old schedule runs older than `days`.
  Result<std::int64_t> purge_finished(int days);

  // Queues a job of `type` with a JSON `payload` on behalf of `owner`, with the attempts
  // its type gets (jobs::max_attempts_for).
  // Errors: validation (`fields.type`) for a type no worker handles.
  Result<Id> enqueue(const std::string& type, const std::string& payload, std::optional<Id> owner);

  // The job if `user` owns it or is an admin; else not_found.
  Result<Job> get(const User& user, Id job_id);
  // The job, for an operator (the CLI). Errors: not_found.
  Result<Job> find(Id job_id);

  struct Page {
    std::vector<Job> jobs;
    std::int64_t total = 0;
  };
  Result<Page> list(const std::optional<std::string>& status,
                    const std::optional<std::string>& type, std::int64_t limit,
                    std::int64_t offset);

  // An operator's retry of a dead or failed job: queued to run now with its attempts
  // reset. Errors: not_found; conflict `job_not_retryable` in any other state.
  Result<Job> retry(Id job_id);

  // Deletes a dead or succeeded job. Errors: not_found; conflict `job_not_deletable`
  // while it is queued, running or failed (it would still run).
  Status remove(Id job_id);

 private:
  Store& store_;
  int max_attempts_;
};

}  // namespace parkd
