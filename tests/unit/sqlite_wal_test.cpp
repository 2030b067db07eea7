// The SQLite store's WAL under sustained writes: copied back into the database file
// while parkd runs, and kept bounded (a checkpoint that races the writer never lets the
// WAL start over, and it grew by 50 MB/s in the benchmark before the writer finished
// the job itself).

#include "common/threads.h"
#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace parkd {
namespace {

namespace fs = std::filesystem;

TEST(SqliteWal, StaysBoundedAndReachesTheDatabaseFileUnderSustainedWrites) {
  fs::path dir = fs::temp_directory_path() / ("parkd-wal-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
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
    // About twice the checkpoint threshold of 4 000 pages, plus the commit that crossed it.
    EXPECT_LT(largest_wal, 40u * 1024 * 1024) << "the WAL grew without bound";
  }
  fs::remove_all(dir);
}

int this_thread_nice() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

// The job worker lowers its threads' priority and is often the first to write; the
// writer serves every request's write, so it must not inherit that priority.
TEST(SqliteWriter, RunsAtTheStoreCreatorsPriorityWhoeverWritesFirst) {
  int creator_nice = this_thread_nice();
  if (creator_nice > 14) GTEST_SKIP() << "already at nice " << creator_nice;
  fs::path dir = fs::temp_directory_path() / ("parkd-nice-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    auto store = open_store("sqlite:///" + (dir / "nice.db").string(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE((*store)->migrate().ok());
    int writer_nice = -100;
    std::thread background([&] {
      lower_this_thread_priority(5);
      Status st = (*store)->write([&](Tx&) {
        writer_nice = this_thread_nice();
        return ok_status();
      });
      EXPECT_TRUE(st.ok());
    });
    background.join();
    EXPECT_EQ(writer_nice, creator_nice);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace parkd
