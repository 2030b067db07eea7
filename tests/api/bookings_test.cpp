// Black-box: booking, releasing, cancelling and listing over HTTP (docs/api.md "Bookings");
// servers with their own configuration or clock: bookings_over_time_test.cpp.
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

namespace parkd::test {
namespace {

constexpr std::int64_t kHour = 3600;

class BookingsApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess();
    admin_ = parkd_->admin_token();
    user_ = new TestUser(make_user(*parkd_));
    other_ = new TestUser(make_user(*parkd_));
  }
  static void TearDownTestSuite() {
    delete other_;
    delete user_;
    delete parkd_;
  }

  static HttpClient http() { return parkd_->client(); }
  static std::int64_t id_of(const json& j) { return j["id"].get<std::int64_t>(); }
  static json spot(const json& lot, std::int64_t number) {
    for (const auto& s : lot_spots(http(), admin_, id_of(lot))) {
      if (s["spot_number"] == number) return s;
    }
    return json();
  }
  static json booked(const HttpResult& r) {
    EXPECT_EQ(r.status, 201) << r.body;
    auto j = r.json();
    return j.is_object() && j.contains("booking") ? j["booking"] : json();
  }
  static HttpResult release(const json& booking, const std::string& token) {
    return http().post("/api/release/" + booking["id"].dump(), json(), token);
  }
  static HttpResult cancel(const json& booking, const std::string& token) {
    return http().post("/api/bookings/" + booking["id"].dump() + "/cancel", json(), token);
  }
  static std::int64_t confirmation_jobs() {
    std::int64_t n = 0;
    auto r = http().get("/api/admin/jobs?limit=10000", admin_);
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& j : json(r.json()["jobs"])) n += j["type"] == "booking_confirmation";
    return n;
  }

  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
  static inline TestUser* user_ = nullptr;
  static inline TestUser* other_ = nullptr;
};

TEST_F(BookingsApi, AnImmediateBookingIsActiveOnTheLowestNumberedSpot) {
  auto lot = create_lot(http(), admin_, 3, 2.5);
  auto r = book(http(), user_->token, {{"lot_id", lot["id"]}});
  auto b = booked(r);
  EXPECT_TRUE(r.json()["message"].is_string());
  EXPECT_EQ(b["status"], "Active");
  EXPECT_EQ(b["booking_type"], "immediate");
  EXPECT_EQ(b["spot_number"], 1);
  EXPECT_EQ(b["spot_id"], spot(lot, 1)["id"]);
  EXPECT_EQ(b["lot_id"], lot["id"]);
  EXPECT_EQ(b["lot_name"], lot["name"]);
  EXPECT_EQ(b["user_id"], user_->id);
  EXPECT_EQ(b["price_per_hour"], 2.5);
  EXPECT_EQ(b["total_cost"], 0);
  EXPECT_TRUE(b["end_time"].is_null());
  EXPECT_TRUE(b["reserved_start"].is_null());
  EXPECT_TRUE(b["reserved_end"].is_null());
  EXPECT_TRUE(b["vehicle_number"].is_null());
  EXPECT_LE(std::abs(unix_of(b["start_time"]) - unix_of(iso_from_now(0))), 5);
}

TEST_F(BookingsApi, TheNextImmediateBookingTakesTheNextFreeSpot) {
  auto lot = create_lot(http(), admin_, 3);
  booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto second = booked(book(http(), other_->token, {{"lot_id", lot["id"]}}));
  EXPECT_EQ(second["spot_number"], 2);
}

TEST_F(BookingsApi, ABookingTakesTheChosenSpot) {
  auto lot = create_lot(http(), admin_, 3);
  auto b =
      booked(book(http(), user_->token, {{"lot_id", lot["id"]}, {"spot_id", spot(lot, 3)["id"]}}));
  EXPECT_EQ(b["spot_number"], 3);
  EXPECT_EQ(get_lot(http(), user_->token, id_of(lot))["occupied_spots"], 1);
}

