#include "jobs/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <exception>
#include <span>
#include <string>
#include <vector>

namespace parkd::jobs {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using LocalMinutes = date::local_time<minutes>;
using LocalSeconds = date::local_seconds;

// ---- Parsing ---------------------------------------------------------------------------

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED",
                                                       "THU", "FRI", "SAT"};

struct Field {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] stands for the value i + name_base
  int name_base;
  std::string_view names_hint;  // how the names are shown in an error
};

constexpr Field kMinute{"minute", 0, 59, {}, 0, ""};
constexpr Field kHour{"hour", 0, 23, {}, 0, ""};
constexpr Field kDayOfMonth{"day-of-month", 1, 31, {}, 0, ""};
constexpr Field kMonth{"month", 1, 12, kMonthNames, 1, "a month name (JAN-DEC)"};
constexpr Field kDayOfWeek{"day-of-week", 0, 7, kDayNames, 0, "a day name (SUN-SAT)"};

// Wide enough for every field; bit v is set when the field allows the value v.
using Values = std::bitset<64>;

Error invalid(std::string message) {
  return Error::bad_request("invalid_cron", std::move(message));
}

Error invalid(const Field& field, const std::string& message) {
  return invalid(std::string(field.name) + " field: " + message);
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// `text` as a number in [min, max]; `what` names it in errors ("" for a value, "step ").
Result<int> parse_number(std::string_view text, int min, int max, const Field& field,
                         std::string_view what) {
  int value = 0;
  // More than four digits is out of range for every field; checking first avoids overflow.
  bool in_range = text.size() <= 4;
  if (in_range) {
    std::from_chars(text.data(), text.data() + text.size(), value);
    in_range = value >= min && value <= max;
  }
  if (!in_range) {
    return invalid(field, std::string(what) + std::string(text) + " is out of range " +
                              std::to_string(min) + "-" + std::to_string(max));
  }
  return value;
}

// A value of `field`, written as a number or, where the field has them, a name.
Result<int> parse_value(std::string_view text, const Field& field) {
  if (all_digits(text)) return parse_number(text, field.min, field.max, field, "");
  for (std::size_t i = 0; i < field.names.size(); ++i) {
    if (equals_ignoring_case(text, field.names[i])) return static_cast<int>(i) + field.name_base;
  }
  std::string expected =
      field.names.empty() ? "a number" : "a number or " + std::string(field.names_hint);
  return invalid(field, quoted(text) + " is not " + expected);
}

// Adds the values of one list item ("*", "5", "1-5", "*/15", "1-30/5", "5/15") to `values`.
Status parse_item(std::string_view item, const Field& field, Values& values) {
  if (item.empty()) return invalid(field, "empty list item");

  std::string_view range = item;
  int step = 1;
  bool stepped = false;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    std::string_view step_text = item.substr(slash + 1);
    if (range.empty()) return invalid(field, quoted(item) + " is missing a value before '/'");
    if (step_text.empty()) return invalid(field, quoted(item) + " is missing the step after '/'");
    if (!all_digits(step_text)) {
      return invalid(field, "step " + quoted(step_text) + " is not a number");
    }
    auto parsed = parse_number(step_text, 1, field.max, field, "step ");
    if (!parsed) return parsed.error();
    step = *parsed;
    stepped = true;
  }

  int first = field.min;
  int last = field.max;
  if (range.front() == '*') {
    if (range.size() > 1) {
      return invalid(field, "unexpected " + quoted(range.substr(1)) + " after '*'");
    }
  } else if (auto dash = range.find('-'); dash != std::string_view::npos) {
    std::string_view first_text = range.substr(0, dash);
    std::string_view last_text = range.substr(dash + 1);
    if (first_text.empty()) {
      return invalid(field, "range " + quoted(range) + " is missing its start");
    }
    if (last_text.empty()) return invalid(field, "range " + quoted(range) + " is missing its end");
    if (last_text.find('-') != std::string_view::npos) {
      return invalid(field, "range " + quoted(range) + " has more than one '-'");
    }
    auto from = parse_value(first_text, field);
    if (!from) return from.error();
    auto to = parse_value(last_text, field);
    if (!to) return to.error();
    if (*from > *to) return invalid(field, "range " + std::string(range) + " runs backwards");
    first = *from;
    last = *to;
  } else {
    auto value = parse_value(range, field);
    if (!value) return value.error();
    first = *value;
    // "5/15" means from 5 to the field's maximum, every 15 (as cronie reads it).
    last = stepped ? field.max : *value;
  }
  for (int v = first; v <= last; v += step) values.set(static_cast<std::size_t>(v));
  return ok_status();
}

