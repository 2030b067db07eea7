// The SQLite store's WAL under sustained writes: copied back into the database file
// while parkd runs, and kept bounded (a checkpoint that races the writer never lets the
// WAL start over, and it grew by 50 MB/s in the benchmark before the writer finished
// the job itself).

#include "common/threads.h"
#include "store/store.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parkd {
namespace {

namespace fs = std::filesystem;

TEST(SqliteWal, StaysBoundedAndReachesTheDatabaseFileUnderSustainedWrites) {
  parkd::testing::ScratchDir dir;
  fs::path db = dir / "wal.db";
  {
    auto store = open_store("sqlite:///" + db.string(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE((*store)->migrate().ok());

    // 1 200 commits of ~25 pages each: 30 000 WAL pages (120 MB) written in all.
    const std::string payload = "\"" + std::string(100 * 1024, 'x') + "\"";
    std::uintmax_t largest_wal = 0;
    for (int i = 0; i < 1200; ++i) {
      Status st = (*store)->write([&](Tx& tx) {
        tx.enqueue_job(NewJob{"selftest", payload, std::nullopt, now(), 1, std::nullopt}, now());
        return ok_status();
      });
      ASSERT_TRUE(st.ok()) << st.error().message;
      std::error_code ec;
      largest_wal = std::max(largest_wal, fs::file_size(fs::path(db.string() + "-wal"), ec));
    }
    EXPECT_GT(fs::file_size(db), 80u * 1024 * 1024) << "the jobs never reached the database file";
    // A WAL that never starts over holds all 120 MB; a bounded one stays near twice the
    // checkpoint threshold of 4 000 pages (33 MB), more while a loaded machine delays the
    // checkpointer (40 MB was crossed beside a parallel test run).
    EXPECT_LT(largest_wal, 64u * 1024 * 1024) << "the WAL grew without bound";
  }
}

// The job worker's threads run only on idle CPUs and are often the first to write; the
// writer serves every request's write, so it must not inherit their scheduling.
TEST(SqliteWriter, RunsAtTheStoreCreatorsPriorityWhoeverWritesFirst) {
  int creator_policy = ::sched_getscheduler(0);
  if (creator_policy == SCHED_IDLE) GTEST_SKIP() << "the test itself runs on idle CPUs only";
  parkd::testing::ScratchDir dir;
  {
    auto store = open_store("sqlite:///" + (dir / "sched.db").string(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE((*store)->migrate().ok());
    int writer_policy = -1;
    int background_policy = -1;
    std::thread background([&] {
      run_this_thread_only_when_cpus_are_idle();
      background_policy = ::sched_getscheduler(0);
      Status st = (*store)->write([&](Tx&) {
        writer_policy = ::sched_getscheduler(0);
        return ok_status();
      });
      EXPECT_TRUE(st.ok());
    });
    background.join();
    EXPECT_EQ(background_policy, SCHED_IDLE);
    EXPECT_EQ(writer_policy, creator_policy);
  }
}

std::int64_t jobs_of_type(Store& store, const std::string& type) {
  std::int64_t n = -1;
  Status st = store.read([&](Tx& tx) {
    n = 0;
    for (const auto& c : tx.job_counts()) {
      if (c.type == type) n += c.count;
    }
    return ok_status();
  });
  EXPECT_TRUE(st.ok());
  return n;
}

Store::Work enqueue(const std::string& type, bool then_fail = false) {
  return [type, then_fail](Tx& tx) -> Status {
    tx.enqueue_job(NewJob{type, "{}", std::nullopt, now(), 1, std::nullopt}, now());
    if (then_fail) return Error::conflict("refused", "this unit fails after its insert");
    return ok_status();
  };
}

class SqliteQueuedWrites : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open() {
    auto store = open_store("sqlite:///" + (dir_ / "queued.db").string(), StoreOptions{});
    EXPECT_TRUE(store.ok());
    EXPECT_TRUE((*store)->migrate().ok());
    return std::move(*store);
  }
  parkd::testing::ScratchDir dir_;
};

// A queued write's completion goes through its handoff, and only once the write is
// committed; a unit that fails is undone alone and its completion gets its error.
TEST_F(SqliteQueuedWrites, CompleteThroughTheirHandoffAfterTheCommit) {
  auto store = open();
  ASSERT_TRUE(store->queues_writes());
  std::mutex mutex;
  std::condition_variable handed_off;
  std::vector<std::function<void()>> tasks;
  Store::Handoff keep = [&](std::function<void()> task) {
    std::lock_guard lock(mutex);
    tasks.push_back(std::move(task));
    handed_off.notify_all();
  };
  std::optional<Status> good, bad;
  store->write_async(
      enqueue("kept"), [&](Status st) { good = std::move(st); }, keep);
  store->write_async(
      enqueue("undone", true), [&](Status st) { bad = std::move(st); }, keep);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(
        handed_off.wait_for(lock, std::chrono::seconds(10), [&] { return tasks.size() == 2; }));
  }
  EXPECT_FALSE(good.has_value()) << "completed on the writer thread, not through the handoff";
  EXPECT_EQ(jobs_of_type(*store, "kept"), 1) << "handed off before the commit";
  EXPECT_EQ(jobs_of_type(*store, "undone"), 0);
  for (auto& task : tasks) task();
  ASSERT_TRUE(good.has_value() && bad.has_value());
  EXPECT_TRUE(good->ok());
  ASSERT_FALSE(bad->ok());
  EXPECT_EQ(bad->error().code, "refused");
}

// Closing the store finishes what was queued: nothing acknowledged is lost, nothing
// queued is left without an answer.
TEST_F(SqliteQueuedWrites, AreAllCommittedAndAnsweredWhenTheStoreCloses) {
  constexpr int kWrites = 200;
  std::atomic<int> answered{0};
  std::atomic<int> succeeded{0};
  {
    auto store = open();
    for (int i = 0; i < kWrites; ++i) {
      store->write_async(enqueue("drained"),
                         [&](Status st) {
                           answered.fetch_add(1);
                           if (st.ok()) succeeded.fetch_add(1);
                         },
                         {});
    }
  }
  EXPECT_EQ(answered.load(), kWrites);
  EXPECT_EQ(succeeded.load(), kWrites);
  auto reopened = open();
  EXPECT_EQ(jobs_of_type(*reopened, "drained"), kWrites);
}

// A request's token check and its answer read one snapshot (Store::share_reads): what
// another thread commits in between is not half seen, what this thread writes is.
TEST_F(SqliteQueuedWrites, ReadsSharingASnapshotDoNotSeeOtherThreadsCommitsInBetween) {
  auto store = open();
  std::int64_t before = -1, during = -1;
  store->share_reads([&] {
    before = jobs_of_type(*store, "elsewhere");
    std::thread other([&] { EXPECT_TRUE(store->write(enqueue("elsewhere")).ok()); });
    other.join();
    during = jobs_of_type(*store, "elsewhere");
  });
  EXPECT_EQ(before, 0);
  EXPECT_EQ(during, 0) << "the second read of one request saw a newer snapshot";
  EXPECT_EQ(jobs_of_type(*store, "elsewhere"), 1) << "the snapshot outlived share_reads";
}

TEST_F(SqliteQueuedWrites, AWriteOnTheSameThreadEndsTheSharedSnapshot) {
  auto store = open();
  std::int64_t before = -1, after = -1;
  store->share_reads([&] {
    before = jobs_of_type(*store, "mine");
    EXPECT_TRUE(store->write(enqueue("mine")).ok());
    after = jobs_of_type(*store, "mine");
  });
  EXPECT_EQ(before, 0);
  EXPECT_EQ(after, 1) << "a read after this thread's own write did not see it";
}

// The connection goes back to the pool out of its transaction even when the body
// throws: the next read on it would otherwise fail to BEGIN, or read a stale snapshot.
TEST_F(SqliteQueuedWrites, ASharedSnapshotEndsWhenTheBodyThrows) {
  auto store = open();
  EXPECT_THROW(store->share_reads([&] {
    EXPECT_EQ(jobs_of_type(*store, "later"), 0);
    throw std::runtime_error("handler failed");
  }),
               std::runtime_error);
  EXPECT_TRUE(store->write(enqueue("later")).ok());
  EXPECT_EQ(jobs_of_type(*store, "later"), 1);
}

}  // namespace
}  // namespace parkd
