// The SQLite store: one writer thread commits queued write units in groups (one fsync
// for many bookings), a pool of read connections answers reads beside it in WAL mode,
// and a checkpointer thread keeps the WAL short. The Tx methods (tx.h) are the SQL;
// this file is the concurrency around them.

#include "store/sqlite/sqlite_store.h"

#include "common/log.h"
#include "common/periodic.h"
#include "common/private_files.h"
#include "common/threads.h"
#include "store/bucketing.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/tx.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

namespace parkd {
namespace {

using sqlite::Connection;
using sqlite::ReadConnection;
using sqlite::SqliteTx;

// One thread's sleep until another wakes it. Not std::binary_semaphore: libstdc++'s
// spins with sched_yield before it sleeps, and dozens of callers spinning while they
// waited for a commit took a tenth of the CPU the writer needed.
class Parker {
 public:
  void park() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return woken_; });
    woken_ = false;
  }
  void unpark() {
    std::lock_guard lock(mutex_);
    woken_ = true;
    cv_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
};

// Copies the WAL back into the database file mostly on a thread and connection of its
// own. SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1000
// pages, so the writer (the one serial step) stalled for a whole copy every few hundred
// batches. The writer's WAL hook (which replaces the automatic checkpoint) asks this
// thread instead; its PASSIVE checkpoint blocks neither readers nor the writer.
// But the WAL only starts over from its beginning when a write begins with every frame
// copied, which a checkpoint racing the writer never achieves (the WAL grew to 1 GB in
// 20 s). So past twice the threshold the writer finishes the job itself right after its
// commit: by then little is left to copy.
// The threshold is four times SQLite's 1000 pages: a checkpoint copies each page once,
// however often the WAL holds it, and the tails of the tables and indexes are rewritten
// by every commit, so a longer WAL copies them far less often (+8-12 % book-release
// throughput, for a WAL of 16-32 MB).
class Checkpointer {
 public:
  static constexpr int kWalPages = 4000;

  Checkpointer(std::string path, bool durable)
      : path_(std::move(path)),
        durable_(durable),
        thread_({.thread_name = "parkd-ckpt", .first = Periodic::Next::when_poked()},
                [this](Periodic::Woken) {
                  checkpoint();
                  return Periodic::Next::when_poked();
                }) {}
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs the hook on the writer's connection.
  void watch(Connection& writer) {
    sqlite3_wal_hook(writer.handle(), &Checkpointer::on_commit, this);
  }

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int wal_pages) {
    if (wal_pages >= 2 * kWalPages) {
      // BUSY: the thread is copying right now; the next commit tries again.
      sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (wal_pages >= kWalPages) {
      static_cast<Checkpointer*>(self)->thread_.poke();
    }
    return SQLITE_OK;
  }

  // One PASSIVE copy, on the thread's own connection.
  void checkpoint() {
    try {
      if (!conn_) conn_ = std::make_unique<Connection>(path_, durable_);
      int rc = sqlite3_wal_checkpoint_v2(conn_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                         nullptr, nullptr);
      // BUSY: another process is checkpointing; the next commit asks again.
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        failures_.failed(sqlite3_errmsg(conn_->handle()));
      } else if (rc == SQLITE_OK) {
        failures_.succeeded();
      }
    } catch (const StoreError& e) {
      failures_.failed(e.what());
    }
  }

  FailureLog failures_{"database: WAL checkpoint failing"};
  std::string path_;
  bool durable_;
  std::unique_ptr<Connection> conn_;  // the thread's own, opened at its first copy
  // Last: stopped before the connection closes. Stopping skips a copy asked for: closing
  // the last connection checkpoints anyway.
  Periodic thread_;
};

// The connection of the write batch running on this thread, so that a unit of work that
// itself calls write() nests (in a savepoint) instead of waiting for itself.
thread_local Connection* t_batch_connection = nullptr;

class SqliteStore;

