// Races across processes: two `parkd serve --no-worker --no-scheduler` instances on one
// database (one SQLite file, or one PostgreSQL database in the pg.* run), as behind a
// load balancer. What one process guarantees with its own locks must hold when the
// racing requests arrive at different processes: only the database can decide.
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <set>

namespace parkd::test {
namespace {

constexpr int kRounds = 5;
constexpr int kUsers = 60;
constexpr int kSpots = 20;

class TwoInstances : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::vector<std::string> api_only{"serve", "--no-worker", "--no-scheduler"};
    a_ = new ParkdProcess({}, api_only, dir_->path());
    b_ = new ParkdProcess({}, api_only, dir_->path());
    admin_ = a_->admin_token();
    users_ = new std::vector<TestUser>(make_users(*a_, kUsers));
  }
  static void TearDownTestSuite() {
    delete users_;
    delete b_;
    delete a_;
    delete dir_;
  }

  // Even-numbered clients talk to instance A, odd ones to B.
  static HttpClient instance_for(int i) { return (i % 2 == 0 ? a_ : b_)->client(); }
  static const TestUser& user(int i) { return (*users_)[static_cast<std::size_t>(i)]; }

  static inline TempDir* dir_ = nullptr;
  static inline ParkdProcess* a_ = nullptr;
  static inline ParkdProcess* b_ = nullptr;
  static inline std::string admin_;
  static inline std::vector<TestUser>* users_ = nullptr;
};

TEST_F(TwoInstances, SixtyClientsSplitOverTwoProcessesGetExactlyTwentyDistinctSpots) {
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lot_id = create_lot(a_->client(), admin_, kSpots)["id"].get<std::int64_t>();

    auto results = run_together(kUsers, [&](int i) {
      return book(instance_for(i), user(i).token, {{"lot_id", lot_id}});
    });
    std::vector<int> winners;
    std::vector<std::string> ids;
    std::set<std::int64_t> spots;
    int full = 0;
    for (int i = 0; i < kUsers; ++i) {
      const auto& r = results[static_cast<std::size_t>(i)];
      if (r.status == 201) {
        winners.push_back(i);
        ids.push_back(r.json()["booking"]["id"].dump());
        spots.insert(r.json()["booking"]["spot_id"].get<std::int64_t>());
      } else if (r.status == 409 && r.json()["error"] == "lot_full") {
        ++full;
      } else {
        ADD_FAILURE() << "unexpected answer " << r.status << ": " << r.body;
      }
    }
    ASSERT_EQ(winners.size(), static_cast<std::size_t>(kSpots));
    EXPECT_EQ(full, kUsers - kSpots);
    EXPECT_EQ(spots.size(), static_cast<std::size_t>(kSpots));

    // Either instance reads back the same 20 Active bookings, one per spot.
    for (const ParkdProcess* p : {a_, b_}) {
      auto stored = admin_bookings(p->client(), admin_, "lot_id=" + std::to_string(lot_id));
      ASSERT_EQ(stored.size(), static_cast<std::size_t>(kSpots));
      std::set<std::int64_t> stored_spots;
      for (const auto& b : stored) {
        EXPECT_EQ(b["status"], "Active");
        stored_spots.insert(b["spot_id"].get<std::int64_t>());
      }
      EXPECT_EQ(stored_spots, spots);
      EXPECT_EQ(overlapping_bookings(stored), std::nullopt);
    }

    // Each booking released through both instances at once: exactly one release wins.
    auto releases = run_together(2 * kSpots, [&](int k) {
      int w = winners[static_cast<std::size_t>(k / 2)];
      return (k % 2 == 0 ? a_ : b_)
          ->client()
          .post("/api/release/" + ids[static_cast<std::size_t>(k / 2)], json(), user(w).token);
    });
    for (int w = 0; w < kSpots; ++w) {
      const auto& first = releases[static_cast<std::size_t>(2 * w)];
      const auto& second = releases[static_cast<std::size_t>(2 * w + 1)];
      std::multiset<long> statuses{first.status, second.status};
      EXPECT_EQ(statuses, (std::multiset<long>{200, 409})) << first.body << "\n" << second.body;
    }
    EXPECT_EQ(get_lot(b_->client(), admin_, lot_id)["available_spots"], kSpots);
  }
}

}  // namespace
}  // namespace parkd::test