TEST_F(BookingsApi, InstantIsAcceptedAsImmediate) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}, {"booking_type", "instant"}}));
  EXPECT_EQ(b["booking_type"], "immediate");
}

TEST_F(BookingsApi, TheVehicleNumberIsStoredUpperCase) {
  auto lot = create_lot(http(), admin_, 1);
  auto b =
      booked(book(http(), user_->token, {{"lot_id", lot["id"]}, {"vehicle_number", "ab-12 cd"}}));
  EXPECT_EQ(b["vehicle_number"], "AB-12 CD");
}

TEST_F(BookingsApi, ASpotOfAnotherLotAnswers400OnSpotId) {
  auto lot = create_lot(http(), admin_, 1);
  auto other_lot = create_lot(http(), admin_, 1);
  auto r =
      book(http(), user_->token, {{"lot_id", lot["id"]}, {"spot_id", spot(other_lot, 1)["id"]}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(r.json()["fields"].contains("spot_id"));
  EXPECT_EQ(admin_bookings(http(), admin_, "lot_id=" + other_lot["id"].dump()).size(), 0u);
}

TEST_F(BookingsApi, AnUnknownLotAnswers404) {
  auto r = book(http(), user_->token, {{"lot_id", 987654}});
  EXPECT_EQ(r.status, 404) << r.body;
}

TEST_F(BookingsApi, AFullLotAnswers409LotFull) {
  auto lot = create_lot(http(), admin_, 1);
  booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto r = book(http(), other_->token, {{"lot_id", lot["id"]}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "lot_full");
  EXPECT_TRUE(r.json()["message"].is_string());
}

TEST_F(BookingsApi, AnOccupiedChosenSpotAnswers409SpotUnavailableWithTheConflict) {
  auto lot = create_lot(http(), admin_, 2);
  auto first = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto r = book(http(), other_->token, {{"lot_id", lot["id"]}, {"spot_id", first["spot_id"]}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "spot_unavailable");
  EXPECT_EQ(r.json()["conflict"]["start"], first["start_time"]);
  EXPECT_TRUE(r.json()["conflict"]["end"].is_null());
}

TEST_F(BookingsApi, AReservationIsReservedWithItsWindowAndCost) {
  auto lot = create_lot(http(), admin_, 2, 3);
  auto body = reservation(id_of(lot), 2 * kHour, 4 * kHour);
  auto b = booked(book(http(), user_->token, body));
  EXPECT_EQ(b["status"], "Reserved");
  EXPECT_EQ(b["booking_type"], "reserved");
  EXPECT_EQ(b["reserved_start"], body["reserved_start"]);
  EXPECT_EQ(b["reserved_end"], body["reserved_end"]);
  EXPECT_EQ(b["start_time"], body["reserved_start"]);
  EXPECT_TRUE(b["end_time"].is_null());
  EXPECT_EQ(b["total_cost"], 6);
  EXPECT_EQ(b["spot_number"], 1);
  auto after = get_lot(http(), user_->token, id_of(lot));
  EXPECT_EQ(after["available_spots"], 2);
  EXPECT_EQ(after["reserved_spots"], 1);
}

TEST_F(BookingsApi, AReservationWithOffsetsIsAnsweredInUtc) {
  auto lot = create_lot(http(), admin_, 1);
  // Two days ahead at 10:00 and 12:00 in +05:30 = 04:30 and 06:30 UTC.
  auto day = iso_from_now(2 * 86400).substr(0, 10);
  auto b = booked(book(http(), user_->token,
                       {{"lot_id", lot["id"]},
                        {"booking_type", "reserved"},
                        {"reserved_start", day + "T10:00:00+05:30"},
                        {"reserved_end", day + "T12:00:00+05:30"}}));
  EXPECT_EQ(b["reserved_start"], day + "T04:30:00Z");
  EXPECT_EQ(b["reserved_end"], day + "T06:30:00Z");
}

TEST_F(BookingsApi, BackToBackReservationsShareASpot) {
  auto lot = create_lot(http(), admin_, 1);
  auto first = booked(book(http(), user_->token, reservation(id_of(lot), kHour, 2 * kHour)));
  auto second = booked(book(http(), other_->token,
                            {{"lot_id", lot["id"]},
                             {"booking_type", "reserved"},
                             {"reserved_start", first["reserved_end"]},
                             {"reserved_end", iso_from_now(3 * kHour)}}));
  EXPECT_EQ(second["spot_id"], first["spot_id"]);
  auto before = booked(book(http(), other_->token,
                            {{"lot_id", lot["id"]},
                             {"booking_type", "reserved"},
                             {"reserved_start", iso_from_now(30 * 60)},
                             {"reserved_end", first["reserved_start"]}}));
  EXPECT_EQ(before["spot_id"], first["spot_id"]);
}

TEST_F(BookingsApi, AnOverlappingReservationAnswers409LotFullWithTheConflict) {
  auto lot = create_lot(http(), admin_, 1);
  auto first = booked(book(http(), user_->token, reservation(id_of(lot), 2 * kHour, 4 * kHour)));
  auto r = book(http(), other_->token, reservation(id_of(lot), 3 * kHour, 5 * kHour));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "lot_full");
  EXPECT_EQ(r.json()["conflict"]["start"], first["reserved_start"]);
  EXPECT_EQ(r.json()["conflict"]["end"], first["reserved_end"]);
}

TEST_F(BookingsApi, AReservationOnAReservedChosenSpotAnswers409SpotUnavailable) {
  auto lot = create_lot(http(), admin_, 2);
  auto first = booked(book(http(), user_->token, reservation(id_of(lot), 2 * kHour, 4 * kHour)));
  auto body = reservation(id_of(lot), kHour, 3 * kHour);
  body["spot_id"] = first["spot_id"];
  auto r = book(http(), other_->token, body);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "spot_unavailable");
  EXPECT_EQ(r.json()["conflict"]["start"], first["reserved_start"]);
  EXPECT_EQ(r.json()["conflict"]["end"], first["reserved_end"]);
}

TEST_F(BookingsApi, AReservationTakesTheLowestSpotFreeForTheWholeWindow) {
  auto lot = create_lot(http(), admin_, 2);
  auto body = reservation(id_of(lot), 2 * kHour, 4 * kHour);
  body["spot_id"] = spot(lot, 1)["id"];
  booked(book(http(), user_->token, body));
  auto overlapping = booked(book(http(), other_->token, reservation(id_of(lot), kHour, 3 * kHour)));
  EXPECT_EQ(overlapping["spot_number"], 2);
  auto later = booked(book(http(), other_->token, reservation(id_of(lot), 4 * kHour, 5 * kHour)));
  EXPECT_EQ(later["spot_number"], 1);
}

TEST_F(BookingsApi, AnImmediateBookingBlocksLaterReservationsOnItsSpot) {
  auto lot = create_lot(http(), admin_, 1);
  booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto r = book(http(), other_->token, reservation(id_of(lot), 10 * 86400, 10 * 86400 + kHour));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "lot_full");
}

TEST_F(BookingsApi, AnUpcomingReservationBlocksAnOpenEndedBookingOnItsSpot) {
  auto lot = create_lot(http(), admin_, 1);
  booked(book(http(), user_->token, reservation(id_of(lot), 5 * 86400, 5 * 86400 + kHour)));
  auto r = book(http(), other_->token, {{"lot_id", lot["id"]}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "lot_full");
}

TEST_F(BookingsApi, AReservationMayStartFourMinutesAgoAndIsThenActive) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), -4 * 60, kHour)));
  EXPECT_EQ(b["status"], "Active");
  EXPECT_EQ(get_lot(http(), user_->token, id_of(lot))["occupied_spots"], 1);
}

