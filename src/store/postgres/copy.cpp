// `parkd db copy`: a parkd SQLite database into an empty PostgreSQL one, ids kept, in one
// transaction on each side, so that a copy that fails leaves the target as it was.

#include "store/postgres/connection.h"
#include "store/postgres/migrations.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

namespace parkd {
namespace {

using pg::Connection;
using pg::Params;

// One table's columns for the copy: name and whether it holds text.
struct Column {
  const char* name;
  bool text;
};

struct TableCopy {
  const char* table;
  std::vector<Column> columns;
  bool has_id;  // an identity column whose sequence must move past the copied ids
};

const std::vector<TableCopy>& copied_tables() {
  // Parents before children, for the foreign keys.
  static const std::vector<TableCopy> all = {
      {"users",
       {{"id", false},
        {"email", true},
        {"username", true},
        {"password_hash", true},
        {"role", true},
        {"token_version", false},
        {"created_at", false},
        {"disabled", false}},
       true},
      {"lots",
       {{"id", false},
        {"name", true},
        {"address", true},
        {"price_cents", false},
        {"capacity", false},
        {"created_at", false},
        {"deleted_at", false}},
       true},
      {"spots", {{"id", false}, {"lot_id", false}, {"number", false}}, true},
      {"bookings",
       {{"id", false},
        {"user_id", false},
        {"lot_id", false},
        {"lot_name", true},
        {"spot_id", false},
        {"spot_number", false},
        {"type", true},
        {"vehicle_number", true},
        {"created_at", false},
        {"starts_at", false},
        {"occupied_until", false},
        {"ended_at", false},
        {"reserved_start", false},
        {"reserved_end", false},
        {"price_cents", false},
        {"cost_cents", false},
        {"status", true},
        {"vehicle_key", true}},
       true},
      {"idempotency_keys",
       {{"user_id", false},
        {"key", true},
        {"request_hash", true},
        {"status", false},
        {"body", true},
        {"created_at", false}},
       false},
      {"jobs",
       {{"id", false},
        {"type", true},
        {"payload", true},
        {"status", true},
        {"attempts", false},
        {"max_attempts", false},
        {"run_at", false},
        {"lease_until", false},
        {"last_error", true},
        {"dedupe_key", true},
        {"owner_user_id", false},
        {"progress", true},
        {"created_at", false},
        {"finished_at", false},
        {"started_at", false},
        {"request_id", true}},
       true},
      {"schedule_runs",
       {{"name", true}, {"due_at", false}, {"job_id", false}, {"created_at", false}},
       false},
  };
  return all;
}

std::int64_t copy_table(sqlite::Connection& from, Connection& to, const TableCopy& t) {
  std::string names, placeholders;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) names += ", ", placeholders += ", ";
    names += t.columns[i].name;
    placeholders += "$" + std::to_string(i + 1);
  }
  // Table and column names are the constants above, never input.
  auto select = from.prepare(fmt::format("SELECT {} FROM {} ORDER BY rowid", names, t.table));
  std::string insert = fmt::format("INSERT INTO {} ({}) VALUES ({})", t.table, names, placeholders);
  std::int64_t rows = 0;
  while (select.step()) {
    Params p;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      int c = static_cast<int>(i);
      if (t.columns[i].text) {
        p.add(select.opt_text(c));
      } else {
        p.add(select.opt_int64(c));
      }
    }
    to.run(insert, p);
    ++rows;
  }
  if (t.has_id) {
    // The next id after the highest copied one (or 1 for an empty table).
    to.query(
        fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), "
                    "COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)",
                    t.table));
  }
  return rows;
}

}  // namespace

Status copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& pg_url) {
  try {
    sqlite::Connection from(sqlite_path);
    {
      auto version = from.prepare("SELECT MAX(version) FROM schema_migrations");
      if (!version.step() || version.is_null(0)) {
        return Error::bad_request("copy", "the SQLite database has no parkd schema");
      }
      std::int64_t latest = pg::migrations().back().version;
      if (version.int64(0) > latest) {
        return Error::bad_request(
            "copy", fmt::format("the SQLite database is at schema version {}, newer than this "
                                "build knows ({}); use a newer parkd",
                                version.int64(0), latest));
      }
      if (version.int64(0) < latest) {
        // Older schemas lack columns the copy reads (users.disabled since version 6).
        return Error::bad_request(
            "copy", fmt::format("the SQLite database is at schema version {}; bring it to {} "
                                "first with DATABASE_URL=sqlite:///{} parkd db migrate",
                                version.int64(0), latest, sqlite_path));
      }
    }
    auto target = make_postgres_store(pg_url, StoreOptions{.max_connections = 1});
    if (Status st = target->migrate(); !st) return st;
    Connection to(pg_url);
    if (std::int64_t users = to.query("SELECT COUNT(*) FROM users").int64(0, 0); users > 0) {
      return Error::bad_request(
          "copy", fmt::format("the PostgreSQL database already has {} user(s); db copy needs an "
                              "empty database (parkd db reset --yes empties it)",
                              users));
    }
    // A read transaction on SQLite: one consistent snapshot even if parkd still runs.
    from.exec("BEGIN");
    to.exec("BEGIN");
    std::vector<std::pair<const char*, std::int64_t>> counts;
    for (const auto& t : copied_tables()) counts.emplace_back(t.table, copy_table(from, to, t));
    to.exec("COMMIT");
    from.exec("COMMIT");
    for (const auto& [table, rows] : counts) {
      spdlog::info("db copy: {} row(s) of {}", rows, table);
    }
    return ok_status();
  } catch (const StoreError& e) {
    // The PostgreSQL transaction rolls back when its connection closes.
    return Error::internal(fmt::format("db copy failed: {}", e.what()));
  }
}

}  // namespace parkd
