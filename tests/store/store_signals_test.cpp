// What one store tells the others on the same database, and what its reads keep: the lot
// list a read keeps is read again after any commit that changed a lot, here or (told by
// NOTIFY on PostgreSQL) in another process, and a job queued by one process wakes the
// workers of another.

#include "store_fixture.h"

#include <chrono>
#include <future>
#include <thread>

namespace parkd::store_test {
namespace {

using namespace std::chrono_literals;

// Polls `done` every 10 ms for up to `limit`; true once it holds.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class StoreSignals : public StoreContract {
 protected:
  // A second store on the case's database, as another parkd process would open it; on
  // PostgreSQL, listening once this returns (until then its reads keep nothing).
  std::unique_ptr<Store> other_process() {
    auto opened = open_store(url_, StoreOptions{.max_connections = 2, .durable_commits = false});
    EXPECT_TRUE(opened.ok());
    if (!opened.ok()) return nullptr;
    auto other = std::move(*opened);
    if (postgres()) {
      EXPECT_TRUE(eventually([&] { return other->lots_generation().has_value(); }))
          << "the second store never listened";
    }
    return other;
  }

  std::int64_t free_spots(Store& store, Id lot) {
    std::vector<Lot> lots;
    Status st = store.read([&](Tx& tx) {
      lots = tx.lots(at(100), 100, 0);
      return ok_status();
    });
    EXPECT_TRUE(st.ok());
    for (const Lot& l : lots) {
      if (l.id == lot) return l.available_spots();
    }
    ADD_FAILURE() << "no lot " << lot;
    return -1;
  }
};

INSTANTIATE_TEST_SUITE_P(, StoreSignals, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_name);

TEST_P(StoreSignals, ALotListKeptBetweenReadsIsReadAgainAfterABooking) {
  Id lot = make_lot("North", 3);
  if (postgres()) {
    ASSERT_TRUE(eventually([&] { return store_->lots_generation().has_value(); }));
  }
  // Asked twice with nothing committed between: the second read keeps the list.
  EXPECT_EQ(free_spots(*store_, lot), 3);
  EXPECT_EQ(free_spots(*store_, lot), 3);
  book(lot, 1, window(0, std::nullopt));
  EXPECT_EQ(free_spots(*store_, lot), 2);
  book(lot, 2, window(0, std::nullopt));
  EXPECT_EQ(free_spots(*store_, lot), 1);
}

TEST_P(StoreSignals, ACommitThatChangesALotMovesTheGenerationOfAnotherProcessOnTheDatabase) {
  if (!postgres()) GTEST_SKIP() << "SQLite's reads see other processes by its data version";
  auto other = other_process();
  ASSERT_TRUE(other);
  auto before = other->lots_generation();
  ASSERT_TRUE(before.has_value());
  make_lot("North", 2);
  EXPECT_TRUE(eventually([&] { return other->lots_generation() != before; }))
      << "no news of the new lot reached the other store";
}

TEST_P(StoreSignals, ABookingInOneProcessShowsInAnotherProcessesLotList) {
  Id lot = make_lot("North", 3);
  auto other = other_process();
  ASSERT_TRUE(other);
  EXPECT_EQ(free_spots(*other, lot), 3);
  EXPECT_EQ(free_spots(*other, lot), 3);
  book(lot, 1, window(0, std::nullopt));
  EXPECT_TRUE(eventually([&] { return free_spots(*other, lot) == 2; }, 3s))
      << "the other process still shows the lot as before the booking";
}

TEST_P(StoreSignals, AJobQueuedByOneProcessWakesAWorkerOfAnother) {
  if (!postgres()) GTEST_SKIP() << "SQLite's workers poll";
  auto other = other_process();
  ASSERT_TRUE(other);
  auto woken = std::async(std::launch::async, [&] {
    auto started = std::chrono::steady_clock::now();
    bool signalled = other->wait_for_job_signal(10s);
    return std::pair{signalled, std::chrono::steady_clock::now() - started};
  });
  std::this_thread::sleep_for(100ms);  // the worker is waiting
  NewJob job;
  job.type = "daily_reminders";
  job.payload = "{}";
  job.run_at = at(0);
  write([&](Tx& tx) { tx.enqueue_job(job, at(0)); });
  auto [signalled, waited] = woken.get();
  EXPECT_TRUE(signalled);
  EXPECT_LT(waited, 5s);
}

}  // namespace
}  // namespace parkd::store_test
