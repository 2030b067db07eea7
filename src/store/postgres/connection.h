#pragma once
// A thin, checked layer over libpq: one Connection per thread at a time, each SQL text
// prepared once per connection (a named server-side statement) and executed with
// text-format parameters after that. Every failure throws pg::Error with the server's
// SQLSTATE, so that callers can tell a retryable conflict from a real failure.
// Error messages never contain the connection URL (it may hold a password).

#include "store/store.h"

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parkd::pg {

// A conflict with a concurrent transaction (serialization failure, deadlock, exclusion
// or unique violation): rerunning the whole unit may succeed.
bool is_conflict(const std::string& sqlstate);
// The session is gone (network, server restart, admin shutdown); empty counts as gone.
bool is_connection_lost(const std::string& sqlstate);

// What a SQLSTATE means for the caller: conflict, connection_lost, constraint (class 23
// but the conflicts above) or other.
StoreFailure failure_of(const std::string& sqlstate);

// The statement with SQLite's numbered parameters (?1, ?2, ...) as PostgreSQL's ($1,
// $2, ...), so that store/statements.h serves both; a ? inside a '...' literal stays.
std::string numbered_parameters(std::string_view sql);

class Error : public StoreError {
 public:
  Error(const std::string& message, std::string sqlstate)
      : StoreError(message, failure_of(sqlstate)), sqlstate_(std::move(sqlstate)) {}
  // Five characters ("23505"), or empty when the failure was not the server's answer
  // (the connection broke, libpq ran out of memory).
  const std::string& sqlstate() const { return sqlstate_; }
  bool conflict() const { return kind() == StoreFailure::conflict; }
  bool connection_lost() const { return kind() == StoreFailure::connection_lost; }

 private:
  std::string sqlstate_;
};

// Positional parameters $1, $2, ... in text format, each with the type of the C++ value
// it came from, so that `$2 IS NULL OR id <> $2` needs no cast in the SQL.
class Params {
 public:
  void add(std::int64_t value);
  void add(int value) { add(static_cast<std::int64_t>(value)); }
  void add(std::string_view value);
  void add(const std::string& value) { add(std::string_view(value)); }
  void add(const char* value) { add(std::string_view(value)); }
  void add(Timestamp value) { add(to_unix(value)); }  // unix seconds, as stored
  void add(std::nullopt_t) { add_null(0); }           // type left to the server
  void add(const std::optional<std::int64_t>& value) { value ? add(*value) : add_null(kInt8); }
  void add(const std::optional<int>& value) { value ? add(*value) : add_null(kInt8); }
  void add(const std::optional<Timestamp>& value) { value ? add(*value) : add_null(kInt8); }
  void add(const std::optional<std::string>& value) { value ? add(*value) : add_null(kText); }

  int size() const { return static_cast<int>(values_.size()); }
  // "8,25,..." — part of the prepared-statement cache key.
  std::string signature() const;
  const std::vector<Oid>& types() const { return types_; }
  std::vector<const char*> pointers() const;

  static constexpr Oid kInt8 = 20;
  static constexpr Oid kText = 25;

 private:
  void add_null(Oid type);
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
};

class Row;

class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  bool boolean(int row, int column) const;  // a boolean column ('t' / 'f')
  std::string text(int row, int column) const;
  std::optional<std::int64_t> opt_int64(int row, int column) const;
  std::optional<std::string> opt_text(int row, int column) const;
  Timestamp time(int row, int column) const { return from_unix(int64(row, column)); }
  std::optional<Timestamp> opt_time(int row, int column) const;
  // Rows inserted, updated or deleted by the statement.
  std::int64_t affected() const;
  // One row, read by column alone (the row mappers of store/rows.h take it).
  Row row(int row) const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// One row of a result, with the accessors of sqlite::Statement. Valid while its Rows is.
class Row {
 public:
  Row(const Rows& rows, int row) : rows_(rows), row_(row) {}
  bool is_null(int column) const { return rows_.is_null(row_, column); }
  std::int64_t int64(int column) const { return rows_.int64(row_, column); }
  std::string text(int column) const { return rows_.text(row_, column); }
  std::optional<std::int64_t> opt_int64(int column) const { return rows_.opt_int64(row_, column); }
  std::optional<std::string> opt_text(int column) const { return rows_.opt_text(row_, column); }
  Timestamp time(int column) const { return rows_.time(row_, column); }
  std::optional<Timestamp> opt_time(int column) const { return rows_.opt_time(row_, column); }

 private:
  const Rows& rows_;
  int row_;
};

inline Row Rows::row(int row) const { return Row(*this, row); }

class Connection {
 public:
  // Connects (libpq URL or key=value string). Throws pg::Error naming the host,
  // database and user, never the password.
  explicit Connection(const std::string& url);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one parameterised statement (prepared on first use on this connection), with
  // parameters written $N or ?N.
  template <class... Args>
  Rows query(std::string_view sql, const Args&... args) {
    Params params;
    (params.add(args), ...);
    return run(sql, params);
  }
  Rows run(std::string_view sql, const Params& params);
  // A write whose answer nobody reads: sent in the same round trip as the next
  // statement, run() or exec() (the COMMIT), in order. Its failure is thrown there.
  template <class... Args>
  void defer(std::string_view sql, const Args&... args) {
    Params params;
    (params.add(args), ...);
    deferred_.push_back({prepared(sql, params), std::move(params)});
  }
  bool has_deferred() const { return !deferred_.empty(); }
  // Runs one or more statements without parameters (DDL, BEGIN/COMMIT); only one when
  // a BEGIN or a deferred write is pending, since those go in one pipeline with it.
  void exec(const std::string& sql);
  // Runs `begin` (a BEGIN) just before the next statement, so that a transaction that
  // runs none costs no round trip. Pending until it has run: a BEGIN that failed on a
  // broken connection leaves it pending, which tells that nothing else ran. A new
  // transaction starts with no deferred write.
  void begin_lazily(std::string begin) {
    lazy_begin_ = std::move(begin);
    deferred_.clear();
  }
  bool lazy_begin_pending() const { return !lazy_begin_.empty(); }
  void cancel_lazy_begin() { lazy_begin_.clear(); }
  // Forgets the deferred writes (the transaction or savepoint is being rolled back).
  void discard_deferred() { deferred_.clear(); }

  // False once libpq has seen the connection break.
  bool usable() const { return PQstatus(conn_) == CONNECTION_OK; }
  // Idle: not inside a transaction (nor one that failed).
  bool idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  PGconn* handle() const { return conn_; }
  // The SQLSTATE of the last statement that failed since clear_failure(), so that a
  // conflict is noticed even when a unit of work caught the exception.
  const std::string& failed_state() const { return failed_state_; }
  void clear_failure() { failed_state_.clear(); }
  // What the running transaction changed (Signal bits, notify.h), told once it commits.
  void mark(unsigned signals) { marks_ |= signals; }
  unsigned take_marks() { return std::exchange(marks_, 0U); }

 private:
  struct Deferred {
    std::string name;  // of the prepared statement
    Params params;
  };
  [[noreturn]] void fail(PGresult* result, std::string_view what);
  // The name of `sql` prepared for these parameter types, preparing it on first use.
  const std::string& prepared(std::string_view sql, const Params& params);
  // The pending BEGIN, the deferred writes and then `name` (prepared, with `params`) or,
  // when `params` is null, the plain statement `name`, in one round trip; returns the
  // last one's result and throws the first failure before it.
  PGresult* pipeline(const std::string& name, const Params* params);
  PGconn* conn_ = nullptr;
  std::string password_;  // only to scrub it from messages
  std::string failed_state_;
  unsigned marks_ = 0;
  std::string lazy_begin_;
  std::vector<Deferred> deferred_;
  std::unordered_map<std::string, std::string> prepared_;  // signature + SQL -> name
};

}  // namespace parkd::pg
