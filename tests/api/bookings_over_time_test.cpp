// Black-box: bookings on servers with their own configuration or clock (docs/api.md
// "Bookings"): the minimum charge turned off, and reservations, releases and idempotency
// keys seen by a second server on the same database whose clock runs hours ahead.
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <csignal>

namespace parkd::test {
namespace {

constexpr std::int64_t kHour = 3600;

TEST(BookingsWithoutMinimumCharge, AShortReservationCostsItsLength) {
  ParkdProcess parkd(Env{{"MIN_CHARGE_MINUTES", "0"}});
  auto http = parkd.client();
  auto admin = parkd.admin_token();
  auto lot = create_lot(http, admin, 1, 3);
  auto r = book(http, admin, reservation(lot["id"].get<std::int64_t>(), kHour, kHour + 30 * 60));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["booking"]["total_cost"], 1.5);
}

TEST(BookingsAcrossRestarts, AReservationIsActiveOnceItsWindowHasStarted) {
  TempDir dir;
  std::int64_t lot_id = 0;
  json booking;
  std::string user_token;
  {
    ParkdProcess first({}, {"serve"}, dir.path());
    auto http = first.client();
    auto lot = create_lot(http, first.admin_token(), 1, 2);
    lot_id = lot["id"].get<std::int64_t>();
    user_token = first.register_user("restart@test.local");
    auto r = book(http, user_token, reservation(lot_id, kHour, 3 * kHour));
    ASSERT_EQ(r.status, 201) << r.body;
    booking = r.json()["booking"];
    ASSERT_EQ(booking["status"], "Reserved");
    ASSERT_EQ(first.stop(SIGTERM), 0);
  }
  ParkdProcess later(Env{{"PARKD_CLOCK_OFFSET", std::to_string(2 * kHour)}}, {"serve"}, dir.path());
  auto http = later.client();
  auto token =
      http.post("/auth/login", {{"email", "restart@test.local"}, {"password", "password-123"}})
          .json()["token"]
          .get<std::string>();
  auto got = http.get("/api/bookings/" + booking["id"].dump(), token);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["booking"]["status"], "Active");
  auto lot = get_lot(http, token, lot_id);
  EXPECT_EQ(lot["occupied_spots"], 1);
  EXPECT_EQ(lot["available_spots"], 0);
  EXPECT_EQ(lot["reserved_spots"], 0);
  EXPECT_EQ(lot_spots(http, token, lot_id)[0]["status"], "Occupied");
  auto active = http.get("/api/bookings?status=Active", token).json();
  ASSERT_EQ(active["bookings"].size(), 1u);
  EXPECT_EQ(active["bookings"][0]["id"], booking["id"]);
  EXPECT_EQ(http.post("/api/bookings/" + booking["id"].dump() + "/cancel", json(), token).status,
            409);
  auto released = http.post("/api/release/" + booking["id"].dump(), json(), token);
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(released.json()["booking"]["total_cost"], 4);
}

TEST(BookingsAcrossRestarts, ReleasingAfterNinetyMinutesChargesNinetyMinutes) {
  TempDir dir;
  json booking;
  std::string token;
  {
    ParkdProcess first({}, {"serve"}, dir.path());
    auto lot = create_lot(first.client(), first.admin_token(), 1, 1);  // 1 cent per 36 s
    token = first.register_user("stayer@test.local");
    auto r = book(first.client(), token, {{"lot_id", lot["id"]}});
    ASSERT_EQ(r.status, 201) << r.body;
    booking = r.json()["booking"];
    ASSERT_EQ(first.stop(SIGTERM), 0);
  }
  ParkdProcess later(Env{{"PARKD_CLOCK_OFFSET", std::to_string(90 * 60)}}, {"serve"}, dir.path());
  auto r = later.client().post("/api/release/" + booking["id"].dump(), json(), token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto done = r.json()["booking"];
  auto stay = unix_of(done["end_time"]) - unix_of(done["start_time"]);
  EXPECT_GE(stay, 90 * 60);
  EXPECT_LT(stay, 90 * 60 + 18) << "the restart took too long for the expected cost";
  EXPECT_EQ(done["total_cost"], 1.5);
}

TEST(BookingsAcrossRestarts, AnIdempotencyKeyIsReplayedWithin24HoursAndNotAfter) {
  TempDir dir;
  std::int64_t lot_id = 0;
  std::string first_body;
  std::vector<std::string> key{"Idempotency-Key: day-key"};
  {
    ParkdProcess first({}, {"serve"}, dir.path());
    auto lot = create_lot(first.client(), first.admin_token(), 3);
    lot_id = lot["id"].get<std::int64_t>();
    auto r = book(first.client(), first.admin_token(), {{"lot_id", lot_id}}, key);
    ASSERT_EQ(r.status, 201) << r.body;
    first_body = r.body;
    ASSERT_EQ(first.stop(SIGTERM), 0);
  }
  {
    ParkdProcess within(Env{{"PARKD_CLOCK_OFFSET", std::to_string(23 * kHour)}}, {"serve"},
                        dir.path());
    auto r = book(within.client(), within.admin_token(), {{"lot_id", lot_id}}, key);
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, first_body);
    ASSERT_EQ(within.stop(SIGTERM), 0);
  }
  ParkdProcess after(Env{{"PARKD_CLOCK_OFFSET", std::to_string(25 * kHour)}}, {"serve"},
                     dir.path());
  auto r = book(after.client(), after.admin_token(), {{"lot_id", lot_id}}, key);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body, first_body);
  EXPECT_EQ(admin_bookings(after.client(), after.admin_token(), "lot_id=" + std::to_string(lot_id))
                .size(),
            2u);
}

}  // namespace
}  // namespace parkd::test
