// Fuzz target: cron expressions (jobs/cron.h), parsed and then evaluated. Properties: a
// rejected expression says why (invalid_cron); an accepted one allows at least one value in
// every field, means the same in upper case, and its next fire in UTC is after the start,
// on a whole minute, allowed by every field, and found again by latest_fire_at_or_before;
// in a zone with daylight saving the next fire still lies after the start; nothing throws.
#include "fuzz_check.h"
#include "jobs/cron.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using parkd::jobs::CronSchedule;

bool fires_at(const CronSchedule& s, parkd::Timestamp t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
  bool dow = s.days_of_week[std::chrono::weekday{day}.c_encoding()];
  bool day_ok = s.day_of_month_wildcard || s.day_of_week_wildcard ? dom && dow : dom || dow;
  return day_ok && s.months[static_cast<unsigned>(ymd.month())] &&
         s.hours[static_cast<std::size_t>(hms.hours().count())] &&
         s.minutes[static_cast<std::size_t>(hms.minutes().count())] && hms.seconds().count() == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = parkd::jobs::parse_cron(input);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == "invalid_cron" && !parsed.error().message.empty(),
               "a rejection without its reason");
    return 0;
  }
  const CronSchedule& s = *parsed;
  FUZZ_CHECK(s.minutes.any() && s.hours.any() && s.days_of_month.any() && s.months.any() &&
                 s.days_of_week.any() && !s.days_of_month[0] && !s.months[0],
             "a field allows no value, or bit 0 of a 1-based field is set");
  if (input.find('@') == std::string_view::npos) {
    std::string upper(input);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    auto again = parkd::jobs::parse_cron(upper);
    FUZZ_CHECK(again && *again == s, "names are not case-insensitive");
  }

  const parkd::Timestamp start = parkd::from_unix(1'774'700'000);  // 2026-03-28, before DST
  auto fire = parkd::jobs::next_fire_after(s, start);
  if (fire) {
    FUZZ_CHECK(*fire > start, "the next fire is not after the start");
    FUZZ_CHECK(fires_at(s, *fire), "the next fire is a time the fields do not allow");
    FUZZ_CHECK(parkd::jobs::latest_fire_at_or_before(s, *fire, start) == fire,
               "latest_fire_at_or_before misses the fire next_fire_after found");
    FUZZ_CHECK(parkd::jobs::next_fire_after(s, *fire - std::chrono::seconds{1}) == fire,
               "the fire is not found again from one second before it");
  }
  static const auto* berlin = parkd::jobs::find_time_zone("Europe/Berlin");
  if (berlin != nullptr && fire) {
    auto local_fire = parkd::jobs::next_fire_after(s, start, berlin);
    FUZZ_CHECK(!local_fire || *local_fire > start, "a zoned fire is not after the start");
  }
  return 0;
}
