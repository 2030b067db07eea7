// Prometheus text rendering of parkd's counters, the process_* series, and the
// METRICS_ALLOW address list.
#include "metrics/metrics.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace parkd::metrics {
namespace {

// The statuses parkd answers with; anything else is counted as its class ("2xx").
constexpr std::array<int, 16> kStatuses = {200, 201, 202, 204, 304, 400, 401, 403,
                                           404, 405, 409, 413, 415, 429, 500, 503};
constexpr std::size_t kStatusSlots = kStatuses.size() + 5;  // + 1xx..5xx classes

std::string status_label(std::size_t slot) {
  if (slot < kStatuses.size()) return std::to_string(kStatuses[slot]);
  return std::to_string(slot - kStatuses.size() + 1) + "xx";
}

}  // namespace

RequestMetrics::RequestMetrics(std::vector<RouteLabel> routes)
    : routes_(std::move(routes)),
      counts_(new std::atomic<std::uint64_t>[(routes_.size() + 1) * kStatusSlots]),
      buckets_(new std::atomic<std::uint64_t>[(routes_.size() + 1) * kBucketSlots]),
      sum_micros_(new std::atomic<std::uint64_t>[routes_.size() + 1]) {
  for (std::size_t i = 0; i < (routes_.size() + 1) * kStatusSlots; ++i) counts_[i] = 0;
  for (std::size_t i = 0; i < (routes_.size() + 1) * kBucketSlots; ++i) buckets_[i] = 0;
  for (std::size_t i = 0; i <= routes_.size(); ++i) sum_micros_[i] = 0;
}

std::size_t RequestMetrics::status_slot(int status) {
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return i;
  }
  int cls = status / 100;
  if (cls < 1 || cls > 5) cls = 5;
  return kStatuses.size() + static_cast<std::size_t>(cls - 1);
}

void RequestMetrics::record(std::optional<std::size_t> route, int status,
                            std::chrono::microseconds took) {
  std::size_t r = route && *route < routes_.size() ? *route : routes_.size();
  counts_[r * kStatusSlots + status_slot(status)].fetch_add(1, std::memory_order_relaxed);
  double seconds = static_cast<double>(took.count()) / 1e6;
  std::size_t b = 0;
  while (b < kBucketSeconds.size() && seconds > kBucketSeconds[b]) ++b;
  buckets_[r * kBucketSlots + b].fetch_add(1, std::memory_order_relaxed);
  sum_micros_[r].fetch_add(static_cast<std::uint64_t>(took.count()), std::memory_order_relaxed);
}

void RequestMetrics::render(std::string& out) const {
  auto labels_of = [this](std::size_t r) {
    bool routed = r < routes_.size();
    return fmt::format(R"(method="{}",route="{}")",
                       escape_label(routed ? routes_[r].method : "other"),
                       escape_label(routed ? routes_[r].route : "unmatched"));
  };
  out += "# HELP parkd_http_requests_total HTTP requests answered, by route pattern and status.\n";
  out += "# TYPE parkd_http_requests_total counter\n";
  for (std::size_t r = 0; r <= routes_.size(); ++r) {
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      auto n = counts_[r * kStatusSlots + s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      append_sample(out, "parkd_http_requests_total",
                    fmt::format(R"({},status="{}")", labels_of(r), status_label(s)),
                    static_cast<double>(n));
    }
  }
  out +=
      "# HELP parkd_http_request_duration_seconds Time to answer a request (handler side), "
      "by route pattern.\n";
  out += "# TYPE parkd_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r <= routes_.size(); ++r) {
    // Read the buckets first: _count and +Inf are computed from them, so a scrape is
    // always consistent even while requests are being recorded.
    std::array<std::uint64_t, kBucketSlots> counts{};
    std::uint64_t total = 0;
    for (std::size_t b = 0; b < kBucketSlots; ++b) {
      counts[b] = buckets_[r * kBucketSlots + b].load(std::memory_order_relaxed);
      total += counts[b];
    }
    if (total == 0) continue;  // a route never called adds no series
    std::string labels = labels_of(r);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBucketSeconds.size(); ++b) {
      cumulative += counts[b];
      append_sample(out, "parkd_http_request_duration_seconds_bucket",
                    fmt::format("{},le=\"{}\"", labels, kBucketSeconds[b]),
                    static_cast<double>(cumulative));
    }
    append_sample(out, "parkd_http_request_duration_seconds_bucket", labels + ",le=\"+Inf\"",
                  static_cast<double>(total));
    append_sample(out, "parkd_http_request_duration_seconds_sum", labels,
                  static_cast<double>(sum_micros_[r].load(std::memory_order_relaxed)) / 1e6);
    append_sample(out, "parkd_http_request_duration_seconds_count", labels,
                  static_cast<double>(total));
  }
}

