// Input rules from the contract (domain/validation.h): one behaviour per test.
#include "domain/validation.h"

#include "domain/common_passwords.h"

#include <gtest/gtest.h>

namespace parkd {
namespace {

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

const std::string kEAcute = "\xC3\xA9";  // é, two bytes

TEST(Trim, RemovesSpacesTabsAndNewlinesAtBothEnds) { EXPECT_EQ(trim(" \t\r\n a b \n\t "), "a b"); }

TEST(Trim, KeepsInnerWhiteSpace) { EXPECT_EQ(trim("a \t b"), "a \t b"); }

TEST(Trim, TurnsBlankIntoEmpty) { EXPECT_EQ(trim("   \t"), ""); }

TEST(ToLower, LowersAsciiLetters) { EXPECT_EQ(to_lower("AbC-1@X.Org"), "abc-1@x.org"); }

TEST(ToLower, LeavesNonAsciiBytesAlone) { EXPECT_EQ(to_lower("\xC3\x89"), "\xC3\x89"); }

TEST(Utf8, AcceptsAsciiAndMultibyteText) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8(kEAcute));
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // €
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x9A\x97"));  // 🚗
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(""));
}

TEST(Utf8, RejectsALoneContinuationByte) { EXPECT_FALSE(is_valid_utf8("a\x80")); }

TEST(Utf8, RejectsATruncatedSequence) {
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
}

TEST(Utf8, RejectsTwoByteOverlongEncodings) { EXPECT_FALSE(is_valid_utf8("\xC0\xAF")); }

