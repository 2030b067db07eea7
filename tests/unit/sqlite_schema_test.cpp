// The SQLite schema after every migration: the status checks still reject what they
// must, writing a booking or a job builds no temporary b-tree (migration 5), and the
// bookings made before migration 8 get their vehicle keys, the admin's plate search reads
// an index (migration 11).
#include "store/sqlite/connection.h"
#include "store/sqlite/tx.h"
#include "store/store.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace parkd {
namespace {

namespace fs = std::filesystem;

class SqliteSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open_store("sqlite:///" + db().string(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->migrate().ok());
    sqlite::Connection setup(db().string());
    setup.exec(
        "INSERT INTO users (id, email, password_hash, role, token_version, created_at) "
        "VALUES (1, 'u@x.com', 'h', 'user', 0, 0);"
        "INSERT INTO lots (id, name, address, price_cents, capacity, created_at) "
        "VALUES (1, 'L', 'A', 100, 1, 0);"
        "INSERT INTO spots (id, lot_id, number) VALUES (1, 1, 1);");
  }
  void TearDown() override { store_.reset(); }
  fs::path db() const { return dir_ / "schema.db"; }

  static std::string booking_insert(const std::string& status) {
    return "INSERT INTO bookings (user_id, lot_id, lot_name, spot_id, spot_number, type, "
           "created_at, starts_at, price_cents, status) VALUES (1, 1, 'L', 1, 1, 'immediate', 0, "
           "0, 100, '" +
           status + "')";
  }
  static std::string job_insert(const std::string& status) {
    return "INSERT INTO jobs (type, payload, status, max_attempts, run_at, created_at) "
           "VALUES ('selftest', '{}', '" +
           status + "', 1, 0, 0)";
  }
  // True when running `sql` would build a temporary b-tree. Each call compiles it anew: a
  // cached EXPLAIN opens no transaction, so it never notices a schema change.
  static bool builds_a_temporary_btree(sqlite::Connection& conn, const std::string& sql) {
    static int calls = 0;
    auto plan = conn.prepare("EXPLAIN " + sql + " -- " + std::to_string(++calls));
    while (plan.step()) {
      if (plan.text(1) == "OpenEphemeral") return true;
    }
    return false;
  }

  parkd::testing::ScratchDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteSchema, BookingStatusesAreCheckedAsBefore) {
  sqlite::Connection conn(db().string());
  for (const char* status : {"Reserved", "Active", "Completed", "Cancelled"}) {
    EXPECT_NO_THROW(conn.exec(booking_insert(status))) << status;
  }
  for (const char* status : {"active", "Done", ""}) {
    EXPECT_THROW(conn.exec(booking_insert(status)), StoreError) << status;
  }
  EXPECT_THROW(conn.exec("UPDATE bookings SET status = 'Gone'"), StoreError);
}

TEST_F(SqliteSchema, JobStatusesAreCheckedAsBefore) {
  sqlite::Connection conn(db().string());
  for (const char* status : {"queued", "running", "succeeded", "failed", "dead"}) {
    EXPECT_NO_THROW(conn.exec(job_insert(status))) << status;
  }
  for (const char* status : {"Queued", "done", ""}) {
    EXPECT_THROW(conn.exec(job_insert(status)), StoreError) << status;
  }
}

TEST_F(SqliteSchema, WritingABookingOrAJobBuildsNoTemporaryBtree) {
  sqlite::Connection conn(db().string());
  EXPECT_FALSE(builds_a_temporary_btree(conn, booking_insert("Active")));
  EXPECT_FALSE(builds_a_temporary_btree(
      conn, "UPDATE bookings SET status = 'Completed', ended_at = 1, cost_cents = 5 WHERE id = 1"));
  EXPECT_FALSE(builds_a_temporary_btree(conn, job_insert("queued")));
  EXPECT_FALSE(builds_a_temporary_btree(
      conn, "UPDATE jobs SET status = 'succeeded', finished_at = 1 WHERE id = 1"));
}