// The open snapshot of a share_reads() body on this thread.
struct SharedRead {
  const SqliteStore* store;
  std::unique_ptr<ReadConnection> conn;  // taken from the pool at the first read
  bool in_transaction = false;
};
thread_local SharedRead* t_shared_read = nullptr;

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, bool durable) : path_(std::move(path)), durable_(durable) {
    start_writer();
  }
  ~SqliteStore() override { stop_writer(); }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Group commit: callers queue their units of work for one writer thread, which runs
  // everything queued in ONE transaction (each unit inside its own savepoint, so one
  // unit's failure does not touch the others), commits once (one fsync for the batch),
  // and only then answers the callers. So every acknowledged write is durable, at a
  // fraction of the fsyncs. The writer takes the next batch as soon as it has
  // committed: when callers took turns leading, the database sat idle for a quarter of
  // the time while the next leader was being woken.
  Status write(const Work& work) override {
    if (t_batch_connection != nullptr) return run_nested(*t_batch_connection, work);
    if (t_shared_read != nullptr && t_shared_read->store == this) end_snapshot(*t_shared_read);
    thread_local Parker answered;
    PendingWrite me{&work, Error::internal(), &answered, {}, {}, {}, {}, {}};
    me.request.id = current_request_id();  // the caller's scope outlives its wait
    enqueue(&me);
    answered.park();  // the writer's unpark happens-before: me.result is complete
    // This caller's share of waking the batch (see write_loop). Those it wakes are
    // still parked, so their PendingWrites exist until then.
    for (PendingWrite* next : me.wake_next) {
      if (next != nullptr) next->answered->unpark();
    }
    return std::move(me.result);
  }

  // The same queue and batches as write(); the caller's thread goes on at once.
  void write_async(Work work, WriteDone done, const Handoff& handoff) override {
    auto pending = std::make_unique<PendingWrite>(PendingWrite{
        nullptr, Error::internal(), nullptr, {}, std::move(work), std::move(done), handoff, {}});
    pending->work = &pending->owned_work;
    // Copied: the caller's scope may end before the writer runs the unit.
    pending->request.owned = current_request_id();
    pending->request.id = pending->request.owned;
    enqueue(pending.release());  // the writer owns it from here
  }
  bool queues_writes() const override { return true; }

  Status read(const Work& work) override {
    if (t_shared_read == nullptr || t_shared_read->store != this) {
      Status result = ok_status();
      share_reads([&] { result = read(work); });  // a snapshot of its own, ended at once
      return result;
    }
    SharedRead& shared = *t_shared_read;
    try {
      if (!shared.conn) shared.conn = acquire();
      if (!shared.in_transaction) {
        shared.conn->prepare("BEGIN").run();
        shared.in_transaction = true;
      }
    } catch (const StoreError& e) {
      spdlog::error("database: {}", e.what());
      return Error::internal();
    }
    return run_unit(*shared.conn, work, &shared.conn->lot_list);
  }

  void share_reads(const std::function<void()>& body) override {
    if (t_shared_read != nullptr && t_shared_read->store == this) return body();  // goes on
    SharedRead shared{this, nullptr, false};
    SharedRead* outer = t_shared_read;  // another store's, if any
    t_shared_read = &shared;
    // Also when `body` throws: the connection goes back to the pool, out of its snapshot.
    struct End {
      SqliteStore& store;
      SharedRead& shared;
      SharedRead* outer;
      ~End() {
        t_shared_read = outer;
        store.end_snapshot(shared);
        if (shared.conn) store.release(std::move(shared.conn));
      }
    } end{*this, shared, outer};
    body();
  }

  Status migrate() override {
    try {
      // A directory that cannot be made shows up as the open's error just below.
      auto parent = std::filesystem::path(path_).parent_path();
      if (!parent.empty()) (void)create_private_directories(parent);
      auto conn = acquire();
      conn->exec("PRAGMA query_only = OFF");
      conn->exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
      for (const auto& m : sqlite::migrations()) {
        conn->exec("BEGIN IMMEDIATE");
        try {
          auto s = conn->prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
          s.bind(1, m.version);
          bool applied = s.step();
          if (!applied) {
            conn->exec(std::string(m.sql));
            if (m.edits_schema_text) {
              auto version = conn->prepare("PRAGMA schema_version");
              version.step();
              conn->exec(fmt::format("PRAGMA schema_version = {}", version.int64(0) + 1));
            }
            conn->prepare(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)")
                .bind_all(m.version, std::string(m.name), now())
                .run();
            spdlog::info("database: applied migration {} ({})", m.version, m.name);
          }
          conn->exec("COMMIT");
        } catch (...) {
          conn->exec("ROLLBACK");
          throw;
        }
      }
      conn->exec("PRAGMA query_only = ON");
      release(std::move(conn));
      return ok_status();
    } catch (const StoreError& e) {
      return Error::internal(fmt::format("migration failed: {}", e.what()));
    }
  }

  Status reset() override {
    stop_writer();  // and with it the writer's connection to the files deleted here
    Status outcome = ok_status();
    try {
      std::lock_guard lock(pool_mutex_);
      open_ -= static_cast<int>(pool_.size());
      pool_.clear();
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
    } catch (const std::exception& e) {
      outcome = Error::internal(fmt::format("reset failed: {}", e.what()));
    }
    start_writer();
    return outcome;
  }

  Status ping() override {
    return read([](Tx& tx) {
      tx.count_lots();
      return ok_status();
    });
  }

  std::string kind() const override { return "sqlite"; }
  bool reads_in_process() const override { return true; }

 private:
  // A full or failing disk fails every commit: one line says so, not one per request.
  FailureLog write_failures_{"database: writes are failing"};

  static void end_read(Connection& conn) {
    try {
      conn.prepare("COMMIT").run();  // a read transaction: this only ends the snapshot
    } catch (const StoreError&) {
      rollback_quietly(conn);
    }
  }

  static void end_snapshot(SharedRead& shared) {
    if (!shared.in_transaction) return;
    shared.in_transaction = false;
    end_read(*shared.conn);
  }

  static void rollback_quietly(Connection& conn) {
    if (!sqlite3_get_autocommit(conn.handle()))
      sqlite3_exec(conn.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  struct PendingWrite {
    const Work* work;
    Status result;
    Parker* answered;                        // the waiting thread's own; null for write_async
    std::array<PendingWrite*, 2> wake_next;  // woken by this caller once it is woken
    Work owned_work;                         // write_async's (which owns the PendingWrite)
    WriteDone done;
    Handoff handoff;
    struct {
      std::string_view id;  // of the caller's request (empty: none), for the log
      std::string owned;    // write_async's copy, which `id` views
    } request;
  };

  void enqueue(PendingWrite* pending) {
    bool wake_writer = false;
    {
      std::lock_guard lock(queue_mutex_);
      queue_.push_back(pending);
      wake_writer = writer_idle_;
      writer_idle_ = false;
    }
    if (wake_writer) work_cv_.notify_one();
  }

  // Started by the thread that makes the store, never by the first caller of write():
  // a thread inherits its creator's scheduling, and the job worker's threads run only
  // on idle CPUs, so a writer started by the worker's first claim (then at nice 10) got
  // a tenth of a busy CPU, stalling every request's write behind the HTTP threads.
  void start_writer() {
    std::lock_guard lock(queue_mutex_);
    writer_ = std::thread([this] {
      name_this_thread("parkd-writer");
      write_loop();
    });
  }

  // REQUIRES: no write in progress.
  void stop_writer() {
    {
      std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    work_cv_.notify_one();
    if (writer_.joinable()) writer_.join();
    std::lock_guard lock(queue_mutex_);
    writer_ = std::thread();
    writer_idle_ = true;
    stopping_ = false;
  }

  // Not a Periodic: it sleeps on its queue and takes every write queued, not one step.
  void write_loop() {
    Checkpointer checkpointer(path_, durable_);  // lives as long as the writer
    std::unique_ptr<Connection> conn;
    std::vector<PendingWrite*> batch;
    for (;;) {
      {
        std::unique_lock lock(queue_mutex_);
        if (queue_.empty()) {
          writer_idle_ = true;
          work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) return;
        }
        batch.assign(queue_.begin(), queue_.end());
        queue_.clear();
      }
      {
        // A batch of one: a failure to begin or commit it is that request's.
        RequestLogScope scope(batch.size() == 1 ? batch.front()->request.id : std::string_view());
        run_batch(batch, conn, checkpointer);
      }
      answer(batch);
    }
  }

  // After the commit: waiting callers are woken, queued ones get their completion.
  static void answer(std::vector<PendingWrite*>& batch) {
    // Split first: a woken caller's PendingWrite may vanish at once.
    auto queued = std::partition(batch.begin(), batch.end(),
                                 [](const PendingWrite* p) { return p->answered; });
    std::vector<std::unique_ptr<PendingWrite>> owned;
    owned.reserve(static_cast<std::size_t>(batch.end() - queued));
    for (auto it = queued; it != batch.end(); ++it) owned.emplace_back(*it);
    batch.erase(queued, batch.end());
    wake_as_a_tree(batch);
    for (auto& p : owned) {
      try {
        // The completion logs for the caller's request, on whichever thread runs it.
        auto complete = [done = std::move(p->done), result = std::move(p->result),
                         request_id = std::move(p->request.owned)]() mutable {
          RequestLogScope scope(request_id);
          done(std::move(result));
        };
        if (p->handoff) {
          p->handoff(std::move(complete));
        } else {
          complete();
        }
      } catch (const std::exception& e) {
        spdlog::error("database: a write's completion failed: {}", e.what());
      }
    }
  }

  // The writer is the one serial step, and each wake-up is a system call (10–40 µs on
  // the VMs measured): waking a batch of 20 one by one took a fifth of its time. So the
  // writer wakes only the first caller; caller i wakes callers 2i+1 and 2i+2, and the
  // writer starts on the next batch at once. A caller may return (and its PendingWrite
  // vanish) as soon as it is woken, so every link is set before the first wake-up.
  static void wake_as_a_tree(const std::vector<PendingWrite*>& batch) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      for (std::size_t k = 0; k < 2; ++k) {
        std::size_t child = 2 * i + 1 + k;
        batch[i]->wake_next[k] = child < batch.size() ? batch[child] : nullptr;
      }
    }
    if (!batch.empty()) batch.front()->answered->unpark();
  }

  // `conn` is the writer's own, opened on first use: a connection that only ever
  // writes keeps its page cache, where pooled ones re-read what others changed.
  void run_batch(const std::vector<PendingWrite*>& batch, std::unique_ptr<Connection>& conn,
                 Checkpointer& checkpointer) {
    try {
      if (!conn) {
        conn = std::make_unique<Connection>(path_, durable_);
        checkpointer.watch(*conn);
      }
      for (int attempt = 1;; ++attempt) {
        try {
          conn->prepare("BEGIN IMMEDIATE").run();
          break;
        } catch (const StoreError& e) {
          if (e.kind() != StoreFailure::busy || attempt >= RetryPolicy::kBusyAttempts) throw;
        }
      }
    } catch (const StoreError& e) {
      write_failures_.failed(std::string("cannot start a transaction: ") + e.what());
      for (auto* p : batch) p->result = Error::internal("The database is busy; try again");
      return;
    }
    t_batch_connection = conn.get();
    bool single = batch.size() == 1;
    for (auto* p : batch) {
      // What the unit logs, and the jobs it queues, name the request whose write it is.
      RequestLogScope scope(p->request.id);
      p->result = single ? run_unit(*conn, *p->work) : run_nested(*conn, *p->work);
    }
    t_batch_connection = nullptr;
    try {
      if (single && !batch.front()->result.ok()) {
        rollback_quietly(*conn);
      } else {
        conn->prepare("COMMIT").run();
        write_failures_.succeeded();
      }
    } catch (const StoreError& e) {
      write_failures_.failed(std::string("commit failed: ") + e.what());
      rollback_quietly(*conn);
      for (auto* p : batch) {
        if (p->result.ok()) p->result = Error::internal();
      }
    }
  }

  // One unit of work on an open transaction; exceptions become internal errors.
  static Status run_unit(Connection& conn, const Work& work, LotListMemo* lot_list = nullptr) {
    try {
      SqliteTx tx(conn, lot_list);
      return work(tx);
    } catch (const StoreError& e) {
      spdlog::error("database: {}", e.what());
      return Error::internal();
    } catch (const std::exception& e) {
      spdlog::error("unexpected error in a transaction: {}", e.what());
      return Error::internal();
    }
  }

  // A unit inside a savepoint: its writes are undone alone when it fails.
  static Status run_nested(Connection& conn, const Work& work) {
    try {
      conn.prepare("SAVEPOINT unit").run();
    } catch (const StoreError& e) {
      spdlog::error("database: {}", e.what());
      return Error::internal();
    }
    Status result = run_unit(conn, work);
    try {
      if (!result.ok()) conn.prepare("ROLLBACK TO unit").run();
      conn.prepare("RELEASE unit").run();
    } catch (const StoreError& e) {
      spdlog::error("database: {}", e.what());
      return Error::internal();
    }
    return result;
  }

  PoolUsage pool_usage() override {
    std::lock_guard lock(pool_mutex_);
    return {open_ - static_cast<int>(pool_.size()), open_};
  }

  std::unique_ptr<ReadConnection> acquire() {
    {
      std::lock_guard lock(pool_mutex_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<ReadConnection>(path_, durable_);
    // Reads only, as on PostgreSQL (READ ONLY): a write in read() would commit beside the
    // writer, outside the one-writer order that allocation relies on. migrate() lifts it.
    c->exec("PRAGMA query_only = ON");
    std::lock_guard lock(pool_mutex_);
    ++open_;
    return c;
  }

  void release(std::unique_ptr<ReadConnection> conn) {
    std::lock_guard lock(pool_mutex_);
    pool_.push_back(std::move(conn));
  }

  std::string path_;
  bool durable_ = true;
  std::mutex queue_mutex_;
  std::condition_variable work_cv_;
  std::deque<PendingWrite*> queue_;
  bool writer_idle_ = true;  // waiting on work_cv_ (or not started): needs a notify
  bool stopping_ = false;
  std::thread writer_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<ReadConnection>> pool_;
  int open_ = 0;  // connections made, idle in pool_ or handed out
};

}  // namespace

Status copy_sqlite_database(const std::string& from, const std::string& to) {
  try {
    Connection conn(from);
    conn.prepare("VACUUM INTO ?1").bind(1, to).run();
    return ok_status();
  } catch (const StoreError& e) {
    return Error::internal(fmt::format("cannot copy the database: {}", e.what()));
  }
}

std::unique_ptr<Store> make_sqlite_store(const std::string& path, bool durable_commits) {
  return std::make_unique<SqliteStore>(path, durable_commits);
}

}  // namespace parkd
