#include "jobs/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parkd::jobs {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// ---- Helpers ---------------------------------------------------------------------------

Timestamp at(std::string_view iso) {
  auto t = parse_iso8601(iso);
  EXPECT_TRUE(t.has_value()) << "bad test time " << iso;
  return t.value_or(Timestamp{});
}

CronSchedule cron(std::string_view expression) {
  auto schedule = parse_cron(expression);
  EXPECT_TRUE(schedule.ok()) << expression << ": "
                             << (schedule.ok() ? "" : schedule.error().message);
  return schedule.ok() ? *schedule : CronSchedule{};
}

std::string error_of(std::string_view expression) {
  auto schedule = parse_cron(expression);
  return schedule.ok() ? "(parsed)" : schedule.error().message;
}

template <std::size_t N>
std::vector<int> values(const std::bitset<N>& allowed) {
  std::vector<int> out;
  for (std::size_t i = 0; i < N; ++i) {
    if (allowed[i]) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<int> span(int first, int last) {
  std::vector<int> out;
  for (int v = first; v <= last; ++v) out.push_back(v);
  return out;
}

std::string show(std::optional<Timestamp> t) { return t ? format_iso8601(*t) : "never"; }

std::string next(std::string_view expression, std::string_view after,
                 const date::time_zone* tz = nullptr) {
  return show(next_fire_after(cron(expression), at(after), tz));
}

std::string latest(std::string_view expression, std::string_view at_time,
                   std::string_view not_before, const date::time_zone* tz = nullptr) {
  return show(latest_fire_at_or_before(cron(expression), at(at_time), at(not_before), tz));
}

const date::time_zone* berlin() { return find_time_zone("Europe/Berlin"); }
const date::time_zone* new_york() { return find_time_zone("America/New_York"); }

// ---- Parsing ---------------------------------------------------------------------------

TEST(ParseCron, ReadsAStarAsEveryValueOfTheField) {
  auto s = cron("* * * * *");
  EXPECT_EQ(values(s.minutes), span(0, 59));
  EXPECT_EQ(values(s.hours), span(0, 23));
  EXPECT_EQ(values(s.days_of_month), span(1, 31));
  EXPECT_EQ(values(s.months), span(1, 12));
  EXPECT_EQ(values(s.days_of_week), span(0, 6));
}

TEST(ParseCron, ReadsSingleNumbers) {
  auto s = cron("5 4 3 2 1");
  EXPECT_EQ(values(s.minutes), std::vector<int>{5});
  EXPECT_EQ(values(s.hours), std::vector<int>{4});
  EXPECT_EQ(values(s.days_of_month), std::vector<int>{3});
  EXPECT_EQ(values(s.months), std::vector<int>{2});
  EXPECT_EQ(values(s.days_of_week), std::vector<int>{1});
}

TEST(ParseCron, ReadsARangeIncludingBothEnds) {
  EXPECT_EQ(values(cron("10-12 * * * *").minutes), (std::vector<int>{10, 11, 12}));
}

TEST(ParseCron, ReadsAList) {
  EXPECT_EQ(values(cron("0 1,5,9 * * *").hours), (std::vector<int>{1, 5, 9}));
}

TEST(ParseCron, ReadsAStepOverTheWholeField) {
  EXPECT_EQ(values(cron("*/15 * * * *").minutes), (std::vector<int>{0, 15, 30, 45}));
}

TEST(ParseCron, ReadsAStepOverARange) {
  EXPECT_EQ(values(cron("10-30/10 * * * *").minutes), (std::vector<int>{10, 20, 30}));
}

TEST(ParseCron, ReadsAStepFromAValueToTheEndOfTheField) {
  EXPECT_EQ(values(cron("50/4 * * * *").minutes), (std::vector<int>{50, 54, 58}));
}

TEST(ParseCron, ReadsAListMixingValuesRangesAndSteps) {
  EXPECT_EQ(values(cron("0-2,30-40/5,59 * * * *").minutes),
            (std::vector<int>{0, 1, 2, 30, 35, 40, 59}));
}

TEST(ParseCron, ReadsSevenAsSunday) {
  EXPECT_EQ(values(cron("0 0 * * 7").days_of_week), std::vector<int>{0});
  EXPECT_EQ(cron("0 0 * * 7"), cron("0 0 * * 0"));
}

TEST(ParseCron, IncludesSundayInARangeEndingAtSeven) {
  EXPECT_EQ(values(cron("0 0 * * 5-7").days_of_week), (std::vector<int>{0, 5, 6}));
}

TEST(ParseCron, ReadsMonthNamesInAnyCase) {
  EXPECT_EQ(values(cron("0 0 * jan,Feb,MAR-apr *").months), (std::vector<int>{1, 2, 3, 4}));
}

TEST(ParseCron, ReadsDayNamesInAnyCase) {
  EXPECT_EQ(values(cron("0 0 * * mon-FRI").days_of_week), span(1, 5));
  EXPECT_EQ(values(cron("0 0 * * Sun,sat").days_of_week), (std::vector<int>{0, 6}));
}

TEST(ParseCron, AppliesAStepToARangeOfNames) {
  EXPECT_EQ(values(cron("0 0 1 JAN-DEC/3 *").months), (std::vector<int>{1, 4, 7, 10}));
}

TEST(ParseCron, AcceptsTabsAndExtraSpacesAroundFields) {
  EXPECT_EQ(cron("  0\t9   * *  1-5 "), cron("0 9 * * 1-5"));
}

TEST(ParseCron, ExpandsMacrosToTheirFiveFieldForms) {
  EXPECT_EQ(cron("@yearly"), cron("0 0 1 1 *"));
  EXPECT_EQ(cron("@annually"), cron("0 0 1 1 *"));
  EXPECT_EQ(cron("@monthly"), cron("0 0 1 * *"));
  EXPECT_EQ(cron("@weekly"), cron("0 0 * * 0"));
  EXPECT_EQ(cron("@daily"), cron("0 0 * * *"));
  EXPECT_EQ(cron("@midnight"), cron("0 0 * * *"));
  EXPECT_EQ(cron("@hourly"), cron("0 * * * *"));
}

TEST(ParseCron, CountsADayFieldStartingWithAStarAsAWildcard) {
  auto stepped = cron("0 0 */2 * 1");
  EXPECT_TRUE(stepped.day_of_month_wildcard);
  EXPECT_FALSE(stepped.day_of_week_wildcard);
  auto listed = cron("0 0 1-31 * *");
  EXPECT_FALSE(listed.day_of_month_wildcard);
  EXPECT_TRUE(listed.day_of_week_wildcard);
}

// ---- Parse errors ----------------------------------------------------------------------

TEST(ParseCron, ReportsErrorsAsBadRequestsWithCodeInvalidCron) {
  auto s = parse_cron("61 * * * *");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::bad_request);
  EXPECT_EQ(s.error().code, "invalid_cron");
}

TEST(ParseCron, RejectsAnEmptyExpression) {
  EXPECT_EQ(error_of(""), "expected 5 fields, got 0");
  EXPECT_EQ(error_of("   "), "expected 5 fields, got 0");
}

TEST(ParseCron, RejectsTooFewFields) { EXPECT_EQ(error_of("* * * *"), "expected 5 fields, got 4"); }

TEST(ParseCron, RejectsTooManyFields) {
  EXPECT_EQ(error_of("* * * * * /bin/true"), "expected 5 fields, got 6");
}

TEST(ParseCron, RejectsAMinuteAbove59) {
  EXPECT_EQ(error_of("61 * * * *"), "minute field: 61 is out of range 0-59");
}

TEST(ParseCron, RejectsAnHourAbove23) {
  EXPECT_EQ(error_of("0 24 * * *"), "hour field: 24 is out of range 0-23");
}

TEST(ParseCron, RejectsDayOfMonthZeroAnd32) {
  EXPECT_EQ(error_of("0 0 0 * *"), "day-of-month field: 0 is out of range 1-31");
  EXPECT_EQ(error_of("0 0 32 * *"), "day-of-month field: 32 is out of range 1-31");
}

TEST(ParseCron, RejectsMonth13) {
  EXPECT_EQ(error_of("0 0 * 13 *"), "month field: 13 is out of range 1-12");
}

TEST(ParseCron, RejectsDayOfWeek8) {
  EXPECT_EQ(error_of("0 0 * * 8"), "day-of-week field: 8 is out of range 0-7");
}

TEST(ParseCron, RejectsAHugeNumberWithoutOverflowing) {
  EXPECT_EQ(error_of("99999999999 * * * *"), "minute field: 99999999999 is out of range 0-59");
}

TEST(ParseCron, RejectsAWordWhereANumberBelongs) {
  EXPECT_EQ(error_of("x * * * *"), "minute field: 'x' is not a number");
}

TEST(ParseCron, RejectsANameInAFieldWithoutNames) {
  EXPECT_EQ(error_of("0 MON * * *"), "hour field: 'MON' is not a number");
}

TEST(ParseCron, RejectsAnUnknownMonthName) {
  EXPECT_EQ(error_of("0 0 * FOO *"),
            "month field: 'FOO' is not a number or a month name (JAN-DEC)");
}

TEST(ParseCron, RejectsAnUnknownDayName) {
  EXPECT_EQ(error_of("0 0 * * FUN"),
            "day-of-week field: 'FUN' is not a number or a day name (SUN-SAT)");
}

TEST(ParseCron, RejectsARangeThatRunsBackwards) {
  EXPECT_EQ(error_of("0 20-5 * * *"), "hour field: range 20-5 runs backwards");
  EXPECT_EQ(error_of("0 0 * * FRI-MON"), "day-of-week field: range FRI-MON runs backwards");
}

TEST(ParseCron, RejectsARangeWithoutAStart) {
  EXPECT_EQ(error_of("-5 * * * *"), "minute field: range '-5' is missing its start");
}

TEST(ParseCron, RejectsARangeWithoutAnEnd) {
  EXPECT_EQ(error_of("5- * * * *"), "minute field: range '5-' is missing its end");
}

TEST(ParseCron, RejectsARangeWithTwoDashes) {
  EXPECT_EQ(error_of("1-2-3 * * * *"), "minute field: range '1-2-3' has more than one '-'");
}

TEST(ParseCron, RejectsAStepOfZero) {
  EXPECT_EQ(error_of("*/0 * * * *"), "minute field: step 0 is out of range 1-59");
}

TEST(ParseCron, RejectsAStepLargerThanTheField) {
  EXPECT_EQ(error_of("0 */24 * * *"), "hour field: step 24 is out of range 1-23");
}

TEST(ParseCron, RejectsAMissingStep) {
  EXPECT_EQ(error_of("*/ * * * *"), "minute field: '*/' is missing the step after '/'");
}

TEST(ParseCron, RejectsAStepThatIsNotANumber) {
  EXPECT_EQ(error_of("*/x * * * *"), "minute field: step 'x' is not a number");
  EXPECT_EQ(error_of("*/5/2 * * * *"), "minute field: step '5/2' is not a number");
}

TEST(ParseCron, RejectsAStepWithNothingBeforeIt) {
  EXPECT_EQ(error_of("/5 * * * *"), "minute field: '/5' is missing a value before '/'");
}

TEST(ParseCron, RejectsAnEmptyListItem) {
  EXPECT_EQ(error_of("1,,2 * * * *"), "minute field: empty list item");
  EXPECT_EQ(error_of("0 0 1, * *"), "day-of-month field: empty list item");
}

TEST(ParseCron, RejectsCharactersAfterAStar) {
  EXPECT_EQ(error_of("*5 * * * *"), "minute field: unexpected '5' after '*'");
}

TEST(ParseCron, RejectsTheRebootMacro) {
  EXPECT_EQ(error_of("@reboot"), "@reboot is not supported");
}

TEST(ParseCron, RejectsAnUnknownMacro) { EXPECT_EQ(error_of("@often"), "unknown macro '@often'"); }

// ---- Time zones ------------------------------------------------------------------------

TEST(FindTimeZone, FindsAZoneByItsIanaName) {
  const date::time_zone* tz = find_time_zone("Europe/Berlin");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(tz->name(), "Europe/Berlin");
}

TEST(FindTimeZone, ReturnsNullForAnUnknownName) {
  EXPECT_EQ(find_time_zone("Mars/Olympus_Mons"), nullptr);
  EXPECT_EQ(find_time_zone(""), nullptr);
}

// ---- next_fire_after -------------------------------------------------------------------

TEST(NextFireAfter, FiresEveryMinuteOnTheNextMinute) {
  EXPECT_EQ(next("* * * * *", "2026-05-01T10:00:00Z"), "2026-05-01T10:01:00Z");
}

TEST(NextFireAfter, RoundsUpToTheNextWholeMinute) {
  EXPECT_EQ(next("* * * * *", "2026-05-01T10:00:30Z"), "2026-05-01T10:01:00Z");
}

TEST(NextFireAfter, FiresStrictlyAfterTheGivenTime) {
  EXPECT_EQ(next("0 * * * *", "2026-05-01T10:00:00Z"), "2026-05-01T11:00:00Z");
}

TEST(NextFireAfter, FiresEveryQuarterHourWithAStep) {
  auto schedule = cron("*/15 * * * *");
  std::vector<std::string> fires;
  Timestamp t = at("2026-05-01T10:07:00Z");
  for (int i = 0; i < 4; ++i) {
    t = next_fire_after(schedule, t).value();
    fires.push_back(format_iso8601(t));
  }
  EXPECT_EQ(fires, (std::vector<std::string>{"2026-05-01T10:15:00Z", "2026-05-01T10:30:00Z",
                                             "2026-05-01T10:45:00Z", "2026-05-01T11:00:00Z"}));
}

TEST(NextFireAfter, EvaluatesInUtcWhenNoZoneIsGiven) {
  EXPECT_EQ(next("0 9 * * *", "2026-01-15T12:00:00Z"), "2026-01-16T09:00:00Z");
}

TEST(NextFireAfter, EvaluatesInTheWallClockTimeOfTheZone) {
  EXPECT_EQ(next("0 9 * * *", "2026-01-15T12:00:00Z", berlin()), "2026-01-16T08:00:00Z");  // CET
  EXPECT_EQ(next("0 9 * * *", "2026-07-15T12:00:00Z", berlin()), "2026-07-16T07:00:00Z");  // CEST
}

TEST(NextFireAfter, SkipsMonthsWithoutA31st) {
  EXPECT_EQ(next("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00Z");
  EXPECT_EQ(next("0 0 31 * *", "2026-05-31T00:00:00Z"), "2026-07-31T00:00:00Z");
}

TEST(NextFireAfter, CrossesTheEndOfTheYear) {
  EXPECT_EQ(next("0 0 1 1 *", "2026-06-01T00:00:00Z"), "2027-01-01T00:00:00Z");
}

TEST(NextFireAfter, WaitsForTheNextLeapYearFor29February) {
  EXPECT_EQ(next("0 12 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T12:00:00Z");
}

TEST(NextFireAfter, SkipsACenturyYearThatIsNotALeapYear) {
  EXPECT_EQ(next("0 12 29 2 *", "2096-03-01T00:00:00Z"), "2104-02-29T12:00:00Z");
}

TEST(NextFireAfter, ReturnsNothingForADateThatNeverExists) {
  EXPECT_EQ(next("0 0 30 2 *", "2026-01-01T00:00:00Z", berlin()), "never");
  EXPECT_EQ(next("0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z"), "never");
}

TEST(NextFireAfter, GivesUpOnAnImpossibleDateWithoutScanningMinuteByMinute) {
  auto schedule = cron("* * 30 2 *");
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(next_fire_after(schedule, at("2026-01-01T00:00:00Z"), berlin()).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{500});
}

TEST(NextFireAfter, FiresOnEitherDayWhenBothDayFieldsAreRestricted) {
  // January 2026: the 13th is a Tuesday, the Fridays are the 2nd, 9th, 16th, ...
  EXPECT_EQ(next("0 0 13 * FRI", "2026-01-10T00:00:00Z"), "2026-01-13T00:00:00Z");
  EXPECT_EQ(next("0 0 13 * FRI", "2026-01-13T00:00:00Z"), "2026-01-16T00:00:00Z");
}

TEST(NextFireAfter, RequiresBothDayFieldsWhenOneStartsWithAStar) {
  // Odd days that are also Mondays; read as "either", it would fire on Saturday the 3rd.
  EXPECT_EQ(next("0 0 */2 * MON", "2026-01-01T00:00:00Z"), "2026-01-05T00:00:00Z");
}

TEST(NextFireAfter, UsesTheDayOfWeekAloneWhenTheDayOfMonthIsAStar) {
  // Friday 2026-01-09 after 09:00 -> Monday.
  EXPECT_EQ(next("0 9 * * 1-5", "2026-01-09T10:00:00Z"), "2026-01-12T09:00:00Z");
}

TEST(NextFireAfter, SkipsTheMissingHourOnDstStart) {
  // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
  EXPECT_EQ(next("30 2 * * *", "2026-03-28T12:00:00Z", berlin()),
            "2026-03-30T00:30:00Z");  // 02:30 CEST on the 30th
}

TEST(NextFireAfter, FiresAtTheUsualTimeJustAfterTheGapOnDstStart) {
  EXPECT_EQ(next("0 3 * * *", "2026-03-28T12:00:00Z", berlin()),
            "2026-03-29T01:00:00Z");  // 03:00 CEST
}

TEST(NextFireAfter, KeepsAQuarterHourRhythmAcrossDstStart) {
  EXPECT_EQ(next("*/15 * * * *", "2026-03-29T00:45:00Z", berlin()),
            "2026-03-29T01:00:00Z");  // 01:45 CET -> 03:00 CEST
}

TEST(NextFireAfter, FiresOnceAtTheFirstOccurrenceOfARepeatedTimeOnDstEnd) {
  // Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
  EXPECT_EQ(next("30 2 * * *", "2026-10-24T12:00:00Z", berlin()),
            "2026-10-25T00:30:00Z");  // 02:30 CEST
  EXPECT_EQ(next("30 2 * * *", "2026-10-25T00:30:00Z", berlin()),
            "2026-10-26T01:30:00Z");  // not 02:30 CET the same day
}

TEST(NextFireAfter, DoesNotFireWhenStartingInsideTheSecondOccurrence) {
  EXPECT_EQ(next("30 2 * * *", "2026-10-25T01:10:00Z", berlin()),  // 02:10 CET
            "2026-10-26T01:30:00Z");
}

TEST(NextFireAfter, KeepsHourlyJobsFiringEveryRealHourAcrossDstEnd) {
  auto schedule = cron("0 * * * *");
  std::vector<std::string> fires;
  Timestamp t = at("2026-10-24T23:30:00Z");
  for (int i = 0; i < 3; ++i) {
    t = next_fire_after(schedule, t, berlin()).value();
    fires.push_back(format_iso8601(t));
  }
  // 02:00 CEST, 02:00 CET, 03:00 CET.
  EXPECT_EQ(fires, (std::vector<std::string>{"2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z",
                                             "2026-10-25T02:00:00Z"}));
}

TEST(NextFireAfter, SkipsTheMissingHourOnUsDstStart) {
  // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
  EXPECT_EQ(next("30 2 * * *", "2026-03-07T12:00:00Z", new_york()),
            "2026-03-09T06:30:00Z");  // 02:30 EDT on the 9th
}

TEST(NextFireAfter, FiresOnceInTheRepeatedHourOnUsDstEnd) {
  // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice.
  EXPECT_EQ(next("30 1 * * *", "2026-10-31T12:00:00Z", new_york()),
            "2026-11-01T05:30:00Z");  // 01:30 EDT
  EXPECT_EQ(next("30 1 * * *", "2026-11-01T05:30:00Z", new_york()),
            "2026-11-02T06:30:00Z");  // 01:30 EST the next day
}

// ---- latest_fire_at_or_before ----------------------------------------------------------

TEST(LatestFireAtOrBefore, ReturnsTheMostRecentFireInTheWindow) {
  EXPECT_EQ(latest("0 3 * * *", "2026-05-10T12:00:00Z", "2026-05-01T00:00:00Z"),
            "2026-05-10T03:00:00Z");
}

TEST(LatestFireAtOrBefore, CountsAFireExactlyAtTheEndOfTheWindow) {
  EXPECT_EQ(latest("0 3 * * *", "2026-05-10T03:00:00Z", "2026-05-01T00:00:00Z"),
            "2026-05-10T03:00:00Z");
}

TEST(LatestFireAtOrBefore, CountsAFireExactlyAtTheStartOfTheWindow) {
  EXPECT_EQ(latest("0 3 * * *", "2026-05-10T02:59:59Z", "2026-05-09T03:00:00Z"),
            "2026-05-09T03:00:00Z");
}

TEST(LatestFireAtOrBefore, ReturnsNothingWhenNoFireFallsInTheWindow) {
  EXPECT_EQ(latest("0 3 * * *", "2026-05-10T02:59:59Z", "2026-05-09T03:00:01Z"), "never");
}

TEST(LatestFireAtOrBefore, ReturnsNothingWhenTheWindowIsEmpty) {
  EXPECT_EQ(latest("* * * * *", "2026-05-10T03:00:00Z", "2026-05-10T03:00:01Z"), "never");
}

TEST(LatestFireAtOrBefore, LooksBackInTheWallClockTimeOfTheZone) {
  EXPECT_EQ(latest("0 9 * * *", "2026-07-15T12:00:00Z", "2026-07-01T00:00:00Z", berlin()),
            "2026-07-15T07:00:00Z");  // 09:00 CEST
}

TEST(LatestFireAtOrBefore, SkipsTheMissingHourOnDstStart) {
  // 02:30 on the 28th (01:30Z) is before the window; on the 29th 02:30 does not exist.
  EXPECT_EQ(latest("30 2 * * *", "2026-03-29T23:00:00Z", "2026-03-28T12:00:00Z", berlin()),
            "never");
}

TEST(LatestFireAtOrBefore, FindsTheFirstOccurrenceOfARepeatedTimeOnDstEnd) {
  EXPECT_EQ(latest("30 2 * * *", "2026-10-25T12:00:00Z", "2026-10-24T12:00:00Z", berlin()),
            "2026-10-25T00:30:00Z");  // 02:30 CEST, not 02:30 CET
}

TEST(LatestFireAtOrBefore, ReturnsNothingForADateThatNeverExists) {
  EXPECT_EQ(latest("0 0 30 2 *", "2026-05-01T00:00:00Z", "1970-01-01T00:00:00Z", berlin()),
            "never");
}

// ---- Both searches against a brute-force scan ------------------------------------------

// The fires in [from, to) found by testing every UTC minute against the header's rules.
std::vector<Timestamp> scan(const CronSchedule& s, const date::time_zone* tz, Timestamp from,
                            Timestamp to) {
  std::vector<Timestamp> fires;
  for (Timestamp t = from; t < to; t += minutes{1}) {
    auto local = tz->to_local(t);
    auto day = date::floor<date::days>(local);
    date::year_month_day ymd{day};
    auto minute_of_day = std::chrono::duration_cast<minutes>(local - day).count();
    bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
    bool dow = s.days_of_week[date::weekday{ymd}.c_encoding()];
    bool day_ok = s.day_of_month_wildcard || s.day_of_week_wildcard ? dom && dow : dom || dow;
    if (!day_ok || !s.months[static_cast<unsigned>(ymd.month())] ||
        !s.hours[static_cast<std::size_t>(minute_of_day / 60)] ||
        !s.minutes[static_cast<std::size_t>(minute_of_day % 60)]) {
      continue;
    }
    auto info = tz->get_info(local);
    bool second_occurrence = info.result == date::local_info::ambiguous &&
                             t == Timestamp{local.time_since_epoch() - info.second.offset};
    if (second_occurrence && !s.hours.all()) continue;
    fires.push_back(t);
  }
  return fires;
}

struct DstWindow {
  const char* zone;
  const char* from;
  const char* to;
};

constexpr DstWindow kDstWindows[] = {
    {"Europe/Berlin", "2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z"},
    {"Europe/Berlin", "2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z"},
    {"America/New_York", "2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z"},
    {"America/New_York", "2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z"},
};

constexpr const char* kScheduleSamples[] = {"* * * * *",      "*/15 * * * *", "0 * * * *",
                                            "30 2 * * *",     "30 1 * * *",   "0 3 * * *",
                                            "*/20 1-3 * * *", "59 23 * * *",  "0 0 * * SUN",
                                            "45 2 29 3,10 *", "0 */2 * * *",  "30 0-4/2 25,29 * 0"};

TEST(NextFireAfter, AgreesWithAMinuteByMinuteScanAroundDstChanges) {
  for (const auto& window : kDstWindows) {
    const date::time_zone* tz = find_time_zone(window.zone);
    ASSERT_NE(tz, nullptr) << window.zone;
    for (const char* expression : kScheduleSamples) {
      auto schedule = cron(expression);
      Timestamp from = at(window.from);
      Timestamp to = at(window.to);
      std::vector<Timestamp> found;
      for (auto t = next_fire_after(schedule, from - seconds{1}, tz); t && *t < to;
           t = next_fire_after(schedule, *t, tz)) {
        found.push_back(*t);
      }
      EXPECT_EQ(found, scan(schedule, tz, from, to))
          << expression << " in " << window.zone << " from " << window.from;
    }
  }
}

TEST(LatestFireAtOrBefore, AgreesWithAMinuteByMinuteScanAroundDstChanges) {
  for (const auto& window : kDstWindows) {
    const date::time_zone* tz = find_time_zone(window.zone);
    ASSERT_NE(tz, nullptr) << window.zone;
    for (const char* expression : kScheduleSamples) {
      auto schedule = cron(expression);
      Timestamp from = at(window.from);
      auto fires = scan(schedule, tz, from, at(window.to));
      std::optional<Timestamp> previous;
      for (Timestamp fire : fires) {
        EXPECT_EQ(show(latest_fire_at_or_before(schedule, fire, from, tz)), show(fire))
            << expression << " in " << window.zone;
        EXPECT_EQ(show(latest_fire_at_or_before(schedule, fire - seconds{1}, from, tz)),
                  show(previous))
            << expression << " in " << window.zone;
        previous = fire;
      }
    }
  }
}

}  // namespace
}  // namespace parkd::jobs
