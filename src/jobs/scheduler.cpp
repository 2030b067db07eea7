#include "jobs/scheduler.h"

#include "jobs/backoff.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace parkd::jobs {

Result<std::vector<ScheduleEntry>> make_schedules(
    const std::vector<std::pair<std::string, std::string>>& name_and_expression) {
  std::vector<ScheduleEntry> out;
  for (const auto& [name, expression] : name_and_expression) {
    auto cron = parse_cron(expression);
    if (!cron) {
      std::string variable = "CRON_";
      for (char c : name)
        variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return Error::bad_request(
          "config_error", fmt::format("{}: '{}': {}", variable, expression, cron.error().message));
    }
    out.push_back({name, expression, *cron});
  }
  return out;
}

Scheduler::Scheduler(Store& store, std::vector<ScheduleEntry> entries, const date::time_zone* tz,
                     int max_attempts)
    : store_(store), entries_(std::move(entries)), tz_(tz), max_attempts_(max_attempts) {}

Scheduler::~Scheduler() { stop(); }

int Scheduler::fire_due(Timestamp since, Timestamp at) {
  int claimed = 0;
  for (const auto& e : entries_) {
    Status st = store_.write([&](Tx& tx) {
      // Never before the last claimed due time: that one (and older) already fired.
      Timestamp not_before = since;
      auto last = tx.last_schedule_run(e.name);
      if (last && *last + std::chrono::seconds(1) > not_before)
        not_before = *last + std::chrono::seconds(1);
      // A schedule that never fired on this database has missed nothing: a fresh
      // installation does not send last month's report on its first start.
      if (!last && started_at_ > not_before) not_before = started_at_;
      auto due = latest_fire_at_or_before(e.cron, at, not_before, tz_);
      if (!due) return ok_status();
      std::string payload = fmt::format(R"({{"due_at":"{}"}})", format_iso8601(*due));
      NewJob job{e.name,      payload, std::nullopt, at, max_attempts_for(e.name, max_attempts_),
                 std::nullopt};
      if (tx.claim_schedule_run(e.name, *due, job, at)) {
        ++claimed;
        spdlog::log(e.quiet ? spdlog::level::debug : spdlog::level::info,
                    "scheduler: {} fired for {}", e.name, format_iso8601(*due));
      }
      return ok_status();
    });
    if (!st) spdlog::error("scheduler: could not fire {}: {}", e.name, st.error().message);
  }
  if (claimed > 0 && on_enqueued_) on_enqueued_();
  return claimed;
}

void Scheduler::start() {
  started_at_ = now();
  // A missed due time is looked for as far back as a month (the longest default period).
  checked_until_ = now() - std::chrono::hours(24 * 31);
  thread_.emplace(Periodic::Options{.thread_name = "parkd-sched"},
                  [this](Periodic::Woken) { return tick(); });
  for (const auto& e : entries_)
    spdlog::info("scheduler: {} at '{}' ({})", e.name, e.expression, tz_->name());
}

void Scheduler::stop() { thread_.reset(); }

Periodic::Next Scheduler::tick() {
  Timestamp at = now();
  fire_due(checked_until_, at);
  checked_until_ = at;
  // Sleep until the next due time of any entry (at most a minute: the clock may be
  // adjusted).
  Timestamp next = at + std::chrono::seconds(60);
  for (const auto& e : entries_) {
    if (auto n = next_fire_after(e.cron, at, tz_); n && *n < next) next = *n;
  }
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now()) +
              std::chrono::milliseconds(50);
  return std::max(wait, std::chrono::milliseconds(50));
}

}  // namespace parkd::jobs
