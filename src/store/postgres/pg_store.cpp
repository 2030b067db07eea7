// The PostgreSQL store: a pool of connections, each unit of work one transaction that
// is rerun when it loses a race (serialization failure, deadlock, exclusion or unique
// violation); what a commit tells other processes is in notify.cpp. The Tx methods (tx.h)
// are the SQL; `parkd db copy` is in copy.cpp.

#include "store/postgres/pg_store.h"

#include "store/postgres/connection.h"
#include "store/postgres/migrations.h"
#include "store/postgres/notify.h"
#include "store/postgres/tx.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

namespace parkd {
namespace {

using pg::Connection;
using pg::PgTx;

// Conflicts (a concurrent booking took the spot, a concurrent register took the email)
// are resolved by rerunning the unit (RetryPolicy in store.h).
constexpr int kMaxAttempts = RetryPolicy::kConflictAttempts;
constexpr int kMaxReconnects = RetryPolicy::kReconnects;
// Session advisory lock (two-int key space, apart from the idempotency locks) that
// serialises migrate() across processes starting at once.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7170, 1)";

void backoff(int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  int cap = std::min(50, 1 << std::min(attempt, 6));
  std::uniform_int_distribution<int> ms(1, cap);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
}

Error unavailable() {
  return Error::of(ErrorKind::unavailable, "unavailable", "The database is unavailable");
}

class PgStore;

// A pooled connection, with the lot list its reads keep between transactions.
struct Pooled final : Connection {
  using Connection::Connection;
  LotListMemo lot_list;
};

// The write transaction running on this thread, so that a unit of work that itself
// calls write() nests (in a savepoint) instead of waiting for a second connection.
struct CurrentWrite {
  const PgStore* store = nullptr;
  Connection* conn = nullptr;
};
thread_local CurrentWrite t_write;
// Connections this thread holds; a thread that holds one may open another beyond the
// pool's limit rather than wait for itself.
thread_local int t_held = 0;

class PgStore final : public Store {
 public:
  PgStore(std::string url, int max_connections)
      : url_(std::move(url)), max_(std::max(1, max_connections)), signals_(url_) {}

  Status write(const Work& work) override {
    if (t_write.store == this) return run_nested(*t_write.conn, work);
    int reconnects = 0;
    for (int attempt = 1;; ++attempt) {
      Attempt a = write_once(work);
      if (a.outcome == Outcome::done) return std::move(a.result);
      if (a.outcome == Outcome::conflict) {
        if (attempt < kMaxAttempts) {
          backoff(attempt);
          continue;
        }
        spdlog::error("database: gave up after {} conflicting attempts", attempt);
        return Error::internal("The database is busy; try again");
      }
      if (++reconnects > kMaxReconnects) return unavailable();
    }
  }

  Status read(const Work& work) override { return read_unit(work, true); }
  Status read_single(const Work& work) override { return read_unit(work, false); }

  Status migrate() override {
    try {
      // A connection of its own: the session lock must outlive the transactions.
      Connection conn(url_);
      conn.exec(kMigrationLock);
      conn.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
          "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      for (const auto& m : pg::migrations()) {
        conn.exec("BEGIN");
        try {
          if (conn.query("SELECT 1 FROM schema_migrations WHERE version = $1", m.version).empty()) {
            conn.exec(std::string(m.sql));
            conn.query(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES ($1, $2, $3)",
                m.version, std::string(m.name), now());
            spdlog::info("database: applied migration {} ({})", m.version, m.name);
          }
          conn.exec("COMMIT");
        } catch (...) {
          end_quietly(conn, "ROLLBACK");
          throw;
        }
      }
      return ok_status();  // closing the connection releases the lock
    } catch (const StoreError& e) {
      return Error::internal(fmt::format("migration failed: {}", e.what()));
    }
  }

  Status reset() override {
    try {
      std::string sql = "DROP TABLE IF EXISTS ";
      for (auto t : pg::tables()) sql += std::string(t) + ", ";
      sql.resize(sql.size() - 2);
      Connection conn(url_);
      conn.exec(sql + " CASCADE");
      discard_idle();
      return ok_status();
    } catch (const StoreError& e) {
      return Error::internal(fmt::format("reset failed: {}", e.what()));
    }
  }

  Status ping() override {
    for (int reconnects = 0;; ++reconnects) {
      Lease lease(*this);
      if (!lease.open()) return lease.error();
      try {
        lease.conn().query("SELECT 1");
        return ok_status();
      } catch (const pg::Error& e) {
        if (e.connection_lost()) lease.discard();
        if (e.connection_lost() && reconnects < kMaxReconnects) continue;
        spdlog::error("database: {}", e.what());
        return unavailable();
      }
    }
  }

