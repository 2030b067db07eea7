// Aggregates for statistics, reports and exports, computed in SQL.

#include "store/bucketing.h"
#include "store/postgres/tx.h"
#include "store/rows.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::pg {

using rows::kBookingColumns;
using rows::kUserColumns;
using rows::read_booking;
using rows::read_user;

std::vector<User> PgTx::inactive_users(Timestamp since) {
  auto r = db_.query(fmt::format(sql::kInactiveUsers, kUserColumns), since);
  std::vector<User> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(read_user(r.row(i)));
  return out;
}

std::vector<Id> PgTx::users_with_bookings_between(Timestamp from, Timestamp to) {
  auto r = db_.query(sql::kUsersWithBookingsBetween, from, to);
  std::vector<Id> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(r.int64(i, 0));
  return out;
}

RangeSummary PgTx::range_summary(std::optional<Id> user_id, Timestamp from, Timestamp to) {
  RangeSummary s;
  auto r = db_.query(sql::range_summary(user_id.has_value()), user_id, from, to);
  for (int i = 0; i < r.size(); ++i) {
    s.lots.push_back({r.int64(i, 0), r.text(i, 1), r.int64(i, 2), r.int64(i, 4)});
    s.bookings += r.int64(i, 2);
    s.completed += r.int64(i, 3);
    s.revenue_cents += r.int64(i, 4);
    s.parked_seconds += r.int64(i, 5);
  }
  return s;
}

void PgTx::for_each_booking(std::optional<Id> user_id,
                            const std::function<void(const Booking&)>& fn) {
  // In chunks by id (keyset), so that memory does not grow with the table.
  for (Id after = 0;;) {
    auto r =
        db_.query(fmt::format("SELECT {}, u.email FROM bookings b JOIN users u ON u.id = b.user_id "
                              "WHERE {} AND b.id > $2 ORDER BY b.id LIMIT $3",
                              kBookingColumns, sql::user_filter(user_id.has_value(), "b.user_id")),
                  user_id, after, kChunk);
    for (int i = 0; i < r.size(); ++i) {
      Booking b = read_booking(r.row(i));
      b.user_email = r.text(i, 16);
      after = b.id;
      fn(b);
    }
    if (r.size() < kChunk) return;
  }
}

void PgTx::for_each_user(const std::function<void(const User&)>& fn) {
  for (Id after = 0;;) {
    auto r = db_.query(
        fmt::format("SELECT {} FROM users u WHERE u.id > $1 ORDER BY u.id LIMIT $2", kUserColumns),
        after, kChunk);
    for (int i = 0; i < r.size(); ++i) {
      User u = read_user(r.row(i));
      after = u.id;
      fn(u);
    }
    if (r.size() < kChunk) return;
  }
}

StatusCounts PgTx::booking_counts(std::optional<Id> user_id, Timestamp now) {
  auto r = db_.query(sql::booking_counts(user_id.has_value()), user_id, now);
  return StatusCounts{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.int64(0, 3),
                      r.int64(0, 4), r.int64(0, 5), r.int64(0, 6)};
}

std::vector<LotAggregate> PgTx::per_lot(std::optional<Id> user_id) {
  auto r = user_id ? db_.query(sql::kPerLotOfUser, *user_id) : db_.query(sql::kPerLot);
  std::vector<LotAggregate> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) {
    out.push_back({r.int64(i, 0), r.text(i, 1), r.int64(i, 2), r.int64(i, 3)});
  }
  return out;
}

std::vector<CountAndSum> PgTx::bucket_totals(std::optional<Id> user_id,
                                             const std::vector<Timestamp>& boundaries) {
  BucketTotals totals(boundaries);
  if (boundaries.size() < 2) return totals.take();
  auto r = db_.query(sql::bucket_rows(user_id.has_value()), user_id, boundaries.front(),
                     boundaries.back());
  for (int i = 0; i < r.size(); ++i) totals.add(r.time(i, 0), r.int64(i, 1) != 0, r.int64(i, 2));
  return totals.take();
}

std::int64_t PgTx::count_users_created_between(Timestamp from, Timestamp to) {
  return db_.query(sql::kCountUsersCreatedBetween, from, to).int64(0, 0);
}

std::int64_t PgTx::total_spots() { return scalar(sql::kTotalSpots); }

std::int64_t PgTx::occupied_spots(Timestamp now) {
  return db_.query(sql::kOccupiedSpots, now).int64(0, 0);
}

}  // namespace parkd::pg
