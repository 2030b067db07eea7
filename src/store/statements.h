#pragma once
// The statements both stores run as they are: written once with SQLite's numbered
// parameters ?1, ?2, ...; pg::Connection rewrites them to $1, $2, ... when it prepares
// them. What differs between the dialects (upserts, row locks, the exclusion-constraint
// path, date functions) stays in each backend's tx_*.cpp. A statement with {} is a
// format string whose {} is a column list of store/rows.h.

#include <cstdint>
#include <string>
#include <string_view>

// The booking rules, written once (docs/api.md "Bookings"). Each reads the bookings row
// as `b`. Macros, not constants, so that each statement stays one literal, joined at
// compile time. A booking in force holds its spot and its vehicle from starts_at until
// occupied_until (no end while NULL: an immediate booking not yet released);
// Completed and Cancelled bookings hold nothing.
#define PARKD_SQL_IN_FORCE "b.status IN ('Reserved', 'Active')"
// Its hold has not ended by `at` (a parameter such as "?2").
#define PARKD_SQL_NOT_ENDED_BY(at) "(b.occupied_until IS NULL OR b.occupied_until > " at ")"
// It holds at the moment `at`: begun by then and not ended.
#define PARKD_SQL_HOLDS_AT(at) "b.starts_at <= " at " AND " PARKD_SQL_NOT_ENDED_BY(at)
// It overlaps the window [start, end); `end` NULL is an open window.
#define PARKD_SQL_OVERLAPS(start, end) \
  "(" end " IS NULL OR b.starts_at < " end ") AND " PARKD_SQL_NOT_ENDED_BY(start)