TEST_F(BookingsApi, AReservationMayLastThirtyDays) {
  auto lot = create_lot(http(), admin_, 1, 1);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), kHour, kHour + 30 * 86400)));
  EXPECT_EQ(b["total_cost"], 720);
}

TEST_F(BookingsApi, AReservationCostIsRoundedHalfUpToTheCent) {
  auto lot = create_lot(http(), admin_, 1, 0.03);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), kHour, kHour + 90 * 60)));
  EXPECT_EQ(b["total_cost"], 0.05);  // 0.045 rounds up
}

TEST_F(BookingsApi, AShortReservationCostsTheMinimumCharge) {
  auto lot = create_lot(http(), admin_, 1, 3);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), kHour, kHour + 30 * 60)));
  EXPECT_EQ(b["total_cost"], 3);
}

TEST_F(BookingsApi, ReleasingCompletesTheBookingWithEndTimeAndCost) {
  auto lot = create_lot(http(), admin_, 1, 2.5);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto r = release(b, user_->token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["message"].is_string());
  auto done = r.json()["booking"];
  EXPECT_EQ(done["status"], "Completed");
  EXPECT_FALSE(done["end_time"].is_null());
  EXPECT_GE(unix_of(done["end_time"]), unix_of(done["start_time"]));
  EXPECT_EQ(done["total_cost"], 2.5);  // a stay of seconds costs the 60-minute minimum
  auto after = get_lot(http(), user_->token, id_of(lot));
  EXPECT_EQ(after["available_spots"], 1);
  EXPECT_EQ(after["occupied_spots"], 0);
}

