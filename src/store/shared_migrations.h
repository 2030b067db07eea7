#pragma once
// Migrations whose SQL is the same in both dialects, written once and listed by both
// store/sqlite/migrations.cpp and store/postgres/migrations.cpp under the same version.

#include <string_view>

namespace parkd {

// Version 4.
inline constexpr std::string_view kOneUserIndexName = "one index for a user's bookings";
inline constexpr std::string_view kOneUserIndexSql = R"sql(
-- Every booking put a row in two indexes led by user_id, each at a random leaf: half the
-- pages a group commit wrote (bench/README.md). bookings_by_user_created serves the
-- user's list, and the user's statistics, which read the whole history anyway.
DROP INDEX IF EXISTS bookings_by_user;
)sql";

// Version 6.
inline constexpr std::string_view kUserDisabledName = "users may be disabled";
inline constexpr std::string_view kUserDisabledSql = R"sql(
-- A disabled account keeps its history but may not log in, and its tokens are refused
-- (parkd user disable, PUT /api/users/{id}). 0 or 1 in both dialects.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 7: when a job's latest attempt was claimed (GET /api/jobs started_at), NULL
// until then. The SQL differs only in the type name (SQLite's tables are STRICT).
inline constexpr std::string_view kJobStartedName = "jobs record when their attempt started";

// Version 8: bookings carry vehicle_key, what one vehicle's bookings are compared by
// (domain/booking_rules.h vehicle_key(): upper case, spaces and '-' dropped; the stored
// vehicle_number is already upper case). Each backend adds the column, then runs this,
// then its own index (SQLite) or exclusion constraint (PostgreSQL).
inline constexpr std::string_view kVehicleKeyName = "one vehicle in one place";
inline constexpr std::string_view kVehicleKeyBackfillSql = R"sql(
UPDATE bookings SET vehicle_key = NULLIF(replace(replace(vehicle_number, ' ', ''), '-', ''), '')
  WHERE vehicle_number IS NOT NULL;
-- Bookings made before the rule may already overlap another of their vehicle. The later
-- of two is left without a key, unguarded, rather than cancelled or refusing the upgrade
-- (PostgreSQL could not add its constraint over them). The earlier one's plate is read
-- from vehicle_number, which this does not change: SQLite updates row by row, and the
-- outcome must not depend on the order.
UPDATE bookings SET vehicle_key = NULL
  WHERE vehicle_key IS NOT NULL AND status IN ('Reserved', 'Active') AND EXISTS (
    SELECT 1 FROM bookings o
    WHERE replace(replace(o.vehicle_number, ' ', ''), '-', '') = bookings.vehicle_key
      AND o.id < bookings.id
      AND o.status IN ('Reserved', 'Active')
      AND (bookings.occupied_until IS NULL OR o.starts_at < bookings.occupied_until)
      AND (o.occupied_until IS NULL OR o.occupied_until > bookings.starts_at));
)sql";

// Version 9: password reset tokens (POST /auth/password-reset), kept only as SHA-256
// hashes, at most one per user (a new one replaces the earlier). The SQL differs only in
// the integer type name (SQLite's tables are STRICT).
inline constexpr std::string_view kResetTokensName = "password reset tokens";

// Version 10: the id of the request that queued a job (GET /api/jobs request_id), so that
// the worker's lines about it carry the id the request's lines do. NULL for jobs from
// the scheduler or the command line, and for those queued before.
inline constexpr std::string_view kJobRequestIdName = "jobs record the request that queued them";
inline constexpr std::string_view kJobRequestIdSql = "ALTER TABLE jobs ADD COLUMN request_id TEXT;";

// Version 11: the admin's search of bookings by plate (GET /api/admin/bookings
// ?vehicle_number=, compared by vehicle_key) reads one vehicle's history, newest first,
// from an index instead of every booking; the in-force indexes hold only current rows.
inline constexpr std::string_view kVehicleHistoryName = "an index for a vehicle's bookings";
inline constexpr std::string_view kVehicleHistorySql =
    "CREATE INDEX bookings_by_vehicle ON bookings (vehicle_key, created_at, id) WHERE vehicle_key "
    "IS NOT NULL;";

}  // namespace parkd