namespace parkd::sql {

// The status a booking shows at `at` (Booking::status_at in domain/models.cpp): a
// Reserved booking whose window has begun shows Active. `at` is a parameter ("?1", "$2").
inline std::string shows_reserved(std::string_view at) {
  return "(b.status = 'Reserved' AND b.reserved_start > " + std::string(at) + ")";
}
inline std::string shows_active(std::string_view at) {
  return "(b.status = 'Active' OR (b.status = 'Reserved' AND b.reserved_start <= " +
         std::string(at) + "))";
}

// Users (tx_accounts.cpp). {}: rows::kUserColumns.
inline constexpr const char* kUserById = "SELECT {} FROM users u WHERE u.id = ?1";
inline constexpr const char* kFirstAdmin =
    "SELECT {} FROM users u WHERE u.role = 'admin' ORDER BY u.id LIMIT 1";
inline constexpr const char* kCountEnabledAdmins =
    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0";
inline constexpr const char* kCountUsers = "SELECT COUNT(*) FROM users";
// The admin's user list: each user (the first {}) with its totals; the second {} is
// shows_active("?1"), ?1 being now. The CAST: PostgreSQL sums a BIGINT as NUMERIC.
inline constexpr const char* kUsersWithTotals =
    "SELECT {}, "
    "(SELECT COUNT(*) FROM bookings b WHERE b.user_id = u.id), "
    "(SELECT COUNT(*) FROM bookings b WHERE b.user_id = u.id AND {}), "
    "(SELECT CAST(COALESCE(SUM(b.cost_cents), 0) AS BIGINT) FROM bookings b "
    "   WHERE b.user_id = u.id AND b.status = 'Completed'), "
    "(SELECT MAX(b.created_at) FROM bookings b WHERE b.user_id = u.id) "
    "FROM users u ORDER BY u.id LIMIT ?2 OFFSET ?3";
inline constexpr const char* kBumpTokenVersion =
    "UPDATE users SET token_version = token_version + 1 WHERE id = ?1";
inline constexpr const char* kSetUsername = "UPDATE users SET username = ?2 WHERE id = ?1";
inline constexpr const char* kSetPasswordHash =
    "UPDATE users SET password_hash = ?2, token_version = token_version + 1 WHERE id "
    "= ?1";
inline constexpr const char* kSetRole =
    "UPDATE users SET role = ?2, token_version = token_version + 1 WHERE id = ?1";
inline constexpr const char* kSetDisabled =
    "UPDATE users SET disabled = ?2, token_version = token_version + 1 WHERE id = ?1";
inline constexpr const char* kDeleteResetTokens =
    "DELETE FROM password_reset_tokens WHERE user_id = ?1";
inline constexpr const char* kInsertResetToken =
    "INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at) VALUES "
    "(?1, ?2, ?3, ?4)";
inline constexpr const char* kResetTokenUser =
    "SELECT user_id FROM password_reset_tokens WHERE token_hash = ?1 AND expires_at > ?2";
// RETURNING: SQLite 3.35+ and PostgreSQL. On PostgreSQL a second transaction deleting
// the same row waits for the first and then finds nothing.
inline constexpr const char* kConsumeResetToken =
    "DELETE FROM password_reset_tokens WHERE token_hash = ?1 AND expires_at > ?2 RETURNING "
    "user_id";

// Lots and spots (tx_lots.cpp)
// A lot as a booking or a change reads it (no spot counts); PostgreSQL's write
// transactions append a row lock.
inline constexpr const char* kLotRecord =
    "SELECT l.id, l.name, l.address, l.price_cents, l.capacity, l.created_at, 0, 0 "
    "FROM lots l WHERE l.deleted_at IS NULL AND l.id = ?1";
inline constexpr const char* kAddCapacity =
    "UPDATE lots SET capacity = capacity + ?2 WHERE id = ?1";
inline constexpr const char* kUpdateLot =
    "UPDATE lots SET name = COALESCE(?2, name), address = COALESCE(?3, address), "
    "price_cents = COALESCE(?4, price_cents) WHERE id = ?1";
inline constexpr const char* kRemovableSpots =
    "SELECT s.id FROM spots s WHERE s.lot_id = ?1 AND NOT EXISTS (SELECT 1 FROM "
    "bookings b WHERE b.spot_id = s.id AND " PARKD_SQL_IN_FORCE
    " AND " PARKD_SQL_NOT_ENDED_BY("?3") ") ORDER BY s.number DESC LIMIT ?2";
inline constexpr const char* kDeleteSpot = "DELETE FROM spots WHERE id = ?1 AND lot_id = ?2";
inline constexpr const char* kRecountCapacity =
    "UPDATE lots SET capacity = (SELECT COUNT(*) FROM spots WHERE lot_id = ?1) WHERE "
    "id = ?1";
inline constexpr const char* kSoftDeleteLot = "UPDATE lots SET deleted_at = ?2 WHERE id = ?1";
// When the availability counts of some lot next change with no write: the first start
// or end after ?1 of a booking in force; NULL (read as kNoBookingDue) when none is due.
inline constexpr const char* kCountLots = "SELECT COUNT(*) FROM lots WHERE deleted_at IS NULL";
inline constexpr const char* kNextBookingStartOrEnd =
    "SELECT MIN(CASE WHEN b.starts_at > ?1 THEN b.starts_at ELSE b.occupied_until END) "
    "FROM bookings b WHERE " PARKD_SQL_IN_FORCE
    " AND (b.starts_at > ?1 OR "
    "b.occupied_until > ?1)";
inline constexpr std::int64_t kNoBookingDue = std::int64_t{1} << 62;
inline constexpr const char* kLotBookingsInForce =
    "SELECT COUNT(*) FROM bookings b WHERE b.lot_id = ?1 AND " PARKD_SQL_IN_FORCE
    " AND " PARKD_SQL_NOT_ENDED_BY("?2");
inline constexpr const char* kSpotBookingsInForce =
    "SELECT COUNT(*) FROM bookings b WHERE b.spot_id = ?1 AND " PARKD_SQL_IN_FORCE
    " AND " PARKD_SQL_NOT_ENDED_BY("?2");
inline constexpr const char* kSpots =
    "SELECT s.id, s.lot_id, s.number, EXISTS (SELECT 1 FROM bookings b WHERE "
    "b.spot_id = s.id AND " PARKD_SQL_IN_FORCE
    " AND " PARKD_SQL_HOLDS_AT("?2") ") FROM spots s WHERE s.lot_id = ?1 ORDER BY s.number";
inline constexpr const char* kSpot =
    "SELECT s.id, s.lot_id, s.number, EXISTS (SELECT 1 FROM bookings b WHERE "
    "b.spot_id = s.id AND " PARKD_SQL_IN_FORCE " AND " PARKD_SQL_HOLDS_AT("?3")
    ") FROM spots s JOIN lots l ON l.id = s.lot_id WHERE s.id = ?2 AND s.lot_id = ?1 "
    "AND l.deleted_at IS NULL";
inline constexpr const char* kUpcomingReservations =
    "SELECT b.spot_id, b.starts_at, b.occupied_until, u.email FROM bookings b JOIN "
    "users u ON u.id = b.user_id WHERE b.lot_id = ?1 AND b.status = 'Reserved' AND "
    "b.occupied_until > ?2 AND b.spot_id IS NOT NULL ORDER BY b.starts_at";

// Bookings (tx_bookings.cpp). {}: rows::kBookingColumns; PostgreSQL's write
// transactions append a row lock.
inline constexpr const char* kBookingById = "SELECT {} FROM bookings b WHERE b.id = ?1";
inline constexpr const char* kIdempotentResponse =
    "SELECT status, body, request_hash FROM idempotency_keys "
    "WHERE user_id = ?1 AND key = ?2 AND created_at >= ?3";
inline constexpr const char* kStoreIdempotentResponse =
    "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user_id, key) DO UPDATE SET "
    "request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, "
    "created_at = excluded.created_at";
// Spot `s` is free for the window [start, end): no booking in force on it overlaps it.
#define PARKD_SQL_SPOT_FREE(start, end)                                                 \
  "NOT EXISTS (SELECT 1 FROM bookings b WHERE b.spot_id = s.id AND " PARKD_SQL_IN_FORCE \
  " AND " PARKD_SQL_OVERLAPS(start, end) ")"
inline constexpr const char* kLowestFreeSpot =
    "SELECT s.id, s.lot_id, s.number FROM spots s WHERE s.lot_id = ?1 AND " PARKD_SQL_SPOT_FREE(
        "?2", "?3") " ORDER BY s.number LIMIT 1";
inline constexpr const char* kSpotConflict =
    "SELECT b.starts_at, b.occupied_until FROM bookings b WHERE b.spot_id = ?1 "
    "AND " PARKD_SQL_IN_FORCE
    " AND " PARKD_SQL_OVERLAPS("?2", "?3") " ORDER BY b.starts_at LIMIT 1";
inline constexpr const char* kVehicleConflict =
    "SELECT b.starts_at, b.occupied_until FROM bookings b WHERE b.vehicle_key = ?1 "
    "AND " PARKD_SQL_IN_FORCE
    " AND " PARKD_SQL_OVERLAPS("?2", "?3") " ORDER BY b.starts_at LIMIT 1";
inline constexpr const char* kCurrentBookingOnSpot =
    "SELECT {}, u.email FROM bookings b JOIN users u ON u.id = b.user_id WHERE "
    "b.spot_id = ?1 AND " PARKD_SQL_IN_FORCE " AND " PARKD_SQL_HOLDS_AT("?2") " LIMIT 1";
// The booking writes. Each store appends rows::returning_booking(), so that the row a
// write leaves is its answer instead of a second read.
inline constexpr const char* kInsertBooking =
    "INSERT INTO bookings (user_id, lot_id, lot_name, spot_id, spot_number, type, "
    "vehicle_number, created_at, starts_at, occupied_until, reserved_start, reserved_end, "
    "price_cents, cost_cents, status, vehicle_key) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
// kInsertBooking on the spot kLowestFreeSpot finds, in a lot not deleted, with the lot's
// name and price as stored: user, lot, type, vehicle_number, created_at, starts_at,
// occupied_until, reserved_start, reserved_end, cost, status, vehicle_key. {}: a lock
// clause. A join, not CTEs: SQLite materialises each CTE, which made this statement
// slower than the three it replaces (measured: 17-18 against 16 us per book-release
// cycle; the join 13).
inline constexpr const char* kInsertBookingOnAFreeSpot =
    "INSERT INTO bookings (user_id, lot_id, lot_name, spot_id, spot_number, type, "
    "vehicle_number, created_at, starts_at, occupied_until, reserved_start, reserved_end, "
    "price_cents, cost_cents, status, vehicle_key) "
    "SELECT ?1, l.id, l.name, s.id, s.number, ?3, ?4, ?5, ?6, ?7, ?8, ?9, l.price_cents, ?10, "
    "?11, ?12 FROM lots l JOIN spots s ON s.lot_id = l.id WHERE l.id = ?2 AND l.deleted_at IS "
    "NULL AND " PARKD_SQL_SPOT_FREE("?6", "?7") " ORDER BY s.number LIMIT 1{}";
inline constexpr const char* kExtendReservation =
    "UPDATE bookings SET reserved_end = ?2, occupied_until = ?2, cost_cents = ?3 "
    "WHERE id = ?1 AND type = 'reserved'";
inline constexpr const char* kCompleteBooking =
    "UPDATE bookings SET status = 'Completed', ended_at = ?2, cost_cents = ?3, "
    "occupied_until = COALESCE(occupied_until, ?2) WHERE id = ?1";
inline constexpr const char* kCancelBooking =
    "UPDATE bookings SET status = 'Cancelled', cost_cents = 0 WHERE id = ?1";
inline constexpr const char* kCompleteEndedReservations =
    "UPDATE bookings SET status = 'Completed', ended_at = reserved_end WHERE status = "
    "'Reserved' AND occupied_until <= ?1";
inline constexpr const char* kPurgeIdempotencyKeys =
    "DELETE FROM idempotency_keys WHERE created_at < ?1";

// Jobs and schedule runs (tx_jobs.cpp)
inline constexpr const char* kJobById = "SELECT {} FROM jobs WHERE id = ?1";
inline constexpr const char* kJobIdByDedupeKey = "SELECT id FROM jobs WHERE dedupe_key = ?1";
// The console's list and its count, each filter optional (NULL: any). The CASTs give
// PostgreSQL a type for a parameter that may be NULL; SQLite keeps NULL as it is.
inline constexpr const char* kJobs =
    "SELECT {} FROM jobs WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1) AND "
    "(CAST(?2 AS TEXT) IS NULL OR type = ?2) ORDER BY id DESC LIMIT ?3 OFFSET ?4";
inline constexpr const char* kCountJobs =
    "SELECT COUNT(*) FROM jobs WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1) AND "
    "(CAST(?2 AS TEXT) IS NULL OR type = ?2)";
inline constexpr const char* kRequeueJob =
    "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?2, lease_until = NULL, "
    "finished_at = NULL WHERE id = ?1 AND status IN ('dead', 'failed')";
// Each schedule's latest run is kept whatever its age: it is what the scheduler compares.
inline constexpr const char* kPurgeScheduleRuns =
    "DELETE FROM schedule_runs WHERE due_at < ?1 AND due_at < (SELECT MAX(r.due_at) "
    "FROM schedule_runs r WHERE r.name = schedule_runs.name)";
inline constexpr const char* kNextJobDue =
    "SELECT MIN(t) FROM (SELECT MIN(run_at) AS t FROM jobs WHERE status IN ('queued', 'failed') "
    "UNION ALL SELECT MIN(lease_until) FROM jobs WHERE status = 'running') AS due";
inline constexpr const char* kDeleteFinishedJob =
    "DELETE FROM jobs WHERE id = ?1 AND status IN ('dead', 'succeeded')";
inline constexpr const char* kJobCounts =
    "SELECT type, status, COUNT(*) FROM jobs GROUP BY type, status ORDER BY 1, 2";
inline constexpr const char* kPurgeFinishedJobs =
    "DELETE FROM jobs WHERE status = 'succeeded' AND finished_at < ?1";
inline constexpr const char* kExtendLease =
    "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND attempts = ?2 AND status = "
    "'running'";
inline constexpr const char* kFinishJob =
    "UPDATE jobs SET status = 'succeeded', finished_at = ?3, lease_until = NULL, "
    "last_error = NULL WHERE id = ?1 AND attempts = ?2 AND status = 'running'";
inline constexpr const char* kFailJob =
    "UPDATE jobs SET status = CASE WHEN ?4 IS NULL THEN 'dead' ELSE 'failed' END, "
    "last_error = ?3, run_at = COALESCE(?4, run_at), lease_until = NULL, finished_at "
    "= CASE WHEN ?4 IS NULL THEN ?5 ELSE NULL END WHERE id = ?1 AND attempts = ?2 AND "
    "status = 'running'";
inline constexpr const char* kSetJobProgress = "UPDATE jobs SET progress = ?2 WHERE id = ?1";
inline constexpr const char* kClaimScheduleRun =
    "INSERT INTO schedule_runs (name, due_at, created_at) VALUES (?1, ?2, ?3) ON "
    "CONFLICT (name, due_at) DO NOTHING";
inline constexpr const char* kSetScheduleRunJob =
    "UPDATE schedule_runs SET job_id = ?3 WHERE name = ?1 AND due_at = ?2";
inline constexpr const char* kLastScheduleRun =
    "SELECT MAX(due_at) FROM schedule_runs WHERE name = ?1";

// Reports (tx_reports.cpp)
inline constexpr const char* kInactiveUsers =
    "SELECT {} FROM users u WHERE u.role = 'user' AND u.disabled = 0 AND NOT EXISTS "
    "(SELECT 1 FROM bookings b WHERE b.user_id = u.id AND b.created_at >= ?1) ORDER "
    "BY u.id";
inline constexpr const char* kUsersWithBookingsBetween =
    "SELECT DISTINCT user_id FROM bookings WHERE starts_at >= ?1 AND starts_at < ?2 "
    "ORDER BY user_id";

// "user_id = ?1", or a condition that is always true when there is no user: either way
// the text mentions ?1, so one binding fits both. Two statements rather than one with
// "(?1 IS NULL OR user_id = ?1)", which SQLite cannot answer from the user_id index. The
// CAST gives PostgreSQL a type for the NULL.
inline std::string user_filter(bool for_user, const char* column = "user_id") {
  return for_user ? std::string(column) + " = ?1" : std::string("CAST(?1 AS BIGINT) IS NULL");
}
// The statistics' sums are CAST: PostgreSQL sums BIGINT as NUMERIC. Both dialects have
// FILTER on aggregates (SQLite since 3.30).
#define PARKD_SQL_COMPLETED_SUM(x) \
  "CAST(COALESCE(SUM(" x ") FILTER (WHERE status = 'Completed'), 0) AS BIGINT)"
// Per lot over [?2, ?3) of ?1's bookings (or everyone's): lot, name, bookings, completed,
// revenue, parked seconds.
inline std::string range_summary(bool for_user) {
  std::string sql = "SELECT lot_id, MAX(lot_name), COUNT(*), ";
  sql += "COUNT(*) FILTER (WHERE status = 'Completed'), ";
  sql += PARKD_SQL_COMPLETED_SUM("cost_cents") ", " PARKD_SQL_COMPLETED_SUM("ended_at - starts_at");
  return sql + " FROM bookings WHERE " + user_filter(for_user) +
         " AND starts_at >= ?2 AND starts_at < ?3 GROUP BY lot_id ORDER BY COUNT(*) DESC, lot_id";
}
// All, reserved and active at ?2, completed, cancelled, revenue and parked seconds.
inline std::string booking_counts(bool for_user) {
  std::string sql = "SELECT COUNT(*), COUNT(*) FILTER (WHERE " + shows_reserved("?2") + "), ";
  sql += "COUNT(*) FILTER (WHERE " + shows_active("?2") + "), ";
  sql += "COUNT(*) FILTER (WHERE status = 'Completed'), ";
  sql += "COUNT(*) FILTER (WHERE status = 'Cancelled'), ";
  sql += PARKD_SQL_COMPLETED_SUM("cost_cents") ", " PARKD_SQL_COMPLETED_SUM("ended_at - starts_at");
  return sql + " FROM bookings b WHERE " + user_filter(for_user);
}
// Lots are only soft-deleted, so each has its current name, as for the admin.
inline constexpr const char* kPerLotOfUser =
    "SELECT l.id, l.name, COUNT(*), "
    "CAST(COALESCE(SUM(b.cost_cents) FILTER (WHERE b.status = 'Completed'), 0) AS BIGINT) "
    "FROM bookings b JOIN lots l ON l.id = b.lot_id WHERE b.user_id = ?1 "
    "GROUP BY l.id ORDER BY l.id";
inline constexpr const char* kPerLot =
    "SELECT l.id, l.name, COUNT(b.id), "
    "CAST(COALESCE(SUM(b.cost_cents) FILTER (WHERE b.status = 'Completed'), 0) AS BIGINT) "
    "FROM lots l LEFT JOIN bookings b ON b.lot_id = l.id "
    "WHERE l.deleted_at IS NULL OR b.id IS NOT NULL GROUP BY l.id ORDER BY l.id";
// The bookings that the buckets of [?2, ?3) count: start, completed (1 or 0), cost.
inline std::string bucket_rows(bool for_user) {
  return "SELECT starts_at, CASE WHEN status = 'Completed' THEN 1 ELSE 0 END, cost_cents "
         "FROM bookings WHERE " +
         user_filter(for_user) + " AND starts_at >= ?2 AND starts_at < ?3";
}
inline constexpr const char* kCountUsersCreatedBetween =
    "SELECT COUNT(*) FROM users WHERE created_at >= ?1 AND created_at < ?2";
inline constexpr const char* kTotalSpots =
    "SELECT COUNT(*) FROM spots s JOIN lots l ON l.id = s.lot_id WHERE l.deleted_at "
    "IS NULL";
inline constexpr const char* kOccupiedSpots =
    "SELECT COUNT(DISTINCT b.spot_id) FROM bookings b WHERE " PARKD_SQL_IN_FORCE
    " AND " PARKD_SQL_HOLDS_AT("?1") " AND b.spot_id IS NOT NULL";

}  // namespace parkd::sql
