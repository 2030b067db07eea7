// Black-box races: many clients released together by a latch, several rounds, then the
// stored state read back and checked (docs/api.md "Bookings": no two bookings on one spot may
// ever overlap, under any concurrency).
#include "support/api_helpers.h"
#include "support/job_support.h"  // jobs_of_type
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace parkd::test {
namespace {

constexpr int kRounds = 20;
constexpr int kUsers = 60;
constexpr int kSpots = 20;
constexpr std::int64_t kHour = 3600;

class Races : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess();
    admin_ = parkd_->admin_token();
    users_ = new std::vector<TestUser>(make_users(*parkd_, kUsers));
  }
  static void TearDownTestSuite() {
    delete users_;
    delete parkd_;
  }

  static HttpClient http() { return parkd_->client(); }
  static const TestUser& user(int i) { return (*users_)[static_cast<std::size_t>(i)]; }
  // Booking confirmations only: the scheduler's every-minute sweep adds jobs of its own
  // whenever a minute turns during a round.
  static std::size_t confirmations() {
    return jobs_of_type(http(), admin_, "booking_confirmation").size();
  }

  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
  static inline std::vector<TestUser>* users_ = nullptr;
};

TEST_F(Races, SixtyUsersRacingForTwentySpotsGetExactlyTwentyAndReleaseEachOnce) {
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lot = create_lot(http(), admin_, kSpots);
    auto lot_id = lot["id"].get<std::int64_t>();

    auto results = run_together(kUsers, [&](int i) {
      return book(http(), user(i).token, {{"lot_id", lot_id}});
    });
    std::vector<json> winners;
    std::set<std::int64_t> spots, winner_users;
    std::vector<std::string> winner_tokens;
    int full = 0, other = 0;
    for (int i = 0; i < kUsers; ++i) {
      const auto& r = results[static_cast<std::size_t>(i)];
      if (r.status == 201) {
        auto b = r.json()["booking"];
        winners.push_back(b);
        spots.insert(b["spot_id"].get<std::int64_t>());
        winner_users.insert(user(i).id);
        winner_tokens.push_back(user(i).token);
      } else if (r.status == 409 && r.json()["error"] == "lot_full") {
        ++full;
      } else {
        ++other;
        ADD_FAILURE() << "unexpected answer " << r.status << ": " << r.body;
      }
    }
    ASSERT_EQ(winners.size(), static_cast<std::size_t>(kSpots));
    EXPECT_EQ(full, kUsers - kSpots);
    EXPECT_EQ(other, 0);
    EXPECT_EQ(spots.size(), static_cast<std::size_t>(kSpots));

    // What was stored: 20 Active bookings, one per spot, by the 20 winners.
    auto stored = admin_bookings(http(), admin_, "lot_id=" + std::to_string(lot_id));
    ASSERT_EQ(stored.size(), static_cast<std::size_t>(kSpots));
    std::set<std::int64_t> stored_spots, stored_users;
    for (const auto& b : stored) {
      EXPECT_EQ(b["status"], "Active");
      stored_spots.insert(b["spot_id"].get<std::int64_t>());
      stored_users.insert(b["user_id"].get<std::int64_t>());
    }
    EXPECT_EQ(stored_spots, spots);
    EXPECT_EQ(stored_users, winner_users);
    EXPECT_EQ(overlapping_bookings(stored), std::nullopt);
    auto full_lot = get_lot(http(), admin_, lot_id);
    EXPECT_EQ(full_lot["available_spots"], 0);
    EXPECT_EQ(full_lot["occupied_spots"], kSpots);

    // All released together, each once.
    auto release = [&](int i) {
      return http().post("/api/release/" + winners[static_cast<std::size_t>(i)]["id"].dump(),
                         json(), winner_tokens[static_cast<std::size_t>(i)]);
    };
    for (const auto& r : run_together(kSpots, release)) {
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.json()["booking"]["status"], "Completed");
    }
    for (const auto& r : run_together(kSpots, release)) {
      EXPECT_EQ(r.status, 409) << r.body;
    }
    auto completed = admin_bookings(http(), admin_, "lot_id=" + std::to_string(lot_id));
    ASSERT_EQ(completed.size(), static_cast<std::size_t>(kSpots));
    for (const auto& b : completed) {
      EXPECT_EQ(b["status"], "Completed");
      EXPECT_FALSE(b["end_time"].is_null());
    }
    auto empty_lot = get_lot(http(), admin_, lot_id);
    EXPECT_EQ(empty_lot["available_spots"], kSpots);
    EXPECT_EQ(empty_lot["occupied_spots"], 0);
    if (HasFailure()) return;
  }
}

TEST_F(Races, ReleasingOneBookingTwiceAtOnceSucceedsOnlyOnce) {
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lot = create_lot(http(), admin_, kSpots);
    std::vector<json> bookings;
    for (const auto& r : run_together(kSpots, [&](int i) {
           return book(http(), user(i).token, {{"lot_id", lot["id"]}});
         })) {
      ASSERT_EQ(r.status, 201) << r.body;
      bookings.push_back(r.json()["booking"]);
    }
    // Each booking released by two clients at once: its owner and the admin.
    auto results = run_together(2 * kSpots, [&](int i) {
      int k = i / 2;
      const std::string& token = i % 2 == 0 ? user(k).token : admin_;
      return http().post("/api/release/" + bookings[static_cast<std::size_t>(k)]["id"].dump(),
                         json(), token);
    });
    std::map<int, std::vector<long>> statuses;
    for (int i = 0; i < 2 * kSpots; ++i)
      statuses[i / 2].push_back(results[static_cast<std::size_t>(i)].status);
    for (auto& [k, s] : statuses) {
      std::sort(s.begin(), s.end());
      EXPECT_EQ(s, (std::vector<long>{200, 409})) << "booking " << k;
    }
    auto stored = admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump());
    for (const auto& b : stored) EXPECT_EQ(b["status"], "Completed");
    if (HasFailure()) return;
  }
}

