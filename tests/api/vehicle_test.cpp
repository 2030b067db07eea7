// Black-box: one vehicle in one place (docs/api.md "One vehicle in one place"): bookings
// in force of one vehicle_number never overlap in time, in any lot, under concurrency;
// POST /api/book and POST /api/bookings/{id}/extend answer 409 vehicle_busy with the
// colliding window as `conflict`.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include "common/time.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

namespace parkd::test {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr int kRacers = 20;
constexpr int kRounds = 20;

class Vehicle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess();
    admin_ = parkd_->admin_token();
    users_ = new std::vector<TestUser>(make_users(*parkd_, kRacers));
  }
  static void TearDownTestSuite() {
    delete users_;
    delete parkd_;
  }

  static HttpClient http() { return parkd_->client(); }
  static const TestUser& user(int i) { return (*users_)[static_cast<std::size_t>(i)]; }
  static std::int64_t id_of(const json& j) { return j["id"].get<std::int64_t>(); }
  static json booked(const HttpResult& r) {
    EXPECT_EQ(r.status, 201) << r.body;
    auto j = r.json();
    return j.is_object() && j.contains("booking") ? j["booking"] : json();
  }
  // A reservation of `vehicle` in a lot of its own for [now + start_s, now + end_s).
  static json reserve_body(const std::string& vehicle, std::int64_t start_s, std::int64_t end_s) {
    auto body = reservation(id_of(create_lot(http(), admin_, 1)), start_s, end_s);
    body["vehicle_number"] = vehicle;
    return body;
  }
  // An immediate booking of `vehicle` in a lot of its own.
  static json park_body(const std::string& vehicle) {
    return {{"lot_id", id_of(create_lot(http(), admin_, 1))}, {"vehicle_number", vehicle}};
  }
  // A plate no other test uses, written with a space and a hyphen.
  static std::string plate() {
    static int n = 0;
    return "KA 01-V " + std::to_string(++n);
  }
  static HttpResult extend_to(const json& booking, const std::string& end, int who = 0) {
    return http().post("/api/bookings/" + booking["id"].dump() + "/extend", {{"reserved_end", end}},
                       user(who).token);
  }
  static std::string shifted(const json& iso, std::int64_t seconds) {
    return format_iso8601(from_unix(unix_of(iso.get<std::string>()) + seconds));
  }

  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
  static inline std::vector<TestUser>* users_ = nullptr;
};

TEST_F(Vehicle, AnOverlappingReservationOfTheVehicleElsewhereIsVehicleBusyWithTheConflict) {
  auto v = plate();
  auto first = booked(book(http(), user(0).token, reserve_body(v, kHour, 3 * kHour)));
  auto r = book(http(), user(1).token, reserve_body(v, 2 * kHour, 4 * kHour));
  ASSERT_TRUE(IsJsonError(r, 409, "vehicle_busy"));
  EXPECT_EQ(r.json()["conflict"]["start"], first["reserved_start"]);
  EXPECT_EQ(r.json()["conflict"]["end"], first["reserved_end"]);
}

TEST_F(Vehicle, PlatesCompareIgnoringCaseSpacesAndHyphens) {
  auto v = plate();  // "KA 01-V n"
  booked(book(http(), user(0).token, reserve_body(v, kHour, 3 * kHour)));
  std::string squeezed;
  for (char c : v)
    if (c != ' ' && c != '-') squeezed += static_cast<char>(std::tolower(c));
  auto r = book(http(), user(0).token, reserve_body(squeezed, 2 * kHour, 4 * kHour));
  EXPECT_TRUE(IsJsonError(r, 409, "vehicle_busy"));
  // A different plate is another vehicle.
  booked(book(http(), user(0).token, reserve_body(v + "0", 2 * kHour, 4 * kHour)));
}