TEST(Utf8, RejectsThreeByteOverlongEncodings) { EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF")); }

TEST(Utf8, RejectsFourByteOverlongEncodings) { EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF")); }

TEST(Utf8, RejectsEncodedSurrogates) { EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80")); }

TEST(Utf8, RejectsCodePointsAboveU10FFFF) { EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); }

TEST(Utf8, RejectsBytesThatNeverAppear) {
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
}

TEST(Utf8Length, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length(kEAcute + "t" + kEAcute), 3u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x9A\x97"), 1u);
}

TEST(CheckEmail, AcceptsAPlainAddress) { EXPECT_FALSE(check_email("driver@example.com")); }

TEST(CheckEmail, RequiresAValue) { EXPECT_TRUE(check_email("")); }

TEST(CheckEmail, RequiresAnAt) { EXPECT_TRUE(check_email("driver.example.com")); }

TEST(CheckEmail, RejectsTwoAts) { EXPECT_TRUE(check_email("a@b@example.com")); }

TEST(CheckEmail, RequiresALocalPart) { EXPECT_TRUE(check_email("@example.com")); }

TEST(CheckEmail, RequiresADotInTheDomain) { EXPECT_TRUE(check_email("driver@localhost")); }

TEST(CheckEmail, RejectsADomainStartingOrEndingWithADot) {
  EXPECT_TRUE(check_email("driver@.example.com"));
  EXPECT_TRUE(check_email("driver@example.com."));
}

TEST(CheckEmail, RejectsSpacesAndHeaderCharacters) {
  for (const char* e : {"dri ver@example.com", "a<b@example.com", "a@exa,mple.com",
                        "a;b@example.com", "a\"b@example.com", "a@example.com\r\nBcc: x@y.z"}) {
    EXPECT_TRUE(check_email(e)) << e;
  }
}

TEST(CheckEmail, AcceptsUpTo254Characters) {
  std::string local = repeat("a", 64);
  std::string domain = repeat("b", 254 - 64 - 1 - 4) + ".com";
  ASSERT_EQ((local + "@" + domain).size(), 254u);
  EXPECT_FALSE(check_email(local + "@" + domain));
  EXPECT_TRUE(check_email(local + "@b" + domain));
}

TEST(CheckPassword, AcceptsEightCharacters) { EXPECT_FALSE(check_password("gr8-pk-d")); }

TEST(CheckPassword, RejectsSevenCharacters) {
  EXPECT_EQ(check_password("gr8-pkd"), "must be 8 to 128 characters");
}

TEST(CheckPassword, Takes128CharactersButNot129) {
  EXPECT_FALSE(check_password(repeat("p", 128)));
  EXPECT_EQ(check_password(repeat("p", 129)), "must be 8 to 128 characters");
}

TEST(CheckPassword, CountsCharactersNotBytes) {
  EXPECT_FALSE(check_password(repeat(kEAcute, 8)));           // 16 bytes, 8 characters
  EXPECT_TRUE(check_password(repeat(kEAcute, 7)));            // 14 bytes, 7 characters
  EXPECT_FALSE(check_password(repeat("\xE2\x82\xAC", 128)));  // 384 bytes, 128 characters
  EXPECT_TRUE(check_password(repeat("\xE2\x82\xAC", 129)));
  EXPECT_FALSE(check_password(repeat("\xF0\x9F\x9A\x97", 128)));  // 512 bytes, 128 characters
}

TEST(CheckPassword, RefusesOnlyWhiteSpace) {
  EXPECT_EQ(check_password("          "), "must not be only white space");
  EXPECT_EQ(check_password(" \t \n \r \v \f  "), "must not be only white space");
  // U+3000 ideographic space and U+00A0 no-break space are white space too.
  EXPECT_EQ(check_password(repeat("\xE3\x80\x80", 4) + repeat("\xC2\xA0", 4)),
            "must not be only white space");
  EXPECT_FALSE(check_password("  pass word  "));
}

TEST(CheckPassword, RefusesACommonPasswordWhateverItsCase) {
  for (const char* common : {"password123", "Password123", "PASSWORD1", "qwertyuiop", "QwertyUIOP",
                             "iloveyou1", "sunshine1", "12345678"}) {
    auto problem = check_password(common);
    ASSERT_TRUE(problem) << common;
    EXPECT_NE(problem->find("common"), std::string::npos) << *problem;
  }
}

TEST(CheckPassword, AcceptsALongerVariantOfACommonPassword) {
  EXPECT_FALSE(check_password("password123-for-parking"));
}

TEST(CommonPasswords, HoldTenThousandEntries) { EXPECT_EQ(common_password_count(), 10000u); }

TEST(CommonPasswords, LooksUpAsciiCaseInsensitively) {
  EXPECT_TRUE(is_common_password("password"));
  EXPECT_TRUE(is_common_password("PassWord"));
  EXPECT_FALSE(is_common_password("pässword"));
  EXPECT_FALSE(is_common_password(""));
}

TEST(CheckUsername, AcceptsADisplayName) { EXPECT_FALSE(check_username("Ada Lovelace")); }

TEST(CheckUsername, Accepts64MultibyteCharacters) {
  EXPECT_FALSE(check_username(repeat(kEAcute, 64)));
}

TEST(CheckUsername, Rejects65Characters) { EXPECT_TRUE(check_username(repeat("a", 65))); }

TEST(CheckUsername, RejectsAnAt) { EXPECT_TRUE(check_username("ada@home")); }

TEST(CheckUsername, RejectsControlCharacters) {
  EXPECT_TRUE(check_username("ada\nlovelace"));
  EXPECT_TRUE(check_username("ada\x7F"));
}

TEST(CheckUsername, RejectsC1ControlCharacters) { EXPECT_TRUE(check_username("ada\xC2\x85")); }

TEST(CheckUsername, RejectsInvalidUtf8) { EXPECT_TRUE(check_username("ada\xFF")); }

TEST(CheckVehicleNumber, UpperCasesTheNormalisedPlate) {
  auto c = check_vehicle_number("ab-12 cd");
  EXPECT_FALSE(c.problem);
  EXPECT_EQ(c.normalized, "AB-12 CD");
}

TEST(CheckVehicleNumber, AcceptsOneCharacter) {
  EXPECT_EQ(check_vehicle_number("x").normalized, "X");
}

TEST(CheckVehicleNumber, AcceptsSixteenCharacters) {
  EXPECT_EQ(check_vehicle_number("abcdefgh-1234 56").normalized, "ABCDEFGH-1234 56");
}

TEST(CheckVehicleNumber, RejectsSeventeenCharacters) {
  auto c = check_vehicle_number("ABCDEFGH-1234 567");
  EXPECT_TRUE(c.problem);
  EXPECT_FALSE(c.normalized);
}

TEST(CheckVehicleNumber, RejectsAnEmptyPlate) {
  EXPECT_TRUE(check_vehicle_number("").problem);
  EXPECT_TRUE(check_vehicle_number("   ").problem);
}

TEST(CheckVehicleNumber, RejectsPunctuationOtherThanHyphen) {
  for (const char* v : {"AB_12", "AB.12", "AB/12", "AB!", "<b>", "AB'12"}) {
    EXPECT_TRUE(check_vehicle_number(v).problem) << v;
  }
}

TEST(CheckVehicleNumber, RejectsTabsAndNonAsciiLetters) {
  EXPECT_TRUE(check_vehicle_number("AB\t12").problem);
  EXPECT_TRUE(check_vehicle_number("M\xC3\x9C"
                                   "NCHEN")
                  .problem);
}

TEST(CheckLotName, AcceptsAName) { EXPECT_FALSE(check_lot_name("Central Garage")); }

TEST(CheckLotName, RequiresANonEmptyName) { EXPECT_TRUE(check_lot_name("")); }

TEST(CheckLotName, Accepts100Characters) { EXPECT_FALSE(check_lot_name(repeat("n", 100))); }

TEST(CheckLotName, Rejects101Characters) { EXPECT_TRUE(check_lot_name(repeat("n", 101))); }

TEST(CheckLotName, CountsCharactersNotBytes) {
  EXPECT_FALSE(check_lot_name(repeat(kEAcute, 100)));
  EXPECT_TRUE(check_lot_name(repeat(kEAcute, 101)));
}

TEST(CheckLotName, RejectsControlCharacters) {
  EXPECT_TRUE(check_lot_name("Central\nGarage"));
  EXPECT_TRUE(check_lot_name("Central\x01"));
}

TEST(CheckLotName, RejectsInvalidUtf8) { EXPECT_TRUE(check_lot_name("Central\xC3")); }

TEST(CheckAddress, AcceptsAnEmptyAddress) { EXPECT_FALSE(check_address("")); }

TEST(CheckAddress, Accepts500Characters) { EXPECT_FALSE(check_address(repeat("a", 500))); }

TEST(CheckAddress, Rejects501Characters) { EXPECT_TRUE(check_address(repeat("a", 501))); }

TEST(CheckAddress, CountsCharactersNotBytes) {
  EXPECT_FALSE(check_address(repeat(kEAcute, 500)));
  EXPECT_TRUE(check_address(repeat(kEAcute, 501)));
}

TEST(CheckAddress, RejectsInvalidUtf8) { EXPECT_TRUE(check_address("Main St \xFF")); }

TEST(CheckCapacity, AcceptsOneToTenThousand) {
  EXPECT_FALSE(check_capacity(1));
  EXPECT_FALSE(check_capacity(10000));
}

TEST(CheckCapacity, RejectsZeroNegativeAndAboveTenThousand) {
  EXPECT_TRUE(check_capacity(0));
  EXPECT_TRUE(check_capacity(-1));
  EXPECT_TRUE(check_capacity(10001));
}

TEST(CheckPriceCents, AcceptsOneCentToOneHundredThousand) {
  EXPECT_FALSE(check_price_cents(1));
  EXPECT_FALSE(check_price_cents(10'000'000));
}

TEST(CheckPriceCents, RejectsZeroNegativeAndAboveOneHundredThousand) {
  EXPECT_TRUE(check_price_cents(0));
  EXPECT_TRUE(check_price_cents(-100));
  EXPECT_TRUE(check_price_cents(10'000'001));
}

}  // namespace
}  // namespace parkd

