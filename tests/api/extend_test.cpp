// Black-box: POST /api/bookings/{id}/extend gives a reservation a later end on its spot
// (docs/api.md "Extending a reservation"), including against a competing booking of the
// added time under concurrency.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include "common/time.h"

#include <gtest/gtest.h>

namespace parkd::test {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr int kRacers = 8;
constexpr int kRounds = 10;

class ExtendApi : public ::testing::Test {
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
  // `iso` moved by `seconds`.
  static std::string shifted(const json& iso, std::int64_t seconds) {
    return format_iso8601(from_unix(unix_of(iso.get<std::string>()) + seconds));
  }
  static json booked(const HttpResult& r) {
    EXPECT_EQ(r.status, 201) << r.body;
    auto j = r.json();
    return j.is_object() && j.contains("booking") ? j["booking"] : json();
  }
  static HttpResult extend(const json& booking, const json& body, const std::string& token) {
    return http().post("/api/bookings/" + booking["id"].dump() + "/extend", body, token);
  }
  static HttpResult extend_to(const json& booking, const std::string& end,
                              const std::string& token) {
    return extend(booking, {{"reserved_end", end}}, token);
  }
  static json reserve(const json& lot, std::int64_t start_s, std::int64_t end_s, int who = 0) {
    return booked(
        book(http(), user(who).token, reservation(lot["id"].get<std::int64_t>(), start_s, end_s)));
  }

  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
  static inline std::vector<TestUser>* users_ = nullptr;
};

TEST_F(ExtendApi, AReservedReservationGetsTheLaterEndOnItsSpotAndTheWholeWindowsCost) {
  auto lot = create_lot(http(), admin_, 2, 2);
  auto b = reserve(lot, kHour, 3 * kHour);
  ASSERT_EQ(b["total_cost"], 4);
  auto new_end = shifted(b["reserved_end"], 2 * kHour + 1800);
  auto r = extend_to(b, new_end, user(0).token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["message"].is_string());
  auto e = r.json()["booking"];
  EXPECT_EQ(e["id"], b["id"]);
  EXPECT_EQ(e["status"], "Reserved");
  EXPECT_EQ(e["spot_id"], b["spot_id"]);
  EXPECT_EQ(e["reserved_start"], b["reserved_start"]);
  EXPECT_EQ(e["reserved_end"], new_end);
  EXPECT_EQ(e["total_cost"], 9);  // 4.5 h at 2.00
  auto again = http().get("/api/bookings/" + b["id"].dump(), user(0).token);
  EXPECT_EQ(again.json()["booking"]["reserved_end"], new_end);
  EXPECT_EQ(again.json()["booking"]["total_cost"], 9);
}

TEST_F(ExtendApi, AnActiveReservationCanBeExtended) {
  auto lot = create_lot(http(), admin_, 1, 2);
  auto b = reserve(lot, -60, kHour);
  ASSERT_EQ(b["status"], "Active");
  auto r = extend_to(b, shifted(b["reserved_start"], 3 * kHour), user(0).token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["booking"]["status"], "Active");
  EXPECT_EQ(r.json()["booking"]["total_cost"], 6);
}

TEST_F(ExtendApi, TheAddedTimeMayEndWhereTheNextBookingStarts) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = reserve(lot, kHour, 2 * kHour);
  auto next = reserve(lot, 3 * kHour, 4 * kHour, 1);
  EXPECT_EQ(extend_to(b, next["reserved_start"], user(0).token).status, 200);
}

TEST_F(ExtendApi, AnAddedTimeThatIsTakenAnswers409SpotUnavailableWithTheConflict) {
  auto lot = create_lot(http(), admin_, 2);
  auto b = reserve(lot, kHour, 2 * kHour);
  // The other spot is free: the extension still stays on its own spot.
  auto next = booked(book(http(), user(1).token,
                          {{"lot_id", lot["id"]},
                           {"spot_id", b["spot_id"]},
                           {"booking_type", "reserved"},
                           {"reserved_start", shifted(b["reserved_end"], kHour)},
                           {"reserved_end", shifted(b["reserved_end"], 2 * kHour)}}));
  auto r = extend_to(b, shifted(b["reserved_end"], kHour + 1800), user(0).token);
  ASSERT_TRUE(IsJsonError(r, 409, "spot_unavailable"));
  EXPECT_EQ(r.json()["conflict"]["start"], next["reserved_start"]);
  EXPECT_EQ(r.json()["conflict"]["end"], next["reserved_end"]);
  auto unchanged = http().get("/api/bookings/" + b["id"].dump(), user(0).token).json()["booking"];
  EXPECT_EQ(unchanged["reserved_end"], b["reserved_end"]);
  EXPECT_EQ(unchanged["total_cost"], b["total_cost"]);
}

