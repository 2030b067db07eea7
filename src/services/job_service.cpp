#include "services/job_service.h"

#include "jobs/backoff.h"

#include <spdlog/spdlog.h>

#include <algorithm>

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

bool is_known_job_type(std::string_view type) {
  for (const char* known : job_types::kAll) {
    if (type == known) return true;
  }
  return false;
}

std::string unknown_job_type_message(std::string_view type) {
  std::string known;
  for (const char* k : job_types::kAll) known += (known.empty() ? "" : ", ") + std::string(k);
  return "unknown job type '" + std::string(type) + "'; known: " + known;
}

bool is_job_status(std::string_view status) {
  return std::find(kJobStatuses.begin(), kJobStatuses.end(), status) != kJobStatuses.end();
}

std::string job_status_problem() {
  std::string names;
  for (const char* s : kJobStatuses) names += (names.empty() ? "" : ", ") + std::string(s);
  return "must be one of " + names;
}

Result<Id> JobService::enqueue(const std::string& type, const std::string& payload,
                               std::optional<Id> owner) {
  if (!is_known_job_type(type))
    return Error::validation({{"type", unknown_job_type_message(type)}});
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
  auto job = find(job_id);
  if (job && user.role != Role::admin && job->owner_user_id != user.id) {
    return Error::not_found("Job not found");
  }
  return job;
}

Result<Job> JobService::find(Id job_id) {
  std::optional<Job> job;
  Status st = store_.read([&](Tx& tx) {
    job = tx.job(job_id);
    return ok_status();
  });
  if (!st) return st.error();
  if (!job) return Error::not_found("Job not found");
  return *job;
}

Result<JobService::Page> JobService::list(const std::optional<std::string>& status,
                                          const std::optional<std::string>& type,
                                          std::int64_t limit, std::int64_t offset) {
  Page page;
  Status st = store_.read([&](Tx& tx) {
    page.jobs = tx.jobs(status, type, limit, offset);
    page.total = tx.count_jobs(status, type);
    return ok_status();
  });
  if (!st) return st.error();
  return page;
}

Result<Job> JobService::retry(Id job_id) {
  std::optional<Job> job;
  bool requeued = false;
  Status st = store_.write([&](Tx& tx) {
    requeued = tx.requeue_job(job_id, now());
    job = tx.job(job_id);
    return ok_status();
  });
  if (!st) return st.error();
  if (!job) return Error::not_found("Job not found");
  if (!requeued) {
    return Error::conflict("job_not_retryable",
                           "Only a dead or failed job can be retried; this one is " + job->status);
  }
  spdlog::info("jobs: job {} ({}) queued again by an operator", job->id, job->type);
  return *job;
}

Status JobService::remove(Id job_id) {
  std::optional<Job> job;
  bool deleted = false;
  Status st = store_.write([&](Tx& tx) {
    job = tx.job(job_id);
    if (job) deleted = tx.delete_finished_job(job_id);
    return ok_status();
  });
  if (!st) return st.error();
  if (!job) return Error::not_found("Job not found");
  if (!deleted) {
    return Error::conflict(
        "job_not_deletable",
        "Only a dead or succeeded job can be deleted; this one is " + job->status);
  }
  spdlog::info("jobs: job {} ({}, {}) deleted by an operator", job->id, job->type, job->status);
  return ok_status();
}

}  // namespace parkd
