// Typed fields of a request body (api/parse.h FieldReader), as the handlers read them.
#include "api/parse.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>

namespace parkd {
namespace {

TEST(FieldReader, ReadsWholeNumbersWrittenAsFloatsOrDigitStrings) {
  auto body = nlohmann::json::parse(R"({"a":12.0,"b":"34","c":-5,"d":1e3})");
  FieldReader reader(body);
  EXPECT_EQ(reader.integer("a", true), 12);
  EXPECT_EQ(reader.integer("b", true), 34);
  EXPECT_EQ(reader.integer("c", true), -5);
  EXPECT_EQ(reader.integer("d", true), 1000);
  EXPECT_TRUE(reader.ok());
}

// A float beyond int64 is a problem to report, not a value to cast: that conversion is
// undefined behaviour (found by fuzz/json_body_fuzz.cpp under UBSan).
TEST(FieldReader, ReportsFloatsBeyondTheIntegerRange) {
  auto body = nlohmann::json::parse(R"({"a":18446744073709551695,"b":-1e300,"c":1e15,"d":2.5})");
  FieldReader reader(body);
  for (const char* key : {"a", "b", "c", "d"}) {
    EXPECT_FALSE(reader.integer(key, true)) << key;
  }
  EXPECT_EQ(reader.error().fields.size(), 4u);
  EXPECT_EQ(reader.error().fields["a"], "must be an integer");
}

// nlohmann counts an unsigned number as an integer too: one beyond int64 must not wrap
// (2^64-1 read as -1; found by fuzz/json_body_fuzz.cpp).
TEST(FieldReader, ReportsUnsignedIntegersBeyondInt64AsOutOfRange) {
  auto body = nlohmann::json::parse(
      R"({"a":18446744073709551615,"b":9223372036854775808,"c":9223372036854775807})");
  FieldReader reader(body);
  EXPECT_FALSE(reader.integer("a", true));
  EXPECT_FALSE(reader.integer("b", true));
  EXPECT_EQ(reader.integer("c", true), INT64_MAX);
  EXPECT_EQ(reader.error().fields["a"], "is out of range");
  EXPECT_EQ(reader.error().fields["b"], "is out of range");
}

TEST(JsonObjectBody, RejectsANulByteAndTrailingBytes) {
  Request req;
  req.headers["content-type"] = "application/json";
  for (std::string body :
       {std::string("{\"lot_id\":1}\0garbage", 20), std::string("{\"a\":1}\0", 8),
        std::string("{\"a\":1} {}"), std::string("{\"a\":1}x")}) {
    req.body = body;
    auto parsed = json_object_body(req);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, "invalid_json");
  }
  req.body = " {\"a\":1} \r\n";
  EXPECT_TRUE(json_object_body(req).ok());
}

}  // namespace
}  // namespace parkd