TEST_F(BookingsApi, AReleasedSpotCanBeBookedAgain) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  ASSERT_EQ(release(b, user_->token).status, 200);
  auto again = booked(book(http(), other_->token, {{"lot_id", lot["id"]}}));
  EXPECT_EQ(again["spot_id"], b["spot_id"]);
}

TEST_F(BookingsApi, ReleasingTwiceAnswers409) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  ASSERT_EQ(release(b, user_->token).status, 200);
  auto r = release(b, user_->token);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "booking_not_active");
}

TEST_F(BookingsApi, ReleasingAReservationThatHasNotStartedAnswers409) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), kHour, 2 * kHour)));
  EXPECT_EQ(release(b, user_->token).status, 409);
  auto still = http().get("/api/bookings/" + b["id"].dump(), user_->token).json()["booking"];
  EXPECT_EQ(still["status"], "Reserved");
}

TEST_F(BookingsApi, ReleasingAStartedReservationChargesItsWholeWindow) {
  auto lot = create_lot(http(), admin_, 1, 2);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), -60, 3 * kHour)));
  ASSERT_EQ(b["status"], "Active");
  auto r = release(b, user_->token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["booking"]["status"], "Completed");
  // 3 h + 60 s at 2.00 = 6.0333 -> 6.03.
  EXPECT_EQ(r.json()["booking"]["total_cost"], 6.03);
}

TEST_F(BookingsApi, CancellingAReservationMakesItCancelledAtNoCost) {
  auto lot = create_lot(http(), admin_, 1, 4);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), kHour, 2 * kHour)));
  auto r = cancel(b, user_->token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["booking"]["status"], "Cancelled");
  EXPECT_EQ(r.json()["booking"]["total_cost"], 0);
  EXPECT_EQ(get_lot(http(), user_->token, id_of(lot))["reserved_spots"], 0);
  // The window is free again.
  booked(book(http(), other_->token, reservation(id_of(lot), kHour, 2 * kHour)));
}

TEST_F(BookingsApi, CancellingTwiceAnswers409) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), kHour, 2 * kHour)));
  ASSERT_EQ(cancel(b, user_->token).status, 200);
  auto r = cancel(b, user_->token);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "booking_not_reserved");
}

TEST_F(BookingsApi, CancellingAnActiveBookingAnswers409) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  EXPECT_EQ(cancel(b, user_->token).status, 409);
  auto still = http().get("/api/bookings/" + b["id"].dump(), user_->token).json()["booking"];
  EXPECT_EQ(still["status"], "Active");
}

TEST_F(BookingsApi, CancellingAStartedReservationAnswers409) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, reservation(id_of(lot), -60, kHour)));
  EXPECT_EQ(cancel(b, user_->token).status, 409);
}