TEST_F(Vehicle, TheAdminListFindsAVehiclesBookingsHoweverThePlateIsWritten) {
  auto v = plate();  // "KA 01-V n"
  auto first = booked(book(http(), user(0).token, reserve_body(v, kHour, 2 * kHour)));
  auto second = booked(book(http(), user(1).token, reserve_body(v, 3 * kHour, 4 * kHour)));
  booked(book(http(), user(0).token, reserve_body(v + "0", kHour, 2 * kHour)));  // another car
  std::string squeezed;  // "ka01vn": case, spaces and hyphens do not matter
  for (char c : v)
    if (c != ' ' && c != '-') squeezed += static_cast<char>(std::tolower(c));
  auto r = http().get("/api/admin/bookings?vehicle_number=" + squeezed, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json found = r.json();
  EXPECT_EQ(found["total"], 2);
  std::set<std::int64_t> ids;
  for (const auto& b : found["bookings"]) ids.insert(id_of(b));
  EXPECT_EQ(ids, (std::set<std::int64_t>{id_of(first), id_of(second)}));
  // With another filter, both apply.
  auto mine = http().get(
      "/api/admin/bookings?vehicle_number=" + squeezed + "&user_id=" + std::to_string(user(1).id),
      admin_);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.json()["total"], 1);
}

TEST_F(Vehicle, AParkedVehicleIsBusyFromNowOnWithAnOpenConflict) {
  auto v = plate();
  auto parked = booked(book(http(), user(0).token, park_body(v)));
  auto later = book(http(), user(0).token, reserve_body(v, 5 * kHour, 6 * kHour));
  ASSERT_TRUE(IsJsonError(later, 409, "vehicle_busy"));
  EXPECT_EQ(later.json()["conflict"]["start"], parked["start_time"]);
  EXPECT_TRUE(later.json()["conflict"]["end"].is_null());
  EXPECT_TRUE(IsJsonError(book(http(), user(1).token, park_body(v)), 409, "vehicle_busy"));
}

TEST_F(Vehicle, AFullLotStillSaysTheVehicleIsBusy) {
  auto v = plate();
  booked(book(http(), user(0).token, park_body(v)));
  auto lot = create_lot(http(), admin_, 1);
  booked(book(http(), user(1).token, {{"lot_id", id_of(lot)}}));
  auto r = book(http(), user(0).token, {{"lot_id", id_of(lot)}, {"vehicle_number", v}});
  EXPECT_TRUE(IsJsonError(r, 409, "vehicle_busy"));
}

TEST_F(Vehicle, WindowsThatOnlyTouchDoNotClash) {
  auto v = plate();
  auto middle = booked(book(http(), user(0).token, reserve_body(v, 2 * kHour, 3 * kHour)));
  auto lot = create_lot(http(), admin_, 1);
  json before = {{"lot_id", id_of(lot)},
                 {"booking_type", "reserved"},
                 {"vehicle_number", v},
                 {"reserved_start", shifted(middle["reserved_start"], -kHour)},
                 {"reserved_end", middle["reserved_start"]}};
  booked(book(http(), user(0).token, before));
  json after = before;
  after["lot_id"] = id_of(create_lot(http(), admin_, 1));
  after["reserved_start"] = middle["reserved_end"];
  after["reserved_end"] = shifted(middle["reserved_end"], kHour);
  booked(book(http(), user(0).token, after));
}

TEST_F(Vehicle, BookingsWithoutAVehicleNumberNeverClash) {
  auto lot = create_lot(http(), admin_, 2);
  booked(book(http(), user(0).token, {{"lot_id", id_of(lot)}}));
  booked(book(http(), user(0).token, {{"lot_id", id_of(lot)}}));
}

TEST_F(Vehicle, ACancelledReservationFreesTheVehicle) {
  auto v = plate();
  auto first = booked(book(http(), user(0).token, reserve_body(v, kHour, 3 * kHour)));
  auto cancel =
      http().post("/api/bookings/" + first["id"].dump() + "/cancel", json(), user(0).token);
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  booked(book(http(), user(0).token, reserve_body(v, kHour, 3 * kHour)));
}

