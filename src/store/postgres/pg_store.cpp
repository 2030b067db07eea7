#include "store/postgres/pg_store.h"

#include "store/bucketing.h"
#include "store/postgres/booking_extension.h"
#include "store/postgres/connection.h"
#include "store/postgres/migrations.h"
#include "store/sqlite/connection.h"

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

namespace parkd {
namespace {

using pg::Connection;
using pg::Params;
using pg::Rows;

BookingStatus stored_status_from(const std::string& text) {
  return parse_booking_status(text).value_or(BookingStatus::active);
}

std::optional<std::int64_t> open_end(const Window& w) {
  if (!w.end) return std::nullopt;
  return to_unix(*w.end);
}

// "$n" for the parameter just added.
std::string last_param(const Params& p) { return "$" + std::to_string(p.size()); }

constexpr const char* kUserColumns =
    "u.id, u.email, u.username, u.role, u.token_version, u.created_at, u.password_hash, "
    "u.disabled";

User read_user(const Rows& r, int row, int c = 0) {
  User u;
  u.id = r.int64(row, c);
  u.email = r.text(row, c + 1);
  u.username = r.opt_text(row, c + 2);
  u.role = r.text(row, c + 3) == "admin" ? Role::admin : Role::user;
  u.token_version = r.int64(row, c + 4);
  u.created_at = r.time(row, c + 5);
  u.password_hash = r.text(row, c + 6);
  u.disabled = r.int64(row, c + 7) != 0;
  return u;
}

constexpr const char* kBookingColumns =
    "b.id, b.user_id, b.lot_id, b.lot_name, b.spot_id, b.spot_number, b.type, b.vehicle_number, "
    "b.created_at, b.starts_at, b.ended_at, b.reserved_start, b.reserved_end, b.price_cents, "
    "b.cost_cents, b.status";

Booking read_booking(const Rows& r, int row) {
  Booking b;
  b.id = r.int64(row, 0);
  b.user_id = r.int64(row, 1);
  b.lot_id = r.int64(row, 2);
  b.lot_name = r.text(row, 3);
  b.spot_id = r.opt_int64(row, 4);
  b.spot_number = r.int64(row, 5);
  b.type = r.text(row, 6) == "reserved" ? BookingType::reserved : BookingType::immediate;
  b.vehicle_number = r.opt_text(row, 7);
  b.created_at = r.time(row, 8);
  b.start_time = r.time(row, 9);
  b.end_time = r.opt_time(row, 10);
  b.reserved_start = r.opt_time(row, 11);
  b.reserved_end = r.opt_time(row, 12);
  b.price_cents = r.int64(row, 13);
  b.cost_cents = r.int64(row, 14);
  b.stored_status = stored_status_from(r.text(row, 15));
  return b;
}

// $1 = now.
constexpr const char* kLotSelect =
    "SELECT l.id, l.name, l.address, l.price_cents, l.capacity, l.created_at, "
    // COUNT, not COUNT(DISTINCT): bookings in force on one spot never overlap (the
    // exclusion constraint), so at most one per spot holds it now.
    "(SELECT COUNT(b.spot_id) FROM bookings b WHERE b.lot_id = l.id "
    "  AND b.status IN ('Reserved', 'Active') AND b.starts_at <= $1 "
    "  AND (b.occupied_until IS NULL OR b.occupied_until > $1)), "
    "(SELECT COUNT(DISTINCT b.spot_id) FROM bookings b WHERE b.lot_id = l.id "
    "  AND b.status = 'Reserved' AND b.starts_at > $1) "
    "FROM lots l WHERE l.deleted_at IS NULL ";

Lot read_lot(const Rows& r, int row) {
  Lot l;
  l.id = r.int64(row, 0);
  l.name = r.text(row, 1);
  l.address = r.text(row, 2);
  l.price_cents = r.int64(row, 3);
  l.capacity = r.int64(row, 4);
  l.created_at = r.time(row, 5);
  l.occupied_spots = r.int64(row, 6);
  l.reserved_spots = r.int64(row, 7);
  return l;
}

// The WHERE clause for a BookingFilter; appends its parameters to `p`.
std::string filter_where(const BookingFilter& f, Timestamp now, Params& p) {
  std::string w = " WHERE TRUE";
  if (f.user_id) p.add(*f.user_id), w += " AND b.user_id = " + last_param(p);
  if (f.lot_id) p.add(*f.lot_id), w += " AND b.lot_id = " + last_param(p);
  if (f.from) p.add(*f.from), w += " AND b.starts_at >= " + last_param(p);
  if (f.to) p.add(*f.to), w += " AND b.starts_at < " + last_param(p);
  if (f.status) {
    switch (*f.status) {
      case BookingStatus::reserved:
        p.add(now);
        w += " AND b.status = 'Reserved' AND b.reserved_start > " + last_param(p);
        break;
      case BookingStatus::active:
        p.add(now);
        w += " AND (b.status = 'Active' OR (b.status = 'Reserved' AND b.reserved_start <= " +
             last_param(p) + "))";
        break;
      case BookingStatus::completed:
        w += " AND b.status = 'Completed'";
        break;
      case BookingStatus::cancelled:
        w += " AND b.status = 'Cancelled'";
        break;
    }
  }
  return w;
}

constexpr const char* kJobColumns =
    "id, type, payload, status, attempts, max_attempts, last_error, owner_user_id, created_at, "
    "run_at, lease_until, finished_at";

Job read_job(const Rows& r, int row) {
  Job j;
  j.id = r.int64(row, 0);
  j.type = r.text(row, 1);
  j.payload = r.text(row, 2);
  j.status = r.text(row, 3);
  j.attempts = static_cast<int>(r.int64(row, 4));
  j.max_attempts = static_cast<int>(r.int64(row, 5));
  j.last_error = r.opt_text(row, 6);
  j.owner_user_id = r.opt_int64(row, 7);
  j.created_at = r.time(row, 8);
  j.run_at = r.time(row, 9);
  j.lease_until = r.opt_time(row, 10);
  j.finished_at = r.opt_time(row, 11);
  return j;
}

// Rows per round trip when streaming a table (exports).
constexpr std::int64_t kChunk = 500;

// "user_id = $1", or (no user) a condition that is always true: one binding fits both,
// and each form gets a plan that fits it (the user's index, or a scan).
std::string user_filter(std::optional<Id> user_id, const char* column = "user_id") {
  return user_id ? std::string(column) + " = $1" : std::string("$1::bigint IS NULL");
}

class PgTx final : public Tx {
 public:
  // `write`: inside a READ COMMITTED write transaction, where rows read before they are
  // changed are locked; else a read-only snapshot, where nothing is locked.
  PgTx(Connection& db, bool write) : db_(db), write_(write) {}

