#include "jobs/worker.h"

#include "common/log.h"
#include "jobs/backoff.h"
#include "metrics/metrics.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace parkd::jobs {

using JobOutcome = metrics::JobMetrics::Outcome;

bool JobRun::done(const std::string& step) {
  // Steps are recorded only by attempts that ran before: the first has nothing to read.
  if (job_.attempts <= 1) return false;
  bool found = false;
  Status st = store_.read([&](Tx& tx) {
    auto progress = nlohmann::json::parse(tx.job_progress(job_.id), nullptr, false);
    found = progress.is_object() && progress.value(step, false);
    return ok_status();
  });
  return st.ok() && found;
}

void record_step(Tx& tx, Id job_id, const std::string& step) {
  auto progress = nlohmann::json::parse(tx.job_progress(job_id), nullptr, false);
  if (!progress.is_object()) progress = nlohmann::json::object();
  progress[step] = true;
  tx.set_job_progress(job_id, progress.dump());
}

Status JobRun::mark_done(const std::string& step) {
  return store_.write([&](Tx& tx) {
    record_step(tx, job_.id, step);
    return ok_status();
  });
}

Worker::Worker(Store& store, const JobRegistry& registry, WorkerOptions options)
    : store_(store), registry_(registry), options_(options) {}

Worker::~Worker() { stop(); }

void Worker::start(bool yield_to_requests) {
  yield_to_requests_ = yield_to_requests;
  stopping_ = false;
  std::vector<std::unique_ptr<Periodic>> threads;
  threads.reserve(static_cast<std::size_t>(std::max(options_.concurrency, 0)));
  for (int i = 0; i < options_.concurrency; ++i) {
    threads.push_back(
        std::make_unique<Periodic>(Periodic::Options{.thread_name = "parkd-worker",
                                                     .only_when_cpus_are_idle = yield_to_requests_},
                                   [this](Periodic::Woken) { return poll(); }));
  }
  {
    std::lock_guard lock(threads_mutex_);
    threads_ = std::move(threads);
  }
  auto period = std::chrono::milliseconds(options_.lease_seconds * 1000 / 3);
  heartbeat_.emplace(Periodic::Options{.thread_name = "parkd-lease", .first = period},
                     [this](Periodic::Woken) { return heartbeat(); });
  if (store_.signals_jobs()) listener_ = std::thread([this] { listen_loop(); });
  spdlog::info("worker: started {} thread(s), lease {} s, woken by {}", options_.concurrency,
               options_.lease_seconds,
               store_.signals_jobs() ? "database notifications" : "polling");
}

void Worker::stop() {
  std::vector<std::unique_ptr<Periodic>> threads;
  {
    std::lock_guard lock(threads_mutex_);
    threads.swap(threads_);
  }
  if (threads.empty() && !heartbeat_) return;
  // No round begins after this, and a round that is running claims no further job.
  for (auto& t : threads) t->request_stop();
  stopping_ = true;
  // The heartbeat goes on while the job threads finish what they run: a job that
  // outlasts its lease must not be claimed again by another worker meanwhile.
  for (auto& t : threads) t->stop();
  threads.clear();
  if (listener_.joinable()) listener_.join();
  heartbeat_.reset();
  spdlog::info("worker: stopped");
}

void Worker::wake() {
  std::lock_guard lock(threads_mutex_);
  for (auto& t : threads_) t->poke();
}

std::optional<Job> Worker::claim(Tx& tx) const {
  Timestamp at = now();
  return tx.claim_job(at, at + std::chrono::seconds(options_.lease_seconds));
}

int Worker::run_due() {
  std::optional<Job> job;
  Status st = store_.write([&](Tx& tx) {
    job = claim(tx);
    return ok_status();
  });
  if (!st) return 0;
  int ran = 0;
  for (; job; ++ran) job = execute(*job);
  return ran;
}

