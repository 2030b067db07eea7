#include "store/sqlite/sqlite_store.h"

#include "common/log.h"
#include "common/private_files.h"
#include "common/threads.h"
#include "store/bucketing.h"
#include "store/sqlite/booking_extension.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"

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
using sqlite::Statement;

BookingStatus stored_status_from(const std::string& text) {
  return parse_booking_status(text).value_or(BookingStatus::active);
}

std::optional<std::int64_t> open_end(const Window& w) {
  if (!w.end) return std::nullopt;
  return to_unix(*w.end);
}

constexpr const char* kUserColumns =
    "id, email, username, role, token_version, created_at, password_hash, disabled";

User read_user(const Statement& s, int c = 0) {
  User u;
  u.id = s.int64(c);
  u.email = s.text(c + 1);
  u.username = s.opt_text(c + 2);
  u.role = s.text(c + 3) == "admin" ? Role::admin : Role::user;
  u.token_version = s.int64(c + 4);
  u.created_at = s.time(c + 5);
  u.password_hash = s.text(c + 6);
  u.disabled = s.int64(c + 7) != 0;
  return u;
}

constexpr const char* kBookingColumns =
    "b.id, b.user_id, b.lot_id, b.lot_name, b.spot_id, b.spot_number, b.type, b.vehicle_number, "
    "b.created_at, b.starts_at, b.ended_at, b.reserved_start, b.reserved_end, b.price_cents, "
    "b.cost_cents, b.status";

Booking read_booking(const Statement& s) {
  Booking b;
  b.id = s.int64(0);
  b.user_id = s.int64(1);
  b.lot_id = s.int64(2);
  b.lot_name = s.text(3);
  b.spot_id = s.opt_int64(4);
  b.spot_number = s.int64(5);
  b.type = s.text(6) == "reserved" ? BookingType::reserved : BookingType::immediate;
  b.vehicle_number = s.opt_text(7);
  b.created_at = s.time(8);
  b.start_time = s.time(9);
  b.end_time = s.opt_time(10);
  b.reserved_start = s.opt_time(11);
  b.reserved_end = s.opt_time(12);
  b.price_cents = s.int64(13);
  b.cost_cents = s.int64(14);
  b.stored_status = stored_status_from(s.text(15));
  return b;
}

constexpr const char* kLotSelect =
    "SELECT l.id, l.name, l.address, l.price_cents, l.capacity, l.created_at, "
    // COUNT, not COUNT(DISTINCT): bookings in force on one spot never overlap, so at
    // most one per spot holds it now. Both counts read only the covering index
    // bookings_in_force_by_lot_start (the lot list was 3x slower without it).
    "(SELECT COUNT(b.spot_id) FROM bookings b WHERE b.lot_id = l.id "
    "  AND b.status IN ('Reserved', 'Active') AND b.starts_at <= ?1 "
    "  AND (b.occupied_until IS NULL OR b.occupied_until > ?1)), "
    "(SELECT COUNT(DISTINCT b.spot_id) FROM bookings b WHERE b.lot_id = l.id "
    "  AND b.status IN ('Reserved', 'Active') AND b.status = 'Reserved' AND b.starts_at > ?1) "
    "FROM lots l WHERE l.deleted_at IS NULL ";

Lot read_lot(const Statement& s) {
  Lot l;
  l.id = s.int64(0);
  l.name = s.text(1);
  l.address = s.text(2);
  l.price_cents = s.int64(3);
  l.capacity = s.int64(4);
  l.created_at = s.time(5);
  l.occupied_spots = s.int64(6);
  l.reserved_spots = s.int64(7);
  return l;
}

// The WHERE clause for a BookingFilter; parameters ?1 = now, then ?2.. as listed.
struct FilterSql {
  std::string where;
};

FilterSql filter_sql(const BookingFilter& f) {
  // Always true, but it mentions ?1 (now) so that every form binds the same way:
  // SQLite refuses to bind an index past the highest one in the text.
  std::string w = " WHERE ?1 IS NOT NULL";
  if (f.user_id) w += " AND b.user_id = ?2";
  if (f.lot_id) w += " AND b.lot_id = ?3";
  if (f.from) w += " AND b.starts_at >= ?4";
  if (f.to) w += " AND b.starts_at < ?5";
  if (f.status) {
    switch (*f.status) {
      case BookingStatus::reserved:
        w += " AND b.status = 'Reserved' AND b.reserved_start > ?1";
        break;
      case BookingStatus::active:
        w += " AND (b.status = 'Active' OR (b.status = 'Reserved' AND b.reserved_start <= ?1))";
        break;
      case BookingStatus::completed:
        w += " AND b.status = 'Completed'";
        break;
      case BookingStatus::cancelled:
        w += " AND b.status = 'Cancelled'";
        break;
    }
  }
  return {w};
}

void bind_filter(Statement& s, const BookingFilter& f, Timestamp now) {
  s.bind(1, now);  // filter_sql always mentions ?1
  if (f.user_id) s.bind(2, *f.user_id);
  if (f.lot_id) s.bind(3, *f.lot_id);
  if (f.from) s.bind(4, *f.from);
  if (f.to) s.bind(5, *f.to);
}

Job read_job(const Statement& s) {
  Job j;
  j.id = s.int64(0);
  j.type = s.text(1);
  j.payload = s.text(2);
  j.status = s.text(3);
  j.attempts = static_cast<int>(s.int64(4));
  j.max_attempts = static_cast<int>(s.int64(5));
  j.last_error = s.opt_text(6);
  j.owner_user_id = s.opt_int64(7);
  j.created_at = s.time(8);
  j.run_at = s.time(9);
  j.lease_until = s.opt_time(10);
  j.finished_at = s.opt_time(11);
  return j;
}

