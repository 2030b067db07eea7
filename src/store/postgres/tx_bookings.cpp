// Bookings: the free-spot search and overlap check the booking transaction runs,
// the booking rows and their lists, and the idempotency records of POST /api/book.

#include "store/bucketing.h"
#include "store/postgres/tx.h"
#include "store/rows.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::pg {

using rows::kBookingColumns;
using rows::open_end;
using rows::read_booking;

std::optional<Spot> PgTx::lowest_free_spot(Id lot_id, const Window& w) {
  if (!write_) {
    auto r = db_.query(sql::kLowestFreeSpot, lot_id, w.start, open_end(w));
    if (r.empty()) return std::nullopt;
    return Spot{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), false};
  }
  // The spot is locked, and spots that other bookings in flight have locked are skipped:
  // concurrent bookings on one lot take different spots instead of all taking the
  // lowest and all but one rerunning. When every free spot is held so, this waits for
  // the lowest one's booking to end instead, so that `lot_full` is only ever answered
  // for bookings that committed: if it rolled back, the spot is taken here; if it
  // committed, the insert meets the exclusion constraint and the rerun sees it. A
  // booking that committed after this statement's snapshot is caught the same way.
  const std::string lock = std::string(sql::kLowestFreeSpot) + " FOR NO KEY UPDATE OF s";
  auto r = db_.query(lock + " SKIP LOCKED", lot_id, w.start, open_end(w));
  if (r.empty()) r = db_.query(lock, lot_id, w.start, open_end(w));
  if (r.empty()) return std::nullopt;
  return Spot{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), false};
}

std::optional<Window> PgTx::spot_conflict(Id spot_id, const Window& w) {
  auto r = db_.query(sql::kSpotConflict, spot_id, w.start, open_end(w));
  if (r.empty()) return std::nullopt;
  return Window{r.time(0, 0), r.opt_time(0, 1)};
}

std::optional<Window> PgTx::vehicle_conflict(const std::string& vehicle_key, const Window& w) {
  // Writers of one vehicle take turns from here to their commit, as writers of one spot
  // do on its row lock. Without it, racing inserts of one vehicle in different lots each
  // wait at bookings_vehicle_no_overlap for the others' uncommitted rows: cycles that
  // PostgreSQL breaks one per deadlock_timeout (1 s), so 20 racers took over a minute.
  // The two-int key space keeps these apart from the idempotency locks (one bigint).
  if (write_) db_.query("SELECT pg_advisory_xact_lock(7171, hashtext($1))", vehicle_key);
  auto r = db_.query(sql::kVehicleConflict, vehicle_key, w.start, open_end(w));
  if (r.empty()) return std::nullopt;
  return Window{r.time(0, 0), r.opt_time(0, 1)};
}

namespace {

// Runs a booking write that ends in rows::returning_booking(); the row it left.
template <class... Args>
std::optional<Booking> written_booking(Connection& db, const char* sql, const Args&... args) {
  auto r = db.query(std::string(sql) + rows::returning_booking(), args...);
  if (r.empty()) return std::nullopt;
  return read_booking(r.row(0));
}

}  // namespace

Booking PgTx::insert_booking(const NewBooking& b) {
  db_.mark(kLotsSignal);
  rows::StoredWindow w = rows::stored_window(b);
  // A concurrent booking of an overlapping window on this spot fails the exclusion
  // constraint here (23P01); write() reruns the unit, which then picks another spot.
  // Likewise a concurrent overlapping booking of the same vehicle, in any lot, fails
  // bookings_vehicle_no_overlap; the rerun's vehicle_conflict then sees it committed.
  return *written_booking(db_, sql::kInsertBooking, b.user_id, b.lot_id, b.lot_name, b.spot_id,
                          b.spot_number, std::string(booking_type_name(b.type)), b.vehicle_number,
                          b.created_at, b.occupies.start, open_end(b.occupies), w.reserved_start,
                          w.reserved_end, b.price_cents, b.cost_cents, w.status, b.vehicle_key);
}

std::optional<Booking> PgTx::insert_booking_on_a_free_spot(const NewBooking& b) {
  db_.mark(kLotsSignal);
  rows::StoredWindow w = rows::stored_window(b);
  // The search and the insert in one round trip; a conflict fails as in insert_booking.
  // The lot is locked as lot_record() locks it, then the spot as lowest_free_spot() does
  // in its first search, which passes over spots other bookings in flight hold (rows are
  // locked in the order the clauses name their tables).
  static const std::string sql = fmt::format(sql::kInsertBookingOnAFreeSpot,
                                             " FOR SHARE OF l FOR NO KEY UPDATE OF s SKIP LOCKED");
  return written_booking(db_, sql.c_str(), b.user_id, b.lot_id,
                         std::string(booking_type_name(b.type)), b.vehicle_number, b.created_at,
                         b.occupies.start, open_end(b.occupies), w.reserved_start, w.reserved_end,
                         b.cost_cents, w.status, b.vehicle_key);
}