namespace parkd {
namespace {

TEST(CheckUsername, RejectsBidiOverridesAndIsolates) {
  for (const char* bidi :
       {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE",
        "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9"}) {
    auto problem = check_username(std::string("ab") + bidi + "cd");
    ASSERT_TRUE(problem) << "U+" << bidi;
    EXPECT_NE(problem->find("formatting"), std::string::npos) << *problem;
  }
}

TEST(CheckUsername, RejectsZeroWidthCharacters) {
  EXPECT_TRUE(
      check_username("a\xE2\x80\x8B"
                     "b"));  // U+200B zero-width space
  EXPECT_TRUE(
      check_username("a\xE2\x80\x8C"
                     "b"));  // U+200C zero-width non-joiner
  EXPECT_TRUE(
      check_username("a\xE2\x80\x8D"
                     "b"));  // U+200D zero-width joiner
  EXPECT_TRUE(
      check_username("a\xE2\x80\x8F"
                     "b"));  // U+200F right-to-left mark
  EXPECT_TRUE(
      check_username("\xEF\xBB\xBF"
                     "ada"));  // U+FEFF byte order mark
  EXPECT_TRUE(
      check_username("ada\xC2\xAD"
                     "love"));  // U+00AD soft hyphen
}

TEST(CheckUsername, AcceptsRightToLeftScriptsAndEmoji) {
  EXPECT_FALSE(check_username("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"));          // שלום
  EXPECT_FALSE(check_username("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7"));  // مرحبا
  EXPECT_FALSE(check_username("ada \xF0\x9F\x9A\x97"));                      // 🚗
}

}  // namespace
}  // namespace parkd