constexpr const char* kJobColumns =
    "id, type, payload, status, attempts, max_attempts, last_error, owner_user_id, created_at, "
    "run_at, lease_until, finished_at";

// "user_id = ?1", or a condition that is always true when there is no user: either way
// the text mentions ?1, so one binding fits both. Two statements rather than one with
// "(?1 IS NULL OR user_id = ?1)", which SQLite cannot answer from the user_id index.
std::string user_filter(std::optional<Id> user_id, const char* column = "user_id") {
  return user_id ? std::string(column) + " = ?1" : std::string("?1 IS NULL");
}

// The lot list as a pooled connection last read it. It is used again while the database
// is unchanged (SQLite's data version, which every commit by any connection or process
// moves) and no booking has started or ended since (the counts depend on the time). Only
// a list asked for twice with no commit between is kept: where commits never stop, the
// extra query that finds the next start or end would only add to every list.
struct LotListMemo {
  std::optional<unsigned> seen_version;  // of the last list read on this connection
  bool kept = false;
  std::int64_t limit = 0;
  std::int64_t offset = 0;
  // Unix seconds: when it was read, and the next start or end of a booking in force.
  std::int64_t valid_from = 0;
  std::int64_t valid_until = 0;
  std::vector<Lot> lots;
  std::optional<std::int64_t> count;  // count_lots() at seen_version

  // Records the version a read sees; what was kept goes when it moved. True when not.
  bool saw(unsigned version) {
    if (seen_version == version) return true;
    seen_version = version;
    kept = false;
    count.reset();
    return false;
  }
};

// A connection of the read pool, with what its reads remember between transactions.
struct ReadConnection final : Connection {
  using Connection::Connection;
  LotListMemo lot_list;
};

