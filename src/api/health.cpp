// Background database checks for GET /healthz (see health.h).
#include "api/health.h"

#include "common/log.h"
#include "common/threads.h"

namespace parkd {

HealthMonitor::HealthMonitor(std::function<Status()> check, std::chrono::milliseconds interval)
    : check_(std::move(check)), interval_(interval) {
  healthy_.store(check_().ok(), std::memory_order_relaxed);
  thread_ = std::thread([this] {
    name_this_thread("parkd-health");
    loop();
  });
}

HealthMonitor::~HealthMonitor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void HealthMonitor::loop() {
  FailureLog failures("health: the database does not answer");
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (cv_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
    Status st = check_();
    healthy_.store(st.ok(), std::memory_order_relaxed);
    if (st.ok()) {
      failures.succeeded();
    } else {
      failures.failed(st.error().message);
    }
  }
}

}  // namespace parkd
