#pragma once
// What operators scrape from GET /metrics (Prometheus text format 0.0.4): requests by
// route and status, a latency histogram, the database pool, jobs, emails. Recording is
// a few relaxed atomic increments on fixed tables (no lock, no allocation), so it can
// sit on every request.

#include "common/client_address.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parkd::metrics {

class RequestMetrics {
 public:
  // One label set per route ("GET", "/api/lots/{id}"); requests that matched no route
  // are counted under method "other", route "unmatched". Labels are route patterns,
  // never raw paths, so the series stay bounded whatever clients send.
  struct RouteLabel {
    std::string method;
    std::string route;
  };
  explicit RequestMetrics(std::vector<RouteLabel> routes);

  // `route`: an index into the routes given, or nullopt for "unmatched".
  void record(std::optional<std::size_t> route, int status, std::chrono::microseconds took);
  // parkd_http_requests_total and parkd_http_request_duration_seconds, both by route.
  void render(std::string& out) const;

  static constexpr std::array<double, 13> kBucketSeconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

 private:
  static std::size_t status_slot(int status);
  static constexpr std::size_t kBucketSlots = kBucketSeconds.size() + 1;  // last: +Inf
  std::vector<RouteLabel> routes_;  // plus "unmatched" at index routes_.size()
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;      // (route, status slot)
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;     // (route, bucket)
  std::unique_ptr<std::atomic<std::uint64_t>[]> sum_micros_;  // per route
};

// The standard process_* series of Prometheus clients, read from /proc/self: resident
// and virtual memory, CPU seconds, open and maximum file descriptors, start time.
void render_process(std::string& out);

// Job attempts by type and outcome, and their run time. Jobs are few (a handful a
// second at most), so a mutex over a small map is cheap enough here.
class JobMetrics {
 public:
  enum class Outcome { succeeded, failed, dead };
  void record(std::string_view type, Outcome outcome, std::chrono::milliseconds took);
  // parkd_job_attempts_total and parkd_job_run_seconds.
  void render(std::string& out) const;

  static constexpr std::array<double, 8> kBucketSeconds = {0.01, 0.05, 0.25, 1, 5, 30, 120, 600};

 private:
  struct PerType {
    std::array<std::uint64_t, 3> attempts{};                         // by Outcome
    std::array<std::uint64_t, kBucketSeconds.size() + 1> buckets{};  // last: +Inf
    double seconds = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, PerType, std::less<>> types_;
};
JobMetrics& job_metrics();

// Process-wide counters of the mail path.
struct MailCounters {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failed{0};
};
MailCounters& mail_counters();

// Prometheus text helpers.
std::string escape_label(std::string_view value);
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);

// Which clients may read /metrics: exact addresses and CIDR blocks, IPv4 and IPv6, or
// "*" for everyone. Parsed once at start-up; an entry it cannot read is an error.
class AllowList {
 public:
  static std::optional<AllowList> parse(const std::vector<std::string>& entries,
                                        std::string* bad_entry = nullptr);
  bool allows(std::string_view address) const;

 private:
  bool everyone_ = false;
  AddressSet blocks_;
};

}  // namespace parkd::metrics