  Id insert_user(const NewUser& u) override {
    return db_
        .query(
            "INSERT INTO users (email, username, password_hash, role, token_version, created_at) "
            "VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
            u.email, u.username, u.password_hash, std::string(role_name(u.role)), u.created_at)
        .int64(0, 0);
  }

  std::optional<User> user_by_id(Id id) override {
    // Not locked: the only change to a user row (token_version + 1) is one atomic UPDATE.
    auto r = db_.query(fmt::format("SELECT {} FROM users u WHERE u.id = $1", kUserColumns), id);
    if (r.empty()) return std::nullopt;
    return read_user(r, 0);
  }

  std::optional<User> user_by_login(const std::string& login) override {
    // lower() on both sides so that the unique indexes on lower(email)/lower(username)
    // serve the lookups.
    auto r = db_.query(
        fmt::format("SELECT {} FROM users u WHERE lower(u.email) = lower($1)", kUserColumns),
        login);
    if (!r.empty()) return read_user(r, 0);
    r = db_.query(
        fmt::format("SELECT {} FROM users u WHERE lower(u.username) = lower($1)", kUserColumns),
        login);
    if (!r.empty()) return read_user(r, 0);
    return std::nullopt;
  }

  bool email_taken(const std::string& email) override {
    return !db_.query("SELECT 1 FROM users WHERE lower(email) = lower($1)", email).empty();
  }

  bool username_taken(const std::string& username) override {
    return !db_.query("SELECT 1 FROM users WHERE lower(username) = lower($1)", username).empty();
  }

  void bump_token_version(Id user_id) override {
    db_.query("UPDATE users SET token_version = token_version + 1 WHERE id = $1", user_id);
  }

  void set_username(Id user_id, const std::optional<std::string>& username) override {
    db_.query("UPDATE users SET username = $2 WHERE id = $1", user_id, username);
  }

  void set_password_hash(Id user_id, const std::string& password_hash) override {
    db_.query(
        "UPDATE users SET password_hash = $2, token_version = token_version + 1 WHERE id = $1",
        user_id, password_hash);
  }

  void set_role(Id user_id, Role role) override {
    db_.query("UPDATE users SET role = $2, token_version = token_version + 1 WHERE id = $1",
              user_id, std::string(role_name(role)));
  }

  void set_disabled(Id user_id, bool disabled) override {
    db_.query("UPDATE users SET disabled = $2, token_version = token_version + 1 WHERE id = $1",
              user_id, std::int64_t{disabled ? 1 : 0});
  }

  std::int64_t count_enabled_admins() override {
    return scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0");
  }

  std::optional<User> first_admin() override {
    auto r = db_.query(fmt::format(
        "SELECT {} FROM users u WHERE u.role = 'admin' ORDER BY u.id LIMIT 1", kUserColumns));
    if (r.empty()) return std::nullopt;
    return read_user(r, 0);
  }

  std::vector<std::pair<User, UserTotals>> users_with_totals(Timestamp now, std::int64_t limit,
                                                             std::int64_t offset) override {
    auto r = db_.query(
        fmt::format(
            "SELECT {}, "
            "(SELECT COUNT(*) FROM bookings b WHERE b.user_id = u.id), "
            "(SELECT COUNT(*) FROM bookings b WHERE b.user_id = u.id AND (b.status = 'Active' "
            "   OR (b.status = 'Reserved' AND b.reserved_start <= $1))), "
            "(SELECT COALESCE(SUM(b.cost_cents), 0)::bigint FROM bookings b "
            "   WHERE b.user_id = u.id AND b.status = 'Completed'), "
            "(SELECT MAX(b.created_at) FROM bookings b WHERE b.user_id = u.id) "
            "FROM users u ORDER BY u.id LIMIT $2 OFFSET $3",
            kUserColumns),
        now, limit, offset);
    std::vector<std::pair<User, UserTotals>> out;
    for (int i = 0; i < r.size(); ++i) {
      UserTotals t;
      t.total_bookings = r.int64(i, 8);
      t.active_bookings = r.int64(i, 9);
      t.total_spent_cents = r.int64(i, 10);
      t.last_booking_at = r.opt_time(i, 11);
      out.emplace_back(read_user(r, i), t);
    }
    return out;
  }

  std::int64_t count_users() override { return scalar("SELECT COUNT(*) FROM users"); }

