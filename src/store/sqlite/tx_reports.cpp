// Aggregates for statistics, reports and exports, computed in SQL.

#include "store/bucketing.h"
#include "store/rows.h"
#include "store/sqlite/tx.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::sqlite {

using rows::kBookingColumns;
using rows::kUserColumns;
using rows::read_booking;
using rows::read_user;

std::vector<User> SqliteTx::inactive_users(Timestamp since) {
  auto s = db_.prepare(fmt::format(
      sql::kInactiveUsers,
      "u.id, u.email, u.username, u.role, u.token_version, u.created_at, u.password_hash, "
      "u.disabled"));
  s.bind(1, since);
  std::vector<User> out;
  while (s.step()) out.push_back(read_user(s));
  return out;
}

std::vector<Id> SqliteTx::users_with_bookings_between(Timestamp from, Timestamp to) {
  auto s = db_.prepare(sql::kUsersWithBookingsBetween);
  s.bind_all(from, to);
  std::vector<Id> out;
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

RangeSummary SqliteTx::range_summary(std::optional<Id> user_id, Timestamp from, Timestamp to) {
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

void SqliteTx::for_each_booking(std::optional<Id> user_id,
                                const std::function<void(const Booking&)>& fn) {
  auto s =
      db_.prepare(fmt::format("SELECT {}, u.email FROM bookings b JOIN users u ON u.id = b.user_id "
                              "WHERE {} ORDER BY b.id",
                              kBookingColumns, user_filter(user_id, "b.user_id")));
  s.bind(1, user_id);
  while (s.step()) {
    Booking b = read_booking(s);
    b.user_email = s.text(16);
    fn(b);
  }
}

void SqliteTx::for_each_user(const std::function<void(const User&)>& fn) {
  auto s = db_.prepare(fmt::format("SELECT {} FROM users u ORDER BY u.id", kUserColumns));
  while (s.step()) fn(read_user(s));
}

StatusCounts SqliteTx::booking_counts(std::optional<Id> user_id, Timestamp now) {
  auto s = db_.prepare(
      "SELECT COUNT(*), "
      "COALESCE(SUM(" +
      sql::shows_reserved("?2") + "), 0), " + "COALESCE(SUM(" + sql::shows_active("?2") +
      "), 0), " +
      "COALESCE(SUM(b.status = 'Completed'), 0), COALESCE(SUM(b.status = 'Cancelled'), 0), "
      "COALESCE(SUM(CASE WHEN b.status = 'Completed' THEN b.cost_cents END), 0), "
      "COALESCE(SUM(CASE WHEN b.status = 'Completed' THEN b.ended_at - b.starts_at END), 0) "
      "FROM bookings b WHERE " +
      user_filter(user_id));
  s.bind_all(user_id, now);
  s.step();
  return StatusCounts{s.int64(0), s.int64(1), s.int64(2), s.int64(3),
                      s.int64(4), s.int64(5), s.int64(6)};
}

std::vector<LotAggregate> SqliteTx::per_lot(std::optional<Id> user_id) {
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

std::vector<CountAndSum> SqliteTx::bucket_totals(std::optional<Id> user_id,
                                                 const std::vector<Timestamp>& boundaries) {
  BucketTotals totals(boundaries);
  if (boundaries.size() < 2) return totals.take();
  auto s = db_.prepare("SELECT starts_at, status = 'Completed', cost_cents FROM bookings WHERE " +
                       user_filter(user_id) + " AND starts_at >= ?2 AND starts_at < ?3");
  s.bind_all(user_id, boundaries.front(), boundaries.back());
  while (s.step()) totals.add(s.time(0), s.int64(1) != 0, s.int64(2));
  return totals.take();
}

std::int64_t SqliteTx::count_users_created_between(Timestamp from, Timestamp to) {
  auto s = db_.prepare("SELECT COUNT(*) FROM users u WHERE created_at >= ?1 AND created_at < ?2");
  s.bind_all(from, to);
  s.step();
  return s.int64(0);
}

std::int64_t SqliteTx::total_spots() { return scalar(sql::kTotalSpots); }

std::int64_t SqliteTx::occupied_spots(Timestamp now) {
  auto s = db_.prepare(sql::kOccupiedSpots);
  s.bind(1, now);
  s.step();
  return s.int64(0);
}

}  // namespace parkd::sqlite
