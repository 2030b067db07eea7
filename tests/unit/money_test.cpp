// Money: integer cents, half-up rounding, the minimum charge (docs/api.md "Conventions",
// "Bookings").
#include "domain/money.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace parkd {
namespace {

using nlohmann::json;

constexpr int kNoMinimum = 0;
constexpr int kHour = 3600;

TEST(StayCost, ChargesWholeHoursAtThePrice) {
  EXPECT_EQ(stay_cost_cents(250, 2 * kHour, kNoMinimum), 500);
}

TEST(StayCost, ChargesPartOfAnHourProportionally) {
  EXPECT_EQ(stay_cost_cents(300, 30 * 60, kNoMinimum), 150);
}

TEST(StayCost, RoundsHalfACentUp) {
  // 3 cents an hour for 90 minutes = 4.5 cents.
  EXPECT_EQ(stay_cost_cents(3, 90 * 60, kNoMinimum), 5);
}

TEST(StayCost, RoundsLessThanHalfACentDown) {
  // 1 cent an hour for 29 minutes = 0.4833 cents.
  EXPECT_EQ(stay_cost_cents(1, 29 * 60, kNoMinimum), 0);
}

TEST(StayCost, RoundsMoreThanHalfACentUp) {
  // 99 cents an hour for 61 minutes = 100.65 cents.
  EXPECT_EQ(stay_cost_cents(99, 61 * 60, kNoMinimum), 101);
}

TEST(StayCost, RoundsJustBelowHalfACentDown) {
  // 1 cent an hour for 1799 s = 0.49972 cents.
  EXPECT_EQ(stay_cost_cents(1, 1799, kNoMinimum), 0);
  // 1 cent an hour for 1800 s = exactly half a cent.
  EXPECT_EQ(stay_cost_cents(1, 1800, kNoMinimum), 1);
}

TEST(StayCost, ChargesTheMinimumForAShorterStay) {
  EXPECT_EQ(stay_cost_cents(250, 10 * 60, 60), 250);
}

TEST(StayCost, ChargesAOneSecondStayAsTheMinimum) { EXPECT_EQ(stay_cost_cents(250, 1, 60), 250); }

TEST(StayCost, ChargesAOneSecondStayWithoutMinimumAsAFractionOfACent) {
  // 360 cents an hour = 0.1 cent a second: rounds to 0.
  EXPECT_EQ(stay_cost_cents(360, 1, kNoMinimum), 0);
  // 1800 cents an hour = 0.5 cent a second: rounds up to 1.
  EXPECT_EQ(stay_cost_cents(1800, 1, kNoMinimum), 1);
}

TEST(StayCost, ChargesAZeroLengthStayNothingWithoutMinimum) {
  EXPECT_EQ(stay_cost_cents(250, 0, kNoMinimum), 0);
}

TEST(StayCost, TreatsANegativeStayAsZero) {
  EXPECT_EQ(stay_cost_cents(250, -100, kNoMinimum), 0);
  EXPECT_EQ(stay_cost_cents(250, -100, 60), 250);
}

TEST(StayCost, ChargesALongerStayThanTheMinimumByItsLength) {
  EXPECT_EQ(stay_cost_cents(100, 90 * 60, 60), 150);
}

TEST(StayCost, ChargesAMonthLongStayAtTheHighestPriceWithoutOverflow) {
  // 100000.00 an hour for 31 days.
  std::int64_t seconds = 31LL * 24 * kHour;
  EXPECT_EQ(stay_cost_cents(10'000'000, seconds, 60), 10'000'000LL * 31 * 24);
}

TEST(StayCost, ChargesAYearLongStayExactly) {
  std::int64_t seconds = 365LL * 24 * kHour + 1;  // one extra second at 1 cent/s
  EXPECT_EQ(stay_cost_cents(3600, seconds, 60), 3600LL * 365 * 24 + 1);
}

TEST(ParseMoney, ReadsAnIntegerAsMajorUnits) { EXPECT_EQ(parse_money(json(5)), 500); }

TEST(ParseMoney, ReadsADecimalWithTwoPlaces) { EXPECT_EQ(parse_money(json(5.55)), 555); }

TEST(ParseMoney, ReadsADecimalWithOnePlace) { EXPECT_EQ(parse_money(json(5.5)), 550); }

TEST(ParseMoney, ReadsAmountsThatBinaryFloatsCannotHoldExactly) {
  EXPECT_EQ(parse_money(json(0.29)), 29);
  EXPECT_EQ(parse_money(json(1.15)), 115);
  EXPECT_EQ(parse_money(json(0.07)), 7);
  EXPECT_EQ(parse_money(json(99999.99)), 9999999);
}

TEST(ParseMoney, RejectsThreeDecimals) {
  EXPECT_FALSE(parse_money(json(1.234)).has_value());
  EXPECT_FALSE(parse_money(json(0.001)).has_value());
  EXPECT_FALSE(parse_money(json("1.234")).has_value());
}

TEST(ParseMoney, RejectsThreeDecimalsOnALargeAmount) {
  EXPECT_FALSE(parse_money(json(99999.991)).has_value());
  EXPECT_FALSE(parse_money(json(12345.678)).has_value());
}

TEST(ParseMoney, RejectsManyDecimalsThatAreNotFloatNoise) {
  EXPECT_FALSE(parse_money(json(1.0000001)).has_value());
  EXPECT_FALSE(parse_money(json(2.50000001)).has_value());
}

TEST(ParseMoney, ReadsTheLargestAmountsWithCents) {
  EXPECT_EQ(parse_money(json(999999999.99)), 99999999999);
  EXPECT_EQ(parse_money(json(1e12)), 100000000000000);
}

TEST(ParseMoney, ReadsANumberWrittenWithAnExponent) {
  EXPECT_EQ(parse_money(nlohmann::json::parse("1.5e2")), 15000);
  EXPECT_EQ(parse_money(nlohmann::json::parse("25e-2")), 25);
}

TEST(ParseMoney, RejectsNegativeAmounts) {
  EXPECT_FALSE(parse_money(json(-1)).has_value());
  EXPECT_FALSE(parse_money(json(-0.5)).has_value());
  EXPECT_FALSE(parse_money(json("-1")).has_value());
}

TEST(ParseMoney, ReadsZeroAsZero) { EXPECT_EQ(parse_money(json(0)), 0); }

TEST(ParseMoney, ReadsANumericString) {
  EXPECT_EQ(parse_money(json("12.50")), 1250);
  EXPECT_EQ(parse_money(json("12")), 1200);
  EXPECT_EQ(parse_money(json(" 7.5 ")), 750);
}

TEST(ParseMoney, RejectsMalformedStrings) {
  for (const char* s : {"", " ", "abc", "1.", ".5", "1e3", "+1", "1,50", "1.2.3", "NaN", "0x10"}) {
    EXPECT_FALSE(parse_money(json(s)).has_value()) << s;
  }
}

TEST(ParseMoney, RejectsNonNumbers) {
  EXPECT_FALSE(parse_money(json(true)).has_value());
  EXPECT_FALSE(parse_money(json(nullptr)).has_value());
  EXPECT_FALSE(parse_money(json::array({1})).has_value());
  EXPECT_FALSE(parse_money(json::object()).has_value());
}

TEST(ParseMoney, RejectsNonFiniteAndHugeNumbers) {
  EXPECT_FALSE(parse_money(json(1e300)).has_value());
  EXPECT_FALSE(parse_money(json(std::numeric_limits<double>::infinity())).has_value());
  EXPECT_FALSE(parse_money(json(std::nan(""))).has_value());
  EXPECT_FALSE(parse_money(json(std::uint64_t{18446744073709551615ULL})).has_value());
  EXPECT_FALSE(parse_money(json("99999999999999999999")).has_value());
}

TEST(ParseMoney, ReadsAnUnsignedJsonNumberLikeASignedOne) {
  EXPECT_EQ(parse_money(nlohmann::json::parse("42")), 4200);
}

TEST(MoneyJson, RendersWholeAmountsAsIntegers) {
  EXPECT_EQ(money_json(1200), json(12));
  EXPECT_TRUE(money_json(1200).is_number_integer());
}

TEST(MoneyJson, RendersCentsAsADecimal) {
  EXPECT_EQ(money_json(1250).dump(), "12.5");
  EXPECT_EQ(money_json(5).dump(), "0.05");
}

TEST(FormatMoney, AlwaysShowsTwoDecimals) {
  EXPECT_EQ(format_money(1250), "12.50");
  EXPECT_EQ(format_money(5), "0.05");
  EXPECT_EQ(format_money(0), "0.00");
  EXPECT_EQ(format_money(-105), "-1.05");
}

// Found by fuzzing (fuzz/csv_fuzz.cpp, CsvWriter::cents): negating the lowest int64 was
// undefined behaviour, which UBSan reports.
TEST(FormatMoney, WritesTheExtremeAmounts) {
  EXPECT_EQ(format_money(std::numeric_limits<std::int64_t>::min()), "-92233720368547758.08");
  EXPECT_EQ(format_money(std::numeric_limits<std::int64_t>::max()), "92233720368547758.07");
}

}  // namespace
}  // namespace parkd
