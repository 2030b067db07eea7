// The job queue (claims with leases, attempts, retries) and the scheduler's
// once-per-slot claims of cron runs.

#include "common/log.h"
#include "store/bucketing.h"
#include "store/rows.h"
#include "store/sqlite/tx.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::sqlite {

using rows::kJobColumns;
using rows::read_job;

Id SqliteTx::enqueue_job(const NewJob& j, Timestamp now) {
  // Not RETURNING id: SQLite collects returned rows in a temporary b-tree, built anew
  // for every statement run.
  // The writer runs each unit under the scope of the request that queued it.
  std::optional<std::string_view> request_id;
  if (auto id = current_request_id(); !id.empty()) request_id = id;
  db_.prepare(
         "INSERT INTO jobs (type, payload, status, max_attempts, run_at, dedupe_key, "
         "owner_user_id, created_at, request_id) VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7, "
         "?8) ON CONFLICT (dedupe_key) DO NOTHING")
      .bind_all(j.type, j.payload, j.max_attempts, j.run_at, j.dedupe_key, j.owner_user_id, now,
                request_id)
      .run();
  if (db_.changes() == 1) return db_.last_insert_id();
  auto existing = db_.prepare(sql::kJobIdByDedupeKey);
  existing.bind(1, *j.dedupe_key);
  existing.step();
  return existing.int64(0);
}

std::optional<Job> SqliteTx::job(Id id) {
  static const std::string sql = fmt::format(sql::kJobById, kJobColumns);
  auto s = db_.prepare(sql);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_job(s);
}

std::vector<Job> SqliteTx::jobs(const std::optional<std::string>& status,
                                const std::optional<std::string>& type, std::int64_t limit,
                                std::int64_t offset) {
  auto s = db_.prepare(fmt::format(sql::kJobs, kJobColumns));
  s.bind_all(status, type, limit, offset);
  std::vector<Job> out;
  while (s.step()) out.push_back(read_job(s));
  return out;
}

std::int64_t SqliteTx::count_jobs(const std::optional<std::string>& status,
                                  const std::optional<std::string>& type) {
  auto s = db_.prepare(sql::kCountJobs);
  s.bind_all(status, type);
  s.step();
  return s.int64(0);
}

bool SqliteTx::requeue_job(Id job_id, Timestamp now) {
  db_.prepare(sql::kRequeueJob).bind_all(job_id, now).run();
  return db_.changes() > 0;
}

bool SqliteTx::delete_finished_job(Id job_id) {
  db_.prepare(sql::kDeleteFinishedJob).bind(1, job_id).run();
  return db_.changes() > 0;
}

std::vector<JobCount> SqliteTx::job_counts() {
  auto s = db_.prepare(sql::kJobCounts);
  std::vector<JobCount> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2)});
  return out;
}

std::int64_t SqliteTx::purge_finished_jobs(Timestamp before) {
  db_.prepare(sql::kPurgeFinishedJobs).bind(1, before).run();
  return db_.changes();
}

std::int64_t SqliteTx::purge_schedule_runs(Timestamp before) {
  db_.prepare(sql::kPurgeScheduleRuns).bind(1, before).run();
  return db_.changes();
}

std::optional<Job> SqliteTx::claim_job(Timestamp now, Timestamp lease_until) {
  // The earliest runnable job and the earliest job with a lapsed lease, each found by
  // its own partial index, then the earlier of the two. (One query with an OR sorted
  // every runnable job on each claim: a backlog of n jobs took O(n^2) to drain.)
  auto s = db_.prepare(fmt::format(
      "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?2, "
      "started_at = ?1 "
      "WHERE id = (SELECT id FROM ("
      "  SELECT * FROM (SELECT id, run_at FROM jobs WHERE status IN ('queued', 'failed') "
      "    AND run_at <= ?1 ORDER BY run_at, id LIMIT 1) "
      "  UNION ALL "
      "  SELECT * FROM (SELECT id, run_at FROM jobs WHERE status = 'running' "
      "    AND lease_until < ?1 ORDER BY run_at, id LIMIT 1)) "
      "ORDER BY run_at, id LIMIT 1) "
      "RETURNING {}",
      kJobColumns));
  s.bind_all(now, lease_until);
  if (!s.step()) return std::nullopt;
  Job j = read_job(s);
  while (s.step()) {
  }
  return j;
}

std::optional<Timestamp> SqliteTx::next_job_due() {
  auto s = db_.prepare(sql::kNextJobDue);
  s.step();
  return s.opt_time(0);
}

bool SqliteTx::extend_lease(Id job_id, int attempt, Timestamp lease_until) {
  db_.prepare(sql::kExtendLease).bind_all(job_id, attempt, lease_until).run();
  return db_.changes() > 0;
}

bool SqliteTx::finish_job(Id job_id, int attempt, Timestamp at) {
  db_.prepare(sql::kFinishJob).bind_all(job_id, attempt, at).run();
  return db_.changes() > 0;
}

bool SqliteTx::fail_job(Id job_id, int attempt, const std::string& error,
                        std::optional<Timestamp> retry_at, Timestamp at) {
  db_.prepare(sql::kFailJob).bind_all(job_id, attempt, error, retry_at, at).run();
  return db_.changes() > 0;
}

std::string SqliteTx::job_progress(Id job_id) {
  auto s = db_.prepare("SELECT progress FROM jobs WHERE id = ?1");
  s.bind(1, job_id);
  return s.step() ? s.text(0) : "{}";
}

void SqliteTx::set_job_progress(Id job_id, const std::string& progress) {
  db_.prepare(sql::kSetJobProgress).bind_all(job_id, progress).run();
}

bool SqliteTx::claim_schedule_run(const std::string& name, Timestamp due_at, const NewJob& job,
                                  Timestamp now) {
  db_.prepare(sql::kClaimScheduleRun).bind_all(name, due_at, now).run();
  if (db_.changes() == 0) return false;
  Id id = enqueue_job(job, now);
  db_.prepare(sql::kSetScheduleRunJob).bind_all(name, due_at, id).run();
  return true;
}

std::optional<Timestamp> SqliteTx::last_schedule_run(const std::string& name) {
  auto s = db_.prepare(sql::kLastScheduleRun);
  s.bind(1, name);
  s.step();
  return s.opt_time(0);
}

}  // namespace parkd::sqlite
