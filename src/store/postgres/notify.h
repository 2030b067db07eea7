#pragma once
// Signals: the PostgreSQL store's LISTEN/NOTIFY side, shared by every parkd process on
// one database. A write transaction marks what it changed (queued jobs, the numbers a
// lot list shows); once it has committed, this process is told at once and the others
// through a NOTIFY that a thread of its own sends, outside the transaction.
//
// Why not NOTIFY inside the transaction: PostgreSQL holds a database-wide lock from a
// notifying transaction's pre-commit until its commit record is flushed, so concurrent
// commits that notify cannot share an fsync. Measured on a durable cluster (2 cores,
// pgbench -c16, TPC-B-like with and without a pg_notify before END): 2 240 against
// 1 143 tps. A NOTIFY in a transaction of its own writes no WAL and holds that lock
// for microseconds; the notifying thread also merges what commits within 10 ms of its
// last NOTIFY into the next one.
//
// One listening connection per process receives the three channels: job workers wait
// on it (wait_for_jobs), kept lot lists compare lots_generation() and kept users
// (user_memo.h) users_generation(). News that cannot be
// sent is sent once the database answers again; a listener that reconnects counts as
// news of everything. Workers also poll, and a kept lot list lives under a minute.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace parkd::pg {

// What a committed transaction changed; a bit set.
enum Signal : unsigned {
  kJobsSignal = 1,   // a job became runnable
  kLotsSignal = 2,   // a lot, a spot or a booking changed: lot lists are stale
  kUsersSignal = 4,  // a user changed (token version, password, role, ...): kept users are stale
};

class Signals {
 public:
  explicit Signals(std::string url) : url_(std::move(url)) {}
  // Sends what is still pending, then stops both threads.
  ~Signals();
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  // A transaction that marked `bits` has committed.
  void committed(unsigned bits);

  // True when a job was signalled (by this process or another) since this thread last
  // asked, at once if one was; false after `timeout` without one.
  bool wait_for_jobs(std::chrono::milliseconds timeout);

  // Changes whenever something a lot list shows may have changed, here or in another
  // process; nullopt while this process is not listening (then nothing may be cached).
  std::optional<std::uint64_t> lots_generation();
  // The same for users (UserMemo).
  std::optional<std::uint64_t> users_generation();

 private:
  void start_listening();  // under mutex_
  std::optional<std::uint64_t> generation(const std::atomic<std::uint64_t>& counter);
  void moved(unsigned bits);  // bumps the generations of `bits`
  void listen_loop();
  void notify_loop();

  std::string url_;
  std::mutex mutex_;
  std::condition_variable jobs_cv_;
  std::condition_variable notify_cv_;
  bool stopping_ = false;
  std::uint64_t jobs_seq_ = 0;  // under mutex_
  unsigned pending_ = 0;        // bits for other processes, under mutex_
  std::atomic<std::uint64_t> lots_generation_{0};
  std::atomic<std::uint64_t> users_generation_{0};
  std::atomic<bool> listening_{false};
  int wake_fd_ = -1;  // an eventfd that ends the listener's poll
  std::thread listener_;
  std::thread notifier_;
};

}  // namespace parkd::pg