  std::vector<Lot> lots(Timestamp now, std::int64_t limit, std::int64_t offset) override {
    auto r =
        db_.query(std::string(kLotSelect) + "ORDER BY l.id LIMIT $2 OFFSET $3", now, limit, offset);
    std::vector<Lot> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(read_lot(r, i));
    return out;
  }

  std::int64_t count_lots() override {
    return scalar("SELECT COUNT(*) FROM lots WHERE deleted_at IS NULL");
  }

  std::optional<Lot> lot(Id id, Timestamp now) override {
    // In a write transaction the lot row is locked: booking on a lot, resizing it,
    // deleting it or one of its spots then take turns, as SQLite's single writer does,
    // so a spot cannot be removed under a booking being made on it, and concurrent
    // bookings on one lot do not all race for the same lowest spot.
    auto r = db_.query(
        std::string(kLotSelect) + "AND l.id = $2" + (write_ ? " FOR NO KEY UPDATE OF l" : ""), now,
        id);
    if (r.empty()) return std::nullopt;
    return read_lot(r, 0);
  }

  std::optional<Lot> lot_record(Id id) override {
    auto r = db_.query(
        std::string("SELECT l.id, l.name, l.address, l.price_cents, l.capacity, l.created_at, "
                    "0, 0 FROM lots l WHERE l.deleted_at IS NULL AND l.id = $1") +
            (write_ ? " FOR NO KEY UPDATE OF l" : ""),
        id);
    if (r.empty()) return std::nullopt;
    return read_lot(r, 0);
  }

  bool lot_name_taken(const std::string& name, std::optional<Id> except) override {
    return !db_.query(
                   "SELECT 1 FROM lots WHERE deleted_at IS NULL AND lower(name) = lower($1) "
                   "AND ($2 IS NULL OR id <> $2)",
                   name, except)
                .empty();
  }

  Id insert_lot(const std::string& name, const std::string& address, std::int64_t price_cents,
                Timestamp created_at) override {
    return db_
        .query(
            "INSERT INTO lots (name, address, price_cents, capacity, created_at) "
            "VALUES ($1, $2, $3, 0, $4) RETURNING id",
            name, address, price_cents, created_at)
        .int64(0, 0);
  }

  void update_lot(Id id, const LotChanges& c) override {
    db_.query(
        "UPDATE lots SET name = COALESCE($2, name), address = COALESCE($3, address), "
        "price_cents = COALESCE($4, price_cents) WHERE id = $1",
        id, c.name, c.address, c.price_cents);
  }

  void add_spots(Id lot_id, std::int64_t count) override {
    db_.query(
        "INSERT INTO spots (lot_id, number) "
        "SELECT $1, m.base + i FROM (SELECT COALESCE(MAX(number), 0) AS base FROM spots "
        "WHERE lot_id = $1) m, generate_series(1::bigint, $2) AS i",
        lot_id, count);
    db_.query("UPDATE lots SET capacity = capacity + $2 WHERE id = $1", lot_id, count);
  }

  std::vector<Id> removable_spots(Id lot_id, std::int64_t count, Timestamp now) override {
    auto r = db_.query(
        "SELECT s.id FROM spots s WHERE s.lot_id = $1 AND NOT EXISTS ("
        "  SELECT 1 FROM bookings b WHERE b.spot_id = s.id AND b.status IN ('Reserved', 'Active') "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > $3)) "
        "ORDER BY s.number DESC LIMIT $2",
        lot_id, count, now);
    std::vector<Id> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(r.int64(i, 0));
    return out;
  }

  void delete_spots(Id lot_id, const std::vector<Id>& spot_ids) override {
    for (Id id : spot_ids) {
      db_.query("DELETE FROM spots WHERE id = $1 AND lot_id = $2", id, lot_id);
    }
    db_.query(
        "UPDATE lots SET capacity = (SELECT COUNT(*) FROM spots WHERE lot_id = $1) "
        "WHERE id = $1",
        lot_id);
  }

  void soft_delete_lot(Id lot_id, Timestamp at) override {
    db_.query("UPDATE lots SET deleted_at = $2 WHERE id = $1", lot_id, at);
  }

  std::int64_t lot_bookings_in_force(Id lot_id, Timestamp now) override {
    return db_
        .query(
            "SELECT COUNT(*) FROM bookings WHERE lot_id = $1 AND status IN ('Reserved', 'Active') "
            "AND (occupied_until IS NULL OR occupied_until > $2)",
            lot_id, now)
        .int64(0, 0);
  }

  std::int64_t spot_bookings_in_force(Id spot_id, Timestamp now) override {
    return db_
        .query(
            "SELECT COUNT(*) FROM bookings WHERE spot_id = $1 AND status IN ('Reserved', 'Active') "
            "AND (occupied_until IS NULL OR occupied_until > $2)",
            spot_id, now)
        .int64(0, 0);
  }

