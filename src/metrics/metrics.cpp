#include "metrics/metrics.h"

#include <fmt/format.h>

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
      counts_(new std::atomic<std::uint64_t>[(routes_.size() + 1) * kStatusSlots]) {
  for (std::size_t i = 0; i < (routes_.size() + 1) * kStatusSlots; ++i) counts_[i] = 0;
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
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(took.count()), std::memory_order_relaxed);
}

void RequestMetrics::render(std::string& out) const {
  out += "# HELP parkd_http_requests_total HTTP requests answered, by route pattern and status.\n";
  out += "# TYPE parkd_http_requests_total counter\n";
  for (std::size_t r = 0; r <= routes_.size(); ++r) {
    std::string method = r < routes_.size() ? routes_[r].method : "";
    std::string route = r < routes_.size() ? routes_[r].route : "other";
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      auto n = counts_[r * kStatusSlots + s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      std::string labels = fmt::format(R"(method="{}",route="{}",status="{}")",
                                       escape_label(method), escape_label(route), status_label(s));
      append_sample(out, "parkd_http_requests_total", labels, static_cast<double>(n));
    }
  }
  // Read the buckets first: _count and +Inf are computed from them, so a scrape is
  // always consistent even while requests are being recorded.
  std::array<std::uint64_t, kBucketSeconds.size() + 1> counts{};
  for (std::size_t b = 0; b < counts.size(); ++b)
    counts[b] = buckets_[b].load(std::memory_order_relaxed);
  out += "# HELP parkd_http_request_duration_seconds Time to answer a request (handler side).\n";
  out += "# TYPE parkd_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < kBucketSeconds.size(); ++b) {
    cumulative += counts[b];
    append_sample(out, "parkd_http_request_duration_seconds_bucket",
                  fmt::format("le=\"{}\"", kBucketSeconds[b]), static_cast<double>(cumulative));
  }
  cumulative += counts.back();
  append_sample(out, "parkd_http_request_duration_seconds_bucket", "le=\"+Inf\"",
                static_cast<double>(cumulative));
  append_sample(out, "parkd_http_request_duration_seconds_sum", "",
                static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
  append_sample(out, "parkd_http_request_duration_seconds_count", "",
                static_cast<double>(cumulative));
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
