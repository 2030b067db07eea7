// The SQLite store keeps a connection's last lot list while nothing could change it:
// every list must still show what a fresh query would, after any commit (this process's
// or another's) and as bookings start and end with no write at all.
#include "store/store.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parkd {
namespace {

constexpr std::int64_t kT = 1'800'000'000;  // a fixed "now" for the lists

class SqliteLotList : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open();
    ASSERT_TRUE(store_->migrate().ok());
    ASSERT_TRUE(store_
                    ->write([&](Tx& tx) {
                      user_ = tx.insert_user(
                          NewUser{"u@example.com", std::nullopt, "hash", Role::user, from_unix(0)});
                      lot_ = tx.insert_lot("North", "1 Road", 250, from_unix(0));
                      tx.add_spots(lot_, 3);
                      return ok_status();
                    })
                    .ok());
  }
  void TearDown() override { store_.reset(); }
  std::unique_ptr<Store> open() {
    auto store = open_store("sqlite:///" + (dir_ / "lots.db").string(), StoreOptions{});
    EXPECT_TRUE(store.ok());
    return std::move(*store);
  }

  // The first lot of the list as read at `at`, asked for three times: the first and
  // second read query, the third is the one that may come from what was kept.
  static Lot listed(Store& store, std::int64_t at, int times = 3) {
    Lot first;
    for (int i = 0; i < times; ++i) {
      EXPECT_TRUE(store
                      .read([&](Tx& tx) {
                        auto lots = tx.lots(from_unix(at), 10, 0);
                        EXPECT_EQ(lots.size(), 1u);
                        if (!lots.empty()) first = lots.front();
                        return ok_status();
                      })
                      .ok());
    }
    return first;
  }

  Status book(Store& store, std::int64_t from, std::optional<std::int64_t> to) {
    return store.write([&](Tx& tx) {
      NewBooking b;
      b.user_id = user_;
      b.lot_id = lot_;
      b.lot_name = "North";
      auto spot = tx.lowest_free_spot(lot_, Window{from_unix(from), std::nullopt});
      if (!spot) return Status(Error::conflict("full", "no free spot"));
      b.spot_id = spot->id;
      b.spot_number = spot->number;
      b.type = to ? BookingType::reserved : BookingType::immediate;
      b.created_at = from_unix(kT);
      b.occupies = Window{from_unix(from), to ? std::optional(from_unix(*to)) : std::nullopt};
      b.price_cents = 250;
      tx.insert_booking(b);
      return ok_status();
    });
  }

  parkd::testing::ScratchDir dir_;
  std::unique_ptr<Store> store_;
  Id user_ = 0;
  Id lot_ = 0;
};

TEST_F(SqliteLotList, ShowsABookingCommittedAfterTheListWasKept) {
  EXPECT_EQ(listed(*store_, kT).occupied_spots, 0);
  ASSERT_TRUE(book(*store_, kT - 60, std::nullopt).ok());
  EXPECT_EQ(listed(*store_, kT).occupied_spots, 1);
}

// Another process on the same file: its commits reach this one's readers too.
TEST_F(SqliteLotList, ShowsWhatAnotherStoreOnTheFileCommitted) {
  EXPECT_EQ(listed(*store_, kT).occupied_spots, 0);
  {
    auto other = open();
    ASSERT_TRUE(book(*other, kT - 60, std::nullopt).ok());
    ASSERT_TRUE(other
                    ->write([&](Tx& tx) {
                      tx.update_lot(
                          lot_, LotChanges{std::string("North Gate"), std::nullopt, std::nullopt});
                      return ok_status();
                    })
                    .ok());
  }
  Lot lot = listed(*store_, kT);
  EXPECT_EQ(lot.occupied_spots, 1);
  EXPECT_EQ(lot.name, "North Gate");
}

// No write happens between these lists: only the time moves past a reservation's start
// and then its end, and back.
TEST_F(SqliteLotList, FollowsAReservationFromUpcomingToInForceToOverWithoutAWrite) {
  ASSERT_TRUE(book(*store_, kT + 600, kT + 1200).ok());
  Lot before = listed(*store_, kT);
  EXPECT_EQ(before.reserved_spots, 1);
  EXPECT_EQ(before.occupied_spots, 0);
  EXPECT_EQ(listed(*store_, kT + 599).reserved_spots, 1);
  Lot started = listed(*store_, kT + 600);
  EXPECT_EQ(started.reserved_spots, 0);
  EXPECT_EQ(started.occupied_spots, 1);
  EXPECT_EQ(listed(*store_, kT + 1199).occupied_spots, 1);
  Lot over = listed(*store_, kT + 1200);
  EXPECT_EQ(over.occupied_spots, 0);
  EXPECT_EQ(over.reserved_spots, 0);
  // A clock set back (as NTP may do) reads the earlier counts again.
  EXPECT_EQ(listed(*store_, kT).reserved_spots, 1);
}

TEST_F(SqliteLotList, AnotherPageIsQueriedNotTakenFromTheKeptOne) {
  ASSERT_TRUE(store_
                  ->write([&](Tx& tx) {
                    tx.insert_lot("South", "2 Road", 300, from_unix(0));
                    return ok_status();
                  })
                  .ok());
  std::vector<std::string> names;
  for (std::int64_t offset : {0, 0, 0, 1}) {
    ASSERT_TRUE(store_
                    ->read([&](Tx& tx) {
                      auto lots = tx.lots(from_unix(kT), 1, offset);
                      EXPECT_EQ(tx.count_lots(), 2);
                      names.push_back(lots.empty() ? "" : lots.front().name);
                      return ok_status();
                    })
                    .ok());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"North", "North", "North", "South"}));
}

}  // namespace
}  // namespace parkd
