#include "services/job_service.h"

#include "jobs/backoff.h"

#include <spdlog/spdlog.h>

namespace parkd {

Result<std::int64_t> JobService::purge_finished(int days) {
  std::int64_t jobs = 0, runs = 0;
  Status st = store_.write([&](Tx& tx) {
    Timestamp before = now() - std::chrono::hours(24) * days;
    jobs = tx.purge_finished_jobs(before);
    runs = tx.purge_schedule_runs(before);
    return ok_status();
  });
  if (!st) return st.error();
  spdlog::info("jobs: purged {} succeeded job(s) and {} schedule run(s) older than {} day(s)", jobs,
               runs, days);
  return jobs + runs;
}

Result<Id> JobService::enqueue(const std::string& type, const std::string& payload,
                               std::optional<Id> owner) {
  Id id = 0;
  Status st = store_.write([&](Tx& tx) {
    Timestamp at = now();
    id = tx.enqueue_job(
        {type, payload, std::nullopt, at, jobs::max_attempts_for(type, max_attempts_), owner}, at);
    return ok_status();
  });
  if (!st) return st.error();
  spdlog::info("jobs: queued {} job {}", type, id);
  return id;
}

Result<Job> JobService::get(const User& user, Id job_id) {
  std::optional<Job> job;
  Status st = store_.read([&](Tx& tx) {
    job = tx.job(job_id);
    return ok_status();
  });
  if (!st) return st.error();
  if (!job || (user.role != Role::admin && job->owner_user_id != user.id)) {
    return Error::not_found("Job not found");
  }
  return *job;
}

Result<JobService::Page> JobService::list(std::optional<std::string> status, std::int64_t limit,
                                          std::int64_t offset) {
  Page page;
  Status st = store_.read([&](Tx& tx) {
    page.jobs = tx.jobs(status, limit, offset);
    page.total = tx.count_jobs(status);
    return ok_status();
  });
  if (!st) return st.error();
  return page;
}

}  // namespace parkd