  std::vector<Spot> spots(Id lot_id, Timestamp now) override {
    auto r = db_.query(
        "SELECT s.id, s.lot_id, s.number, EXISTS (SELECT 1 FROM bookings b WHERE b.spot_id = s.id "
        "  AND b.status IN ('Reserved', 'Active') AND b.starts_at <= $2 "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > $2)) "
        "FROM spots s WHERE s.lot_id = $1 ORDER BY s.number",
        lot_id, now);
    std::vector<Spot> out;
    for (int i = 0; i < r.size(); ++i) {
      out.push_back(Spot{r.int64(i, 0), r.int64(i, 1), r.int64(i, 2), r.boolean(i, 3)});
    }
    return out;
  }

  std::optional<Spot> spot(Id lot_id, Id spot_id, Timestamp now) override {
    auto r = db_.query(
        "SELECT s.id, s.lot_id, s.number, EXISTS (SELECT 1 FROM bookings b WHERE b.spot_id = s.id "
        "  AND b.status IN ('Reserved', 'Active') AND b.starts_at <= $3 "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > $3)) "
        "FROM spots s JOIN lots l ON l.id = s.lot_id "
        "WHERE s.id = $2 AND s.lot_id = $1 AND l.deleted_at IS NULL",
        lot_id, spot_id, now);
    if (r.empty()) return std::nullopt;
    return Spot{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.boolean(0, 3)};
  }

  std::vector<UpcomingReservation> upcoming_reservations(Id lot_id, Timestamp now) override {
    auto r = db_.query(
        "SELECT b.spot_id, b.starts_at, b.occupied_until, u.email FROM bookings b "
        "JOIN users u ON u.id = b.user_id "
        "WHERE b.lot_id = $1 AND b.status = 'Reserved' AND b.occupied_until > $2 "
        "AND b.spot_id IS NOT NULL ORDER BY b.starts_at",
        lot_id, now);
    std::vector<UpcomingReservation> out;
    for (int i = 0; i < r.size(); ++i) {
      out.push_back({r.int64(i, 0), Window{r.time(i, 1), r.opt_time(i, 2)}, r.text(i, 3)});
    }
    return out;
  }

  std::optional<Spot> lowest_free_spot(Id lot_id, const Window& w) override {
    auto r = db_.query(
        "SELECT s.id, s.lot_id, s.number FROM spots s WHERE s.lot_id = $1 AND NOT EXISTS ("
        "  SELECT 1 FROM bookings b WHERE b.spot_id = s.id AND b.status IN ('Reserved', 'Active') "
        "  AND ($3 IS NULL OR b.starts_at < $3) "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > $2)) "
        "ORDER BY s.number LIMIT 1",
        lot_id, w.start, open_end(w));
    if (r.empty()) return std::nullopt;
    return Spot{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), false};
  }

  std::optional<Window> spot_conflict(Id spot_id, const Window& w) override {
    auto r = db_.query(
        "SELECT starts_at, occupied_until FROM bookings WHERE spot_id = $1 "
        "AND status IN ('Reserved', 'Active') AND ($3 IS NULL OR starts_at < $3) "
        "AND (occupied_until IS NULL OR occupied_until > $2) ORDER BY starts_at LIMIT 1",
        spot_id, w.start, open_end(w));
    if (r.empty()) return std::nullopt;
    return Window{r.time(0, 0), r.opt_time(0, 1)};
  }

  Id insert_booking(const NewBooking& b) override {
    bool reserved = b.type == BookingType::reserved;
    std::optional<Timestamp> rs, re;
    if (reserved) rs = b.occupies.start, re = b.occupies.end;
    // A concurrent booking of an overlapping window on this spot fails the exclusion
    // constraint here (23P01); write() reruns the unit, which then picks another spot.
    return db_
        .query(
            "INSERT INTO bookings (user_id, lot_id, lot_name, spot_id, spot_number, type, "
            "vehicle_number, created_at, starts_at, occupied_until, reserved_start, "
            "reserved_end, price_cents, cost_cents, status) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
            "RETURNING id",
            b.user_id, b.lot_id, b.lot_name, b.spot_id, b.spot_number,
            std::string(booking_type_name(b.type)), b.vehicle_number, b.created_at,
            b.occupies.start, open_end(b.occupies), rs, re, b.price_cents, b.cost_cents,
            std::string(reserved ? "Reserved" : "Active"))
        .int64(0, 0);
  }

  std::optional<Booking> booking(Id id) override {
    // Locked in a write transaction: release and cancel check the status and then
    // update, so a second release of the same booking waits here and then sees the
    // first one's outcome.
    auto r = db_.query(fmt::format("SELECT {} FROM bookings b WHERE b.id = $1{}", kBookingColumns,
                                   write_ ? " FOR NO KEY UPDATE" : ""),
                       id);
    if (r.empty()) return std::nullopt;
    return read_booking(r, 0);
  }

  std::optional<Booking> current_booking_on_spot(Id spot_id, Timestamp now) override {
    auto r = db_.query(
        fmt::format("SELECT {}, u.email FROM bookings b JOIN users u ON u.id = b.user_id "
                    "WHERE b.spot_id = $1 AND b.status IN ('Reserved', 'Active') "
                    "AND b.starts_at <= $2 AND (b.occupied_until IS NULL OR b.occupied_until > $2) "
                    "LIMIT 1",
                    kBookingColumns),
        spot_id, now);
    if (r.empty()) return std::nullopt;
    Booking b = read_booking(r, 0);
    b.user_email = r.text(0, 16);
    return b;
  }

  void complete_booking(Id id, Timestamp ended_at, std::int64_t cost_cents) override {
    db_.query(
        "UPDATE bookings SET status = 'Completed', ended_at = $2, cost_cents = $3, "
        "occupied_until = COALESCE(occupied_until, $2) WHERE id = $1",
        id, ended_at, cost_cents);
  }

  void cancel_booking(Id id) override {
    db_.query("UPDATE bookings SET status = 'Cancelled', cost_cents = 0 WHERE id = $1", id);
  }

  void extend_reservation(Id id, Timestamp reserved_end, std::int64_t cost_cents) override {
    pg::extend_reservation(db_, id, reserved_end, cost_cents);
  }

  std::vector<Booking> bookings(const BookingFilter& f, Timestamp now) override {
    Params p;
    std::string sql = fmt::format(
        "SELECT {}{} FROM bookings b{}{}", kBookingColumns, f.with_user_email ? ", u.email" : "",
        f.with_user_email ? " JOIN users u ON u.id = b.user_id" : "", filter_where(f, now, p));
    p.add(f.limit);
    sql += " ORDER BY b.created_at DESC, b.id DESC LIMIT " + last_param(p);
    p.add(f.offset);
    sql += " OFFSET " + last_param(p);
    auto r = db_.run(sql, p);
    std::vector<Booking> out;
    for (int i = 0; i < r.size(); ++i) {
      out.push_back(read_booking(r, i));
      if (f.with_user_email) out.back().user_email = r.text(i, 16);
    }
    return out;
  }

  std::int64_t count_bookings(const BookingFilter& f, Timestamp now) override {
    Params p;
    std::string sql = "SELECT COUNT(*) FROM bookings b" + filter_where(f, now, p);
    return db_.run(sql, p).int64(0, 0);
  }

  std::int64_t complete_ended_reservations(Timestamp now) override {
    return db_
        .query(
            "UPDATE bookings SET status = 'Completed', ended_at = reserved_end "
            "WHERE status = 'Reserved' AND occupied_until <= $1",
            now)
        .affected();
  }

  std::optional<StoredResponse> idempotent_response(Id user_id, const std::string& key,
                                                    Timestamp not_before) override {
    // Requests with the same key take turns from here to the end of the transaction
    // (which stores the response), so the second one finds the first one's answer
    // instead of booking again.
    if (write_) {
      db_.query("SELECT pg_advisory_xact_lock(hashtextextended($2, $1))", user_id, key);
    }
    auto r = db_.query(
        "SELECT status, body, request_hash FROM idempotency_keys "
        "WHERE user_id = $1 AND key = $2 AND created_at >= $3",
        user_id, key, not_before);
    if (r.empty()) return std::nullopt;
    return StoredResponse{static_cast<int>(r.int64(0, 0)), r.text(0, 1), r.text(0, 2)};
  }

  void store_idempotent_response(Id user_id, const std::string& key, const StoredResponse& s,
                                 Timestamp at) override {
    db_.query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, key) DO UPDATE SET "
        "request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, body = EXCLUDED.body, "
        "created_at = EXCLUDED.created_at",
        user_id, key, s.request_hash, s.status, s.body, at);
  }

  void purge_idempotency_keys(Timestamp before) override {
    db_.query("DELETE FROM idempotency_keys WHERE created_at < $1", before);
  }

  Id enqueue_job(const NewJob& j, Timestamp now) override {
    auto r = db_.query(
        "INSERT INTO jobs (type, payload, status, max_attempts, run_at, dedupe_key, "
        "owner_user_id, created_at) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        j.type, j.payload, j.max_attempts, j.run_at, j.dedupe_key, j.owner_user_id, now);
    if (!r.empty()) {
      // Delivered at commit, to every process's job listener.
      db_.query("SELECT pg_notify('parkd_jobs', '')");
      return r.int64(0, 0);
    }
    return db_.query("SELECT id FROM jobs WHERE dedupe_key = $1", *j.dedupe_key).int64(0, 0);
  }

  std::optional<Job> job(Id id) override {
    auto r = db_.query(fmt::format("SELECT {} FROM jobs WHERE id = $1", kJobColumns), id);
    if (r.empty()) return std::nullopt;
    return read_job(r, 0);
  }

  std::vector<Job> jobs(const std::optional<std::string>& status,
                        const std::optional<std::string>& type, std::int64_t limit,
                        std::int64_t offset) override {
    auto r = db_.query(
        fmt::format("SELECT {} FROM jobs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS "
                    "NULL OR type = $2) ORDER BY id DESC LIMIT $3 OFFSET $4",
                    kJobColumns),
        status, type, limit, offset);
    std::vector<Job> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(read_job(r, i));
    return out;
  }

  std::int64_t count_jobs(const std::optional<std::string>& status,
                          const std::optional<std::string>& type) override {
    return db_
        .query(
            "SELECT COUNT(*) FROM jobs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS "
            "NULL OR type = $2)",
            status, type)
        .int64(0, 0);
  }

  bool requeue_job(Id job_id, Timestamp now) override {
    auto r = db_.query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $2, lease_until = NULL, "
        "finished_at = NULL WHERE id = $1 AND status IN ('dead', 'failed')",
        job_id, now);
    if (r.affected() == 0) return false;
    db_.query("SELECT pg_notify('parkd_jobs', '')");  // wakes a worker at commit
    return true;
  }

  bool delete_finished_job(Id job_id) override {
    return db_.query("DELETE FROM jobs WHERE id = $1 AND status IN ('dead', 'succeeded')", job_id)
               .affected() > 0;
  }
  std::vector<JobCount> job_counts() override {
    auto r =
        db_.query("SELECT type, status, COUNT(*) FROM jobs GROUP BY type, status ORDER BY 1, 2");
    std::vector<JobCount> out;
    for (int i = 0; i < r.size(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.int64(i, 2)});
    return out;
  }
  std::int64_t purge_finished_jobs(Timestamp before) override {
    return db_.query("DELETE FROM jobs WHERE status = 'succeeded' AND finished_at < $1", before)
        .affected();
  }

  std::int64_t purge_schedule_runs(Timestamp before) override {
    return db_
        .query(
            "DELETE FROM schedule_runs s WHERE due_at < $1 AND due_at < (SELECT MAX(r.due_at) "
            "FROM schedule_runs r WHERE r.name = s.name)",
            before)
        .affected();
  }

  std::optional<Job> claim_job(Timestamp now, Timestamp lease_until) override {
    // The earliest runnable job and the earliest job with a lapsed lease, each by its
    // own partial index, then the earlier of the two (as in SQLite). SKIP LOCKED: a job
    // another worker is claiming right now is passed over, not waited for, so workers
    // in any number of processes neither block each other nor claim the same job.
    auto r = db_.query(
        fmt::format(
            "WITH runnable AS (SELECT id, run_at FROM jobs WHERE status IN ('queued', 'failed') "
            "  AND run_at <= $1 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), "
            "lapsed AS (SELECT id, run_at FROM jobs WHERE status = 'running' "
            "  AND lease_until < $1 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $2 "
            "WHERE id = (SELECT id FROM (SELECT * FROM runnable UNION ALL SELECT * FROM lapsed) c "
            "  ORDER BY run_at, id LIMIT 1) "
            "RETURNING {}",
            kJobColumns),
        now, lease_until);
    if (r.empty()) return std::nullopt;
    return read_job(r, 0);
  }

  std::optional<Timestamp> next_job_due() override {
    return db_
        .query(
            "SELECT MIN(t) FROM (SELECT MIN(run_at) AS t FROM jobs "
            "WHERE status IN ('queued', 'failed') "
            "UNION ALL SELECT MIN(lease_until) FROM jobs WHERE status = 'running') AS due")
        .opt_time(0, 0);
  }

  bool extend_lease(Id job_id, int attempt, Timestamp lease_until) override {
    return db_.query(
                  "UPDATE jobs SET lease_until = $3 "
                  "WHERE id = $1 AND attempts = $2 AND status = 'running'",
                  job_id, attempt, lease_until)
               .affected() > 0;
  }

  bool finish_job(Id job_id, int attempt, Timestamp at) override {
    return db_.query(
                  "UPDATE jobs SET status = 'succeeded', finished_at = $3, lease_until = NULL, "
                  "last_error = NULL "
                  "WHERE id = $1 AND attempts = $2 AND status = 'running'",
                  job_id, attempt, at)
               .affected() > 0;
  }

  bool fail_job(Id job_id, int attempt, const std::string& error, std::optional<Timestamp> retry_at,
                Timestamp at) override {
    return db_.query(
                  "UPDATE jobs SET status = CASE WHEN $4 IS NULL THEN 'dead' ELSE 'failed' END, "
                  "last_error = $3, run_at = COALESCE($4, run_at), lease_until = NULL, "
                  "finished_at = CASE WHEN $4 IS NULL THEN $5 ELSE NULL END "
                  "WHERE id = $1 AND attempts = $2 AND status = 'running'",
                  job_id, attempt, error, retry_at, at)
               .affected() > 0;
  }

  std::string job_progress(Id job_id) override {
    // Locked in a write transaction: progress is read, merged and written back.
    auto r = db_.query(std::string("SELECT progress FROM jobs WHERE id = $1") +
                           (write_ ? " FOR NO KEY UPDATE" : ""),
                       job_id);
    return r.empty() ? "{}" : r.text(0, 0);
  }

  void set_job_progress(Id job_id, const std::string& progress) override {
    db_.query("UPDATE jobs SET progress = $2 WHERE id = $1", job_id, progress);
  }

  bool claim_schedule_run(const std::string& name, Timestamp due_at, const NewJob& job,
                          Timestamp now) override {
    // A concurrent claim of the same (name, due_at) waits for ours, then does nothing.
    auto claimed = db_.query(
        "INSERT INTO schedule_runs (name, due_at, created_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (name, due_at) DO NOTHING",
        name, due_at, now);
    if (claimed.affected() == 0) return false;
    Id id = enqueue_job(job, now);
    db_.query("UPDATE schedule_runs SET job_id = $3 WHERE name = $1 AND due_at = $2", name, due_at,
              id);
    return true;
  }

  std::optional<Timestamp> last_schedule_run(const std::string& name) override {
    return db_.query("SELECT MAX(due_at) FROM schedule_runs WHERE name = $1", name).opt_time(0, 0);
  }

  std::vector<User> inactive_users(Timestamp since) override {
    auto r = db_.query(
        fmt::format("SELECT {} FROM users u WHERE u.role = 'user' AND u.disabled = 0 AND NOT "
                    "EXISTS (SELECT 1 FROM "
                    "bookings b WHERE b.user_id = u.id AND b.created_at >= $1) ORDER BY u.id",
                    kUserColumns),
        since);
    std::vector<User> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(read_user(r, i));
    return out;
  }

  std::vector<Id> users_with_bookings_between(Timestamp from, Timestamp to) override {
    auto r = db_.query(
        "SELECT DISTINCT user_id FROM bookings WHERE starts_at >= $1 AND starts_at < $2 "
        "ORDER BY user_id",
        from, to);
    std::vector<Id> out;
    for (int i = 0; i < r.size(); ++i) out.push_back(r.int64(i, 0));
    return out;
  }

  RangeSummary range_summary(std::optional<Id> user_id, Timestamp from, Timestamp to) override {
    RangeSummary s;
    auto r = db_.query(
        "SELECT lot_id, MAX(lot_name), COUNT(*), COUNT(*) FILTER (WHERE status = 'Completed'), "
        "COALESCE(SUM(cost_cents) FILTER (WHERE status = 'Completed'), 0)::bigint, "
        "COALESCE(SUM(ended_at - starts_at) FILTER (WHERE status = 'Completed'), 0)::bigint "
        "FROM bookings WHERE " +
            user_filter(user_id) +
            " AND starts_at >= $2 AND starts_at < $3 "
            "GROUP BY lot_id ORDER BY COUNT(*) DESC, lot_id",
        user_id, from, to);
    for (int i = 0; i < r.size(); ++i) {
      s.lots.push_back({r.int64(i, 0), r.text(i, 1), r.int64(i, 2), r.int64(i, 4)});
      s.bookings += r.int64(i, 2);
      s.completed += r.int64(i, 3);
      s.revenue_cents += r.int64(i, 4);
      s.parked_seconds += r.int64(i, 5);
    }
    return s;
  }

  void for_each_booking(std::optional<Id> user_id,
                        const std::function<void(const Booking&)>& fn) override {
    // In chunks by id (keyset), so that memory does not grow with the table.
    for (Id after = 0;;) {
      auto r = db_.query(
          fmt::format("SELECT {}, u.email FROM bookings b JOIN users u ON u.id = b.user_id "
                      "WHERE {} AND b.id > $2 ORDER BY b.id LIMIT $3",
                      kBookingColumns, user_filter(user_id, "b.user_id")),
          user_id, after, kChunk);
      for (int i = 0; i < r.size(); ++i) {
        Booking b = read_booking(r, i);
        b.user_email = r.text(i, 16);
        after = b.id;
        fn(b);
      }
      if (r.size() < kChunk) return;
    }
  }

  void for_each_user(const std::function<void(const User&)>& fn) override {
    for (Id after = 0;;) {
      auto r =
          db_.query(fmt::format("SELECT {} FROM users u WHERE u.id > $1 ORDER BY u.id LIMIT $2",
                                kUserColumns),
                    after, kChunk);
      for (int i = 0; i < r.size(); ++i) {
        User u = read_user(r, i);
        after = u.id;
        fn(u);
      }
      if (r.size() < kChunk) return;
    }
  }

  StatusCounts booking_counts(std::optional<Id> user_id, Timestamp now) override {
    auto r = db_.query(
        "SELECT COUNT(*), "
        "COUNT(*) FILTER (WHERE status = 'Reserved' AND reserved_start > $2), "
        "COUNT(*) FILTER (WHERE status = 'Active' OR (status = 'Reserved' "
        "  AND reserved_start <= $2)), "
        "COUNT(*) FILTER (WHERE status = 'Completed'), "
        "COUNT(*) FILTER (WHERE status = 'Cancelled'), "
        "COALESCE(SUM(cost_cents) FILTER (WHERE status = 'Completed'), 0)::bigint, "
        "COALESCE(SUM(ended_at - starts_at) FILTER (WHERE status = 'Completed'), 0)::bigint "
        "FROM bookings WHERE " +
            user_filter(user_id),
        user_id, now);
    return StatusCounts{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.int64(0, 3),
                        r.int64(0, 4), r.int64(0, 5), r.int64(0, 6)};
  }

  std::vector<LotAggregate> per_lot(std::optional<Id> user_id) override {
    // Lots are only soft-deleted, so each has its current name, as for the admin.
    auto r =
        user_id ? db_.query(
                      "SELECT l.id, l.name, COUNT(*), COALESCE(SUM(b.cost_cents) FILTER "
                      "(WHERE b.status = 'Completed'), 0)::bigint "
                      "FROM bookings b JOIN lots l ON l.id = b.lot_id WHERE b.user_id = $1 "
                      "GROUP BY l.id ORDER BY l.id",
                      *user_id)
                : db_.query(
                      "SELECT l.id, l.name, COUNT(b.id), COALESCE(SUM(b.cost_cents) FILTER "
                      "(WHERE b.status = 'Completed'), 0)::bigint "
                      "FROM lots l LEFT JOIN bookings b ON b.lot_id = l.id "
                      "WHERE l.deleted_at IS NULL OR b.id IS NOT NULL GROUP BY l.id ORDER BY l.id");
    std::vector<LotAggregate> out;
    for (int i = 0; i < r.size(); ++i) {
      out.push_back({r.int64(i, 0), r.text(i, 1), r.int64(i, 2), r.int64(i, 3)});
    }
    return out;
  }

  std::vector<CountAndSum> bucket_totals(std::optional<Id> user_id,
                                         const std::vector<Timestamp>& boundaries) override {
    BucketTotals totals(boundaries);
    if (boundaries.size() < 2) return totals.take();
    auto r =
        db_.query("SELECT starts_at, (status = 'Completed')::int, cost_cents FROM bookings WHERE " +
                      user_filter(user_id) + " AND starts_at >= $2 AND starts_at < $3",
                  user_id, boundaries.front(), boundaries.back());
    for (int i = 0; i < r.size(); ++i) totals.add(r.time(i, 0), r.int64(i, 1) != 0, r.int64(i, 2));
    return totals.take();
  }

  std::int64_t count_users_created_between(Timestamp from, Timestamp to) override {
    return db_
        .query("SELECT COUNT(*) FROM users WHERE created_at >= $1 AND created_at < $2", from, to)
        .int64(0, 0);
  }

  std::int64_t total_spots() override {
    return scalar(
        "SELECT COUNT(*) FROM spots s JOIN lots l ON l.id = s.lot_id WHERE l.deleted_at IS NULL");
  }

  std::int64_t occupied_spots(Timestamp now) override {
    return db_
        .query(
            "SELECT COUNT(DISTINCT spot_id) FROM bookings WHERE status IN ('Reserved', 'Active') "
            "AND starts_at <= $1 AND (occupied_until IS NULL OR occupied_until > $1) "
            "AND spot_id IS NOT NULL",
            now)
        .int64(0, 0);
  }

 private:
  std::int64_t scalar(const char* sql) { return db_.query(sql).int64(0, 0); }

  Connection& db_;
  bool write_;
};

