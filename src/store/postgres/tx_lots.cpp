// Lots and their spots. In a write transaction the lot row is locked
// (FOR NO KEY UPDATE) before its spots change, so that a resize and a booking serialise.

#include "store/bucketing.h"
#include "store/postgres/booking_extension.h"
#include "store/postgres/tx.h"
#include "store/rows.h"

#include <fmt/format.h>

namespace parkd::pg {

using rows::kBookingColumns;
using rows::kJobColumns;
using rows::kUserColumns;
using rows::open_end;
using rows::read_booking;
using rows::read_job;
using rows::read_lot;
using rows::read_user;

std::vector<Lot> PgTx::lots(Timestamp now, std::int64_t limit, std::int64_t offset) {
  auto r =
      db_.query(std::string(kLotSelect) + "ORDER BY l.id LIMIT $2 OFFSET $3", now, limit, offset);
  std::vector<Lot> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_lot(r.row(i)));
  return out;
}

std::int64_t PgTx::count_lots() {
  return scalar("SELECT COUNT(*) FROM lots WHERE deleted_at IS NULL");
}

std::optional<Lot> PgTx::lot(Id id, Timestamp now) {
  // In a write transaction the lot row is locked: booking on a lot, resizing it,
  // deleting it or one of its spots then take turns, as SQLite's single writer does,
  // so a spot cannot be removed under a booking being made on it, and concurrent
  // bookings on one lot do not all race for the same lowest spot.
  auto r = db_.query(
      std::string(kLotSelect) + "AND l.id = $2" + (write_ ? " FOR NO KEY UPDATE OF l" : ""), now,
      id);
  if (r.empty()) return std::nullopt;
  return read_lot(r.row(0));
}

std::optional<Lot> PgTx::lot_record(Id id) {
  auto r = db_.query(
      std::string("SELECT l.id, l.name, l.address, l.price_cents, l.capacity, l.created_at, "
                  "0, 0 FROM lots l WHERE l.deleted_at IS NULL AND l.id = $1") +
          (write_ ? " FOR NO KEY UPDATE OF l" : ""),
      id);
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
  return db_
      .query(
          "INSERT INTO lots (name, address, price_cents, capacity, created_at) "
          "VALUES ($1, $2, $3, 0, $4) RETURNING id",
          name, address, price_cents, created_at)
      .int64(0, 0);
}

void PgTx::update_lot(Id id, const LotChanges& c) {
  db_.query(
      "UPDATE lots SET name = COALESCE($2, name), address = COALESCE($3, address), "
      "price_cents = COALESCE($4, price_cents) WHERE id = $1",
      id, c.name, c.address, c.price_cents);
}

void PgTx::add_spots(Id lot_id, std::int64_t count) {
  db_.query(
      "INSERT INTO spots (lot_id, number) "
      "SELECT $1, m.base + i FROM (SELECT COALESCE(MAX(number), 0) AS base FROM spots "
      "WHERE lot_id = $1) m, generate_series(1::bigint, $2) AS i",
      lot_id, count);
  db_.query("UPDATE lots SET capacity = capacity + $2 WHERE id = $1", lot_id, count);
}

std::vector<Id> PgTx::removable_spots(Id lot_id, std::int64_t count, Timestamp now) {
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

void PgTx::delete_spots(Id lot_id, const std::vector<Id>& spot_ids) {
  for (Id id : spot_ids) {
    db_.query("DELETE FROM spots WHERE id = $1 AND lot_id = $2", id, lot_id);
  }
  db_.query(
      "UPDATE lots SET capacity = (SELECT COUNT(*) FROM spots WHERE lot_id = $1) "
      "WHERE id = $1",
      lot_id);
}

void PgTx::soft_delete_lot(Id lot_id, Timestamp at) {
  db_.query("UPDATE lots SET deleted_at = $2 WHERE id = $1", lot_id, at);
}

std::int64_t PgTx::lot_bookings_in_force(Id lot_id, Timestamp now) {
  return db_
      .query(
          "SELECT COUNT(*) FROM bookings WHERE lot_id = $1 AND status IN ('Reserved', 'Active') "
          "AND (occupied_until IS NULL OR occupied_until > $2)",
          lot_id, now)
      .int64(0, 0);
}

std::int64_t PgTx::spot_bookings_in_force(Id spot_id, Timestamp now) {
  return db_
      .query(
          "SELECT COUNT(*) FROM bookings WHERE spot_id = $1 AND status IN ('Reserved', 'Active') "
          "AND (occupied_until IS NULL OR occupied_until > $2)",
          spot_id, now)
      .int64(0, 0);
}

std::vector<Spot> PgTx::spots(Id lot_id, Timestamp now) {
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

std::optional<Spot> PgTx::spot(Id lot_id, Id spot_id, Timestamp now) {
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

std::vector<UpcomingReservation> PgTx::upcoming_reservations(Id lot_id, Timestamp now) {
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

}  // namespace parkd::pg