std::optional<Booking> PgTx::booking(Id id) {
  // Locked in a write transaction: release and cancel check the status and then
  // update, so a second release of the same booking waits here and then sees the
  // first one's outcome.
  auto r = db_.query(
      fmt::format(sql::kBookingById, kBookingColumns) + (write_ ? " FOR NO KEY UPDATE" : ""), id);
  if (r.empty()) return std::nullopt;
  return read_booking(r.row(0));
}

std::optional<Booking> PgTx::current_booking_on_spot(Id spot_id, Timestamp now) {
  auto r = db_.query(fmt::format(sql::kCurrentBookingOnSpot, kBookingColumns), spot_id, now);
  if (r.empty()) return std::nullopt;
  Booking b = read_booking(r.row(0));
  b.user_email = r.text(0, 16);
  return b;
}

std::optional<Booking> PgTx::complete_booking(Id id, Timestamp ended_at, std::int64_t cost_cents) {
  db_.mark(kLotsSignal);
  return written_booking(db_, sql::kCompleteBooking, id, ended_at, cost_cents);
}

std::optional<Booking> PgTx::cancel_booking(Id id) {
  db_.mark(kLotsSignal);
  return written_booking(db_, sql::kCancelBooking, id);
}

Booking PgTx::complete_locked_booking(const Booking& locked, Timestamp ended_at,
                                      std::int64_t cost_cents) {
  db_.mark(kLotsSignal);
  db_.defer(sql::kCompleteBooking, locked.id, ended_at, cost_cents);
  return rows::completed(locked, ended_at, cost_cents);
}

Booking PgTx::cancel_locked_booking(const Booking& locked) {
  db_.mark(kLotsSignal);
  db_.defer(sql::kCancelBooking, locked.id);
  return rows::cancelled(locked);
}

std::optional<Booking> PgTx::extend_reservation(Id id, Timestamp reserved_end,
                                                std::int64_t cost_cents) {
  db_.mark(kLotsSignal);
  // The exclusion constraint bookings_no_overlap checks the longer window: a booking of
  // the added time committed meanwhile (by any server) fails it with 23P01, and write()
  // reruns the unit, which then sees that booking.
  return written_booking(db_, sql::kExtendReservation, id, reserved_end, cost_cents);
}

std::vector<Booking> PgTx::bookings(const BookingFilter& f, Timestamp now) {
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
    out.push_back(read_booking(r.row(i)));
    if (f.with_user_email) out.back().user_email = r.text(i, 16);
  }
  return out;
}

std::int64_t PgTx::count_bookings(const BookingFilter& f, Timestamp now) {
  Params p;
  std::string sql = "SELECT COUNT(*) FROM bookings b" + filter_where(f, now, p);
  return db_.run(sql, p).int64(0, 0);
}

std::int64_t PgTx::complete_ended_reservations(Timestamp now) {
  db_.mark(kLotsSignal);
  return db_.query(sql::kCompleteEndedReservations, now).affected();
}

std::optional<StoredResponse> PgTx::idempotent_response(Id user_id, const std::string& key,
                                                        Timestamp not_before) {
  // Requests with the same key take turns from here to the end of the transaction
  // (which stores the response), so the second one finds the first one's answer
  // instead of booking again.
  if (write_) {
    db_.query("SELECT pg_advisory_xact_lock(hashtextextended($2, $1))", user_id, key);
  }
  auto r = db_.query(sql::kIdempotentResponse, user_id, key, not_before);
  if (r.empty()) return std::nullopt;
  return StoredResponse{static_cast<int>(r.int64(0, 0)), r.text(0, 1), r.text(0, 2)};
}

void PgTx::store_idempotent_response(Id user_id, const std::string& key, const StoredResponse& s,
                                     Timestamp at) {
  db_.query(sql::kStoreIdempotentResponse, user_id, key, s.request_hash, s.status, s.body, at);
}

void PgTx::purge_idempotency_keys(Timestamp before) {
  db_.query(sql::kPurgeIdempotencyKeys, before);
}

}  // namespace parkd::pg