  std::string kind() const override { return "postgresql"; }

  bool signals_jobs() const override { return true; }

  bool wait_for_job_signal(std::chrono::milliseconds timeout) override {
    return signals_.wait_for_jobs(timeout);
  }

  std::optional<std::uint64_t> lots_generation() override { return signals_.lots_generation(); }

 private:
  // A read unit; `snapshot`: inside a read-only transaction (begun with the first
  // statement), else each statement on its own.
  Status read_unit(const Work& work, bool snapshot) {
    for (int reconnects = 0;; ++reconnects) {
      Lease lease(*this);
      if (!lease.open()) return unavailable();
      Pooled& conn = lease.conn();
      // Taken before the snapshot: a lot list kept at this version is at least as new.
      std::optional<std::uint64_t> version = signals_.lots_generation();
      std::optional<std::uint64_t> users_version = signals_.users_generation();
      // Sent with the first statement: a read answered from what the connection keeps
      // (the lot list) costs no round trip.
      if (snapshot) conn.begin_lazily("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      Status result = ok_status();
      try {
        PgTx tx(conn, false, version ? &conn.lot_list : nullptr, version.value_or(0));
        if (users_version) tx.keep_users(&users_, *users_version);
        result = work(tx);
      } catch (const pg::Error& e) {
        if (e.connection_lost()) {
          // Typically a pooled connection the server dropped (restart). When even the
          // BEGIN (or the one statement) failed, nothing of the unit ran: try it on a
          // new connection.
          bool nothing_ran = !snapshot || conn.lazy_begin_pending();
          lease.discard();
          if (nothing_ran && reconnects < kMaxReconnects) continue;
          spdlog::error("database: {}", e.what());
          return unavailable();
        }
        spdlog::error("database: {}", e.what());
        result = Error::internal();
      } catch (const std::exception& e) {
        spdlog::error("database: {}", e.what());
        result = Error::internal();
      }
      conn.cancel_lazy_begin();
      end_quietly(conn, "COMMIT");  // read only: this just ends the snapshot, if one began
      return result;
    }
  }

  enum class Outcome { done, conflict, connection_lost };
  struct Attempt {
    Outcome outcome;
    Status result;
  };

  // A pooled connection for one transaction; back to the pool when it ends.
  class Lease {
   public:
    explicit Lease(PgStore& store) : store_(store) {
      try {
        conn_ = store_.acquire();
      } catch (const pg::Error& e) {
        spdlog::error("database: {}", e.what());
        error_ = e.what();
      }
    }
    ~Lease() {
      if (conn_) store_.release(std::move(conn_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    bool open() const { return conn_ != nullptr; }
    Error error() const { return Error::of(ErrorKind::unavailable, "unavailable", error_); }
    Pooled& conn() { return *conn_; }
    // The connection broke: close it, and every idle one (they share its fate when the
    // server restarted), instead of pooling it.
    void discard() {
      conn_.reset();
      --t_held;
      store_.forget_one();
      store_.discard_idle();
    }

   private:
    PgStore& store_;
    std::unique_ptr<Pooled> conn_;
    std::string error_;
  };

  Attempt write_once(const Work& work) {
    Lease lease(*this);
    if (!lease.open()) return {Outcome::done, unavailable()};
    Connection& conn = lease.conn();
    conn.clear_failure();
    conn.take_marks();  // left by an attempt that did not commit
    bool committing = false;
    try {
      // Explicit: a server whose default is stricter would only add retries. Sent with
      // the first statement, in the same round trip.
      conn.begin_lazily("BEGIN ISOLATION LEVEL READ COMMITTED");
      Status result = ok_status();
      {
        t_write = {this, &conn};
        struct Clear {
          ~Clear() { t_write = {}; }
        } clear;
        PgTx tx(conn, true);
        result = work(tx);
      }
      // A unit that caught a conflict must still be rerun: the transaction is aborted.
      if (pg::is_conflict(conn.failed_state())) {
        end_quietly(conn, "ROLLBACK");
        return {Outcome::conflict, ok_status()};
      }
      if (!result.ok()) {
        end_quietly(conn, "ROLLBACK");
        return {Outcome::done, std::move(result)};
      }
      committing = true;
      if (conn.lazy_begin_pending() && !conn.has_deferred()) {
        conn.cancel_lazy_begin();  // the unit ran no statement: no transaction to end
      } else {
        conn.exec("COMMIT");  // with the deferred writes, in one round trip
      }
      signals_.committed(conn.take_marks());
      return {Outcome::done, std::move(result)};
    } catch (const pg::Error& e) {
      if (e.connection_lost()) {
        lease.discard();
        // A COMMIT that got no answer may or may not have committed: no rerun.
        if (committing) {
          spdlog::error("database: connection lost during COMMIT: {}", e.what());
          return {Outcome::done, unavailable()};
        }
        spdlog::warn("database: {}; retrying on a new connection", e.what());
        return {Outcome::connection_lost, unavailable()};
      }
      end_quietly(conn, "ROLLBACK");
      if (e.conflict()) {
        spdlog::debug("database: conflict, rerunning the unit: {}", e.what());
        return {Outcome::conflict, ok_status()};
      }
      spdlog::error("database: {}", e.what());
      return {Outcome::done, Error::internal()};
    } catch (const std::exception& e) {
      spdlog::error("unexpected error in a transaction: {}", e.what());
      end_quietly(conn, "ROLLBACK");
      if (pg::is_conflict(conn.failed_state())) return {Outcome::conflict, ok_status()};
      return {Outcome::done, Error::internal()};
    }
  }

  // A unit inside the running write transaction, in a savepoint: its writes are undone
  // alone when it fails. A conflict or a lost connection aborts the whole transaction,
  // so it propagates and the outer unit is rerun.
  static Status run_nested(Connection& conn, const Work& work) {
    try {
      conn.exec("SAVEPOINT unit");
      PgTx tx(conn, true);
      Status result = work(tx);
      if (!result.ok()) {
        conn.discard_deferred();
        conn.exec("ROLLBACK TO SAVEPOINT unit");
      }
      conn.exec("RELEASE SAVEPOINT unit");
      return result;
    } catch (const pg::Error& e) {
      if (e.conflict() || e.connection_lost()) throw;
      spdlog::error("database: {}", e.what());
      end_quietly(conn, "ROLLBACK TO SAVEPOINT unit; RELEASE SAVEPOINT unit");
      return Error::internal();
    } catch (const std::exception& e) {
      spdlog::error("unexpected error in a transaction: {}", e.what());
      end_quietly(conn, "ROLLBACK TO SAVEPOINT unit; RELEASE SAVEPOINT unit");
      return Error::internal();
    }
  }

  static void end_quietly(Connection& conn, const char* sql) {
    conn.discard_deferred();
    if (!conn.usable() || conn.idle()) return;
    PGresult* r = PQexec(conn.handle(), sql);
    PQclear(r);
  }

  PoolUsage pool_usage() override {
    std::lock_guard lock(pool_mutex_);
    return {open_ - static_cast<int>(idle_.size()), open_};
  }

  // Blocks while the pool is exhausted (unless this thread already holds a connection).
  std::unique_ptr<Pooled> acquire() {
    std::unique_lock lock(pool_mutex_);
    pool_cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_ || t_held > 0; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      ++t_held;
      return c;
    }
    ++open_;
    lock.unlock();
    try {
      auto c = std::make_unique<Pooled>(url_);
      ++t_held;
      return c;
    } catch (...) {
      forget_one();
      throw;
    }
  }

  void release(std::unique_ptr<Pooled> conn) {
    --t_held;
    conn->cancel_lazy_begin();  // of a unit that ran no statement
    if (!conn->usable() || !conn->idle()) {
      conn.reset();
      forget_one();
      return;
    }
    std::lock_guard lock(pool_mutex_);
    idle_.push_back(std::move(conn));
    pool_cv_.notify_one();
  }

  // One open connection fewer (closed, or never opened).
  void forget_one() {
    std::lock_guard lock(pool_mutex_);
    --open_;
    pool_cv_.notify_one();
  }

  void discard_idle() {
    std::vector<std::unique_ptr<Pooled>> dropped;
    std::lock_guard lock(pool_mutex_);
    open_ -= static_cast<int>(idle_.size());
    dropped.swap(idle_);
    pool_cv_.notify_all();
  }

  std::string url_;
  int max_;
  std::mutex pool_mutex_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Pooled>> idle_;
  int open_ = 0;         // idle + in use
  pg::UserMemo users_;   // for every read's token check, across connections
  pg::Signals signals_;  // declared last: its threads stop before the pool goes
};

}  // namespace

std::unique_ptr<Store> make_postgres_store(const std::string& url, const StoreOptions& options) {
  return std::make_unique<PgStore>(url, options.max_connections);
}

}  // namespace parkd
