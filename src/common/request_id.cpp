// Request ids (see request_id.h): cheap to make on every request, and safe to copy from
// a proxy only when they look like one.
#include "common/request_id.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <random>

namespace parkd {
namespace {

std::string process_prefix() {
  std::random_device random;
  std::uint32_t bits = random();
  char buf[9];
  auto [end, ec] = std::to_chars(buf, buf + 8, bits, 16);
  std::string prefix(static_cast<std::size_t>(8 - (end - buf)), '0');  // fixed width
  prefix.append(buf, end);
  return prefix + "-";
}

}  // namespace

std::string new_request_id() {
  static const std::string prefix = process_prefix();
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  char buf[16];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n, 16);
  std::string id;
  id.reserve(prefix.size() + static_cast<std::size_t>(end - buf));
  id += prefix;
  id.append(buf, end);
  return id;
}

bool is_sane_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace parkd
