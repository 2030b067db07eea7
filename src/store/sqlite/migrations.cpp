#include "store/sqlite/migrations.h"

#include "store/shared_migrations.h"

#include <string>

namespace parkd::sqlite {

const std::vector<Migration>& migrations() {
  // Kept in static storage: a Migration holds views of its text.
  static const std::string vehicle_key_sql = "ALTER TABLE bookings ADD COLUMN vehicle_key TEXT;\n" +
                                             std::string(kVehicleKeyBackfillSql) +
                                             R"sql(
-- The booking transaction's vehicle_conflict looks a vehicle's bookings in force up here.
CREATE INDEX bookings_in_force_by_vehicle ON bookings (vehicle_key, starts_at)
  WHERE status IN ('Reserved', 'Active') AND vehicle_key IS NOT NULL;
)sql";
  static const std::vector<Migration> all = {
      {1, "initial schema", R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  username TEXT,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
  token_version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email COLLATE NOCASE);
CREATE UNIQUE INDEX users_username ON users (username COLLATE NOCASE) WHERE username IS NOT NULL;

CREATE TABLE lots (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  price_cents INTEGER NOT NULL CHECK (price_cents > 0),
  capacity INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  deleted_at INTEGER
) STRICT;
CREATE UNIQUE INDEX lots_live_name ON lots (name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE spots (
  id INTEGER PRIMARY KEY,
  lot_id INTEGER NOT NULL REFERENCES lots (id),
  number INTEGER NOT NULL,
  UNIQUE (lot_id, number)
) STRICT;

-- starts_at/occupied_until is the window a booking holds its spot (occupied_until NULL:
-- open-ended, an immediate booking until released); it matters only while the status is
-- Reserved or Active. ended_at is the end_time clients see once Completed.
CREATE TABLE bookings (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  lot_id INTEGER NOT NULL REFERENCES lots (id),
  lot_name TEXT NOT NULL,
  spot_id INTEGER REFERENCES spots (id) ON DELETE SET NULL,
  spot_number INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('immediate', 'reserved')),
  vehicle_number TEXT,
  created_at INTEGER NOT NULL,
  starts_at INTEGER NOT NULL,
  occupied_until INTEGER,
  ended_at INTEGER,
  reserved_start INTEGER,
  reserved_end INTEGER,
  price_cents INTEGER NOT NULL,
  cost_cents INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('Reserved', 'Active', 'Completed', 'Cancelled'))
) STRICT;
CREATE INDEX bookings_in_force_by_spot ON bookings (spot_id, starts_at)
  WHERE status IN ('Reserved', 'Active');
CREATE INDEX bookings_in_force_by_lot ON bookings (lot_id) WHERE status IN ('Reserved', 'Active');
CREATE INDEX bookings_by_user ON bookings (user_id, starts_at);
CREATE INDEX bookings_by_start ON bookings (starts_at);
CREATE INDEX bookings_reservations_due ON bookings (occupied_until) WHERE status = 'Reserved';

CREATE TABLE idempotency_keys (
  user_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
) STRICT;
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  last_error TEXT,
  dedupe_key TEXT UNIQUE,
  owner_user_id INTEGER,
  progress TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;
CREATE INDEX jobs_runnable ON jobs (run_at) WHERE status IN ('queued', 'failed');
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE status = 'running';

CREATE TABLE schedule_runs (
  name TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  job_id INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (name, due_at)
) STRICT;
)sql"},
      {2, "covering index for lot availability", R"sql(
-- The lot list counts, per lot, the bookings in force now and the upcoming reservations;
-- with every column it reads in the index, that is a range scan and no table lookups.
CREATE INDEX bookings_in_force_by_lot_start
  ON bookings (lot_id, starts_at, occupied_until, spot_id, status)
  WHERE status IN ('Reserved', 'Active');
DROP INDEX bookings_in_force_by_lot;
)sql"},
      {3, "index for a user's newest bookings", R"sql(
-- GET /api/bookings lists the caller's bookings newest first: without this the user's
-- whole history was fetched and sorted for every page (5 ms at 1 000 bookings).
CREATE INDEX bookings_by_user_created ON bookings (user_id, created_at, id);
)sql"},
      {4, kOneUserIndexName, kOneUserIndexSql},
      {5, "status checks without IN lists", R"sql(
-- SQLite checks CHECK (status IN (three or more values)) by building a temporary b-tree
-- of the values for every row written: a pager, a page cache and a page for each INSERT
-- and UPDATE of a booking or a job, a tenth of the writer's time under book-release.
-- The same checks as comparisons build nothing. A CHECK constraint lives only in the
-- schema text, which is edited in place as https://sqlite.org/lang_altertable.html
-- ("Making Other Kinds Of Table Schema Changes") describes for CHECK constraints.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
  SET sql = replace(sql, 'CHECK (status IN (''Reserved'', ''Active'', ''Completed'', ''Cancelled''))',
                    'CHECK (status = ''Reserved'' OR status = ''Active'' OR status = ''Completed'' OR status = ''Cancelled'')')
  WHERE type = 'table' AND name = 'bookings';
UPDATE sqlite_schema
  SET sql = replace(sql, 'CHECK (status IN (''queued'', ''running'', ''succeeded'', ''failed'', ''dead''))',
                    'CHECK (status = ''queued'' OR status = ''running'' OR status = ''succeeded'' OR status = ''failed'' OR status = ''dead'')')
  WHERE type = 'table' AND name = 'jobs';
PRAGMA writable_schema = OFF;
)sql",
       true},
      {6, kUserDisabledName, kUserDisabledSql},
      {7, kJobStartedName, "ALTER TABLE jobs ADD COLUMN started_at INTEGER;"},
      {8, kVehicleKeyName, vehicle_key_sql},
      {9, kResetTokensName, R"sql(
CREATE TABLE password_reset_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL UNIQUE REFERENCES users (id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
)sql"},
      {10, kJobRequestIdName, kJobRequestIdSql},
      {11, kVehicleHistoryName, kVehicleHistorySql},
  };
  return all;
}

}  // namespace parkd::sqlite
