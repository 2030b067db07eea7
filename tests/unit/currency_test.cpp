// domain/currency: which CURRENCY codes parkd accepts, the symbol it shows for each and
// how amounts read with it.
#include "domain/currency.h"

#include <gtest/gtest.h>

namespace parkd {
namespace {

TEST(Currency, AcceptsActiveIso4217Codes) {
  for (const char* code : {"INR", "USD", "EUR", "GBP", "JPY", "AED", "ZWL", "CHF", "XOF"}) {
    EXPECT_TRUE(is_known_currency(code)) << code;
  }
}

TEST(Currency, RefusesUnknownOrMalformedCodes) {
  for (const char* code : {"", "XYZ", "usd", "Usd", "US", "USDX", "US$", " USD", "RS", "ABC"}) {
    EXPECT_FALSE(is_known_currency(code)) << "'" << code << "'";
  }
}

TEST(Currency, RefusesMetalsFundsAndTestCodes) {
  for (const char* code : {"XAU", "XAG", "XDR", "XTS", "XXX", "USN", "CLF"}) {
    EXPECT_FALSE(is_known_currency(code)) << code;
  }
}

TEST(Currency, ShowsTheSymbolOfCommonCurrencies) {
  EXPECT_EQ(currency_symbol("INR"), "₹");
  EXPECT_EQ(currency_symbol("USD"), "$");
  EXPECT_EQ(currency_symbol("EUR"), "€");
  EXPECT_EQ(currency_symbol("GBP"), "£");
  EXPECT_EQ(currency_symbol("JPY"), "¥");
}

TEST(Currency, ShowsTheCodeOfACurrencyWithoutASymbolInTheTable) {
  EXPECT_TRUE(is_known_currency("CHF"));
  EXPECT_EQ(currency_symbol("CHF"), "CHF");
  EXPECT_EQ(currency_symbol("SEK"), "SEK");
}

TEST(FormatAmount, PutsTheSymbolBeforeTwoDecimals) {
  EXPECT_EQ(format_amount(500, "INR"), "₹5.00");
  EXPECT_EQ(format_amount(1250, "EUR"), "€12.50");
  EXPECT_EQ(format_amount(300, "USD"), "$3.00");
  EXPECT_EQ(format_amount(5, "GBP"), "£0.05");
  EXPECT_EQ(format_amount(0, "INR"), "₹0.00");
  EXPECT_EQ(format_amount(123456789, "CAD"), "CA$1234567.89");
}

TEST(FormatAmount, PutsTheSignBeforeTheSymbol) {
  EXPECT_EQ(format_amount(-500, "INR"), "-₹5.00");
  EXPECT_EQ(format_amount(-5, "EUR"), "-€0.05");
}

TEST(FormatAmount, SetsACurrencyCodeApartFromTheDigits) {
  EXPECT_EQ(format_amount(1250, "CHF"), "CHF 12.50");
  EXPECT_EQ(format_amount(-5, "SEK"), "-SEK 0.05");
}

}  // namespace
}  // namespace parkd
