#pragma once
// A thin, checked layer over the SQLite C API: one Connection per thread at a time,
// statements prepared once per connection and reused (bound, stepped, reset).
// Every failure throws StoreError with SQLite's message.

#include "store/store.h"

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parkd::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();  // resets the statement for its next use

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, Timestamp value) { return bind(index, to_unix(value)); }
  Statement& bind(int index, std::nullopt_t);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  // Binds each argument to ?1, ?2, ...
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // Advances to the next row; false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::int64_t> opt_int64(int column) const;
  std::optional<std::string> opt_text(int column) const;
  Timestamp time(int column) const { return from_unix(int64(column)); }
  std::optional<Timestamp> opt_time(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file with WAL, foreign keys, a busy timeout.
  explicit Connection(const std::string& path, bool durable = true);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // A cached prepared statement for this SQL text.
  Statement prepare(std::string_view sql);
  // Runs one or more statements without parameters (DDL, BEGIN/COMMIT).
  void exec(const std::string& sql);
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() const { return db_; }

 private:
  // Looked up by string_view (no std::string built per statement run).
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
};

// What a SQLite result code (primary or extended) means for the caller.
StoreFailure failure_of(int rc);
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);

}  // namespace parkd::sqlite