TEST_F(SqliteSchema, AConnectionOpenDuringTheMigrationWritesUnderTheNewChecks) {
  // Back to the schema text of version 4, as a database made by an older parkd has it.
  sqlite::Connection conn(db().string());
  conn.exec(
      "BEGIN; PRAGMA writable_schema = ON;"
      "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status = ''queued'' OR status = "
      "''running'' OR status = ''succeeded'' OR status = ''failed'' OR status = ''dead'')', "
      "'CHECK (status IN (''queued'', ''running'', ''succeeded'', ''failed'', ''dead''))') "
      "WHERE name = 'jobs';"
      "PRAGMA writable_schema = OFF; PRAGMA schema_version = 1000;"
      "DELETE FROM schema_migrations WHERE version = 5; COMMIT;");
  // This connection has read the old text: its job inserts build the temporary b-tree.
  ASSERT_TRUE(builds_a_temporary_btree(conn, job_insert("queued")));

  ASSERT_TRUE(store_->migrate().ok());
  conn.exec(job_insert("queued"));  // notices the new schema version, rereads the schema
  EXPECT_FALSE(builds_a_temporary_btree(conn, job_insert("queued")));
  EXPECT_THROW(conn.exec(job_insert("bogus")), StoreError);
}

TEST_F(SqliteSchema, VersionEightKeysOlderBookingsAndLeavesTheLaterOfAClashUnkeyed) {
  // Back to version 7 (and without 11's index of the key), with bookings made before the rule: 2
  // overlaps 1 (the same vehicle written differently), 3 overlaps 2 only, 4 has no vehicle. Every
  // clash is judged on the keys as they were before the migration, so 3 loses its key too.
  sqlite::Connection conn(db().string());
  conn.exec(
      "DROP INDEX bookings_in_force_by_vehicle; DROP INDEX bookings_by_vehicle;"
      "ALTER TABLE bookings DROP COLUMN vehicle_key;"
      "DELETE FROM schema_migrations WHERE version IN (8, 11);"
      "INSERT INTO bookings (id, user_id, lot_id, lot_name, spot_id, spot_number, type, "
      "vehicle_number, created_at, starts_at, occupied_until, price_cents, status) VALUES "
      "(1, 1, 1, 'L', 1, 1, 'reserved', 'KA-01 AB 1', 0, 100, 200, 100, 'Reserved'),"
      "(2, 1, 1, 'L', 1, 1, 'reserved', 'KA01AB1', 0, 150, 250, 100, 'Reserved'),"
      "(3, 1, 1, 'L', 1, 1, 'reserved', 'KA 01 AB 1', 0, 200, 300, 100, 'Reserved'),"
      "(4, 1, 1, 'L', 1, 1, 'immediate', NULL, 0, 100, NULL, 100, 'Active');");
  ASSERT_TRUE(store_->migrate().ok());
  auto keys = conn.prepare("SELECT id, vehicle_key FROM bookings ORDER BY id");
  std::vector<std::string> seen;
  while (keys.step()) seen.push_back(keys.is_null(1) ? "-" : keys.text(1));
  EXPECT_EQ(seen, (std::vector<std::string>{"KA01AB1", "-", "-", "-"}));
}

TEST_F(SqliteSchema, ThePlateSearchReadsOneVehiclesBookingsNewestFirstFromAnIndex) {
  // GET /api/admin/bookings?vehicle_number=: the filter SqliteTx::bookings() uses, in its
  // order. Without bookings_by_vehicle SQLite scans every booking and sorts the matches.
  sqlite::Connection conn(db().string());
  BookingFilter f;
  f.vehicle_key = "KA01AB1";
  std::string sql = "SELECT b.id, b.lot_name FROM bookings b" + sqlite::filter_sql(f).where +
                    " ORDER BY b.created_at DESC, b.id DESC LIMIT ?6 OFFSET ?7";
  auto plan = conn.prepare("EXPLAIN QUERY PLAN " + sql);
  std::string steps;
  while (plan.step()) steps += plan.text(3) + "\n";
  EXPECT_NE(steps.find("USING INDEX bookings_by_vehicle (vehicle_key=?)"), std::string::npos)
      << steps;
  EXPECT_FALSE(builds_a_temporary_btree(conn, sql)) << steps;
}

}  // namespace
}  // namespace parkd