Result<Values> parse_field(std::string_view text, const Field& field) {
  Values values;
  while (true) {
    auto comma = text.find(',');
    auto status = parse_item(text.substr(0, comma), field, values);
    if (!status) return status.error();
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return values;
}

template <std::size_t N>
std::bitset<N> narrow(const Values& values) {
  std::bitset<N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = values[i];
  return out;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < text.size() && !is_space(text[end])) ++end;
    fields.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return fields;
}

// The five-field form of a macro such as "@daily", or an error for an unknown one.
Result<std::string_view> expand_macro(std::string_view macro) {
  struct Macro {
    std::string_view name;
    std::string_view expression;
  };
  static constexpr std::array<Macro, 7> kMacros = {{{"@yearly", "0 0 1 1 *"},
                                                    {"@annually", "0 0 1 1 *"},
                                                    {"@monthly", "0 0 1 * *"},
                                                    {"@weekly", "0 0 * * 0"},
                                                    {"@daily", "0 0 * * *"},
                                                    {"@midnight", "0 0 * * *"},
                                                    {"@hourly", "0 * * * *"}}};
  for (const auto& m : kMacros) {
    if (m.name == macro) return m.expression;
  }
  if (macro == "@reboot") return invalid("@reboot is not supported");
  return invalid("unknown macro " + quoted(macro));
}

// ---- Matching --------------------------------------------------------------------------

bool day_matches(const CronSchedule& s, date::year_month_day ymd) {
  bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
  bool dow = s.days_of_week[date::weekday{ymd}.c_encoding()];
  if (s.day_of_month_wildcard || s.day_of_week_wildcard) return dom && dow;
  return dom || dow;
}

// The smallest allowed value >= from, or -1.
template <std::size_t N>
int next_allowed(const std::bitset<N>& allowed, int from) {
  for (int v = std::max(from, 0); v < static_cast<int>(N); ++v) {
    if (allowed[static_cast<std::size_t>(v)]) return v;
  }
  return -1;
}

// The largest allowed value <= from, or -1.
template <std::size_t N>
int prev_allowed(const std::bitset<N>& allowed, int from) {
  for (int v = std::min(from, static_cast<int>(N) - 1); v >= 0; --v) {
    if (allowed[static_cast<std::size_t>(v)]) return v;
  }
  return -1;
}

// The first local minute in [from, to) that the fields allow. Skips whole months, days
// and hours that cannot match, so a search over years takes few steps.
std::optional<LocalMinutes> first_match(const CronSchedule& s, LocalMinutes from, LocalSeconds to) {
  LocalMinutes t = from;
  while (t < to) {
    auto day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    if (!s.months[static_cast<unsigned>(ymd.month())]) {
      t = date::local_days{(ymd.year() / ymd.month() + date::months{1}) / 1};
      continue;
    }
    if (!day_matches(s, ymd)) {
      t = day + date::days{1};
      continue;
    }
    auto since_midnight = (t - day).count();
    int hour = static_cast<int>(since_midnight / 60);
    int minute = static_cast<int>(since_midnight % 60);
    if (!s.hours[static_cast<std::size_t>(hour)]) {
      int h = next_allowed(s.hours, hour + 1);
      t = h < 0 ? LocalMinutes{day + date::days{1}} : LocalMinutes{day + hours{h}};
      continue;
    }
    if (!s.minutes[static_cast<std::size_t>(minute)]) {
      int m = next_allowed(s.minutes, minute + 1);
      t = m < 0 ? LocalMinutes{day + hours{hour + 1}} : day + hours{hour} + minutes{m};
      continue;
    }
    return t;
  }
  return std::nullopt;
}

// The last local minute in [from, to] (both inclusive) that the fields allow.
std::optional<LocalMinutes> last_match(const CronSchedule& s, LocalMinutes from, LocalMinutes to) {
  LocalMinutes t = to;
  while (t >= from) {
    auto day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    if (!s.months[static_cast<unsigned>(ymd.month())]) {
      t = date::local_days{ymd.year() / ymd.month() / 1} - minutes{1};
      continue;
    }
    if (!day_matches(s, ymd)) {
      t = day - minutes{1};
      continue;
    }
    auto since_midnight = (t - day).count();
    int hour = static_cast<int>(since_midnight / 60);
    int minute = static_cast<int>(since_midnight % 60);
    if (!s.hours[static_cast<std::size_t>(hour)]) {
      int h = prev_allowed(s.hours, hour - 1);
      t = h < 0 ? day - minutes{1} : day + hours{h} + minutes{59};
      continue;
    }
    if (!s.minutes[static_cast<std::size_t>(minute)]) {
      int m = prev_allowed(s.minutes, minute - 1);
      t = m < 0 ? day + hours{hour} - minutes{1} : day + hours{hour} + minutes{m};
      continue;
    }
    return t;
  }
  return std::nullopt;
}

// ---- Time zones ------------------------------------------------------------------------