void JobMetrics::record(std::string_view type, Outcome outcome, std::chrono::milliseconds took) {
  double seconds = static_cast<double>(took.count()) / 1e3;
  std::size_t b = 0;
  while (b < kBucketSeconds.size() && seconds > kBucketSeconds[b]) ++b;
  std::lock_guard lock(mutex_);
  auto it = types_.find(type);
  if (it == types_.end()) it = types_.emplace(std::string(type), PerType{}).first;
  ++it->second.attempts[static_cast<std::size_t>(outcome)];
  ++it->second.buckets[b];
  it->second.seconds += seconds;
}

void JobMetrics::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  out += "# HELP parkd_job_attempts_total Job attempts run by this process, by type and outcome.\n";
  out += "# TYPE parkd_job_attempts_total counter\n";
  static constexpr const char* kOutcomes[] = {"succeeded", "failed", "dead"};
  for (const auto& [type, t] : types_) {
    for (std::size_t o = 0; o < t.attempts.size(); ++o) {
      append_sample(out, "parkd_job_attempts_total",
                    fmt::format(R"(type="{}",outcome="{}")", escape_label(type), kOutcomes[o]),
                    static_cast<double>(t.attempts[o]));
    }
  }
  out += "# HELP parkd_job_run_seconds Time a job attempt ran, by type.\n";
  out += "# TYPE parkd_job_run_seconds histogram\n";
  for (const auto& [type, t] : types_) {
    std::string labels = fmt::format(R"(type="{}")", escape_label(type));
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBucketSeconds.size(); ++b) {
      cumulative += t.buckets[b];
      append_sample(out, "parkd_job_run_seconds_bucket",
                    fmt::format("{},le=\"{}\"", labels, kBucketSeconds[b]),
                    static_cast<double>(cumulative));
    }
    cumulative += t.buckets.back();
    append_sample(out, "parkd_job_run_seconds_bucket", labels + ",le=\"+Inf\"",
                  static_cast<double>(cumulative));
    append_sample(out, "parkd_job_run_seconds_sum", labels, t.seconds);
    append_sample(out, "parkd_job_run_seconds_count", labels, static_cast<double>(cumulative));
  }
}

JobMetrics& job_metrics() {
  static JobMetrics metrics;
  return metrics;
}

MailCounters& mail_counters() {
  static MailCounters counters;
  return counters;
}

std::string escape_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += fmt::format("{}", value);
  out += '\n';
}

void render_process(std::string& out) {
  // /proc/self/stat: the fields after the command name, which is in parentheses and may
  // itself hold spaces; utime and stime are fields 14 and 15, starttime 22, vsize 23,
  // rss 24 (proc(5)).
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                             std::istream_iterator<std::string>());
  if (f.size() < 22) return;  // f[0] is field 3
  auto field = [&f](int n) { return std::stod(f[static_cast<std::size_t>(n - 3)]); };
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  double boot_time = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string key; proc_stat >> key;) {
    if (key == "btime") {
      proc_stat >> boot_time;
      break;
    }
  }
  std::size_t open_fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++open_fds;
  }
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);

  auto gauge = [&out](const char* name, const char* type, const char* help, double value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    append_sample(out, name, "", value);
  };
  gauge("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.",
        (field(14) + field(15)) / ticks);
  gauge("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
        field(24) * page);
  gauge("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", field(23));
  gauge("process_start_time_seconds", "gauge",
        "Start time of the process since unix epoch in seconds.", boot_time + field(22) / ticks);
  gauge("process_open_fds", "gauge", "Number of open file descriptors.",
        static_cast<double>(open_fds > 0 ? open_fds - 1 : 0));  // less the directory's own
  gauge("process_max_fds", "gauge", "Maximum number of open file descriptors.",
        static_cast<double>(limit.rlim_cur));
}

std::optional<AllowList> AllowList::parse(const std::vector<std::string>& entries,
                                          std::string* bad_entry) {
  AllowList list;
  std::vector<std::string> blocks;
  for (const auto& entry : entries) {
    if (entry == "*") {
      list.everyone_ = true;
    } else {
      blocks.push_back(entry);
    }
  }
  auto set = AddressSet::parse(blocks, bad_entry);
  if (!set) return std::nullopt;
  list.blocks_ = std::move(*set);
  return list;
}

bool AllowList::allows(std::string_view address) const {
  return everyone_ || blocks_.contains(address);
}

}  // namespace parkd::metrics
