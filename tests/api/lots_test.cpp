// Black-box: lots and spots over HTTP (docs/api.md "Lots").
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

namespace parkd::test {
namespace {

class LotsApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess();
    admin_ = parkd_->admin_token();
    user_ = new TestUser(make_user(*parkd_));
  }
  static void TearDownTestSuite() {
    delete user_;
    delete parkd_;
  }

  static HttpClient http() { return parkd_->client(); }
  static std::string lot_path(const json& lot) { return "/api/lots/" + lot["id"].dump(); }
  static std::vector<std::int64_t> spot_numbers(const json& lot) {
    std::vector<std::int64_t> out;
    for (const auto& s : lot_spots(http(), admin_, lot["id"].get<std::int64_t>())) {
      out.push_back(s["spot_number"].get<std::int64_t>());
    }
    return out;
  }
  static json spot_by_number(const json& lot, std::int64_t number) {
    for (const auto& s : lot_spots(http(), admin_, lot["id"].get<std::int64_t>())) {
      if (s["spot_number"] == number) return s;
    }
    return json();
  }
  // Books spot `number` of `lot` for the test user, immediately.
  static json occupy(const json& lot, std::int64_t number) {
    auto r = book(http(), user_->token,
                  {{"lot_id", lot["id"]}, {"spot_id", spot_by_number(lot, number)["id"]}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["booking"];
  }
  // Reserves spot `number` of `lot` for the test user, starting in a day.
  static json reserve(const json& lot, std::int64_t number) {
    json body = reservation(lot["id"].get<std::int64_t>(), 86400, 86400 + 7200);
    body["spot_id"] = spot_by_number(lot, number)["id"];
    auto r = book(http(), user_->token, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["booking"];
  }

  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
  static inline TestUser* user_ = nullptr;
};

TEST_F(LotsApi, CreatingALotAnswers201WithTheLotAndItsAvailability) {
  std::string name = unique_name("Central");
  auto r = http().post(
      "/api/lots",
      {{"name", name}, {"capacity", 4}, {"price_per_hour", 2.5}, {"address", "Main St 1"}}, admin_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto body = r.json();
  EXPECT_TRUE(body["message"].is_string());
  auto lot = body["lot"];
  EXPECT_TRUE(lot["id"].is_number_integer());
  EXPECT_EQ(lot["name"], name);
  EXPECT_EQ(lot["address"], "Main St 1");
  EXPECT_EQ(lot["capacity"], 4);
  EXPECT_EQ(lot["price_per_hour"], 2.5);
  EXPECT_EQ(lot["available_spots"], 4);
  EXPECT_EQ(lot["occupied_spots"], 0);
  EXPECT_EQ(lot["reserved_spots"], 0);
  EXPECT_TRUE(lot["created_at"].get<std::string>().ends_with("Z"));
}

TEST_F(LotsApi, CreatingALotCreatesSpotsNumberedOneToCapacity) {
  auto lot = create_lot(http(), admin_, 5);
  auto spots = lot_spots(http(), user_->token, lot["id"]);
  ASSERT_EQ(spots.size(), 5u);
  for (std::size_t i = 0; i < spots.size(); ++i) {
    EXPECT_EQ(spots[i]["spot_number"], i + 1);
    EXPECT_EQ(spots[i]["lot_id"], lot["id"]);
    EXPECT_EQ(spots[i]["status"], "Available");
    EXPECT_EQ(spots[i]["reservations"], json::array());
  }
}

TEST_F(LotsApi, CreatingALotTrimsItsName) {
  std::string name = unique_name("Trimmed");
  auto r = http().post(
      "/api/lots", {{"name", "  " + name + "  "}, {"capacity", 1}, {"price_per_hour", 1}}, admin_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["lot"]["name"], name);
}

TEST_F(LotsApi, ListingLotsShowsEachLotsLiveAvailability) {
  auto lot = create_lot(http(), admin_, 3);
  occupy(lot, 1);
  reserve(lot, 3);
  auto r = http().get("/api/lots", user_->token);
  ASSERT_EQ(r.status, 200) << r.body;
  json found;
  for (const auto& l : json(r.json()["lots"])) {
    if (l["id"] == lot["id"]) found = l;
  }
  ASSERT_TRUE(found.is_object()) << r.body;
  EXPECT_EQ(found["available_spots"], 2);
  EXPECT_EQ(found["occupied_spots"], 1);
  EXPECT_EQ(found["reserved_spots"], 1);
}

TEST_F(LotsApi, ListingLotsReportsTheFullTotalWhenPaged) {
  create_lot(http(), admin_, 1);
  create_lot(http(), admin_, 1);
  auto all = http().get("/api/lots", user_->token).json();
  auto page = http().get("/api/lots?limit=1&offset=1", user_->token).json();
  EXPECT_EQ(all["total"], all["lots"].size());
  EXPECT_EQ(page["lots"].size(), 1u);
  EXPECT_EQ(page["total"], all["total"]);
  EXPECT_EQ(page["lots"][0]["id"], all["lots"][1]["id"]);
}

TEST_F(LotsApi, GettingALotReturnsItWithAvailability) {
  auto lot = create_lot(http(), admin_, 2, 4.75);
  occupy(lot, 2);
  auto r = http().get(lot_path(lot), user_->token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto got = r.json()["lot"];
  EXPECT_EQ(got["name"], lot["name"]);
  EXPECT_EQ(got["price_per_hour"], 4.75);
  EXPECT_EQ(got["available_spots"], 1);
  EXPECT_EQ(got["occupied_spots"], 1);
}

TEST_F(LotsApi, GettingAnUnknownLotAnswers404) {
  auto r = http().get("/api/lots/987654", user_->token);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"], "not_found");
}

TEST_F(LotsApi, RenamingALotKeepsItsOtherFields) {
  auto lot = create_lot(http(), admin_, 2, 3);
  std::string name = unique_name("Renamed");
  auto r = http().put(lot_path(lot), {{"name", name}}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto updated = r.json()["lot"];
  EXPECT_EQ(updated["name"], name);
  EXPECT_EQ(updated["capacity"], 2);
  EXPECT_EQ(updated["price_per_hour"], 3);
  EXPECT_EQ(get_lot(http(), user_->token, lot["id"])["name"], name);
}

TEST_F(LotsApi, RenamingALotToItsOwnNameSucceeds) {
  auto lot = create_lot(http(), admin_, 1);
  auto r = http().put(lot_path(lot), {{"name", lot["name"]}}, admin_);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(LotsApi, RepricingALotChangesItsPrice) {
  auto lot = create_lot(http(), admin_, 1, 2);
  auto r = http().put(lot_path(lot), {{"price_per_hour", 7.35}}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["lot"]["price_per_hour"], 7.35);
  EXPECT_EQ(get_lot(http(), user_->token, lot["id"])["price_per_hour"], 7.35);
}

TEST_F(LotsApi, ChangingTheAddressKeepsTheName) {
  auto lot = create_lot(http(), admin_, 1);
  auto r = http().put(lot_path(lot), {{"address", "Elsewhere 5"}}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["lot"]["address"], "Elsewhere 5");
  EXPECT_EQ(r.json()["lot"]["name"], lot["name"]);
}

TEST_F(LotsApi, GrowingALotAddsSpotsNumberedAfterTheHighest) {
  auto lot = create_lot(http(), admin_, 3);
  auto spot2 = spot_by_number(lot, 2);
  ASSERT_EQ(http().del(lot_path(lot) + "/spots/" + spot2["id"].dump(), admin_).status, 200);
  auto r = http().put(lot_path(lot), {{"capacity", 4}}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["lot"]["capacity"], 4);
  EXPECT_EQ(r.json()["lot"]["available_spots"], 4);
  EXPECT_EQ(spot_numbers(lot), (std::vector<std::int64_t>{1, 3, 4, 5}));
}

TEST_F(LotsApi, ShrinkingALotRemovesTheHighestNumberedFreeSpots) {
  auto lot = create_lot(http(), admin_, 5);
  auto r = http().put(lot_path(lot), {{"capacity", 3}}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["lot"]["capacity"], 3);
  EXPECT_EQ(spot_numbers(lot), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(LotsApi, ShrinkingALotKeepsAnOccupiedHighestSpot) {
  auto lot = create_lot(http(), admin_, 4);
  occupy(lot, 4);
  auto r = http().put(lot_path(lot), {{"capacity", 3}}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(spot_numbers(lot), (std::vector<std::int64_t>{1, 2, 4}));
  auto after = get_lot(http(), admin_, lot["id"]);
  EXPECT_EQ(after["capacity"], 3);
  EXPECT_EQ(after["occupied_spots"], 1);
  EXPECT_EQ(after["available_spots"], 2);
}

TEST_F(LotsApi, ShrinkingALotKeepsASpotWithAnUpcomingReservation) {
  auto lot = create_lot(http(), admin_, 3);
  reserve(lot, 3);
  auto r = http().put(lot_path(lot), {{"capacity", 2}}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(spot_numbers(lot), (std::vector<std::int64_t>{1, 3}));
}

TEST_F(LotsApi, ShrinkingBelowTheFreeSpotsAnswers409AndChangesNothing) {
  auto lot = create_lot(http(), admin_, 3, 2);
  occupy(lot, 1);
  reserve(lot, 2);
  std::string new_name = unique_name("Never");
  auto r = http().put(lot_path(lot), {{"capacity", 1}, {"name", new_name}, {"price_per_hour", 9}},
                      admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "spots_in_use");
  auto after = get_lot(http(), admin_, lot["id"]);
  EXPECT_EQ(after["capacity"], 3);
  EXPECT_EQ(after["name"], lot["name"]);
  EXPECT_EQ(after["price_per_hour"], 2);
  EXPECT_EQ(spot_numbers(lot), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(LotsApi, DeletingALotWithABookingInForceAnswers409) {
  auto lot = create_lot(http(), admin_, 2);
  occupy(lot, 1);
  auto r = http().del(lot_path(lot), admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "lot_in_use");
  EXPECT_EQ(http().get(lot_path(lot), admin_).status, 200);
}

TEST_F(LotsApi, DeletingALotWithAnUpcomingReservationAnswers409) {
  auto lot = create_lot(http(), admin_, 2);
  reserve(lot, 2);
  auto r = http().del(lot_path(lot), admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(http().get(lot_path(lot), admin_).status, 200);
}

TEST_F(LotsApi, DeletingALotRemovesItFromListAndGet) {
  auto lot = create_lot(http(), admin_, 2);
  auto r = http().del(lot_path(lot), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["message"].is_string());
  EXPECT_EQ(http().get(lot_path(lot), admin_).status, 404);
  EXPECT_EQ(http().get(lot_path(lot) + "/spots", admin_).status, 404);
  EXPECT_EQ(http().del(lot_path(lot), admin_).status, 404);
  for (const auto& l : json(http().get("/api/lots", admin_).json()["lots"])) {
    EXPECT_NE(l["id"], lot["id"]);
  }
}

TEST_F(LotsApi, DeletingALotKeepsItsNameAndSpotInTheUsersHistory) {
  auto lot = create_lot(http(), admin_, 3);
  auto booking = occupy(lot, 2);
  ASSERT_EQ(http().post("/api/release/" + booking["id"].dump(), json(), user_->token).status, 200);
  ASSERT_EQ(http().del(lot_path(lot), admin_).status, 200);

  auto one = http().get("/api/bookings/" + booking["id"].dump(), user_->token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json()["booking"]["lot_name"], lot["name"]);
  EXPECT_EQ(one.json()["booking"]["spot_number"], 2);
  EXPECT_EQ(one.json()["booking"]["status"], "Completed");

  bool listed = false;
  for (const auto& b : json(http().get("/api/bookings", user_->token).json()["bookings"])) {
    if (b["id"] == booking["id"]) {
      listed = true;
      EXPECT_EQ(b["lot_name"], lot["name"]);
      EXPECT_EQ(b["spot_number"], 2);
    }
  }
  EXPECT_TRUE(listed);
}

// An immediate booking of any spot takes its lot's name and price in its insert: a lot
// repriced or deleted before it must show as such, with nothing stored for the deleted one.
TEST_F(LotsApi, ABookingTakesItsLotsPriceAndADeletedLotTakesNone) {
  auto lot = create_lot(http(), admin_, 2);
  ASSERT_EQ(http().put(lot_path(lot), {{"price_per_hour", 7.25}}, admin_).status, 200);
  auto r = book(http(), user_->token, {{"lot_id", lot["id"]}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto made = r.json()["booking"];
  EXPECT_EQ(made["lot_name"], lot["name"]);
  EXPECT_EQ(made["price_per_hour"], 7.25) << made.dump();
  ASSERT_EQ(http().post("/api/release/" + made["id"].dump(), json(), user_->token).status, 200);
  ASSERT_EQ(http().del(lot_path(lot), admin_).status, 200);
  EXPECT_EQ(book(http(), user_->token, {{"lot_id", lot["id"]}}).status, 404);
  EXPECT_EQ(admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump()).size(), 1u);
}

TEST_F(LotsApi, ADeletedLotsNameCanBeUsedAgain) {
  auto lot = create_lot(http(), admin_, 1);
  ASSERT_EQ(http().del(lot_path(lot), admin_).status, 200);
  auto r = http().post("/api/lots", {{"name", lot["name"]}, {"capacity", 1}, {"price_per_hour", 1}},
                       admin_);
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(LotsApi, CreatingALotWithATakenNameAnswers409) {
  auto lot = create_lot(http(), admin_, 1);
  auto r = http().post("/api/lots", {{"name", lot["name"]}, {"capacity", 1}, {"price_per_hour", 1}},
                       admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "lot_name_taken");
}

TEST_F(LotsApi, RenamingALotToAnotherLotsNameAnswers409) {
  auto first = create_lot(http(), admin_, 1);
  auto second = create_lot(http(), admin_, 1);
  auto r = http().put(lot_path(second), {{"name", first["name"]}}, admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(get_lot(http(), admin_, second["id"])["name"], second["name"]);
}

TEST_F(LotsApi, AcceptsANameOfExactly100Characters) {
  std::string name = unique_name("N");
  name += std::string(100 - name.size(), 'n');
  auto r =
      http().post("/api/lots", {{"name", name}, {"capacity", 1}, {"price_per_hour", 1}}, admin_);
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(LotsApi, AcceptsANameOf100NonAsciiCharacters) {
  std::string name = unique_name("N");
  for (std::size_t i = name.size(); i < 100; ++i) name += "\xC3\xA9";  // é
  auto r =
      http().post("/api/lots", {{"name", name}, {"capacity", 1}, {"price_per_hour", 1}}, admin_);
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(LotsApi, RejectsANameOf101Characters) {
  std::string name = unique_name("N");
  name += std::string(101 - name.size(), 'n');
  auto r =
      http().post("/api/lots", {{"name", name}, {"capacity", 1}, {"price_per_hour", 1}}, admin_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(r.json()["fields"].contains("name"));
}

TEST_F(LotsApi, AcceptsTheLargestCapacity) {
  auto lot = create_lot(http(), admin_, 10000);
  EXPECT_EQ(lot["capacity"], 10000);
  EXPECT_EQ(lot["available_spots"], 10000);
  auto spots = lot_spots(http(), admin_, lot["id"]);
  ASSERT_EQ(spots.size(), 10000u);
  EXPECT_EQ(spots.back()["spot_number"], 10000);
}

TEST_F(LotsApi, AcceptsTheSmallestAndLargestPrice) {
  EXPECT_EQ(create_lot(http(), admin_, 1, 0.01)["price_per_hour"], 0.01);
  EXPECT_EQ(create_lot(http(), admin_, 1, 100000)["price_per_hour"], 100000);
}

TEST_F(LotsApi, AcceptsAPriceWithCentsNearTheMaximum) {
  EXPECT_EQ(create_lot(http(), admin_, 1, 99999.99)["price_per_hour"], 99999.99);
}

TEST_F(LotsApi, AcceptsAPriceSentAsText) {
  EXPECT_EQ(create_lot(http(), admin_, 1, "3.20")["price_per_hour"], 3.2);
}

TEST_F(LotsApi, SpotsShowWhichAreOccupiedNow) {
  auto lot = create_lot(http(), admin_, 3);
  occupy(lot, 2);
  auto spots = lot_spots(http(), user_->token, lot["id"]);
  ASSERT_EQ(spots.size(), 3u);
  EXPECT_EQ(spots[0]["status"], "Available");
  EXPECT_EQ(spots[1]["status"], "Occupied");
  EXPECT_EQ(spots[2]["status"], "Available");
}

TEST_F(LotsApi, SpotsListTheirUpcomingReservations) {
  auto lot = create_lot(http(), admin_, 2);
  auto booking = reserve(lot, 2);
  auto spots = lot_spots(http(), user_->token, lot["id"]);
  ASSERT_EQ(spots.size(), 2u);
  EXPECT_EQ(spots[0]["reservations"], json::array());
  ASSERT_EQ(spots[1]["reservations"].size(), 1u);
  EXPECT_EQ(spots[1]["reservations"][0]["start"], booking["reserved_start"]);
  EXPECT_EQ(spots[1]["reservations"][0]["end"], booking["reserved_end"]);
  EXPECT_EQ(spots[1]["status"], "Available");
}

TEST_F(LotsApi, UsersDoNotSeeWhoReservedASpot) {
  auto lot = create_lot(http(), admin_, 1);
  reserve(lot, 1);
  auto other = make_user(*parkd_);
  auto spots = lot_spots(http(), other.token, lot["id"]);
  ASSERT_EQ(spots[0]["reservations"].size(), 1u);
  EXPECT_FALSE(spots[0]["reservations"][0].contains("user_email"));
}

TEST_F(LotsApi, AdminsSeeWhoReservedASpot) {
  auto lot = create_lot(http(), admin_, 1);
  reserve(lot, 1);
  auto spots = lot_spots(http(), admin_, lot["id"]);
  ASSERT_EQ(spots[0]["reservations"].size(), 1u);
  EXPECT_EQ(spots[0]["reservations"][0]["user_email"], user_->email);
}

TEST_F(LotsApi, SpotsListIncludesTheLot) {
  auto lot = create_lot(http(), admin_, 2);
  auto r = http().get(lot_path(lot) + "/spots", user_->token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["lot"]["id"], lot["id"]);
  EXPECT_EQ(r.json()["lot"]["capacity"], 2);
}

TEST_F(LotsApi, TheOriginalSpotsPathAnswersLikeTheLotsSpotsPath) {
  auto lot = create_lot(http(), admin_, 3);
  occupy(lot, 1);
  auto a = http().get(lot_path(lot) + "/spots", user_->token);
  auto b = http().get("/api/spots/" + lot["id"].dump(), user_->token);
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(a.json()["spots"], b.json()["spots"]);
  EXPECT_EQ(a.json()["lot"]["id"], b.json()["lot"]["id"]);
}

TEST_F(LotsApi, SpotDetailShowsTheCurrentBookingWithTheUsersEmail) {
  auto lot = create_lot(http(), admin_, 2);
  auto booking = occupy(lot, 2);
  auto spot = spot_by_number(lot, 2);
  auto r = http().get(lot_path(lot) + "/spots/" + spot["id"].dump(), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto detail = r.json()["spot"];
  EXPECT_EQ(detail["status"], "Occupied");
  EXPECT_EQ(detail["spot_number"], 2);
  EXPECT_EQ(detail["current_booking"]["id"], booking["id"]);
  EXPECT_EQ(detail["current_booking"]["user_email"], user_->email);
}

TEST_F(LotsApi, SpotDetailOfAFreeSpotHasNoCurrentBooking) {
  auto lot = create_lot(http(), admin_, 1);
  reserve(lot, 1);  // upcoming, not in force now
  auto spot = spot_by_number(lot, 1);
  auto r = http().get(lot_path(lot) + "/spots/" + spot["id"].dump(), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["spot"]["status"], "Available");
  EXPECT_TRUE(r.json()["spot"]["current_booking"].is_null());
}

TEST_F(LotsApi, SpotDetailThroughAnotherLotAnswers404) {
  auto lot = create_lot(http(), admin_, 1);
  auto other = create_lot(http(), admin_, 1);
  auto spot = spot_by_number(lot, 1);
  EXPECT_EQ(http().get(lot_path(other) + "/spots/" + spot["id"].dump(), admin_).status, 404);
}

TEST_F(LotsApi, DeletingAFreeSpotLowersTheCapacityByOne) {
  auto lot = create_lot(http(), admin_, 3);
  auto spot = spot_by_number(lot, 2);
  auto r = http().del(lot_path(lot) + "/spots/" + spot["id"].dump(), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto after = get_lot(http(), admin_, lot["id"]);
  EXPECT_EQ(after["capacity"], 2);
  EXPECT_EQ(after["available_spots"], 2);
  EXPECT_EQ(spot_numbers(lot), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(http().get(lot_path(lot) + "/spots/" + spot["id"].dump(), admin_).status, 404);
}

TEST_F(LotsApi, DeletingAnOccupiedSpotAnswers409) {
  auto lot = create_lot(http(), admin_, 2);
  occupy(lot, 1);
  auto spot = spot_by_number(lot, 1);
  auto r = http().del(lot_path(lot) + "/spots/" + spot["id"].dump(), admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.json()["error"], "spot_in_use");
  EXPECT_EQ(get_lot(http(), admin_, lot["id"])["capacity"], 2);
}

TEST_F(LotsApi, DeletingASpotWithAnUpcomingReservationAnswers409) {
  auto lot = create_lot(http(), admin_, 2);
  reserve(lot, 2);
  auto spot = spot_by_number(lot, 2);
  auto r = http().del(lot_path(lot) + "/spots/" + spot["id"].dump(), admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(spot_numbers(lot), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(LotsApi, DeletingASpotKeepsItsNumberInTheUsersHistory) {
  auto lot = create_lot(http(), admin_, 2);
  auto booking = occupy(lot, 2);
  ASSERT_EQ(http().post("/api/release/" + booking["id"].dump(), json(), user_->token).status, 200);
  auto spot = spot_by_number(lot, 2);
  ASSERT_EQ(http().del(lot_path(lot) + "/spots/" + spot["id"].dump(), admin_).status, 200);
  auto r = http().get("/api/bookings/" + booking["id"].dump(), user_->token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["booking"]["spot_number"], 2);
  EXPECT_EQ(r.json()["booking"]["lot_name"], lot["name"]);
}

}  // namespace
}  // namespace parkd::test