std::optional<Job> Worker::execute(const Job& job) {
  // Every line about the job (and the jobs and writes it makes) names the request that
  // queued it, as that request's own lines do.
  RequestLogScope scope(job.request_id ? std::string_view(*job.request_id) : std::string_view());
  spdlog::debug("worker: job {} ({}) started attempt {}/{}", job.id, job.type, job.attempts,
                job.max_attempts);
  {
    std::lock_guard lock(mutex_);
    running_[job.id] = job.attempts;
  }
  Status outcome = ok_status();
  auto started = std::chrono::steady_clock::now();
  JobRun run(store_, job);
  if (job.attempts > job.max_attempts) {
    outcome = Error::internal("the lease ran out on the last attempt");
  } else if (const JobHandler* handler = registry_.find(job.type)) {
    try {
      outcome = (*handler)(run);
    } catch (const std::exception& e) {
      outcome = Error::internal(std::string("handler threw: ") + e.what());
    }
  } else {
    outcome = Error::internal("no handler for job type '" + job.type + "'");
  }
  {
    std::lock_guard lock(mutex_);
    running_.erase(job.id);
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  bool retries =
      !outcome && job.attempts < job.max_attempts && !is_permanent_failure(outcome.error());
  // The outcome is recorded in the transaction that claims the next job: one write per
  // job instead of two, and the writer is the one serial step of a busy SQLite instance.
  std::optional<Job> next;
  Status recorded = store_.write([&](Tx& tx) {
    Timestamp at = now();
    if (outcome) {
      // A job that succeeded never runs again (only dead and failed ones are requeued),
      // so its steps matter only to the attempt that took over its lapsed lease: two
      // statements per job fewer in the common case.
      if (!tx.finish_job(job.id, job.attempts, at)) {
        for (const auto& step : run.steps_at_finish()) record_step(tx, job.id, step);
        spdlog::warn("worker: job {} finished after its lease was taken over", job.id);
      }
    } else {
      std::optional<Timestamp> retry_at;
      if (retries) retry_at = at + retry_delay(job.attempts);
      tx.fail_job(job.id, job.attempts, outcome.error().message, retry_at, at);
    }
    next = stopping_ ? std::nullopt : claim(tx);
    return ok_status();
  });
  if (!recorded) {
    next.reset();  // rolled back with the outcome
    spdlog::error("worker: could not record the outcome of job {}", job.id);
  }
  if (outcome) {
    spdlog::log(run.changed_nothing() ? spdlog::level::debug : spdlog::level::info,
                "worker: job {} ({}) succeeded on attempt {} in {} ms", job.id, job.type,
                job.attempts, ms);
  } else if (retries) {
    spdlog::warn("worker: job {} ({}) failed on attempt {}/{}: {}; will retry", job.id, job.type,
                 job.attempts, job.max_attempts, outcome.error().message);
  } else if (job.attempts < job.max_attempts) {
    spdlog::error("worker: job {} ({}) is dead on attempt {}: {} (permanent: not retried)", job.id,
                  job.type, job.attempts, outcome.error().message);
  } else {
    spdlog::error("worker: job {} ({}) is dead after {} attempts: {}", job.id, job.type,
                  job.attempts, outcome.error().message);
  }
  metrics::job_metrics().record(job.type,
                                outcome   ? JobOutcome::succeeded
                                : retries ? JobOutcome::failed
                                          : JobOutcome::dead,
                                std::chrono::milliseconds(ms));
  return next;
}

Periodic::Next Worker::poll() {
  if (run_due() > 0) return std::chrono::milliseconds(0);  // more may be due at once
  auto wait = std::chrono::milliseconds(store_.signals_jobs() ? options_.signalled_idle_ms
                                                              : options_.max_idle_ms);
  std::optional<Timestamp> next;
  (void)store_.read([&](Tx& tx) {
    next = tx.next_job_due();
    return ok_status();
  });
  if (next) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now()) +
                 std::chrono::milliseconds(5);
    if (until < wait) wait = std::max(until, std::chrono::milliseconds(20));
  }
  return wait;
}

// Not a Periodic: it blocks in the store's wait for a signal, not in a sleep of its own.
void Worker::listen_loop() {
  // Short waits so that stop() is never held up for long.
  while (!stopping_) {
    if (store_.wait_for_job_signal(std::chrono::milliseconds(250))) wake();
  }
}

Periodic::Next Worker::heartbeat() {
  auto period = std::chrono::milliseconds(options_.lease_seconds * 1000 / 3);
  std::map<Id, int> running;
  {
    std::lock_guard lock(mutex_);
    running = running_;
  }
  if (running.empty()) return period;
  (void)store_.write([&](Tx& tx) {
    Timestamp lease = now() + std::chrono::seconds(options_.lease_seconds);
    for (const auto& [id, attempt] : running) tx.extend_lease(id, attempt, lease);
    return ok_status();
  });
  return period;
}

}  // namespace parkd::jobs