// The Gregorian calendar repeats every 400 years (146097 days, a whole number of weeks),
// so a schedule that fires at all fires within one cycle; two days cover UTC offsets.
constexpr auto kSearchSpan = date::days{146097 + 2};

// A stretch of UTC time [begin, end) over which the zone keeps one UTC offset.
struct Segment {
  Timestamp begin;
  Timestamp end;
  seconds offset;
  // How long after its local start this segment repeats wall times already lived through
  // before the change into it (the fall-back hour); zero otherwise.
  seconds repeated;

  LocalSeconds to_local(Timestamp t) const { return LocalSeconds{t.time_since_epoch() + offset}; }
  Timestamp to_sys(LocalMinutes t) const { return Timestamp{t.time_since_epoch() - offset}; }
};

Segment segment_at(const date::time_zone* tz, Timestamp t) {
  if (tz == nullptr) {
    return {date::sys_days{date::year::min() / 1 / 1}, date::sys_days{date::year::max() / 12 / 31},
            seconds{0}, seconds{0}};
  }
  date::sys_info info = tz->get_info(t);
  date::sys_info before = tz->get_info(info.begin - seconds{1});
  return {info.begin, info.end, info.offset, std::max(before.offset - info.offset, seconds{0})};
}

// The earliest local time in `segment` that may fire: the second occurrence of a repeated
// wall time fires only when the schedule runs every hour (see next_fire_after).
LocalSeconds first_firing_local(const CronSchedule& s, const Segment& segment) {
  LocalSeconds start = segment.to_local(segment.begin);
  return s.hours.all() ? start : start + segment.repeated;
}

}  // namespace

Result<CronSchedule> parse_cron(std::string_view expression) {
  auto fields = split_fields(expression);
  if (fields.size() == 1 && fields[0].front() == '@') {
    auto expanded = expand_macro(fields[0]);
    if (!expanded) return expanded.error();
    fields = split_fields(*expanded);
  }
  if (fields.size() != 5) {
    return invalid("expected 5 fields, got " + std::to_string(fields.size()));
  }

  auto minute_values = parse_field(fields[0], kMinute);
  if (!minute_values) return minute_values.error();
  auto hour_values = parse_field(fields[1], kHour);
  if (!hour_values) return hour_values.error();
  auto day_of_month_values = parse_field(fields[2], kDayOfMonth);
  if (!day_of_month_values) return day_of_month_values.error();
  auto month_values = parse_field(fields[3], kMonth);
  if (!month_values) return month_values.error();
  auto day_of_week_values = parse_field(fields[4], kDayOfWeek);
  if (!day_of_week_values) return day_of_week_values.error();
  if ((*day_of_week_values)[7]) day_of_week_values->set(0);  // 7 is Sunday too

  CronSchedule schedule;
  schedule.minutes = narrow<60>(*minute_values);
  schedule.hours = narrow<24>(*hour_values);
  schedule.days_of_month = narrow<32>(*day_of_month_values);
  schedule.months = narrow<13>(*month_values);
  schedule.days_of_week = narrow<7>(*day_of_week_values);
  schedule.day_of_month_wildcard = fields[2].front() == '*';
  schedule.day_of_week_wildcard = fields[4].front() == '*';
  return schedule;
}

const date::time_zone* find_time_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // Unknown name, or no readable tz database: both mean "no such zone" to callers.
    return nullptr;
  }
}

std::optional<Timestamp> next_fire_after(const CronSchedule& schedule, Timestamp after,
                                         const date::time_zone* tz) {
  const Timestamp limit = after + kSearchSpan;
  Timestamp t = after + seconds{1};
  while (t < limit) {
    Segment segment = segment_at(tz, t);
    Timestamp end = std::min(segment.end, limit);
    LocalSeconds from = std::max(segment.to_local(t), first_firing_local(schedule, segment));
    auto fire = first_match(schedule, date::ceil<minutes>(from), segment.to_local(end));
    if (fire) return segment.to_sys(*fire);
    t = end;
  }
  return std::nullopt;
}

std::optional<Timestamp> latest_fire_at_or_before(const CronSchedule& schedule, Timestamp at,
                                                  Timestamp not_before, const date::time_zone* tz) {
  const Timestamp earliest = std::max(not_before, at - kSearchSpan);
  Timestamp t = at;
  while (t >= earliest) {
    Segment segment = segment_at(tz, t);
    Timestamp begin = std::max(segment.begin, earliest);
    LocalSeconds from = std::max(segment.to_local(begin), first_firing_local(schedule, segment));
    auto fire =
        last_match(schedule, date::ceil<minutes>(from), date::floor<minutes>(segment.to_local(t)));
    if (fire) return segment.to_sys(*fire);
    if (segment.begin <= earliest) break;
    t = segment.begin - seconds{1};
  }
  return std::nullopt;
}

}  // namespace parkd::jobs
