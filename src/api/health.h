#pragma once
// The database check behind GET /healthz, run in the background once a second rather
// than per request: with PostgreSQL a check is a network round trip, and load
// balancers and monitors call /healthz often. The route answers from the last result,
// without a database connection, on the I/O thread that read the request.

#include "common/log.h"
#include "common/periodic.h"
#include "common/result.h"

#include <atomic>
#include <functional>

namespace parkd {

class HealthMonitor {
 public:
  static constexpr std::chrono::milliseconds kInterval{1000};

  // Checks once before returning (so the first answer is a real one), then every
  // `interval` on a thread of its own until destroyed.
  explicit HealthMonitor(std::function<Status()> check,
                         std::chrono::milliseconds interval = kInterval);
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // The last check's result; at most `interval` plus one check old.
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

 private:
  Periodic::Next run_check();

  std::function<Status()> check_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> healthy_;
  FailureLog failures_{"health: the database does not answer"};
  Periodic thread_;  // last: its checks use the members above
};

}  // namespace parkd
