// Lots and their spots, and the lot list a pooled read connection keeps between
// reads while the database and the clock leave it valid (LotListMemo in tx.h).

#include "store/bucketing.h"
#include "store/rows.h"
#include "store/sqlite/tx.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::sqlite {

using rows::read_lot;

std::vector<Lot> SqliteTx::lots(Timestamp now, std::int64_t limit, std::int64_t offset) {
  if (lot_list_ == nullptr) return query_lots(now, limit, offset);
  return lot_list_->lots_at(
      data_version(), now, limit, offset, [&] { return query_lots(now, limit, offset); },
      [&] { return next_booking_start_or_end(now); });
}

std::int64_t SqliteTx::count_lots() {
  if (lot_list_ == nullptr) return query_count_lots();
  return lot_list_->count_at(data_version(), [&] { return query_count_lots(); });
}

std::optional<Lot> SqliteTx::lot(Id id, Timestamp now) {
  auto s = db_.prepare(std::string(kLotSelect) + "AND l.id = ?2");
  s.bind_all(now, id);
  if (!s.step()) return std::nullopt;
  return read_lot(s);
}

std::optional<Lot> SqliteTx::lot_record(Id id) {
  auto s = db_.prepare(sql::kLotRecord);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_lot(s);
}

bool SqliteTx::lot_name_taken(const std::string& name, std::optional<Id> except) {
  auto s = db_.prepare(
      "SELECT 1 FROM lots WHERE deleted_at IS NULL AND name = ?1 COLLATE NOCASE "
      "AND (?2 IS NULL OR id <> ?2)");
  s.bind_all(name, except);
  return s.step();
}

Id SqliteTx::insert_lot(const std::string& name, const std::string& address,
                        std::int64_t price_cents, Timestamp created_at) {
  db_.prepare(
         "INSERT INTO lots (name, address, price_cents, capacity, created_at) "
         "VALUES (?1, ?2, ?3, 0, ?4)")
      .bind_all(name, address, price_cents, created_at)
      .run();
  return db_.last_insert_id();
}

void SqliteTx::update_lot(Id id, const LotChanges& c) {
  db_.prepare(sql::kUpdateLot).bind_all(id, c.name, c.address, c.price_cents).run();
}

void SqliteTx::add_spots(Id lot_id, std::int64_t count) {
  // A recursive CTE generates the numbers in one statement. Its seed row is there even
  // when count < 1, so the outer WHERE drops it: no spot then, as on PostgreSQL.
  db_.prepare(
         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) "
         "INSERT INTO spots (lot_id, number) "
         "SELECT ?1, (SELECT COALESCE(MAX(number), 0) FROM spots WHERE lot_id = ?1) + i FROM n "
         "WHERE i <= ?2")
      .bind_all(lot_id, count)
      .run();
  db_.prepare(sql::kAddCapacity).bind_all(lot_id, count).run();
}

std::vector<Id> SqliteTx::removable_spots(Id lot_id, std::int64_t count, Timestamp now) {
  auto s = db_.prepare(sql::kRemovableSpots);
  s.bind_all(lot_id, count, now);
  std::vector<Id> out;
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

void SqliteTx::delete_spots(Id lot_id, const std::vector<Id>& spot_ids) {
  for (Id id : spot_ids) {
    db_.prepare(sql::kDeleteSpot).bind_all(id, lot_id).run();
  }
  db_.prepare(sql::kRecountCapacity).bind(1, lot_id).run();
}

void SqliteTx::soft_delete_lot(Id lot_id, Timestamp at) {
  db_.prepare(sql::kSoftDeleteLot).bind_all(lot_id, at).run();
}

std::int64_t SqliteTx::lot_bookings_in_force(Id lot_id, Timestamp now) {
  auto s = db_.prepare(sql::kLotBookingsInForce);
  s.bind_all(lot_id, now);
  s.step();
  return s.int64(0);
}

std::int64_t SqliteTx::spot_bookings_in_force(Id spot_id, Timestamp now) {
  auto s = db_.prepare(sql::kSpotBookingsInForce);
  s.bind_all(spot_id, now);
  s.step();
  return s.int64(0);
}

std::vector<Spot> SqliteTx::spots(Id lot_id, Timestamp now) {
  auto s = db_.prepare(sql::kSpots);
  s.bind_all(lot_id, now);
  std::vector<Spot> out;
  while (s.step()) out.push_back(Spot{s.int64(0), s.int64(1), s.int64(2), s.int64(3) != 0});
  return out;
}

std::optional<Spot> SqliteTx::spot(Id lot_id, Id spot_id, Timestamp now) {
  auto s = db_.prepare(sql::kSpot);
  s.bind_all(lot_id, spot_id, now);
  if (!s.step()) return std::nullopt;
  return Spot{s.int64(0), s.int64(1), s.int64(2), s.int64(3) != 0};
}

std::vector<UpcomingReservation> SqliteTx::upcoming_reservations(Id lot_id, Timestamp now) {
  auto s = db_.prepare(sql::kUpcomingReservations);
  s.bind_all(lot_id, now);
  std::vector<UpcomingReservation> out;
  while (s.step()) {
    out.push_back({s.int64(0), Window{s.time(1), s.opt_time(2)}, s.text(3)});
  }
  return out;
}

std::vector<Lot> SqliteTx::query_lots(Timestamp now, std::int64_t limit, std::int64_t offset) {
  static const std::string sql = std::string(kLotSelect) + "ORDER BY l.id LIMIT ?2 OFFSET ?3";
  auto s = db_.prepare(sql);
  s.bind_all(now, limit, offset);
  std::vector<Lot> out;
  while (s.step()) out.push_back(read_lot(s));
  return out;
}

std::int64_t SqliteTx::query_count_lots() { return scalar(sql::kCountLots); }

std::int64_t SqliteTx::next_booking_start_or_end(Timestamp now) {
  auto s = db_.prepare(sql::kNextBookingStartOrEnd);
  s.bind(1, now);
  if (!s.step()) return 0;
  return s.opt_int64(0).value_or(sql::kNoBookingDue);
}

// The version of the database this transaction reads; starts the read if nothing has.
unsigned SqliteTx::data_version() {
  if (sqlite3_txn_state(db_.handle(), "main") == SQLITE_TXN_NONE) {
    db_.prepare("PRAGMA schema_version").step();
  }
  unsigned version = 0;
  sqlite3_file_control(db_.handle(), "main", SQLITE_FCNTL_DATA_VERSION, &version);
  return version;
}

}  // namespace parkd::sqlite
