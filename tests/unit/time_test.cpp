// ISO 8601 at the edges (docs/api.md "Conventions": output UTC with Z; input Z or an offset;
// no zone is rejected).
#include "common/time.h"

#include <date/date.h>
#include <gtest/gtest.h>

namespace parkd {
namespace {

// 2026-11-24T18:00:00Z
constexpr std::int64_t kEvening = 1795543200;

std::optional<std::int64_t> unix_of(std::string_view text) {
  auto t = parse_iso8601(text);
  if (!t) return std::nullopt;
  return to_unix(*t);
}

TEST(FormatIso8601, WritesUtcWithZ) {
  EXPECT_EQ(format_iso8601(from_unix(kEvening)), "2026-11-24T18:00:00Z");
}

TEST(FormatIso8601, WritesTheEpoch) {
  EXPECT_EQ(format_iso8601(from_unix(0)), "1970-01-01T00:00:00Z");
}

TEST(FormatIso8601, PadsSingleDigits) {
  EXPECT_EQ(format_iso8601(from_unix(1767229261)), "2026-01-01T01:01:01Z");
}

TEST(FormatIso8601, WritesLeapDaysAndYearEnds) {
  EXPECT_EQ(format_iso8601(from_unix(1709164800)), "2024-02-29T00:00:00Z");
  EXPECT_EQ(format_iso8601(from_unix(4102444799)), "2099-12-31T23:59:59Z");
}

TEST(FormatIso8601, AgreesWithTheDateLibraryOverFourCenturies) {
  // From 1800 to 2200, in steps that visit every second of the minute and hour of the day.
  for (std::int64_t t = -5364662400; t < 7258118400; t += 86400 * 3 + 3661) {
    auto at = from_unix(t);
    ASSERT_EQ(format_iso8601(at), date::format("%Y-%m-%dT%H:%M:%SZ", at)) << t;
  }
}

TEST(FormatIso8601, WritesYearsPastFourDigits) {
  EXPECT_EQ(format_iso8601(from_unix(253402300800)), "10000-01-01T00:00:00Z");
}

TEST(FormatIso8601, RoundTripsThroughParseOverDecades) {
  for (std::int64_t t = 0; t < 4102444800; t += 86400 * 7 + 3671) {
    ASSERT_EQ(parse_iso8601(format_iso8601(from_unix(t))), from_unix(t)) << t;
  }
}

TEST(ParseIso8601, ReadsZ) { EXPECT_EQ(unix_of("2026-11-24T18:00:00Z"), kEvening); }

TEST(ParseIso8601, ReadsLowerCaseZAndT) { EXPECT_EQ(unix_of("2026-11-24t18:00:00z"), kEvening); }

TEST(ParseIso8601, ReadsAPositiveOffset) {
  EXPECT_EQ(unix_of("2026-11-24T23:30:00+05:30"), kEvening);
}

TEST(ParseIso8601, ReadsANegativeOffset) {
  EXPECT_EQ(unix_of("2026-11-24T13:00:00-05:00"), kEvening);
}

TEST(ParseIso8601, ReadsAnOffsetWithoutColon) {
  EXPECT_EQ(unix_of("2026-11-24T23:30:00+0530"), kEvening);
}

TEST(ParseIso8601, ReadsAZeroOffsetLikeZ) {
  EXPECT_EQ(unix_of("2026-11-24T18:00:00+00:00"), kEvening);
  EXPECT_EQ(unix_of("2026-11-24T18:00:00-00:00"), kEvening);
}

TEST(ParseIso8601, ReadsAnOffsetThatCrossesMidnight) {
  EXPECT_EQ(unix_of("2026-11-25T02:00:00+08:00"), kEvening);
}

TEST(ParseIso8601, ReadsATimeWithoutSeconds) { EXPECT_EQ(unix_of("2026-11-24T18:00Z"), kEvening); }

TEST(ParseIso8601, TruncatesFractionsOfASecond) {
  EXPECT_EQ(unix_of("2026-11-24T18:00:00.999Z"), kEvening);
  EXPECT_EQ(unix_of("2026-11-24T18:00:00.5+00:00"), kEvening);
}

TEST(ParseIso8601, AcceptsASpaceForT) { EXPECT_EQ(unix_of("2026-11-24 18:00:00Z"), kEvening); }

TEST(ParseIso8601, RoundTripsWhatItFormats) {
  auto t = from_unix(kEvening + 12345);
  EXPECT_EQ(parse_iso8601(format_iso8601(t)), t);
}

TEST(ParseIso8601, RejectsATimeWithoutZone) {
  EXPECT_FALSE(parse_iso8601("2026-11-24T18:00:00"));
  EXPECT_FALSE(parse_iso8601("2026-11-24T18:00"));
  EXPECT_FALSE(parse_iso8601("2026-11-24T18:00:00.123"));
}

TEST(ParseIso8601, RejectsADateWithoutTime) {
  EXPECT_FALSE(parse_iso8601("2026-11-24"));
  EXPECT_FALSE(parse_iso8601("2026-11-24Z"));
}

// An offset must not carry a time out of the four-digit years: format_iso8601 would write
// 10000-01-01T..., which nobody reads back (found by fuzz/validation_fuzz.cpp).
TEST(ParseIso8601, RejectsTimesWhoseUtcYearHasNoFourDigits) {
  EXPECT_FALSE(parse_iso8601("9999-12-31 23:59:59-2359"));
  EXPECT_FALSE(parse_iso8601("0000-01-01T00:00:00+00:01"));
  EXPECT_EQ(format_iso8601(*parse_iso8601("9999-12-31T23:59:59Z")), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_iso8601(*parse_iso8601("0000-01-01T00:01:00+00:01")), "0000-01-01T00:00:00Z");
}

TEST(ParseIso8601, RejectsFebruary29thOfACommonYear) {
  EXPECT_FALSE(parse_iso8601("2026-02-29T00:00:00Z"));
}

TEST(ParseIso8601, AcceptsFebruary29thOfALeapYear) {
  EXPECT_TRUE(parse_iso8601("2028-02-29T00:00:00Z"));
}

TEST(ParseIso8601, RejectsImpossibleDates) {
  for (const char* s : {"2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z",
                        "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z"}) {
    EXPECT_FALSE(parse_iso8601(s)) << s;
  }
}

TEST(ParseIso8601, RejectsImpossibleTimes) {
  for (const char* s : {"2026-11-24T24:00:00Z", "2026-11-24T23:60:00Z", "2026-11-24T23:59:60Z"}) {
    EXPECT_FALSE(parse_iso8601(s)) << s;
  }
}

TEST(ParseIso8601, RejectsImpossibleOffsets) {
  for (const char* s :
       {"2026-11-24T18:00:00+24:00", "2026-11-24T18:00:00+05:60", "2026-11-24T18:00:00+5:30",
        "2026-11-24T18:00:00+05:3", "2026-11-24T18:00:00+", "2026-11-24T18:00:00UTC"}) {
    EXPECT_FALSE(parse_iso8601(s)) << s;
  }
}

TEST(ParseIso8601, RejectsMalformedText) {
  for (const char* s : {"", "tomorrow", "1795543200", "26-11-24T18:00:00Z", "2026/11/24T18:00:00Z",
                        "2026-11-24T18:00:00ZZ", "2026-11-24T18:00:00Z ", " 2026-11-24T18:00:00Z",
                        "2026-11-24T18:00:00.Z", "2026-1-24T18:00:00Z", "2026-11-24T8:00:00Z",
                        "２０２６-11-24T18:00:00Z"}) {
    EXPECT_FALSE(parse_iso8601(s)) << s;
  }
}

TEST(Now, MovesWithTheClockOffset) {
  auto before = now();
  set_clock_offset(std::chrono::hours(24));
  auto shifted = now();
  set_clock_offset(std::chrono::seconds(0));
  EXPECT_GE((shifted - before).count(), 24 * 3600);
  EXPECT_LE((shifted - before).count(), 24 * 3600 + 5);
}

}  // namespace
}  // namespace parkd