TEST_F(Vehicle, AReleasedBookingFreesTheVehicle) {
  auto v = plate();
  auto parked = booked(book(http(), user(0).token, park_body(v)));
  auto release = http().post("/api/release/" + parked["id"].dump(), json(), user(0).token);
  ASSERT_EQ(release.status, 200) << release.body;
  booked(book(http(), user(0).token, park_body(v)));
}

TEST_F(Vehicle, AQuoteAnswersAsBookingWould) {
  auto v = plate();
  booked(book(http(), user(0).token, park_body(v)));
  auto r = http().post("/api/quote", park_body(v), user(0).token);
  ASSERT_TRUE(IsJsonError(r, 409, "vehicle_busy"));
  EXPECT_TRUE(r.json()["conflict"].is_object());
}

TEST_F(Vehicle, AnExtensionIntoTheVehiclesNextBookingIsVehicleBusy) {
  auto v = plate();
  auto first = booked(book(http(), user(0).token, reserve_body(v, kHour, 2 * kHour)));
  auto next = booked(book(http(), user(0).token, reserve_body(v, 3 * kHour, 4 * kHour)));
  auto r = extend_to(first, shifted(next["reserved_start"], 1800));
  ASSERT_TRUE(IsJsonError(r, 409, "vehicle_busy"));
  EXPECT_EQ(r.json()["conflict"]["start"], next["reserved_start"]);
  EXPECT_EQ(r.json()["conflict"]["end"], next["reserved_end"]);
  auto kept = http().get("/api/bookings/" + first["id"].dump(), user(0).token);
  EXPECT_EQ(kept.json()["booking"]["reserved_end"], first["reserved_end"]);
  // Up to the next booking's start is free.
  auto touching = extend_to(first, next["reserved_start"].get<std::string>());
  ASSERT_EQ(touching.status, 200) << touching.body;
  EXPECT_EQ(touching.json()["booking"]["reserved_end"], next["reserved_start"]);
}

TEST_F(Vehicle, TwentyBookingsOfOneVehicleInDifferentLotsAtOnceLeaveExactlyOne) {
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto v = plate();
    // Each racer has a lot of its own: only the vehicle can make them collide. Half
    // park now (open-ended), half reserve a window that the open ends cover.
    std::vector<json> bodies;
    std::set<std::int64_t> lots;
    for (int i = 0; i < kRacers; ++i) {
      bodies.push_back(i % 2 == 0 ? park_body(v) : reserve_body(v, kHour, 2 * kHour));
      lots.insert(bodies.back()["lot_id"].get<std::int64_t>());
    }
    auto results = run_together(kRacers, [&](int i) {
      return book(http(), user(i).token, bodies[static_cast<std::size_t>(i)]);
    });
    json winner;
    int busy = 0;
    for (const auto& r : results) {
      if (r.status == 201) {
        EXPECT_TRUE(winner.is_null()) << "a second booking won: " << r.body;
        winner = r.json()["booking"];
      } else if (IsJsonError(r, 409, "vehicle_busy")) {
        ++busy;
        EXPECT_TRUE(r.json()["conflict"].is_object()) << r.body;
      } else {
        ADD_FAILURE() << "unexpected answer " << r.status << ": " << r.body;
      }
    }
    ASSERT_FALSE(winner.is_null()) << "no booking won";
    EXPECT_EQ(busy, kRacers - 1);
    // What was stored: one booking of the vehicle in force across all the round's lots.
    int in_force = 0;
    for (auto lot_id : lots) {
      for (const auto& b : admin_bookings(http(), admin_, "lot_id=" + std::to_string(lot_id))) {
        EXPECT_EQ(b["vehicle_number"], v);
        if (b["status"] == "Active" || b["status"] == "Reserved") ++in_force;
      }
    }
    EXPECT_EQ(in_force, 1);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace parkd::test
