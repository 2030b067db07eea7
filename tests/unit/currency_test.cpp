// domain/currency: which CURRENCY codes parkd accepts and the symbol it shows for each.
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

}  // namespace
}  // namespace parkd