class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(Connection& db, LotListMemo* lot_list = nullptr)
      : db_(db), lot_list_(lot_list) {}

  Id insert_user(const NewUser& u) override {
    db_.prepare(
           "INSERT INTO users (email, username, password_hash, role, token_version, created_at) "
           "VALUES (?1, ?2, ?3, ?4, 0, ?5)")
        .bind_all(u.email, u.username, u.password_hash, std::string(role_name(u.role)),
                  u.created_at)
        .run();
    return db_.last_insert_id();
  }

  std::optional<User> user_by_id(Id id) override {
    static const std::string sql = fmt::format("SELECT {} FROM users WHERE id = ?1", kUserColumns);
    auto s = db_.prepare(sql);
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_user(s);
  }

  std::optional<User> user_by_login(const std::string& login) override {
    {
      auto s = db_.prepare(
          fmt::format("SELECT {} FROM users WHERE email = ?1 COLLATE NOCASE", kUserColumns));
      s.bind(1, login);
      if (s.step()) return read_user(s);
    }
    auto s = db_.prepare(
        fmt::format("SELECT {} FROM users WHERE username = ?1 COLLATE NOCASE", kUserColumns));
    s.bind(1, login);
    if (s.step()) return read_user(s);
    return std::nullopt;
  }

  bool email_taken(const std::string& email) override {
    auto s = db_.prepare("SELECT 1 FROM users WHERE email = ?1 COLLATE NOCASE");
    s.bind(1, email);
    return s.step();
  }

  bool username_taken(const std::string& username) override {
    auto s = db_.prepare("SELECT 1 FROM users WHERE username = ?1 COLLATE NOCASE");
    s.bind(1, username);
    return s.step();
  }

  void bump_token_version(Id user_id) override {
    db_.prepare("UPDATE users SET token_version = token_version + 1 WHERE id = ?1")
        .bind(1, user_id)
        .run();
  }

  void set_username(Id user_id, const std::optional<std::string>& username) override {
    db_.prepare("UPDATE users SET username = ?2 WHERE id = ?1").bind_all(user_id, username).run();
  }

  void set_password_hash(Id user_id, const std::string& password_hash) override {
    db_.prepare(
           "UPDATE users SET password_hash = ?2, token_version = token_version + 1 WHERE id = ?1")
        .bind_all(user_id, password_hash)
        .run();
  }

  void set_role(Id user_id, Role role) override {
    db_.prepare("UPDATE users SET role = ?2, token_version = token_version + 1 WHERE id = ?1")
        .bind_all(user_id, std::string(role_name(role)))
        .run();
  }

  void set_disabled(Id user_id, bool disabled) override {
    db_.prepare("UPDATE users SET disabled = ?2, token_version = token_version + 1 WHERE id = ?1")
        .bind_all(user_id, std::int64_t{disabled ? 1 : 0})
        .run();
  }

  std::int64_t count_enabled_admins() override {
    return scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0");
  }

  std::optional<User> first_admin() override {
    auto s = db_.prepare(
        fmt::format("SELECT {} FROM users WHERE role = 'admin' ORDER BY id LIMIT 1", kUserColumns));
    if (!s.step()) return std::nullopt;
    return read_user(s);
  }

  std::vector<std::pair<User, UserTotals>> users_with_totals(Timestamp now, std::int64_t limit,
                                                             std::int64_t offset) override {
    auto s = db_.prepare(fmt::format(
        "SELECT {}, "
        "(SELECT COUNT(*) FROM bookings b WHERE b.user_id = u.id), "
        "(SELECT COUNT(*) FROM bookings b WHERE b.user_id = u.id AND (b.status = 'Active' "
        "   OR (b.status = 'Reserved' AND b.reserved_start <= ?1))), "
        "(SELECT COALESCE(SUM(b.cost_cents), 0) FROM bookings b WHERE b.user_id = u.id "
        "   AND b.status = 'Completed'), "
        "(SELECT MAX(b.created_at) FROM bookings b WHERE b.user_id = u.id) "
        "FROM users u ORDER BY u.id LIMIT ?2 OFFSET ?3",
        "u.id, u.email, u.username, u.role, u.token_version, u.created_at, u.password_hash, "
        "u.disabled"));
    s.bind_all(now, limit, offset);
    std::vector<std::pair<User, UserTotals>> out;
    while (s.step()) {
      UserTotals t;
      t.total_bookings = s.int64(8);
      t.active_bookings = s.int64(9);
      t.total_spent_cents = s.int64(10);
      t.last_booking_at = s.opt_time(11);
      out.emplace_back(read_user(s), t);
    }
    return out;
  }

  std::int64_t count_users() override { return scalar("SELECT COUNT(*) FROM users"); }

  std::vector<Lot> lots(Timestamp now, std::int64_t limit, std::int64_t offset) override {
    if (lot_list_ == nullptr) return query_lots(now, limit, offset);
    LotListMemo& memo = *lot_list_;
    bool unchanged = memo.saw(data_version());
    if (unchanged && memo.kept && memo.limit == limit && memo.offset == offset &&
        memo.valid_from <= to_unix(now) && to_unix(now) < memo.valid_until) {
      return memo.lots;
    }
    memo.kept = false;
    auto out = query_lots(now, limit, offset);
    if (unchanged) {
      memo.kept = true;
      memo.limit = limit;
      memo.offset = offset;
      memo.valid_from = to_unix(now);
      memo.valid_until = next_booking_start_or_end(now);
      memo.lots = out;
    }
    return out;
  }

  std::int64_t count_lots() override {
    if (lot_list_ == nullptr) return query_count_lots();
    LotListMemo& memo = *lot_list_;
    memo.saw(data_version());
    if (!memo.count) memo.count = query_count_lots();
    return *memo.count;
  }

  std::optional<Lot> lot(Id id, Timestamp now) override {
    auto s = db_.prepare(std::string(kLotSelect) + "AND l.id = ?2");
    s.bind_all(now, id);
    if (!s.step()) return std::nullopt;
    return read_lot(s);
  }

  std::optional<Lot> lot_record(Id id) override {
    auto s = db_.prepare(
        "SELECT l.id, l.name, l.address, l.price_cents, l.capacity, l.created_at, 0, 0 "
        "FROM lots l WHERE l.deleted_at IS NULL AND l.id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_lot(s);
  }

  bool lot_name_taken(const std::string& name, std::optional<Id> except) override {
    auto s = db_.prepare(
        "SELECT 1 FROM lots WHERE deleted_at IS NULL AND name = ?1 COLLATE NOCASE "
        "AND (?2 IS NULL OR id <> ?2)");
    s.bind_all(name, except);
    return s.step();
  }

  Id insert_lot(const std::string& name, const std::string& address, std::int64_t price_cents,
                Timestamp created_at) override {
    db_.prepare(
           "INSERT INTO lots (name, address, price_cents, capacity, created_at) "
           "VALUES (?1, ?2, ?3, 0, ?4)")
        .bind_all(name, address, price_cents, created_at)
        .run();
    return db_.last_insert_id();
  }

  void update_lot(Id id, const LotChanges& c) override {
    db_.prepare(
           "UPDATE lots SET name = COALESCE(?2, name), address = COALESCE(?3, address), "
           "price_cents = COALESCE(?4, price_cents) WHERE id = ?1")
        .bind_all(id, c.name, c.address, c.price_cents)
        .run();
  }

  void add_spots(Id lot_id, std::int64_t count) override {
    // A recursive CTE generates the numbers in one statement.
    db_.prepare(
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) "
           "INSERT INTO spots (lot_id, number) "
           "SELECT ?1, (SELECT COALESCE(MAX(number), 0) FROM spots WHERE lot_id = ?1) + i FROM n")
        .bind_all(lot_id, count)
        .run();
    db_.prepare("UPDATE lots SET capacity = capacity + ?2 WHERE id = ?1")
        .bind_all(lot_id, count)
        .run();
  }

  std::vector<Id> removable_spots(Id lot_id, std::int64_t count, Timestamp now) override {
    auto s = db_.prepare(
        "SELECT s.id FROM spots s WHERE s.lot_id = ?1 AND NOT EXISTS ("
        "  SELECT 1 FROM bookings b WHERE b.spot_id = s.id AND b.status IN ('Reserved', 'Active') "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > ?3)) "
        "ORDER BY s.number DESC LIMIT ?2");
    s.bind_all(lot_id, count, now);
    std::vector<Id> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
  }

  void delete_spots(Id lot_id, const std::vector<Id>& spot_ids) override {
    for (Id id : spot_ids) {
      db_.prepare("DELETE FROM spots WHERE id = ?1 AND lot_id = ?2").bind_all(id, lot_id).run();
    }
    db_.prepare(
           "UPDATE lots SET capacity = (SELECT COUNT(*) FROM spots WHERE lot_id = ?1) WHERE id = "
           "?1")
        .bind(1, lot_id)
        .run();
  }

  void soft_delete_lot(Id lot_id, Timestamp at) override {
    db_.prepare("UPDATE lots SET deleted_at = ?2 WHERE id = ?1").bind_all(lot_id, at).run();
  }

  std::int64_t lot_bookings_in_force(Id lot_id, Timestamp now) override {
    auto s = db_.prepare(
        "SELECT COUNT(*) FROM bookings WHERE lot_id = ?1 AND status IN ('Reserved', 'Active') "
        "AND (occupied_until IS NULL OR occupied_until > ?2)");
    s.bind_all(lot_id, now);
    s.step();
    return s.int64(0);
  }

  std::int64_t spot_bookings_in_force(Id spot_id, Timestamp now) override {
    auto s = db_.prepare(
        "SELECT COUNT(*) FROM bookings WHERE spot_id = ?1 AND status IN ('Reserved', 'Active') "
        "AND (occupied_until IS NULL OR occupied_until > ?2)");
    s.bind_all(spot_id, now);
    s.step();
    return s.int64(0);
  }

  std::vector<Spot> spots(Id lot_id, Timestamp now) override {
    auto s = db_.prepare(
        "SELECT s.id, s.lot_id, s.number, EXISTS (SELECT 1 FROM bookings b WHERE b.spot_id = s.id "
        "  AND b.status IN ('Reserved', 'Active') AND b.starts_at <= ?2 "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > ?2)) "
        "FROM spots s WHERE s.lot_id = ?1 ORDER BY s.number");
    s.bind_all(lot_id, now);
    std::vector<Spot> out;
    while (s.step()) out.push_back(Spot{s.int64(0), s.int64(1), s.int64(2), s.int64(3) != 0});
    return out;
  }

  std::optional<Spot> spot(Id lot_id, Id spot_id, Timestamp now) override {
    auto s = db_.prepare(
        "SELECT s.id, s.lot_id, s.number, EXISTS (SELECT 1 FROM bookings b WHERE b.spot_id = s.id "
        "  AND b.status IN ('Reserved', 'Active') AND b.starts_at <= ?3 "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > ?3)) "
        "FROM spots s JOIN lots l ON l.id = s.lot_id "
        "WHERE s.id = ?2 AND s.lot_id = ?1 AND l.deleted_at IS NULL");
    s.bind_all(lot_id, spot_id, now);
    if (!s.step()) return std::nullopt;
    return Spot{s.int64(0), s.int64(1), s.int64(2), s.int64(3) != 0};
  }

  std::vector<UpcomingReservation> upcoming_reservations(Id lot_id, Timestamp now) override {
    auto s = db_.prepare(
        "SELECT b.spot_id, b.starts_at, b.occupied_until, u.email FROM bookings b "
        "JOIN users u ON u.id = b.user_id "
        "WHERE b.lot_id = ?1 AND b.status = 'Reserved' AND b.occupied_until > ?2 "
        "AND b.spot_id IS NOT NULL ORDER BY b.starts_at");
    s.bind_all(lot_id, now);
    std::vector<UpcomingReservation> out;
    while (s.step()) {
      out.push_back({s.int64(0), Window{s.time(1), s.opt_time(2)}, s.text(3)});
    }
    return out;
  }

  std::optional<Spot> lowest_free_spot(Id lot_id, const Window& w) override {
    auto s = db_.prepare(
        "SELECT s.id, s.lot_id, s.number FROM spots s WHERE s.lot_id = ?1 AND NOT EXISTS ("
        "  SELECT 1 FROM bookings b WHERE b.spot_id = s.id AND b.status IN ('Reserved', 'Active') "
        "  AND (?3 IS NULL OR b.starts_at < ?3) "
        "  AND (b.occupied_until IS NULL OR b.occupied_until > ?2)) "
        "ORDER BY s.number LIMIT 1");
    s.bind_all(lot_id, w.start, open_end(w));
    if (!s.step()) return std::nullopt;
    return Spot{s.int64(0), s.int64(1), s.int64(2), false};
  }

  std::optional<Window> spot_conflict(Id spot_id, const Window& w) override {
    auto s = db_.prepare(
        "SELECT starts_at, occupied_until FROM bookings WHERE spot_id = ?1 "
        "AND status IN ('Reserved', 'Active') AND (?3 IS NULL OR starts_at < ?3) "
        "AND (occupied_until IS NULL OR occupied_until > ?2) ORDER BY starts_at LIMIT 1");
    s.bind_all(spot_id, w.start, open_end(w));
    if (!s.step()) return std::nullopt;
    return Window{s.time(0), s.opt_time(1)};
  }

  Id insert_booking(const NewBooking& b) override {
    bool reserved = b.type == BookingType::reserved;
    std::optional<Timestamp> rs, re;
    if (reserved) rs = b.occupies.start, re = b.occupies.end;
    db_.prepare(
           "INSERT INTO bookings (user_id, lot_id, lot_name, spot_id, spot_number, type, "
           "vehicle_number, created_at, starts_at, occupied_until, reserved_start, reserved_end, "
           "price_cents, cost_cents, status) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)")
        .bind_all(b.user_id, b.lot_id, b.lot_name, b.spot_id, b.spot_number,
                  std::string(booking_type_name(b.type)), b.vehicle_number, b.created_at,
                  b.occupies.start, open_end(b.occupies), rs, re, b.price_cents, b.cost_cents,
                  std::string(reserved ? "Reserved" : "Active"))
        .run();
    return db_.last_insert_id();
  }

  std::optional<Booking> booking(Id id) override {
    static const std::string sql =
        fmt::format("SELECT {} FROM bookings b WHERE b.id = ?1", kBookingColumns);
    auto s = db_.prepare(sql);
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_booking(s);
  }

  std::optional<Booking> current_booking_on_spot(Id spot_id, Timestamp now) override {
    auto s = db_.prepare(fmt::format(
        "SELECT {}, u.email FROM bookings b JOIN users u ON u.id = b.user_id "
        "WHERE b.spot_id = ?1 AND b.status IN ('Reserved', 'Active') AND b.starts_at <= ?2 "
        "AND (b.occupied_until IS NULL OR b.occupied_until > ?2) LIMIT 1",
        kBookingColumns));
    s.bind_all(spot_id, now);
    if (!s.step()) return std::nullopt;
    Booking b = read_booking(s);
    b.user_email = s.text(16);
    return b;
  }

  void complete_booking(Id id, Timestamp ended_at, std::int64_t cost_cents) override {
    db_.prepare(
           "UPDATE bookings SET status = 'Completed', ended_at = ?2, cost_cents = ?3, "
           "occupied_until = COALESCE(occupied_until, ?2) WHERE id = ?1")
        .bind_all(id, ended_at, cost_cents)
        .run();
  }

  void cancel_booking(Id id) override {
    db_.prepare("UPDATE bookings SET status = 'Cancelled', cost_cents = 0 WHERE id = ?1")
        .bind(1, id)
        .run();
  }

  void extend_reservation(Id id, Timestamp reserved_end, std::int64_t cost_cents) override {
    sqlite::extend_reservation(db_, id, reserved_end, cost_cents);
  }

  std::vector<Booking> bookings(const BookingFilter& f, Timestamp now) override {
    std::string sql = fmt::format(
        "SELECT {}{} FROM bookings b{}{}", kBookingColumns, f.with_user_email ? ", u.email" : "",
        f.with_user_email ? " JOIN users u ON u.id = b.user_id" : "", filter_sql(f).where);
    sql += " ORDER BY b.created_at DESC, b.id DESC LIMIT ?6 OFFSET ?7";
    auto s = db_.prepare(sql);
    bind_filter(s, f, now);
    s.bind(6, f.limit).bind(7, f.offset);
    std::vector<Booking> out;
    while (s.step()) {
      out.push_back(read_booking(s));
      if (f.with_user_email) out.back().user_email = s.text(16);
    }
    return out;
  }

  std::int64_t count_bookings(const BookingFilter& f, Timestamp now) override {
    auto s = db_.prepare("SELECT COUNT(*) FROM bookings b" + filter_sql(f).where);
    bind_filter(s, f, now);
    s.step();
    return s.int64(0);
  }

  std::int64_t complete_ended_reservations(Timestamp now) override {
    db_.prepare(
           "UPDATE bookings SET status = 'Completed', ended_at = reserved_end "
           "WHERE status = 'Reserved' AND occupied_until <= ?1")
        .bind(1, now)
        .run();
    return db_.changes();
  }

  std::optional<StoredResponse> idempotent_response(Id user_id, const std::string& key,
                                                    Timestamp not_before) override {
    auto s = db_.prepare(
        "SELECT status, body, request_hash FROM idempotency_keys "
        "WHERE user_id = ?1 AND key = ?2 AND created_at >= ?3");
    s.bind_all(user_id, key, not_before);
    if (!s.step()) return std::nullopt;
    return StoredResponse{static_cast<int>(s.int64(0)), s.text(1), s.text(2)};
  }

  void store_idempotent_response(Id user_id, const std::string& key, const StoredResponse& r,
                                 Timestamp at) override {
    db_.prepare(
           "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user_id, key) DO UPDATE SET "
           "request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, "
           "created_at = excluded.created_at")
        .bind_all(user_id, key, r.request_hash, r.status, r.body, at)
        .run();
  }

  void purge_idempotency_keys(Timestamp before) override {
    db_.prepare("DELETE FROM idempotency_keys WHERE created_at < ?1").bind(1, before).run();
  }

  Id enqueue_job(const NewJob& j, Timestamp now) override {
    // Not RETURNING id: SQLite collects returned rows in a temporary b-tree, built anew
    // for every statement run.
    db_.prepare(
           "INSERT INTO jobs (type, payload, status, max_attempts, run_at, dedupe_key, "
           "owner_user_id, created_at) VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7) "
           "ON CONFLICT (dedupe_key) DO NOTHING")
        .bind_all(j.type, j.payload, j.max_attempts, j.run_at, j.dedupe_key, j.owner_user_id, now)
        .run();
    if (db_.changes() == 1) return db_.last_insert_id();
    auto existing = db_.prepare("SELECT id FROM jobs WHERE dedupe_key = ?1");
    existing.bind(1, *j.dedupe_key);
    existing.step();
    return existing.int64(0);
  }

  std::optional<Job> job(Id id) override {
    static const std::string sql = fmt::format("SELECT {} FROM jobs WHERE id = ?1", kJobColumns);
    auto s = db_.prepare(sql);
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_job(s);
  }

  std::vector<Job> jobs(const std::optional<std::string>& status,
                        const std::optional<std::string>& type, std::int64_t limit,
                        std::int64_t offset) override {
    auto s = db_.prepare(
        fmt::format("SELECT {} FROM jobs WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR "
                    "type = ?2) ORDER BY id DESC LIMIT ?3 OFFSET ?4",
                    kJobColumns));
    s.bind_all(status, type, limit, offset);
    std::vector<Job> out;
    while (s.step()) out.push_back(read_job(s));
    return out;
  }

  std::int64_t count_jobs(const std::optional<std::string>& status,
                          const std::optional<std::string>& type) override {
    auto s = db_.prepare(
        "SELECT COUNT(*) FROM jobs WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR type = "
        "?2)");
    s.bind_all(status, type);
    s.step();
    return s.int64(0);
  }

  bool requeue_job(Id job_id, Timestamp now) override {
    db_.prepare(
           "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?2, lease_until = NULL, "
           "finished_at = NULL WHERE id = ?1 AND status IN ('dead', 'failed')")
        .bind_all(job_id, now)
        .run();
    return db_.changes() > 0;
  }

  bool delete_finished_job(Id job_id) override {
    db_.prepare("DELETE FROM jobs WHERE id = ?1 AND status IN ('dead', 'succeeded')")
        .bind(1, job_id)
        .run();
    return db_.changes() > 0;
  }
  std::vector<JobCount> job_counts() override {
    auto s =
        db_.prepare("SELECT type, status, COUNT(*) FROM jobs GROUP BY type, status ORDER BY 1, 2");
    std::vector<JobCount> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2)});
    return out;
  }
  std::int64_t purge_finished_jobs(Timestamp before) override {
    db_.prepare("DELETE FROM jobs WHERE status = 'succeeded' AND finished_at < ?1")
        .bind(1, before)
        .run();
    return db_.changes();
  }

  std::int64_t purge_schedule_runs(Timestamp before) override {
    db_.prepare(
           "DELETE FROM schedule_runs WHERE due_at < ?1 AND due_at < (SELECT MAX(r.due_at) "
           "FROM schedule_runs r WHERE r.name = schedule_runs.name)")
        .bind(1, before)
        .run();
    return db_.changes();
  }

  std::optional<Job> claim_job(Timestamp now, Timestamp lease_until) override {
    // The earliest runnable job and the earliest job with a lapsed lease, each found by
    // its own partial index, then the earlier of the two. (One query with an OR sorted
    // every runnable job on each claim: a backlog of n jobs took O(n^2) to drain.)
    auto s = db_.prepare(fmt::format(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?2 "
        "WHERE id = (SELECT id FROM ("
        "  SELECT * FROM (SELECT id, run_at FROM jobs WHERE status IN ('queued', 'failed') "
        "    AND run_at <= ?1 ORDER BY run_at, id LIMIT 1) "
        "  UNION ALL "
        "  SELECT * FROM (SELECT id, run_at FROM jobs WHERE status = 'running' "
        "    AND lease_until < ?1 ORDER BY run_at, id LIMIT 1)) "
        "ORDER BY run_at, id LIMIT 1) "
        "RETURNING {}",
        kJobColumns));
    s.bind_all(now, lease_until);
    if (!s.step()) return std::nullopt;
    Job j = read_job(s);
    while (s.step()) {
    }
    return j;
  }

  std::optional<Timestamp> next_job_due() override {
    auto s = db_.prepare(
        "SELECT MIN(t) FROM (SELECT MIN(run_at) AS t FROM jobs WHERE status IN ('queued', "
        "'failed') "
        "UNION ALL SELECT MIN(lease_until) FROM jobs WHERE status = 'running')");
    s.step();
    return s.opt_time(0);
  }

  bool extend_lease(Id job_id, int attempt, Timestamp lease_until) override {
    db_.prepare(
           "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND attempts = ?2 AND status = "
           "'running'")
        .bind_all(job_id, attempt, lease_until)
        .run();
    return db_.changes() > 0;
  }

  bool finish_job(Id job_id, int attempt, Timestamp at) override {
    db_.prepare(
           "UPDATE jobs SET status = 'succeeded', finished_at = ?3, lease_until = NULL, "
           "last_error = NULL "
           "WHERE id = ?1 AND attempts = ?2 AND status = 'running'")
        .bind_all(job_id, attempt, at)
        .run();
    return db_.changes() > 0;
  }

  bool fail_job(Id job_id, int attempt, const std::string& error, std::optional<Timestamp> retry_at,
                Timestamp at) override {
    db_.prepare(
           "UPDATE jobs SET status = CASE WHEN ?4 IS NULL THEN 'dead' ELSE 'failed' END, "
           "last_error = ?3, run_at = COALESCE(?4, run_at), lease_until = NULL, "
           "finished_at = CASE WHEN ?4 IS NULL THEN ?5 ELSE NULL END "
           "WHERE id = ?1 AND attempts = ?2 AND status = 'running'")
        .bind_all(job_id, attempt, error, retry_at, at)
        .run();
    return db_.changes() > 0;
  }

  std::string job_progress(Id job_id) override {
    auto s = db_.prepare("SELECT progress FROM jobs WHERE id = ?1");
    s.bind(1, job_id);
    return s.step() ? s.text(0) : "{}";
  }

  void set_job_progress(Id job_id, const std::string& progress) override {
    db_.prepare("UPDATE jobs SET progress = ?2 WHERE id = ?1").bind_all(job_id, progress).run();
  }

  bool claim_schedule_run(const std::string& name, Timestamp due_at, const NewJob& job,
                          Timestamp now) override {
    db_.prepare(
           "INSERT INTO schedule_runs (name, due_at, created_at) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (name, due_at) DO NOTHING")
        .bind_all(name, due_at, now)
        .run();
    if (db_.changes() == 0) return false;
    Id id = enqueue_job(job, now);
    db_.prepare("UPDATE schedule_runs SET job_id = ?3 WHERE name = ?1 AND due_at = ?2")
        .bind_all(name, due_at, id)
        .run();
    return true;
  }

  std::optional<Timestamp> last_schedule_run(const std::string& name) override {
    auto s = db_.prepare("SELECT MAX(due_at) FROM schedule_runs WHERE name = ?1");
    s.bind(1, name);
    s.step();
    return s.opt_time(0);
  }

  std::vector<User> inactive_users(Timestamp since) override {
    auto s = db_.prepare(fmt::format(
        "SELECT {} FROM users u WHERE u.role = 'user' AND u.disabled = 0 AND NOT EXISTS (SELECT 1 "
        "FROM bookings b "
        "WHERE b.user_id = u.id AND b.created_at >= ?1) ORDER BY u.id",
        "u.id, u.email, u.username, u.role, u.token_version, u.created_at, u.password_hash, "
        "u.disabled"));
    s.bind(1, since);
    std::vector<User> out;
    while (s.step()) out.push_back(read_user(s));
    return out;
  }

  std::vector<Id> users_with_bookings_between(Timestamp from, Timestamp to) override {
    auto s = db_.prepare(
        "SELECT DISTINCT user_id FROM bookings WHERE starts_at >= ?1 AND starts_at < ?2 ORDER BY "
        "user_id");
    s.bind_all(from, to);
    std::vector<Id> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
  }

  RangeSummary range_summary(std::optional<Id> user_id, Timestamp from, Timestamp to) override {
    RangeSummary r;
    auto s = db_.prepare(
        "SELECT lot_id, MAX(lot_name), COUNT(*), COALESCE(SUM(status = 'Completed'), 0), "
        "COALESCE(SUM(CASE WHEN status = 'Completed' THEN cost_cents END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'Completed' THEN ended_at - starts_at END), 0) "
        "FROM bookings WHERE " +
        user_filter(user_id) +
        " AND starts_at >= ?2 AND starts_at < ?3 "
        "GROUP BY lot_id ORDER BY COUNT(*) DESC, lot_id");
    s.bind_all(user_id, from, to);
    while (s.step()) {
      r.lots.push_back({s.int64(0), s.text(1), s.int64(2), s.int64(4)});
      r.bookings += s.int64(2);
      r.completed += s.int64(3);
      r.revenue_cents += s.int64(4);
      r.parked_seconds += s.int64(5);
    }
    return r;
  }

  void for_each_booking(std::optional<Id> user_id,
                        const std::function<void(const Booking&)>& fn) override {
    auto s = db_.prepare(
        fmt::format("SELECT {}, u.email FROM bookings b JOIN users u ON u.id = b.user_id "
                    "WHERE {} ORDER BY b.id",
                    kBookingColumns, user_filter(user_id, "b.user_id")));
    s.bind(1, user_id);
    while (s.step()) {
      Booking b = read_booking(s);
      b.user_email = s.text(16);
      fn(b);
    }
  }

  void for_each_user(const std::function<void(const User&)>& fn) override {
    auto s = db_.prepare(fmt::format("SELECT {} FROM users ORDER BY id", kUserColumns));
    while (s.step()) fn(read_user(s));
  }

  StatusCounts booking_counts(std::optional<Id> user_id, Timestamp now) override {
    auto s = db_.prepare(
        "SELECT COUNT(*), "
        "COALESCE(SUM(status = 'Reserved' AND reserved_start > ?2), 0), "
        "COALESCE(SUM(status = 'Active' OR (status = 'Reserved' AND reserved_start <= ?2)), 0), "
        "COALESCE(SUM(status = 'Completed'), 0), COALESCE(SUM(status = 'Cancelled'), 0), "
        "COALESCE(SUM(CASE WHEN status = 'Completed' THEN cost_cents END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'Completed' THEN ended_at - starts_at END), 0) "
        "FROM bookings WHERE " +
        user_filter(user_id));
    s.bind_all(user_id, now);
    s.step();
    return StatusCounts{s.int64(0), s.int64(1), s.int64(2), s.int64(3),
                        s.int64(4), s.int64(5), s.int64(6)};
  }

  std::vector<LotAggregate> per_lot(std::optional<Id> user_id) override {
    auto s = db_.prepare(
        // Lots are only soft-deleted, so each has its current name, as for the admin.
        user_id ? "SELECT b.lot_id, l.name, COUNT(*), "
                  "COALESCE(SUM(CASE WHEN b.status = 'Completed' THEN b.cost_cents END), 0) "
                  "FROM bookings b JOIN lots l ON l.id = b.lot_id WHERE b.user_id = ?1 "
                  "GROUP BY b.lot_id ORDER BY b.lot_id"
                : "SELECT l.id, l.name, COUNT(b.id), "
                  "COALESCE(SUM(CASE WHEN b.status = 'Completed' THEN b.cost_cents END), 0) "
                  "FROM lots l LEFT JOIN bookings b ON b.lot_id = l.id "
                  "WHERE l.deleted_at IS NULL OR b.id IS NOT NULL GROUP BY l.id ORDER BY l.id");
    if (user_id) s.bind(1, *user_id);
    std::vector<LotAggregate> out;
    while (s.step()) out.push_back({s.int64(0), s.text(1), s.int64(2), s.int64(3)});
    return out;
  }

  std::vector<CountAndSum> bucket_totals(std::optional<Id> user_id,
                                         const std::vector<Timestamp>& boundaries) override {
    BucketTotals totals(boundaries);
    if (boundaries.size() < 2) return totals.take();
    auto s = db_.prepare("SELECT starts_at, status = 'Completed', cost_cents FROM bookings WHERE " +
                         user_filter(user_id) + " AND starts_at >= ?2 AND starts_at < ?3");
    s.bind_all(user_id, boundaries.front(), boundaries.back());
    while (s.step()) totals.add(s.time(0), s.int64(1) != 0, s.int64(2));
    return totals.take();
  }

  std::int64_t count_users_created_between(Timestamp from, Timestamp to) override {
    auto s = db_.prepare("SELECT COUNT(*) FROM users WHERE created_at >= ?1 AND created_at < ?2");
    s.bind_all(from, to);
    s.step();
    return s.int64(0);
  }

  std::int64_t total_spots() override {
    return scalar(
        "SELECT COUNT(*) FROM spots s JOIN lots l ON l.id = s.lot_id WHERE l.deleted_at IS NULL");
  }

  std::int64_t occupied_spots(Timestamp now) override {
    auto s = db_.prepare(
        "SELECT COUNT(DISTINCT spot_id) FROM bookings WHERE status IN ('Reserved', 'Active') "
        "AND starts_at <= ?1 AND (occupied_until IS NULL OR occupied_until > ?1) AND spot_id IS "
        "NOT NULL");
    s.bind(1, now);
    s.step();
    return s.int64(0);
  }

 private:
  std::vector<Lot> query_lots(Timestamp now, std::int64_t limit, std::int64_t offset) {
    static const std::string sql = std::string(kLotSelect) + "ORDER BY l.id LIMIT ?2 OFFSET ?3";
    auto s = db_.prepare(sql);
    s.bind_all(now, limit, offset);
    std::vector<Lot> out;
    while (s.step()) out.push_back(read_lot(s));
    return out;
  }

  std::int64_t query_count_lots() {
    return scalar("SELECT COUNT(*) FROM lots WHERE deleted_at IS NULL");
  }

  // When the availability counts of some lot next change with no write: the first start
  // or end after `now` of a booking in force (an end of 2^62 when none is due).
  std::int64_t next_booking_start_or_end(Timestamp now) {
    auto s = db_.prepare(
        "SELECT MIN(CASE WHEN b.starts_at > ?1 THEN b.starts_at ELSE b.occupied_until END) "
        "FROM bookings b WHERE b.status IN ('Reserved', 'Active') "
        "AND (b.starts_at > ?1 OR b.occupied_until > ?1)");
    s.bind(1, now);
    if (!s.step()) return 0;
    return s.opt_int64(0).value_or(std::int64_t{1} << 62);
  }

  // The version of the database this transaction reads; starts the read if nothing has.
  unsigned data_version() {
    if (sqlite3_txn_state(db_.handle(), "main") == SQLITE_TXN_NONE) {
      db_.prepare("PRAGMA schema_version").step();
    }
    unsigned version = 0;
    sqlite3_file_control(db_.handle(), "main", SQLITE_FCNTL_DATA_VERSION, &version);
    return version;
  }

  std::int64_t scalar(const char* sql) {
    auto s = db_.prepare(sql);
    s.step();
    return s.int64(0);
  }

  Connection& db_;
  LotListMemo* lot_list_;  // null on the writer's connection
};