TEST_F(BookingsApi, SomeoneElsesBookingIsNotFound) {
  auto lot = create_lot(http(), admin_, 2);
  auto active = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto reserved = booked(book(http(), user_->token, reservation(id_of(lot), kHour, 2 * kHour)));
  EXPECT_EQ(http().get("/api/bookings/" + active["id"].dump(), other_->token).status, 404);
  EXPECT_EQ(release(active, other_->token).status, 404);
  EXPECT_EQ(cancel(reserved, other_->token).status, 404);
  auto still = http().get("/api/bookings/" + active["id"].dump(), user_->token).json()["booking"];
  EXPECT_EQ(still["status"], "Active");
}

TEST_F(BookingsApi, AnAdminMayReadAndReleaseAnyonesBooking) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  EXPECT_EQ(http().get("/api/bookings/" + b["id"].dump(), admin_).status, 200);
  EXPECT_EQ(release(b, admin_).status, 200);
}

TEST_F(BookingsApi, GettingABookingReturnsIt) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}, {"vehicle_number", "xy 1"}}));
  auto r = http().get("/api/bookings/" + b["id"].dump(), user_->token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["booking"], b);
}

TEST_F(BookingsApi, HistoryListsTheCallersBookingsNewestFirst) {
  auto me = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 4);
  auto first = booked(book(http(), me.token, {{"lot_id", lot["id"]}}));
  auto second = booked(book(http(), me.token, reservation(id_of(lot), kHour, 2 * kHour)));
  auto third = booked(book(http(), me.token, {{"lot_id", lot["id"]}}));
  booked(book(http(), other_->token, {{"lot_id", lot["id"]}}));
  auto r = http().get("/api/bookings", me.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto list = r.json()["bookings"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(r.json()["total"], 3);
  EXPECT_EQ(list[0]["id"], third["id"]);
  EXPECT_EQ(list[1]["id"], second["id"]);
  EXPECT_EQ(list[2]["id"], first["id"]);
}

TEST_F(BookingsApi, HistoryFiltersByTheStatusInForce) {
  auto me = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 4);
  auto active = booked(book(http(), me.token, {{"lot_id", lot["id"]}}));
  auto reserved = booked(book(http(), me.token, reservation(id_of(lot), kHour, 2 * kHour)));
  auto started = booked(book(http(), me.token, reservation(id_of(lot), -60, kHour)));
  auto done = booked(book(http(), me.token, {{"lot_id", lot["id"]}}));
  ASSERT_EQ(release(done, me.token).status, 200);
  auto cancelled = booked(book(http(), me.token, reservation(id_of(lot), 3 * kHour, 4 * kHour)));
  ASSERT_EQ(cancel(cancelled, me.token).status, 200);

  auto ids = [&](const std::string& status) {
    std::vector<json> out;
    auto r = http().get("/api/bookings?status=" + status, me.token);
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& b : json(r.json()["bookings"])) {
      EXPECT_EQ(b["status"], status);
      out.push_back(b["id"]);
    }
    EXPECT_EQ(r.json()["total"], out.size());
    return out;
  };
  EXPECT_EQ(ids("Active"), (std::vector<json>{started["id"], active["id"]}));
  EXPECT_EQ(ids("Reserved"), (std::vector<json>{reserved["id"]}));
  EXPECT_EQ(ids("Completed"), (std::vector<json>{done["id"]}));
  EXPECT_EQ(ids("Cancelled"), (std::vector<json>{cancelled["id"]}));
}

TEST_F(BookingsApi, AdminListingShowsEachBookingsUserEmail) {
  auto lot = create_lot(http(), admin_, 2);
  booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  booked(book(http(), other_->token, {{"lot_id", lot["id"]}}));
  auto list = admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["user_email"], other_->email);
  EXPECT_EQ(list[1]["user_email"], user_->email);
}

TEST_F(BookingsApi, AdminListingWithoutFiltersListsEveryBooking) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto r = http().get("/api/admin/bookings", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto list = r.json()["bookings"];
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0]["id"], b["id"]);
  EXPECT_EQ(r.json()["total"], list.size());
}

