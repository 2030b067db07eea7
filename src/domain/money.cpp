#include "domain/money.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace parkd {
namespace {

constexpr std::int64_t kMaxUnits = 1'000'000'000'000;

std::optional<std::int64_t> parse_decimal_text(const std::string& s) {
  std::size_t pos = 0;
  if (s.empty()) return std::nullopt;
  std::int64_t units = 0;
  std::size_t digits = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (++digits > 13) return std::nullopt;
    units = units * 10 + (s[pos++] - '0');
  }
  if (digits == 0 || units > kMaxUnits) return std::nullopt;
  std::int64_t cents = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int decimals = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++decimals > 2) return std::nullopt;
      cents = cents * 10 + (s[pos++] - '0');
    }
    if (decimals == 0) return std::nullopt;
    if (decimals == 1) cents *= 10;
  }
  if (pos != s.size()) return std::nullopt;
  return units * 100 + cents;
}

}  // namespace

std::optional<std::int64_t> parse_money(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxUnits)) return std::nullopt;
    return static_cast<std::int64_t>(v) * 100;
  }
  if (value.is_number_integer()) {
    auto v = value.get<std::int64_t>();
    if (v < 0 || v > kMaxUnits) return std::nullopt;
    return v * 100;
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (!std::isfinite(d) || d < 0 || d > 1e12) return std::nullopt;
    // The shortest decimal text that reads back as this double is what the client wrote
    // (up to trailing zeros): judge the decimals on that, not on d * 100, whose rounding
    // error grows with the amount.
    char text[512];
    auto [end, ec] = std::to_chars(text, text + sizeof text, d, std::chars_format::fixed);
    if (ec != std::errc{}) return std::nullopt;
    return parse_decimal_text(std::string(text, end));
  }
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    auto first = s.find_first_not_of(' ');
    auto last = s.find_last_not_of(' ');
    if (first == std::string::npos) return std::nullopt;
    return parse_decimal_text(s.substr(first, last - first + 1));
  }
  return std::nullopt;
}

nlohmann::json money_json(std::int64_t cents) {
  if (cents % 100 == 0) return cents / 100;
  return static_cast<double>(cents) / 100.0;
}

std::string format_money(std::int64_t cents) {
  const char* sign = cents < 0 ? "-" : "";
  // The magnitude in unsigned arithmetic: -cents overflows for the lowest int64.
  std::uint64_t a =
      cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  return fmt::format("{}{}.{:02}", sign, a / 100, a % 100);
}

std::int64_t stay_cost_cents(std::int64_t price_cents, std::int64_t billed_seconds,
                             int min_charge_minutes) {
  std::int64_t seconds = std::max<std::int64_t>(billed_seconds, 0);
  seconds = std::max<std::int64_t>(seconds, std::int64_t{min_charge_minutes} * 60);
  // price * seconds / 3600, half-up: (2 * p * s + 3600) / 7200.
  return (2 * price_cents * seconds + 3600) / 7200;
}

}  // namespace parkd