bool is_busy(const StoreError& e) {
  std::string_view m = e.what();
  return m.find("database is locked") != std::string_view::npos ||
         m.find("(code 5)") != std::string_view::npos ||
         m.find("(code 517)") != std::string_view::npos;
}

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

  Checkpointer(std::string path, bool durable) : path_(std::move(path)), durable_(durable) {
    thread_ = std::thread([this] {
      name_this_thread("parkd-ckpt");
      loop();
    });
  }
  ~Checkpointer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
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
      static_cast<Checkpointer*>(self)->request();
    }
    return SQLITE_OK;
  }

  void request() {
    {
      std::lock_guard lock(mutex_);
      if (due_) return;
      due_ = true;
    }
    cv_.notify_one();
  }

  void loop() {
    std::unique_ptr<Connection> conn;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || due_; });
        if (stopping_) return;  // closing the last connection checkpoints anyway
        due_ = false;
      }
      try {
        if (!conn) conn = std::make_unique<Connection>(path_, durable_);
        int rc = sqlite3_wal_checkpoint_v2(conn->handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                           nullptr, nullptr);
        // BUSY: another process is checkpointing; the next commit asks again.
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
          failures_.failed(sqlite3_errmsg(conn->handle()));
        } else if (rc == SQLITE_OK) {
          failures_.succeeded();
        }
      } catch (const StoreError& e) {
        failures_.failed(e.what());
      }
    }
  }

  FailureLog failures_{"database: WAL checkpoint failing"};
  std::string path_;
  bool durable_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;
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
    PendingWrite me{&work, Error::internal(), &answered, {}, {}, {}, {}};
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
        nullptr, Error::internal(), nullptr, {}, std::move(work), std::move(done), handoff});
    pending->work = &pending->owned_work;
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
      run_batch(batch, conn, checkpointer);
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
        auto complete = [done = std::move(p->done), result = std::move(p->result)]() mutable {
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
          if (!is_busy(e) || attempt >= 5) throw;
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
