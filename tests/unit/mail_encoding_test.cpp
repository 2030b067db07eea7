#include "mail/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace parkd::mail {
namespace {

std::string all_bytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  return bytes;
}

TEST(Base64, EncodesTheRfc4648TestVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesTheRfc4648TestVectors) {
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, RoundTripsEveryByteValue) {
  EXPECT_EQ(base64_decode(base64_encode(all_bytes())), all_bytes());
}

TEST(Base64, BreaksLinesAt76CharactersWithCrlf) {
  std::string encoded = base64_encode_lines(std::string(200, 'x'));
  std::size_t start = 0;
  int lines = 0;
  while (start < encoded.size()) {
    std::size_t end = encoded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
    ++lines;
  }
  EXPECT_EQ(lines, 4);  // 200 bytes -> 268 characters
  EXPECT_EQ(base64_decode(encoded), std::string(200, 'x'));
}

TEST(Base64, RejectsCharactersOutsideTheAlphabet) {
  EXPECT_FALSE(base64_decode("Zm9v!mFy").has_value());
  EXPECT_FALSE(base64_decode("Zm9").has_value());
  EXPECT_FALSE(base64_decode("Zg==Zg").has_value());
}

TEST(QuotedPrintable, KeepsPrintableAsciiReadable) {
  EXPECT_EQ(quoted_printable_encode("Hello, world."), "Hello, world.\r\n");
}

TEST(QuotedPrintable, EncodesEqualsSignsAndNonAscii) {
  EXPECT_EQ(quoted_printable_encode("a=b"), "a=3Db\r\n");
  EXPECT_EQ(quoted_printable_encode("Café"), "Caf=C3=A9\r\n");
}

TEST(QuotedPrintable, EncodesWhiteSpaceAtTheEndOfALine) {
  EXPECT_EQ(quoted_printable_encode("end \nnext\t"), "end=20\r\nnext=09\r\n");
}

TEST(QuotedPrintable, TurnsEveryKindOfLineBreakIntoCrlf) {
  EXPECT_EQ(quoted_printable_encode("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd\r\n");
}

TEST(QuotedPrintable, SoftBreaksLongLinesWithin76Characters) {
  std::string line(200, 'a');
  line += "é";
  std::string encoded = quoted_printable_encode(line);
  std::size_t start = 0;
  while (start < encoded.size()) {
    std::size_t end = encoded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
  EXPECT_EQ(quoted_printable_decode(encoded), line + "\r\n");
}

TEST(QuotedPrintable, NeverSplitsAnEscape) {
  std::string text(300, '=');
  std::string encoded = quoted_printable_encode(text);
  EXPECT_EQ(quoted_printable_decode(encoded), text + "\r\n");
}

TEST(HeaderText, KeepsPrintableAsciiAsIs) {
  EXPECT_EQ(encode_header_text("Booking confirmed", 9), "Booking confirmed");
}

TEST(HeaderText, FoldsLongAsciiAtSpaces) {
  std::string subject;
  for (int i = 0; i < 30; ++i) subject += "word ";
  subject.pop_back();
  std::string folded = encode_header_text(subject, 9);
  EXPECT_NE(folded.find("\r\n "), std::string::npos);
  std::string unfolded = folded;
  for (auto pos = unfolded.find("\r\n"); pos != std::string::npos; pos = unfolded.find("\r\n")) {
    unfolded.erase(pos, 2);
  }
  EXPECT_EQ(unfolded, subject);
}

// Found by fuzzing (fuzz/mail_render_fuzz.cpp): a word too long to fold at a space was
// left whole, making a Subject line longer than RFC 5322's limit of 998 characters.
TEST(HeaderText, EncodesAnAsciiWordTooLongForOneLine) {
  std::string subject = "Booking confirmed: " + std::string(1200, 'L') + ", spot 7";
  std::string encoded = encode_header_text(subject, 9);
  std::string unfolded;
  std::size_t pos = 0;
  while (pos <= encoded.size()) {
    std::size_t end = std::min(encoded.find("\r\n", pos), encoded.size());
    EXPECT_LE(end - pos + (pos == 0 ? 9 : 0), 998U);
    unfolded += encoded.substr(pos, end - pos);
    pos = end + 2;
  }
  EXPECT_EQ(decode_header_text(unfolded), subject);
}

TEST(DisplayName, EncodesANameTooLongForOneQuotedLine) {
  std::string name(1000, 'L');
  std::string encoded = encode_display_name(name);
  EXPECT_EQ(encoded.substr(0, 10), "=?UTF-8?B?");
  std::string unfolded;
  for (char c : encoded) {
    if (c != '\r' && c != '\n') unfolded += c;
  }
  EXPECT_EQ(decode_header_text(unfolded), name);
  EXPECT_EQ(encode_display_name("Ann \"A\" Lee"), "\"Ann \\\"A\\\" Lee\"");
}

TEST(HeaderText, EncodesNonAsciiAsUtf8EncodedWords) {
  EXPECT_EQ(encode_header_text("Café", 9), "=?UTF-8?B?Q2Fmw6k=?=");
  EXPECT_EQ(decode_header_text("=?UTF-8?B?Q2Fmw6k=?="), "Café");
}

TEST(HeaderText, SplitsLongTextIntoWordsOfAtMost75CharactersOnCharacterBoundaries) {
  std::string subject;
  for (int i = 0; i < 40; ++i) subject += "Größe ";
  std::string encoded = encode_header_text(subject, 9);
  std::size_t start = 0;
  int words = 0;
  while (true) {
    std::size_t end = encoded.find("\r\n ", start);
    std::string word = encoded.substr(start, end == std::string::npos ? end : end - start);
    EXPECT_LE(word.size(), 75u);
    auto decoded = decode_header_text(word);
    ASSERT_TRUE(decoded.has_value());
    // No encoded word ends inside a UTF-8 sequence.
    ASSERT_FALSE(decoded->empty());
    EXPECT_NE(static_cast<unsigned char>(decoded->back()) & 0xC0, 0xC0);
    ++words;
    if (end == std::string::npos) break;
    start = end + 3;
  }
  EXPECT_GT(words, 1);
  EXPECT_EQ(decode_header_text(encoded), subject);
}

TEST(HeaderText, DecodesQEncodingAndDropsSpaceBetweenWords) {
  EXPECT_EQ(decode_header_text("=?utf-8?Q?a_b=3D?= =?UTF-8?B?Yw==?= d"), "a b=c d");
}

TEST(DisplayName, QuotesAsciiNamesAndEscapesQuotes) {
  EXPECT_EQ(encode_display_name("Ann \"A\" Lee\\"), "\"Ann \\\"A\\\" Lee\\\\\"");
}

TEST(DisplayName, EncodesNonAsciiNames) {
  EXPECT_EQ(decode_header_text(encode_display_name("Jürgen")), "Jürgen");
}

TEST(MimeParameter, QuotesAsciiValues) {
  EXPECT_EQ(encode_mime_parameter("filename", "bookings.csv"), "filename=\"bookings.csv\"");
}

TEST(MimeParameter, UsesRfc2231ForNonAsciiOrQuotes) {
  EXPECT_EQ(encode_mime_parameter("filename", "Übersicht.csv"),
            "filename*=UTF-8''%C3%9Cbersicht.csv");
  EXPECT_EQ(encode_mime_parameter("filename", "a\"b.csv"), "filename*=UTF-8''a%22b.csv");
}

TEST(RandomHex, GivesTwoHexDigitsPerByteAndDiffersEachTime) {
  std::string a = random_hex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, random_hex(16));
}

}  // namespace
}  // namespace parkd::mail
