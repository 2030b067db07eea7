#pragma once
// Cron schedules in TIMEZONE that any number of processes may run at once: each due
// time is claimed by inserting a unique (schedule, due_at) row in the same transaction
// as its job, so it fires exactly once. At start-up, the latest due time missed while
// nothing ran fires once (older missed ones are skipped).

#include "common/periodic.h"
#include "common/result.h"
#include "jobs/cron.h"
#include "store/store.h"

#include <optional>
#include <string>
#include <vector>

namespace parkd::jobs {

struct ScheduleEntry {
  std::string name;  // also the job type it enqueues
  std::string expression;
  CronSchedule cron;
  // Fires so often (the every-minute reservation sweep) that each firing is logged at
  // debug; the job says at info when it changed something.
  bool quiet = false;
};

// Parses each expression; errors name the schedule's environment variable.
Result<std::vector<ScheduleEntry>> make_schedules(
    const std::vector<std::pair<std::string, std::string>>& name_and_expression);

class Scheduler {
 public:
  Scheduler(Store& store, std::vector<ScheduleEntry> entries, const date::time_zone* tz,
            int max_attempts);
  ~Scheduler();

  void start();
  void stop();

  // Fires every entry whose due time in (since, at] has not been claimed yet (the
  // latest one only). Returns how many this call claimed. Used by the loop and tests.
  int fire_due(Timestamp since, Timestamp at);

  // Called after a claim so an in-process worker can start at once.
  void on_enqueued(std::function<void()> callback) { on_enqueued_ = std::move(callback); }

 private:
  // Fires what fell due since the last round; sleeps until the next due time.
  Periodic::Next tick();

  Store& store_;
  std::vector<ScheduleEntry> entries_;
  const date::time_zone* tz_;
  int max_attempts_;
  std::function<void()> on_enqueued_;
  Timestamp started_at_ = now();
  Timestamp checked_until_;  // due times up to here have been looked for
  std::optional<Periodic> thread_;
};

}  // namespace parkd::jobs