// Conflicts (a concurrent booking took the spot, a concurrent register took the email)
// are resolved by rerunning the unit; a lot's worth of contenders needs a few reruns.
constexpr int kMaxAttempts = 30;
// After a lost connection (server restart), the unit is rerun on a new one this often.
constexpr int kMaxReconnects = 2;
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
  return {ErrorKind::unavailable, "unavailable", "The database is unavailable", {}, {}, 0};
}

class PgStore;

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
      : url_(std::move(url)), max_(std::max(1, max_connections)) {}

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

  Status read(const Work& work) override {
    for (int reconnects = 0;; ++reconnects) {
      Lease lease(*this);
      if (!lease.open()) return unavailable();
      Connection& conn = lease.conn();
      try {
        conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      } catch (const pg::Error& e) {
        // Typically a pooled connection the server dropped (restart): try a new one.
        if (e.connection_lost()) lease.discard();
        if (e.connection_lost() && reconnects < kMaxReconnects) continue;
        spdlog::error("database: {}", e.what());
        return unavailable();
      }
      Status result = ok_status();
      try {
        PgTx tx(conn, false);
        result = work(tx);
      } catch (const std::exception& e) {
        spdlog::error("database: {}", e.what());
        result = Error::internal();
      }
      end_quietly(conn, "COMMIT");  // read only: this just ends the snapshot
      return result;
    }
  }

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
    std::lock_guard lock(listen_mutex_);
    if (!listener_) {
      try {
        listener_ = std::make_unique<Connection>(url_);
        listener_->exec("LISTEN parkd_jobs");
      } catch (const pg::Error& e) {
        listener_.reset();
        if (!listener_failing_) spdlog::warn("database: cannot listen for jobs: {}", e.what());
        listener_failing_ = true;
        std::this_thread::sleep_for(timeout);
        return false;
      }
      if (listener_failing_) spdlog::info("database: listening for jobs again");
      bool missed = listener_failing_;
      listener_failing_ = false;
      // Jobs enqueued while no one listened sent no signal we could see.
      if (missed) return true;
    }
    PGconn* c = listener_->handle();
    if (drain_notifications(c)) return true;
    pollfd fd{PQsocket(c), POLLIN, 0};
    int ready = fd.fd < 0 ? -1 : ::poll(&fd, 1, static_cast<int>(timeout.count()));
    if (ready == 0 || (ready < 0 && errno == EINTR)) return false;
    if (ready < 0 || !PQconsumeInput(c)) {
      spdlog::warn("database: job listener connection lost; reconnecting");
      listener_.reset();
      listener_failing_ = true;
      return false;
    }
    return drain_notifications(c);
  }

 private:
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
    Error error() const { return {ErrorKind::unavailable, "unavailable", error_, {}, {}, 0}; }
    Connection& conn() { return *conn_; }
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
    std::unique_ptr<Connection> conn_;
    std::string error_;
  };

  Attempt write_once(const Work& work) {
    Lease lease(*this);
    if (!lease.open()) return {Outcome::done, unavailable()};
    Connection& conn = lease.conn();
    conn.clear_failure();
    bool committing = false;
    try {
      // Explicit: a server whose default is stricter would only add retries.
      conn.exec("BEGIN ISOLATION LEVEL READ COMMITTED");
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
      conn.exec("COMMIT");
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
      if (!result.ok()) conn.exec("ROLLBACK TO SAVEPOINT unit");
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
    if (!conn.usable() || conn.idle()) return;
    PGresult* r = PQexec(conn.handle(), sql);
    PQclear(r);
  }

  static bool drain_notifications(PGconn* c) {
    bool any = false;
    while (PGnotify* n = PQnotifies(c)) {
      PQfreemem(n);
      any = true;
    }
    return any;
  }

  PoolUsage pool_usage() override {
    std::lock_guard lock(pool_mutex_);
    return {open_ - static_cast<int>(idle_.size()), open_};
  }

  // Blocks while the pool is exhausted (unless this thread already holds a connection).
  std::unique_ptr<Connection> acquire() {
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
      auto c = std::make_unique<Connection>(url_);
      ++t_held;
      return c;
    } catch (...) {
      forget_one();
      throw;
    }
  }

  void release(std::unique_ptr<Connection> conn) {
    --t_held;
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
    std::vector<std::unique_ptr<Connection>> dropped;
    std::lock_guard lock(pool_mutex_);
    open_ -= static_cast<int>(idle_.size());
    dropped.swap(idle_);
    pool_cv_.notify_all();
  }

  std::string url_;
  int max_;
  std::mutex pool_mutex_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle + in use

  std::mutex listen_mutex_;
  std::unique_ptr<Connection> listener_;
  bool listener_failing_ = false;
};

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
        {"status", true}},
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
        {"finished_at", false}},
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

std::unique_ptr<Store> make_postgres_store(const std::string& url, const StoreOptions& options) {
  return std::make_unique<PgStore>(url, options.max_connections);
}

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
    PgStore target(pg_url, 1);
    if (Status st = target.migrate(); !st) return st;
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