TEST_F(BookingsApi, AdminListingFiltersByStatusAlone) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  ASSERT_EQ(release(b, user_->token).status, 200);
  auto r = http().get("/api/admin/bookings?status=Completed", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  bool found = false;
  for (const auto& x : json(r.json()["bookings"])) {
    EXPECT_EQ(x["status"], "Completed");
    found = found || x["id"] == b["id"];
  }
  EXPECT_TRUE(found);
}

TEST_F(BookingsApi, AdminListingFiltersByLotUserAndStatus) {
  auto me = make_user(*parkd_);
  auto lot = create_lot(http(), admin_, 3);
  auto other_lot = create_lot(http(), admin_, 1);
  auto mine = booked(book(http(), me.token, {{"lot_id", lot["id"]}}));
  auto reserved = booked(book(http(), me.token, reservation(id_of(lot), kHour, 2 * kHour)));
  booked(book(http(), other_->token, {{"lot_id", lot["id"]}}));
  booked(book(http(), me.token, {{"lot_id", other_lot["id"]}}));

  auto by_lot_and_user = admin_bookings(
      http(), admin_, "lot_id=" + lot["id"].dump() + "&user_id=" + std::to_string(me.id));
  ASSERT_EQ(by_lot_and_user.size(), 2u);
  EXPECT_EQ(by_lot_and_user[0]["id"], reserved["id"]);
  EXPECT_EQ(by_lot_and_user[1]["id"], mine["id"]);

  auto by_user = admin_bookings(http(), admin_, "user_id=" + std::to_string(me.id));
  EXPECT_EQ(by_user.size(), 3u);

  auto reserved_only =
      admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump() + "&status=Reserved");
  ASSERT_EQ(reserved_only.size(), 1u);
  EXPECT_EQ(reserved_only[0]["id"], reserved["id"]);
}

TEST_F(BookingsApi, AdminListingFiltersByStartTime) {
  auto lot = create_lot(http(), admin_, 3);
  auto soon =
      booked(book(http(), user_->token, reservation(id_of(lot), 2 * 86400, 2 * 86400 + kHour)));
  auto later =
      booked(book(http(), user_->token, reservation(id_of(lot), 5 * 86400, 5 * 86400 + kHour)));
  std::string lot_q = "lot_id=" + lot["id"].dump();
  auto from = admin_bookings(http(), admin_, lot_q + "&from=" + iso_from_now(3 * 86400));
  ASSERT_EQ(from.size(), 1u);
  EXPECT_EQ(from[0]["id"], later["id"]);
  auto to = admin_bookings(http(), admin_, lot_q + "&to=" + iso_from_now(3 * 86400));
  ASSERT_EQ(to.size(), 1u);
  EXPECT_EQ(to[0]["id"], soon["id"]);
  // A bare date means midnight UTC of that day.
  auto day_after = iso_from_now(5 * 86400 + 86400).substr(0, 10);
  EXPECT_EQ(admin_bookings(http(), admin_, lot_q + "&to=" + day_after).size(), 2u);
}

TEST_F(BookingsApi, ThePriceIsFrozenWhenBooking) {
  auto lot = create_lot(http(), admin_, 2, 2);
  auto active = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto reserved = booked(book(http(), user_->token, reservation(id_of(lot), kHour, 3 * kHour)));
  ASSERT_EQ(http().put("/api/lots/" + lot["id"].dump(), {{"price_per_hour", 50}}, admin_).status,
            200);
  auto r = http().get("/api/bookings/" + reserved["id"].dump(), user_->token).json()["booking"];
  EXPECT_EQ(r["price_per_hour"], 2);
  EXPECT_EQ(r["total_cost"], 4);
  auto done = release(active, user_->token).json()["booking"];
  EXPECT_EQ(done["price_per_hour"], 2);
  EXPECT_EQ(done["total_cost"], 2);
}

