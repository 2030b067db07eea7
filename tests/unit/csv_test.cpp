#include "reports/csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parkd::reports {
namespace {

// Collects what a CsvWriter hands to its sink.
struct Collected {
  std::string text;
  std::vector<std::string> calls;
  CsvWriter writer() {
    return CsvWriter([this](std::string_view chunk) {
      text += chunk;
      calls.emplace_back(chunk);
    });
  }
};

TEST(CsvWriter, EndsEveryRowWithCrlf) {
  Collected out;
  auto csv = out.writer();
  csv.row({"id", "name"});
  csv.row({"1", "Downtown"});
  EXPECT_EQ(out.text, "id,name\r\n1,Downtown\r\n");
}

TEST(CsvWriter, HandsEachFinishedRowToTheSinkAtOnce) {
  Collected out;
  auto csv = out.writer();
  csv.cell("a").cell("b");
  EXPECT_TRUE(out.calls.empty());
  csv.end_row();
  csv.row({"c"});
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.calls[0], "a,b\r\n");
  EXPECT_EQ(out.calls[1], "c\r\n");
  EXPECT_EQ(csv.rows_written(), 2u);
}

TEST(CsvWriter, LeavesPlainFieldsUnquoted) {
  EXPECT_EQ(csv_field("Downtown Parking 7"), "Downtown Parking 7");
  EXPECT_EQ(csv_field("it's fine"), "it's fine");
  EXPECT_EQ(csv_field(""), "");
}

TEST(CsvWriter, QuotesAFieldWithAComma) { EXPECT_EQ(csv_field("Main St, 5"), "\"Main St, 5\""); }

TEST(CsvWriter, QuotesAFieldWithAQuoteAndDoublesTheQuote) {
  EXPECT_EQ(csv_field("the \"best\" lot"), "\"the \"\"best\"\" lot\"");
}

TEST(CsvWriter, QuotesAFieldWithALineFeed) { EXPECT_EQ(csv_field("a\nb"), "\"a\nb\""); }

TEST(CsvWriter, QuotesAFieldWithACarriageReturnInside) { EXPECT_EQ(csv_field("a\rb"), "\"a\rb\""); }

TEST(CsvWriter, WritesAnEmptyCellBetweenCommas) {
  Collected out;
  auto csv = out.writer();
  csv.cell("a").empty().cell("c").end_row();
  EXPECT_EQ(out.text, "a,,c\r\n");
}

TEST(CsvWriter, GuardsACellStartingWithEquals) { EXPECT_EQ(csv_field("=1+2"), "'=1+2"); }

TEST(CsvWriter, GuardsACellStartingWithPlus) { EXPECT_EQ(csv_field("+1"), "'+1"); }

TEST(CsvWriter, GuardsACellStartingWithMinus) { EXPECT_EQ(csv_field("-1"), "'-1"); }

TEST(CsvWriter, GuardsACellStartingWithAt) { EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)"); }

TEST(CsvWriter, GuardsACellStartingWithTab) { EXPECT_EQ(csv_field("\tx"), "'\tx"); }

TEST(CsvWriter, GuardsACellStartingWithCarriageReturnAndQuotesIt) {
  EXPECT_EQ(csv_field("\rx"), "\"'\rx\"");
}

TEST(CsvWriter, PutsTheGuardInsideTheQuotes) {
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
}

TEST(CsvWriter, DoesNotGuardTheseCharactersAfterTheFirst) {
  EXPECT_EQ(csv_field("a=b"), "a=b");
  EXPECT_EQ(csv_field("user@example.com"), "user@example.com");
  EXPECT_EQ(csv_field("KA-01-1234"), "KA-01-1234");
}

TEST(CsvWriter, PassesUtf8Through) {
  EXPECT_EQ(csv_field("Café Münster — 東京"), "Café Münster — 東京");
  EXPECT_EQ(csv_field("Straße, 5"), "\"Straße, 5\"");
}

TEST(CsvWriter, WritesNumbers) {
  Collected out;
  auto csv = out.writer();
  csv.number(0).number(42).number(9223372036854775807).end_row();
  EXPECT_EQ(out.text, "0,42,9223372036854775807\r\n");
}

TEST(CsvWriter, GuardsANegativeNumberAsTheContractSays) {
  Collected out;
  auto csv = out.writer();
  csv.number(-5).end_row();
  EXPECT_EQ(out.text, "'-5\r\n");
}

TEST(CsvWriter, WritesCentsInMajorUnits) {
  Collected out;
  auto csv = out.writer();
  csv.cents(1250).cents(5).cents(0).cents(100000).end_row();
  EXPECT_EQ(out.text, "12.50,0.05,0.00,1000.00\r\n");
}

TEST(CsvWriter, WritesARowWithNoCellsAsAnEmptyLine) {
  Collected out;
  auto csv = out.writer();
  csv.end_row();
  EXPECT_EQ(out.text, "\r\n");
}

}  // namespace
}  // namespace parkd::reports
