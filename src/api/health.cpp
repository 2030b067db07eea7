// Background database checks for GET /healthz (see health.h).
#include "api/health.h"

namespace parkd {

HealthMonitor::HealthMonitor(std::function<Status()> check, std::chrono::milliseconds interval)
    : check_(std::move(check)),
      interval_(interval),
      healthy_(check_().ok()),
      thread_({.thread_name = "parkd-health", .first = interval_},
              [this](Periodic::Woken) { return run_check(); }) {}

Periodic::Next HealthMonitor::run_check() {
  Status st = check_();
  healthy_.store(st.ok(), std::memory_order_relaxed);
  if (st.ok()) {
    failures_.succeeded();
  } else {
    failures_.failed(st.error().message);
  }
  return interval_;
}

}  // namespace parkd
