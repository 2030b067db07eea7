#pragma once
// The durable job queue's consumer. Jobs live in the database (table jobs), written in
// the same transaction as whatever caused them. N threads claim due jobs with a lease
// (extended while the job runs); a job whose worker died is claimed again once its
// lease lapses. A failed attempt is retried with exponential backoff and jitter until
// max_attempts, then the job is dead with its last error kept; a permanent failure
// (jobs::is_permanent_failure) makes it dead at once. A success clears the last error.

#include "common/periodic.h"
#include "common/result.h"
#include "store/store.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace parkd::jobs {

// What a handler may use besides the job: progress kept across attempts, so a retry
// does not repeat a side effect that already happened (an email already sent).
class JobRun {
 public:
  JobRun(Store& store, const Job& job) : store_(store), job_(job) {}
  const Job& job() const { return job_; }
  Store& store() { return store_; }
  // Whether `step` was recorded by an earlier attempt; record it right after the side effect.
  bool done(const std::string& step);
  Status mark_done(const std::string& step);
  // For the job's last side effect: `step` needs no write of its own. A job recorded as
  // succeeded never runs again; `step` is recorded, in the write that tries, only when
  // the success cannot be (the lease lapsed and another attempt took the job over).
  // (Either way a crash between the side effect and that write repeats the side effect
  // on the next attempt.)
  void mark_done_at_finish(std::string step) { steps_at_finish_.push_back(std::move(step)); }
  const std::vector<std::string>& steps_at_finish() const { return steps_at_finish_; }
  // For a routine job (the every-minute sweep): this run found nothing to do, so its
  // success is logged at debug instead of info.
  void report_nothing_changed() { changed_nothing_ = true; }
  bool changed_nothing() const { return changed_nothing_; }

 private:
  Store& store_;
  const Job& job_;
  std::vector<std::string> steps_at_finish_;
  bool changed_nothing_ = false;
};

// Records `step` in the job's progress (a JSON object of finished steps).
void record_step(Tx& tx, Id job_id, const std::string& step);

using JobHandler = std::function<Status(JobRun&)>;

class JobRegistry {
 public:
  void add(std::string type, JobHandler handler) {
    handlers_[std::move(type)] = std::move(handler);
  }
  const JobHandler* find(const std::string& type) const {
    auto it = handlers_.find(type);
    return it == handlers_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, JobHandler> handlers_;
};

struct WorkerOptions {
  int concurrency = 2;
  int lease_seconds = 60;
  int max_idle_ms = 1000;  // longest sleep between polls when nothing is due
  // With a store that signals new jobs (PostgreSQL LISTEN/NOTIFY) polling is only a
  // fallback for a lost signal, so idle threads sleep this long instead.
  int signalled_idle_ms = 30000;
};

class Worker {
 public:
  Worker(Store& store, const JobRegistry& registry, WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // `yield_to_requests`: this worker shares its process with the HTTP API (`serve`),
  // so its threads run at a lower CPU priority; under load confirmations wait a little
  // (queued durably) rather than slow every request down.
  void start(bool yield_to_requests = false);
  // Lets running jobs finish, then returns. Unstarted jobs stay queued for later.
  // Leases are extended until the last running job has finished, so that no other
  // worker takes over a job that is still being completed here.
  void stop();
  // Wakes idle threads now (after enqueueing in this process).
  void wake();

  // Claims and runs due jobs on the calling thread until none is due; how many ran.
  int run_due();

 private:
  // A job thread's round: runs the due jobs, then sleeps until the next is due (bounded).
  Periodic::Next poll();
  // Extends the leases of the jobs running here.
  Periodic::Next heartbeat();
  void listen_loop();
  std::optional<Job> claim(Tx& tx) const;
  // Runs `job` and records its outcome; returns the next due job, claimed in the same
  // transaction (none when stopping).
  std::optional<Job> execute(const Job& job);

  Store& store_;
  const JobRegistry& registry_;
  bool yield_to_requests_ = false;
  WorkerOptions options_;
  std::atomic<bool> stopping_{false};  // a running job thread claims no further job
  std::mutex mutex_;
  std::map<Id, int> running_;  // REQUIRES: mutex_ held; job id -> attempt, for lease extension
  std::mutex threads_mutex_;   // for wake() beside start() and stop()
  std::vector<std::unique_ptr<Periodic>> threads_;  // the job threads; REQUIRES: threads_mutex_
  std::optional<Periodic> heartbeat_;
  std::thread listener_;  // only when the store signals new jobs across processes
};

}  // namespace parkd::jobs