TEST_F(Races, TwentyRequestsWithOneIdempotencyKeyCreateOneBooking) {
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lot = create_lot(http(), admin_, 5);
    auto jobs_before = confirmations();
    std::vector<std::string> key{"Idempotency-Key: " + unique_name("race-key")};
    json body = {{"lot_id", lot["id"]}, {"vehicle_number", "RACE " + std::to_string(round)}};
    const auto& who = user(round);
    auto results = run_together(20, [&](int) { return book(http(), who.token, body, key); });
    for (const auto& r : results) {
      EXPECT_EQ(r.status, 201) << r.body;
      EXPECT_EQ(r.body, results[0].body);
    }
    auto stored = admin_bookings(http(), admin_, "lot_id=" + lot["id"].dump());
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]["id"], results[0].json()["booking"]["id"]);
    EXPECT_EQ(stored[0]["user_id"], who.id);
    EXPECT_EQ(get_lot(http(), admin_, lot["id"])["occupied_spots"], 1);
    EXPECT_EQ(confirmations(), jobs_before + 1);
    if (HasFailure()) return;
  }
}

TEST_F(Races, TwoOverlappingReservationsOnOneSpotLeaveExactlyOneWinner) {
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lot = create_lot(http(), admin_, 1);
    auto lot_id = lot["id"].get<std::int64_t>();
    std::vector<json> bodies{reservation(lot_id, kHour, 3 * kHour),
                             reservation(lot_id, 2 * kHour, 4 * kHour)};
    auto results = run_together(
        2, [&](int i) { return book(http(), user(i).token, bodies[static_cast<std::size_t>(i)]); });
    int won = -1;
    for (int i = 0; i < 2; ++i) {
      const auto& r = results[static_cast<std::size_t>(i)];
      if (r.status == 201) {
        EXPECT_EQ(won, -1) << "both reservations were accepted";
        won = i;
      } else {
        EXPECT_EQ(r.status, 409) << r.body;
        EXPECT_EQ(r.json()["error"], "lot_full");
      }
    }
    ASSERT_NE(won, -1) << "neither reservation was accepted";
    const auto& winner = bodies[static_cast<std::size_t>(won)];
    auto loser = results[static_cast<std::size_t>(1 - won)].json();
    EXPECT_EQ(loser["conflict"]["start"], winner["reserved_start"]);
    EXPECT_EQ(loser["conflict"]["end"], winner["reserved_end"]);

    auto stored = admin_bookings(http(), admin_, "lot_id=" + std::to_string(lot_id));
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]["status"], "Reserved");
    EXPECT_EQ(stored[0]["reserved_start"], winner["reserved_start"]);
    EXPECT_EQ(stored[0]["user_id"], user(won).id);
    auto spots = lot_spots(http(), admin_, lot_id);
    ASSERT_EQ(spots.size(), 1u);
    EXPECT_EQ(spots[0]["reservations"].size(), 1u);
    EXPECT_EQ(get_lot(http(), admin_, lot_id)["reserved_spots"], 1);
    if (HasFailure()) return;
  }
}

// Thirty reservations with assorted windows on a 3-spot lot: whatever wins, no spot is
// double-booked, and each refusal really had every spot taken.
TEST_F(Races, ManyReservationsOfAssortedWindowsNeverDoubleBookASpot) {
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lot = create_lot(http(), admin_, 3);
    auto lot_id = lot["id"].get<std::int64_t>();
    constexpr int kClients = 30;
    std::vector<json> bodies;
    for (int i = 0; i < kClients; ++i) {
      std::int64_t start = kHour * (1 + (i * 7 + round) % 12);
      std::int64_t length = kHour * (1 + (i * 5 + round) % 4);
      bodies.push_back(reservation(lot_id, start, start + length));
    }
    auto results = run_together(kClients, [&](int i) {
      return book(http(), user(i).token, bodies[static_cast<std::size_t>(i)]);
    });
    auto stored = admin_bookings(http(), admin_, "lot_id=" + std::to_string(lot_id));
    EXPECT_EQ(overlapping_bookings(stored), std::nullopt);
    std::size_t accepted = 0;
    for (int i = 0; i < kClients; ++i) {
      const auto& r = results[static_cast<std::size_t>(i)];
      if (r.status == 201) {
        ++accepted;
        continue;
      }
      ASSERT_EQ(r.status, 409) << r.body;
      EXPECT_EQ(r.json()["error"], "lot_full");
      // Bookings are only added here, so whatever blocked this window is still stored.
      auto start = unix_of(bodies[static_cast<std::size_t>(i)]["reserved_start"]);
      auto end = unix_of(bodies[static_cast<std::size_t>(i)]["reserved_end"]);
      std::set<std::int64_t> blocked;
      for (const auto& b : stored) {
        if (unix_of(b["reserved_start"]) < end && start < unix_of(b["reserved_end"])) {
          blocked.insert(b["spot_id"].get<std::int64_t>());
        }
      }
      EXPECT_EQ(blocked.size(), 3u)
          << "refused although a spot was free: " << bodies[static_cast<std::size_t>(i)];
    }
    EXPECT_EQ(stored.size(), accepted);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace parkd::test
