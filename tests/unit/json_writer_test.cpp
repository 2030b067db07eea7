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

// The shape the contract documents, built as a DOM (nlohmann sorts keys, as ours must).
nlohmann::json booking_dom(const Booking& b, Timestamp at) {
  auto time_or_null = [](std::optional<Timestamp> t) {
    return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json(nullptr);
  };
  nlohmann::json j = {{"id", b.id},
                      {"user_id", b.user_id},
                      {"lot_id", b.lot_id},
                      {"lot_name", b.lot_name},
                      {"spot_id", b.spot_id ? nlohmann::json(*b.spot_id) : nlohmann::json(nullptr)},
                      {"spot_number", b.spot_number},
                      {"booking_type", std::string(booking_type_name(b.type))},
                      {"vehicle_number", b.vehicle_number ? nlohmann::json(*b.vehicle_number)
                                                          : nlohmann::json(nullptr)},
                      {"created_at", format_iso8601(b.created_at)},
                      {"start_time", format_iso8601(b.start_time)},
                      {"end_time", time_or_null(b.end_time)},
                      {"reserved_start", time_or_null(b.reserved_start)},
                      {"reserved_end", time_or_null(b.reserved_end)},
                      {"price_per_hour", money_json(b.price_cents)},
                      {"total_cost", money_json(b.total_cost_cents_at(at))},
                      {"status", std::string(booking_status_name(b.status_at(at)))}};
  if (b.user_email) j["user_email"] = *b.user_email;
  return j;
}

TEST(JsonWriter, BookingsRenderTheSameAsTheDomBuiltShape) {
  Timestamp at = from_unix(1767229261);
  Booking completed;
  completed.id = 41;
  completed.user_id = 5;
  completed.lot_id = 2;
  completed.lot_name = "Caf\xc3\xa9 \"Central\"";
  completed.spot_id = 17;
  completed.spot_number = 3;
  completed.type = BookingType::reserved;
  completed.vehicle_number = "KA 01 \\ 1234";
  completed.created_at = at - std::chrono::hours(30);
  completed.start_time = at - std::chrono::hours(26);
  completed.reserved_start = completed.start_time;
  completed.reserved_end = at - std::chrono::hours(24);
  completed.end_time = completed.reserved_end;
  completed.price_cents = 350;
  completed.cost_cents = 705;
  completed.stored_status = BookingStatus::completed;
  completed.user_email = "driver@example.com";

  Booking active;  // no spot any more, no vehicle, not an admin view
  active.id = 42;
  active.user_id = 6;
  active.lot_id = 2;
  active.lot_name = "North";
  active.spot_number = 9;
  active.created_at = at - std::chrono::minutes(90);
  active.start_time = active.created_at;
  active.price_cents = 1205;

  for (const Booking& b : {completed, active}) {
    JsonWriter w;
    write_json(w, b, at);
    EXPECT_EQ(w.take(), booking_dom(b, at).dump()) << b.id;
  }
  nlohmann::json message = {{"message", "Spot released"}, {"booking", booking_dom(active, at)}};
  EXPECT_EQ(booking_message_json("Spot released", active, at), message.dump());
}

}  // namespace
}  // namespace parkd