TEST_F(ExtendApi, AnEarlierOrEqualEndAnswers400OnReservedEnd) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = reserve(lot, kHour, 3 * kHour);
  for (const auto& end : {b["reserved_end"].get<std::string>(), shifted(b["reserved_end"], -60)}) {
    auto r = extend_to(b, end, user(0).token);
    ASSERT_TRUE(IsJsonError(r, 400));
    EXPECT_TRUE(r.json()["fields"].contains("reserved_end"));
  }
}

TEST_F(ExtendApi, AnEndMoreThanThirtyDaysAfterTheStartAnswers400OnReservedEnd) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = reserve(lot, kHour, 2 * kHour);
  auto r = extend_to(b, shifted(b["reserved_start"], 30 * 24 * kHour + 1), user(0).token);
  ASSERT_TRUE(IsJsonError(r, 400));
  EXPECT_TRUE(r.json()["fields"].contains("reserved_end"));
  EXPECT_EQ(extend_to(b, shifted(b["reserved_start"], 30 * 24 * kHour), user(0).token).status, 200);
}

TEST_F(ExtendApi, AMissingOrZonelessEndAnswers400OnReservedEnd) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = reserve(lot, kHour, 2 * kHour);
  for (const json& body : {json::object(), json{{"reserved_end", "2030-01-01T10:00:00"}}}) {
    auto r = extend(b, body, user(0).token);
    ASSERT_TRUE(IsJsonError(r, 400));
    EXPECT_TRUE(r.json()["fields"].contains("reserved_end"));
  }
}

TEST_F(ExtendApi, CompletedAndCancelledBookingsAnswer409) {
  auto lot = create_lot(http(), admin_, 2);
  auto active = reserve(lot, -60, kHour);
  ASSERT_EQ(http().post("/api/release/" + active["id"].dump(), json(), user(0).token).status, 200);
  EXPECT_TRUE(IsJsonError(extend_to(active, shifted(active["reserved_end"], kHour), user(0).token),
                          409, "booking_not_in_force"));
  auto later = reserve(lot, kHour, 2 * kHour);
  ASSERT_EQ(
      http().post("/api/bookings/" + later["id"].dump() + "/cancel", json(), user(0).token).status,
      200);
  EXPECT_TRUE(IsJsonError(extend_to(later, shifted(later["reserved_end"], kHour), user(0).token),
                          409, "booking_not_in_force"));
}

TEST_F(ExtendApi, AnImmediateBookingAnswers409OpenEnded) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = booked(book(http(), user(0).token, {{"lot_id", lot["id"]}}));
  EXPECT_TRUE(
      IsJsonError(extend_to(b, iso_from_now(2 * kHour), user(0).token), 409, "booking_open_ended"));
}

TEST_F(ExtendApi, SomeoneElsesOrAnUnknownBookingAnswers404AndAnAdminMayExtend) {
  auto lot = create_lot(http(), admin_, 1);
  auto b = reserve(lot, kHour, 2 * kHour);
  auto end = shifted(b["reserved_end"], kHour);
  EXPECT_TRUE(IsJsonError(extend_to(b, end, user(1).token), 404));
  EXPECT_TRUE(IsJsonError(extend_to(json{{"id", 987654321}}, end, user(0).token), 404));
  auto r = extend_to(b, end, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["booking"]["reserved_end"], end);
}

// One spot; its reservation's owner extends into the next hour while the other users book
// exactly that hour, all released together: exactly one of them gets it, and the stored
// bookings never overlap.
TEST_F(ExtendApi, AnExtensionAndCompetingBookingsOfTheAddedTimeExactlyOneWins) {
  int extensions_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lot = create_lot(http(), admin_, 1);
    auto b = reserve(lot, kHour, 2 * kHour);
    json added = {{"lot_id", lot["id"]},
                  {"booking_type", "reserved"},
                  {"reserved_start", b["reserved_end"]},
                  {"reserved_end", shifted(b["reserved_end"], kHour)}};
    auto results = run_together(kRacers, [&](int i) {
      if (i == 0) return extend_to(b, added["reserved_end"], user(0).token);
      return book(http(), user(i).token, added);
    });
    int wins = 0;
    for (int i = 0; i < kRacers; ++i) {
      const auto& r = results[static_cast<std::size_t>(i)];
      if (r.status == 200 || r.status == 201) {
        ++wins;
        extensions_won += i == 0;
      } else if (i == 0) {
        EXPECT_TRUE(IsJsonError(r, 409, "spot_unavailable"));
      } else {
        EXPECT_TRUE(IsJsonError(r, 409, "lot_full"));
      }
    }
    EXPECT_EQ(wins, 1);
    auto stored = admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump());
    EXPECT_EQ(stored.size(), results[0].status == 200 ? 1u : 2u);
    EXPECT_EQ(overlapping_bookings(stored), std::nullopt);
    if (HasFailure()) return;
  }
  // Not asserted: which side wins is up to the scheduler; say so when it was one-sided.
  if (extensions_won == 0 || extensions_won == kRounds) {
    std::cout << "note: the extension won " << extensions_won << " of " << kRounds << " rounds\n";
  }
}

}  // namespace
}  // namespace parkd::test