TEST_F(BookingsApi, ABookingQueuesItsConfirmationJob) {
  auto lot = create_lot(http(), admin_, 1);
  auto before = confirmation_jobs();
  booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  EXPECT_EQ(confirmation_jobs(), before + 1);
}

TEST_F(BookingsApi, AFailedBookingQueuesNoJob) {
  auto lot = create_lot(http(), admin_, 1);
  booked(book(http(), user_->token, {{"lot_id", lot["id"]}}));
  auto before = confirmation_jobs();
  EXPECT_EQ(book(http(), other_->token, {{"lot_id", lot["id"]}}).status, 409);
  EXPECT_EQ(book(http(), other_->token, {{"lot_id", 987654}}).status, 404);
  EXPECT_EQ(book(http(), other_->token, {{"lot_id", lot["id"]}, {"vehicle_number", "!!"}}).status,
            400);
  EXPECT_EQ(confirmation_jobs(), before);
}

TEST_F(BookingsApi, RepeatingARequestWithItsIdempotencyKeyReplaysTheFirstResponse) {
  auto lot = create_lot(http(), admin_, 3);
  std::vector<std::string> key{"Idempotency-Key: " + unique_name("key")};
  json body = {{"lot_id", lot["id"]}, {"vehicle_number", "AB 1"}};
  auto first = book(http(), user_->token, body, key);
  ASSERT_EQ(first.status, 201) << first.body;
  auto jobs = confirmation_jobs();
  auto second = book(http(), user_->token, body, key);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump()).size(), 1u);
  EXPECT_EQ(confirmation_jobs(), jobs);
}

TEST_F(BookingsApi, TheSameKeyWithAnotherBodyAnswers409IdempotencyMismatch) {
  auto lot = create_lot(http(), admin_, 3);
  std::vector<std::string> key{"Idempotency-Key: " + unique_name("key")};
  ASSERT_EQ(book(http(), user_->token, {{"lot_id", lot["id"]}}, key).status, 201);
  auto r = book(http(), user_->token, {{"lot_id", lot["id"]}, {"vehicle_number", "CHANGED"}}, key);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "idempotency_mismatch");
  EXPECT_EQ(admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump()).size(), 1u);
}

TEST_F(BookingsApi, AFailedFirstResponseIsReplayedToo) {
  auto lot = create_lot(http(), admin_, 1);
  auto holder = booked(book(http(), other_->token, {{"lot_id", lot["id"]}}));
  std::vector<std::string> key{"Idempotency-Key: " + unique_name("key")};
  auto first = book(http(), user_->token, {{"lot_id", lot["id"]}}, key);
  ASSERT_EQ(first.status, 409) << first.body;
  ASSERT_EQ(release(holder, other_->token).status, 200);
  auto again = book(http(), user_->token, {{"lot_id", lot["id"]}}, key);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body, first.body);
}

TEST_F(BookingsApi, IdempotencyKeysBelongToOneUser) {
  auto lot = create_lot(http(), admin_, 2);
  std::vector<std::string> key{"Idempotency-Key: " + unique_name("key")};
  auto mine = booked(book(http(), user_->token, {{"lot_id", lot["id"]}}, key));
  auto theirs = booked(book(http(), other_->token, {{"lot_id", lot["id"]}}, key));
  EXPECT_NE(mine["id"], theirs["id"]);
}

TEST_F(BookingsApi, TheIdempotencyKeyIgnoresJsonFormatting) {
  auto lot = create_lot(http(), admin_, 2);
  std::string key = "Idempotency-Key: " + unique_name("key");
  std::vector<std::string> headers{key, "Content-Type: application/json",
                                   "Authorization: Bearer " + user_->token};
  std::string id = lot["id"].dump();
  auto first = http().request("POST", "/api/book",
                              R"({"lot_id": )" + id + R"(, "vehicle_number": "Q1"})", headers);
  auto second = http().request("POST", "/api/book",
                               R"({"vehicle_number":"Q1","lot_id":)" + id + "}", headers);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
}

}  // namespace
}  // namespace parkd::test
