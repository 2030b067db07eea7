#pragma once
// Cron schedules for recurring jobs: the classic five-field syntax (Vixie cron), evaluated
// in the wall-clock time of an IANA time zone and answered as UTC Timestamps.

#include "common/result.h"
#include "common/time.h"

#include <date/tz.h>

#include <bitset>
#include <optional>
#include <string_view>

namespace parkd::jobs {

// A parsed cron expression: for each field, the set of values it allows.
struct CronSchedule {
  std::bitset<60> minutes;        // 0-59
  std::bitset<24> hours;          // 0-23
  std::bitset<32> days_of_month;  // 1-31; bit 0 unused
  std::bitset<13> months;         // 1-12; bit 0 unused
  std::bitset<7> days_of_week;    // 0-6, 0 = Sunday (a written 7 is stored as 0)
  // Vixie cron's day rule: when both day fields are restricted, a day matches if EITHER
  // matches; when one of them is a wildcard, both must. As in Vixie cron, a field counts as
  // a wildcard when its text begins with '*', so "*/2" is a wildcard here.
  bool day_of_month_wildcard = true;
  bool day_of_week_wildcard = true;

  bool operator==(const CronSchedule&) const = default;
};

// Parses "minute hour day-of-month month day-of-week", fields separated by spaces or tabs.
// Each field is a comma-separated list of items; an item is `*`, `n`, `a-b`, `*/s`, `a-b/s`
// or `a/s` (from a to the field's maximum, every s). Ranges: minute 0-59, hour 0-23,
// day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-7 or SUN-SAT (0 and 7 are
// Sunday). Names are case-insensitive. The macros @yearly (@annually), @monthly, @weekly,
// @daily (@midnight) and @hourly stand for their usual five-field expressions.
// A well-formed expression that can never fire (e.g. "0 0 30 2 *") is accepted; see
// next_fire_after.
// Errors: bad_request with code "invalid_cron" and a message naming the problem, e.g.
// "expected 5 fields, got 4", "minute field: 61 is out of range 0-59",
// "month field: 'FOO' is not a number or a month name (JAN-DEC)",
// "hour field: range 20-5 runs backwards", "minute field: step 0 is out of range 1-59",
// "day-of-month field: empty list item", "@reboot is not supported".
Result<CronSchedule> parse_cron(std::string_view expression);

// The time zone named `name` in the system's tz database ("Europe/Berlin", "UTC"), or
// nullptr when there is no such zone or the database cannot be read.
const date::time_zone* find_time_zone(std::string_view name);

// The first time strictly after `after` at which `schedule` is due, matching the fields
// against wall-clock time in `tz` (nullptr means UTC). Fires are on whole local minutes.
// Daylight-saving changes:
//  - a wall time that does not exist (skipped by the spring-forward gap) does not fire
//    that day: "30 2 * * *" in Europe/Berlin has no fire on 2026-03-29;
//  - a wall time that occurs twice (fall back) fires once, at its first occurrence —
//    except when the hour field allows every hour (`*`): such schedules fire in both
//    occurrences, so "*/15 * * * *" and "0 * * * *" keep their rhythm in real time.
// nullopt when the schedule never fires: the search covers one 400-year Gregorian cycle
// (after which the calendar repeats), skipping whole months, days and hours that cannot
// match, so it is also the answer for impossible dates such as "0 0 30 2 *".
std::optional<Timestamp> next_fire_after(const CronSchedule& schedule, Timestamp after,
                                         const date::time_zone* tz = nullptr);

// The latest time in [not_before, at] (both inclusive) at which `schedule` is due, under
// the same rules as next_fire_after; nullopt when there is none, including when
// not_before > at. The scheduler uses it to run a missed job once at start-up.
std::optional<Timestamp> latest_fire_at_or_before(const CronSchedule& schedule, Timestamp at,
                                                  Timestamp not_before,
                                                  const date::time_zone* tz = nullptr);

}  // namespace parkd::jobs
