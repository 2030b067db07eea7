// The job queue (claims with leases, attempts, retries) and the scheduler's
// once-per-slot claims of cron runs.

#include "common/log.h"
#include "store/bucketing.h"
#include "store/postgres/notify.h"
#include "store/postgres/tx.h"
#include "store/rows.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::pg {

using rows::kJobColumns;
using rows::read_job;

namespace {

constexpr const char* kInsertJob =
    "INSERT INTO jobs (type, payload, status, max_attempts, run_at, dedupe_key, "
    "owner_user_id, created_at, request_id) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8) "
    "ON CONFLICT (dedupe_key) DO NOTHING";

std::optional<std::string> request_id() {
  if (auto id = current_request_id(); !id.empty()) return std::string(id);
  return std::nullopt;
}

}  // namespace

Id PgTx::enqueue_job(const NewJob& j, Timestamp now) {
  auto r = db_.query(std::string(kInsertJob) + " RETURNING id", j.type, j.payload, j.max_attempts,
                     j.run_at, j.dedupe_key, j.owner_user_id, now, request_id());
  if (!r.empty()) {
    db_.mark(kJobsSignal);  // every process's workers are told once this commits
    return r.int64(0, 0);
  }
  return db_.query(sql::kJobIdByDedupeKey, *j.dedupe_key).int64(0, 0);
}

void PgTx::enqueue_job_deferred(const NewJob& j, Timestamp now) {
  // Told even when a dedupe key kept the insert from happening: a spare wake-up.
  db_.mark(kJobsSignal);
  db_.defer(kInsertJob, j.type, j.payload, j.max_attempts, j.run_at, j.dedupe_key, j.owner_user_id,
            now, request_id());
}

std::optional<Job> PgTx::job(Id id) {
  auto r = db_.query(fmt::format(sql::kJobById, kJobColumns), id);
  if (r.empty()) return std::nullopt;
  return read_job(r.row(0));
}

std::vector<Job> PgTx::jobs(const std::optional<std::string>& status,
                            const std::optional<std::string>& type, std::int64_t limit,
                            std::int64_t offset) {
  auto r = db_.query(fmt::format(sql::kJobs, kJobColumns), status, type, limit, offset);
  std::vector<Job> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(read_job(r.row(i)));
  return out;
}

std::int64_t PgTx::count_jobs(const std::optional<std::string>& status,
                              const std::optional<std::string>& type) {
  return db_.query(sql::kCountJobs, status, type).int64(0, 0);
}

bool PgTx::requeue_job(Id job_id, Timestamp now) {
  auto r = db_.query(sql::kRequeueJob, job_id, now);
  if (r.affected() == 0) return false;
  db_.mark(kJobsSignal);
  return true;
}

bool PgTx::delete_finished_job(Id job_id) {
  return db_.query(sql::kDeleteFinishedJob, job_id).affected() > 0;
}

std::vector<JobCount> PgTx::job_counts() {
  auto r = db_.query(sql::kJobCounts);
  std::vector<JobCount> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.int64(i, 2)});
  return out;
}

std::int64_t PgTx::purge_finished_jobs(Timestamp before) {
  return db_.query(sql::kPurgeFinishedJobs, before).affected();
}

std::int64_t PgTx::purge_schedule_runs(Timestamp before) {
  return db_.query(sql::kPurgeScheduleRuns, before).affected();
}

std::optional<Job> PgTx::claim_job(Timestamp now, Timestamp lease_until) {
  // The earliest runnable job and the earliest job with a lapsed lease, each by its
  // own partial index, then the earlier of the two (as in SQLite). SKIP LOCKED: a job
  // another worker is claiming right now is passed over, not waited for, so workers
  // in any number of processes neither block each other nor claim the same job.
  auto r = db_.query(
      fmt::format(
          "WITH runnable AS (SELECT id, run_at FROM jobs WHERE status IN ('queued', 'failed') "
          "  AND run_at <= $1 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), "
          "lapsed AS (SELECT id, run_at FROM jobs WHERE status = 'running' "
          "  AND lease_until < $1 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
          "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $2, "
          "started_at = $1 "
          "WHERE id = (SELECT id FROM (SELECT * FROM runnable UNION ALL SELECT * FROM lapsed) c "
          "  ORDER BY run_at, id LIMIT 1) "
          "RETURNING {}",
          kJobColumns),
      now, lease_until);
  if (r.empty()) return std::nullopt;
  return read_job(r.row(0));
}

std::optional<Timestamp> PgTx::next_job_due() { return db_.query(sql::kNextJobDue).opt_time(0, 0); }

bool PgTx::extend_lease(Id job_id, int attempt, Timestamp lease_until) {
  return db_.query(sql::kExtendLease, job_id, attempt, lease_until).affected() > 0;
}

bool PgTx::finish_job(Id job_id, int attempt, Timestamp at) {
  return db_.query(sql::kFinishJob, job_id, attempt, at).affected() > 0;
}

bool PgTx::fail_job(Id job_id, int attempt, const std::string& error,
                    std::optional<Timestamp> retry_at, Timestamp at) {
  return db_.query(sql::kFailJob, job_id, attempt, error, retry_at, at).affected() > 0;
}

std::string PgTx::job_progress(Id job_id) {
  // Locked in a write transaction: progress is read, merged and written back.
  auto r = db_.query(
      std::string("SELECT progress FROM jobs WHERE id = $1") + (write_ ? " FOR NO KEY UPDATE" : ""),
      job_id);
  return r.empty() ? "{}" : r.text(0, 0);
}

void PgTx::set_job_progress(Id job_id, const std::string& progress) {
  db_.query(sql::kSetJobProgress, job_id, progress);
}

bool PgTx::claim_schedule_run(const std::string& name, Timestamp due_at, const NewJob& job,
                              Timestamp now) {
  // A concurrent claim of the same (name, due_at) waits for ours, then does nothing.
  auto claimed = db_.query(sql::kClaimScheduleRun, name, due_at, now);
  if (claimed.affected() == 0) return false;
  Id id = enqueue_job(job, now);
  db_.query(sql::kSetScheduleRunJob, name, due_at, id);
  return true;
}

std::optional<Timestamp> PgTx::last_schedule_run(const std::string& name) {
  return db_.query(sql::kLastScheduleRun, name).opt_time(0, 0);
}

}  // namespace parkd::pg
