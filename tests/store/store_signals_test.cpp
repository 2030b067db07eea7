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

  // The user as a token check reads it (a read outside a snapshot).
  User token_check(Store& store, Id id) {
    std::optional<User> user;
    Status st = store.read_single([&](Tx& tx) {
      user = tx.user_by_id(id);
      return ok_status();
    });
    EXPECT_TRUE(st.ok());
    EXPECT_TRUE(user.has_value());
    return user.value_or(User{});
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

// On PostgreSQL, token checks answer from users kept between reads (user_memo.h): a
// logout, a password or role change and a disabled account must still count at once.
TEST_P(StoreSignals, ATokenCheckRightAfterAUserChangeHereSeesTheChange) {
  if (postgres()) {
    ASSERT_TRUE(eventually([&] { return store_->lots_generation().has_value(); }));
  }
  std::int64_t version = token_check(*store_, user_).token_version;
  EXPECT_EQ(token_check(*store_, user_).token_version, version);  // kept, on PostgreSQL
  write([&](Tx& tx) { tx.bump_token_version(user_); });
  EXPECT_EQ(token_check(*store_, user_).token_version, version + 1);
  write([&](Tx& tx) { tx.set_disabled(user_, true); });
  EXPECT_TRUE(token_check(*store_, user_).disabled);
  write([&](Tx& tx) { tx.set_role(user_, Role::admin); });
  EXPECT_EQ(token_check(*store_, user_).role, Role::admin);
  write([&](Tx& tx) { tx.set_password_hash(user_, "another hash"); });
  EXPECT_EQ(token_check(*store_, user_).password_hash, "another hash");
  write([&](Tx& tx) { tx.set_username(user_, std::string("Renamed")); });
  EXPECT_EQ(token_check(*store_, user_).username, std::optional<std::string>("Renamed"));
}

TEST_P(StoreSignals, ALogoutInOneProcessReachesAnotherProcessesTokenChecks) {
  auto other = other_process();
  ASSERT_TRUE(other);
  std::int64_t version = token_check(*other, user_).token_version;
  EXPECT_EQ(token_check(*other, user_).token_version, version);
  write([&](Tx& tx) { tx.bump_token_version(user_); });
  // NOTIFY brings the news at once; a kept user lives at most a second in any case.
  EXPECT_TRUE(
      eventually([&] { return token_check(*other, user_).token_version == version + 1; }, 3s))
      << "the other process still accepts the token of before the logout";
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
