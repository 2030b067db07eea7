// Lots and their spots. In a write transaction, a change to a lot or its spots locks the
// lot row (FOR NO KEY UPDATE, lot()); bookings share a weaker lock on it (FOR SHARE,
// lot_record()) and each locks the spot it takes, so that bookings on one lot run side
// by side while a resize or a deletion waits for them, and they for it.

#include "store/bucketing.h"
#include "store/postgres/tx.h"
#include "store/rows.h"
#include "store/statements.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace parkd::pg {

using rows::read_lot;

std::vector<Lot> PgTx::lots(Timestamp now, std::int64_t limit, std::int64_t offset) {
  if (lot_list_ == nullptr) return query_lots(now, limit, offset);
  return lot_list_->lots_at(
      version_, now, limit, offset, [&] { return query_lots(now, limit, offset); },
      [&] {
        return std::min(next_booking_start_or_end(now), to_unix(now) + kept_lots_lifetime());
      });
}

std::int64_t PgTx::count_lots() {
  if (lot_list_ == nullptr) return scalar(sql::kCountLots);
  return lot_list_->count_at(version_, [&] { return scalar(sql::kCountLots); });
}

// How long a kept lot list may serve with no news: news of other processes' changes
// comes by NOTIFY, and a change made with psql sends none. Between 30 and 59 s, drawn
// for each list, so that the pooled connections do not all read theirs again in the
// same second (measured: 32 connections expiring together each second put GET
// /api/lots' p99 at 250-440 ms, against 10-50 ms without).
std::int64_t PgTx::kept_lots_lifetime() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<std::int64_t>(30, 59)(rng);
}

std::int64_t PgTx::next_booking_start_or_end(Timestamp now) {
  auto r = db_.query(sql::kNextBookingStartOrEnd, now);
  return r.empty() ? 0 : r.opt_int64(0, 0).value_or(sql::kNoBookingDue);
}

std::vector<Lot> PgTx::query_lots(Timestamp now, std::int64_t limit, std::int64_t offset) {
  auto r =
      db_.query(std::string(kLotSelect) + "ORDER BY l.id LIMIT $2 OFFSET $3", now, limit, offset);
  std::vector<Lot> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(read_lot(r.row(i)));
  return out;
}

std::optional<Lot> PgTx::lot(Id id, Timestamp now) {
  // In a write transaction the lot row is locked: resizing a lot, deleting it or one
  // of its spots wait for the bookings on it (lot_record()) and those for the change,
  // as with SQLite's single writer, so a spot cannot be removed under a booking.
  auto r = db_.query(
      std::string(kLotSelect) + "AND l.id = $2" + (write_ ? " FOR NO KEY UPDATE OF l" : ""), now,
      id);
  if (r.empty()) return std::nullopt;
  return read_lot(r.row(0));
}

std::optional<Lot> PgTx::lot_record(Id id) {
  auto r = db_.query(std::string(sql::kLotRecord) + (write_ ? " FOR SHARE OF l" : ""), id);
  if (r.empty()) return std::nullopt;
  return read_lot(r.row(0));
}

bool PgTx::lot_name_taken(const std::string& name, std::optional<Id> except) {
  return !db_.query(
                 "SELECT 1 FROM lots WHERE deleted_at IS NULL AND lower(name) = lower($1) "
                 "AND ($2 IS NULL OR id <> $2)",
                 name, except)
              .empty();
}

Id PgTx::insert_lot(const std::string& name, const std::string& address, std::int64_t price_cents,
                    Timestamp created_at) {
  db_.mark(kLotsSignal);
  return db_
      .query(
          "INSERT INTO lots (name, address, price_cents, capacity, created_at) "
          "VALUES ($1, $2, $3, 0, $4) RETURNING id",
          name, address, price_cents, created_at)
      .int64(0, 0);
}

void PgTx::update_lot(Id id, const LotChanges& c) {
  db_.mark(kLotsSignal);
  db_.query(sql::kUpdateLot, id, c.name, c.address, c.price_cents);
}

void PgTx::add_spots(Id lot_id, std::int64_t count) {
  db_.mark(kLotsSignal);
  db_.query(
      "INSERT INTO spots (lot_id, number) "
      "SELECT $1, m.base + i FROM (SELECT COALESCE(MAX(number), 0) AS base FROM spots "
      "WHERE lot_id = $1) m, generate_series(1::bigint, $2) AS i",
      lot_id, count);
  db_.query(sql::kAddCapacity, lot_id, count);
}

std::vector<Id> PgTx::removable_spots(Id lot_id, std::int64_t count, Timestamp now) {
  auto r = db_.query(sql::kRemovableSpots, lot_id, count, now);
  std::vector<Id> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(r.int64(i, 0));
  return out;
}

void PgTx::delete_spots(Id lot_id, const std::vector<Id>& spot_ids) {
  db_.mark(kLotsSignal);
  for (Id id : spot_ids) {
    db_.query(sql::kDeleteSpot, id, lot_id);
  }
  db_.query(sql::kRecountCapacity, lot_id);
}

void PgTx::soft_delete_lot(Id lot_id, Timestamp at) {
  db_.mark(kLotsSignal);
  db_.query(sql::kSoftDeleteLot, lot_id, at);
}

std::int64_t PgTx::lot_bookings_in_force(Id lot_id, Timestamp now) {
  return db_.query(sql::kLotBookingsInForce, lot_id, now).int64(0, 0);
}

std::int64_t PgTx::spot_bookings_in_force(Id spot_id, Timestamp now) {
  return db_.query(sql::kSpotBookingsInForce, spot_id, now).int64(0, 0);
}

std::vector<Spot> PgTx::spots(Id lot_id, Timestamp now) {
  auto r = db_.query(sql::kSpots, lot_id, now);
  std::vector<Spot> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) {
    out.push_back(Spot{r.int64(i, 0), r.int64(i, 1), r.int64(i, 2), r.boolean(i, 3)});
  }
  return out;
}

std::optional<Spot> PgTx::spot(Id lot_id, Id spot_id, Timestamp now) {
  // Locked in a write transaction: a booking of this very spot, or an extension of a
  // booking on it, waits for another one to end instead of meeting it at the exclusion
  // constraint and rerunning.
  auto r =
      write_ ? db_.query(std::string(sql::kSpot) + " FOR NO KEY UPDATE OF s", lot_id, spot_id, now)
             : db_.query(sql::kSpot, lot_id, spot_id, now);
  if (r.empty()) return std::nullopt;
  return Spot{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.boolean(0, 3)};
}

std::vector<UpcomingReservation> PgTx::upcoming_reservations(Id lot_id, Timestamp now) {
  auto r = db_.query(sql::kUpcomingReservations, lot_id, now);
  std::vector<UpcomingReservation> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) {
    out.push_back({r.int64(i, 0), Window{r.time(i, 1), r.opt_time(i, 2)}, r.text(i, 3)});
  }
  return out;
}

}  // namespace parkd::pg
