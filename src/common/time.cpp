#include "common/time.h"

#include <cstdio>

#include <date/date.h>

#include <atomic>
#include <cctype>

namespace parkd {
namespace {

std::atomic<std::int64_t> g_clock_offset{0};

// Reads exactly `n` digits at `pos`; advances pos.
std::optional<int> read_digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return value;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Timestamp now() {
  auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return t + std::chrono::seconds{g_clock_offset.load(std::memory_order_relaxed)};
}

void set_clock_offset(std::chrono::seconds offset) { g_clock_offset = offset.count(); }

// By hand rather than date::format or snprintf: this runs for every time in every
// response, and both showed up in profiles (locale, dynamic_cast, allocation, vfprintf).
std::size_t format_iso8601_into(Timestamp t, char* out) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  int year = static_cast<int>(ymd.year());
  auto hour = static_cast<unsigned>(hms.hours().count());
  auto minute = static_cast<unsigned>(hms.minutes().count());
  auto second = static_cast<unsigned>(hms.seconds().count());
  if (year < 0 || year > 9999) {
    int n = std::snprintf(out, kIso8601Size, "%04d-%02u-%02uT%02u:%02u:%02uZ", year,
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          hour, minute, second);
    return static_cast<std::size_t>(n);
  }
  auto two = [&out](std::size_t at, unsigned v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, static_cast<unsigned>(year) / 100);
  two(2, static_cast<unsigned>(year) % 100);
  out[4] = '-';
  two(5, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  two(8, static_cast<unsigned>(ymd.day()));
  out[10] = 'T';
  two(11, hour);
  out[13] = ':';
  two(14, minute);
  out[16] = ':';
  two(17, second);
  out[19] = 'Z';
  return 20;
}

std::string format_iso8601(Timestamp t) {
  char buf[kIso8601Size];
  return std::string(buf, format_iso8601_into(t, buf));
}

std::optional<Timestamp> parse_iso8601(std::string_view s) {
  std::size_t pos = 0;
  auto year = read_digits(s, pos, 4);
  if (!year || !expect(s, pos, '-')) return std::nullopt;
  auto month = read_digits(s, pos, 2);
  if (!month || !expect(s, pos, '-')) return std::nullopt;
  auto day = read_digits(s, pos, 2);
  if (!day) return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  auto hour = read_digits(s, pos, 2);
  if (!hour || !expect(s, pos, ':')) return std::nullopt;
  auto minute = read_digits(s, pos, 2);
  if (!minute) return std::nullopt;
  int second = 0;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    auto sec = read_digits(s, pos, 2);
    if (!sec) return std::nullopt;
    second = *sec;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      std::size_t digits = 0;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos, ++digits;
      if (digits == 0) return std::nullopt;
    }
  }
  if (pos >= s.size()) return std::nullopt;  // no zone: rejected by the contract
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = read_digits(s, pos, 2);
    if (!oh) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') ++pos;
    auto om = read_digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (*hour > 23 || *minute > 59 || second > 59) return std::nullopt;
  date::year_month_day ymd{date::year{*year}, date::month{static_cast<unsigned>(*month)},
                           date::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;
  auto local = date::sys_days{ymd} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
               std::chrono::seconds{second};
  Timestamp t{local - std::chrono::minutes{offset_minutes}};
  // An offset can carry 9999-12-31 into year 10000 (or 0000-01-01 into year -1), which
  // format_iso8601 writes in a form this parser does not read: every time accepted here
  // must render back to text it accepts.
  static constexpr date::sys_days kFirst = date::year{0} / 1 / 1;
  static constexpr date::sys_days kPastLast = date::year{10000} / 1 / 1;
  if (t < kFirst || t >= kPastLast) return std::nullopt;
  return t;
}

}  // namespace parkd
