// The direct JSON writer must produce exactly what nlohmann's dump() does for the same
// data, so that responses do not change with the faster path.
#include "api/json_writer.h"
#include "api/render.h"
#include "domain/money.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace parkd {
namespace {

std::string money_text(std::int64_t cents) {
  JsonWriter w;
  w.money(cents);
  return w.take();
}

TEST(JsonWriter, MoneyMatchesTheJsonNumberOfTheContractForEveryCentValue) {
  for (std::int64_t cents = -2000; cents <= 200000; ++cents) {
    ASSERT_EQ(money_text(cents), money_json(cents).dump()) << cents;
  }
}

TEST(JsonWriter, EscapesStringsLikeNlohmann) {
  std::string nasty = "quote\" back\\slash \b\f\n\r\t \x01\x1f caf\xc3\xa9 </script> \xe2\x82\xac";
  JsonWriter w;
  w.value(nasty);
  EXPECT_EQ(w.take(), nlohmann::json(nasty).dump());
}

TEST(JsonWriter, NestsObjectsAndArraysWithCommasOnlyBetweenElements) {
  JsonWriter w;
  w.begin_object()
      .key("a")
      .begin_array()
      .end_array()
      .key("b")
      .begin_array()
      .value(1)
      .begin_object()
      .end_object()
      .null()
      .end_array()
      .key("c")
      .begin_object()
      .key("d")
      .value("e")
      .end_object()
      .end_object();
  EXPECT_EQ(w.take(), R"({"a":[],"b":[1,{},null],"c":{"d":"e"}})");
}

TEST(JsonWriter, ALotRendersTheSameAsTheDomBuiltShape) {
  Lot l;
  l.id = 7;
  l.name = "Caf\xc3\xa9 \"Central\"";
  l.address = "1 Main St\nBack entrance";
  l.capacity = 12;
  l.occupied_spots = 3;
  l.reserved_spots = 1;
  l.price_cents = 1205;
  l.created_at = from_unix(1767229261);
  nlohmann::json expected = {{"id", 7},
                             {"name", l.name},
                             {"address", l.address},
                             {"capacity", 12},
                             {"price_per_hour", 12.05},
                             {"available_spots", 9},
                             {"occupied_spots", 3},
                             {"reserved_spots", 1},
                             {"created_at", "2026-01-01T01:01:01Z"}};
  JsonWriter w;
  write_json(w, l);
  EXPECT_EQ(w.take(), expected.dump());
}

}  // namespace
}  // namespace parkd
