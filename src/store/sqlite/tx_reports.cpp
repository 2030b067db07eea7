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
  auto s = db_.prepare(sql::range_summary(user_id.has_value()));
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
                              kBookingColumns, sql::user_filter(user_id.has_value(), "b.user_id")));
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
  auto s = db_.prepare(sql::booking_counts(user_id.has_value()));
  s.bind_all(user_id, now);
  s.step();
  return StatusCounts{s.int64(0), s.int64(1), s.int64(2), s.int64(3),
                      s.int64(4), s.int64(5), s.int64(6)};
}

std::vector<LotAggregate> SqliteTx::per_lot(std::optional<Id> user_id) {
  auto s = db_.prepare(user_id ? sql::kPerLotOfUser : sql::kPerLot);
  if (user_id) s.bind(1, *user_id);
  std::vector<LotAggregate> out;
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.int64(2), s.int64(3)});
  return out;
}

std::vector<CountAndSum> SqliteTx::bucket_totals(std::optional<Id> user_id,
                                                 const std::vector<Timestamp>& boundaries) {
  BucketTotals totals(boundaries);
  if (boundaries.size() < 2) return totals.take();
  auto s = db_.prepare(sql::bucket_rows(user_id.has_value()));
  s.bind_all(user_id, boundaries.front(), boundaries.back());
  while (s.step()) totals.add(s.time(0), s.int64(1) != 0, s.int64(2));
  return totals.take();
}

std::int64_t SqliteTx::count_users_created_between(Timestamp from, Timestamp to) {
  auto s = db_.prepare(sql::kCountUsersCreatedBetween);
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
