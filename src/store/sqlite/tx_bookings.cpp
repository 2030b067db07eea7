// Bookings: the free-spot search and overlap check the booking transaction runs,
// the booking rows and their lists, and the idempotency records of POST /api/book.

#include "store/bucketing.h"
#include "store/rows.h"
#include "store/sqlite/tx.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::sqlite {

using rows::kBookingColumns;
using rows::open_end;
using rows::read_booking;

std::optional<Spot> SqliteTx::lowest_free_spot(Id lot_id, const Window& w) {
  auto s = db_.prepare(sql::kLowestFreeSpot);
  s.bind_all(lot_id, w.start, open_end(w));
  if (!s.step()) return std::nullopt;
  return Spot{s.int64(0), s.int64(1), s.int64(2), false};
}

std::optional<Window> SqliteTx::spot_conflict(Id spot_id, const Window& w) {
  auto s = db_.prepare(sql::kSpotConflict);
  s.bind_all(spot_id, w.start, open_end(w));
  if (!s.step()) return std::nullopt;
  return Window{s.time(0), s.opt_time(1)};
}

std::optional<Window> SqliteTx::vehicle_conflict(const std::string& vehicle_key, const Window& w) {
  auto s = db_.prepare(sql::kVehicleConflict);
  s.bind_all(vehicle_key, w.start, open_end(w));
  if (!s.step()) return std::nullopt;
  return Window{s.time(0), s.opt_time(1)};
}

namespace {

// Runs a booking write that ends in rows::returning_booking(); the row it left.
std::optional<Booking> written_booking(Statement& s) {
  if (!s.step()) return std::nullopt;
  Booking b = read_booking(s);
  while (s.step()) {
  }
  return b;
}

}  // namespace

Booking SqliteTx::insert_booking(const NewBooking& b) {
  static const std::string sql = std::string(sql::kInsertBooking) + rows::returning_booking();
  rows::StoredWindow w = rows::stored_window(b);
  return *written_booking(db_.prepare(sql).bind_all(
      b.user_id, b.lot_id, b.lot_name, b.spot_id, b.spot_number,
      std::string(booking_type_name(b.type)), b.vehicle_number, b.created_at, b.occupies.start,
      open_end(b.occupies), w.reserved_start, w.reserved_end, b.price_cents, b.cost_cents, w.status,
      b.vehicle_key));
}

std::optional<Booking> SqliteTx::insert_booking_on_a_free_spot(const NewBooking& b) {
  static const std::string sql =
      fmt::format(sql::kInsertBookingOnAFreeSpot, "") + rows::returning_booking();
  rows::StoredWindow w = rows::stored_window(b);
  return written_booking(db_.prepare(sql).bind_all(
      b.user_id, b.lot_id, std::string(booking_type_name(b.type)), b.vehicle_number, b.created_at,
      b.occupies.start, open_end(b.occupies), w.reserved_start, w.reserved_end, b.cost_cents,
      w.status, b.vehicle_key));
}

std::optional<Booking> SqliteTx::booking(Id id) {
  static const std::string sql = fmt::format(sql::kBookingById, kBookingColumns);
  auto s = db_.prepare(sql);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_booking(s);
}

std::optional<Booking> SqliteTx::current_booking_on_spot(Id spot_id, Timestamp now) {
  auto s = db_.prepare(fmt::format(sql::kCurrentBookingOnSpot, kBookingColumns));
  s.bind_all(spot_id, now);
  if (!s.step()) return std::nullopt;
  Booking b = read_booking(s);
  b.user_email = s.text(16);
  return b;
}

std::optional<Booking> SqliteTx::complete_booking(Id id, Timestamp ended_at,
                                                  std::int64_t cost_cents) {
  static const std::string sql = std::string(sql::kCompleteBooking) + rows::returning_booking();
  return written_booking(db_.prepare(sql).bind_all(id, ended_at, cost_cents));
}

std::optional<Booking> SqliteTx::cancel_booking(Id id) {
  static const std::string sql = std::string(sql::kCancelBooking) + rows::returning_booking();
  return written_booking(db_.prepare(sql).bind_all(id));
}

std::optional<Booking> SqliteTx::extend_reservation(Id id, Timestamp reserved_end,
                                                    std::int64_t cost_cents) {
  static const std::string sql = std::string(sql::kExtendReservation) + rows::returning_booking();
  return written_booking(db_.prepare(sql).bind_all(id, reserved_end, cost_cents));
}

std::vector<Booking> SqliteTx::bookings(const BookingFilter& f, Timestamp now) {
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

std::int64_t SqliteTx::count_bookings(const BookingFilter& f, Timestamp now) {
  auto s = db_.prepare("SELECT COUNT(*) FROM bookings b" + filter_sql(f).where);
  bind_filter(s, f, now);
  s.step();
  return s.int64(0);
}

std::int64_t SqliteTx::complete_ended_reservations(Timestamp now) {
  db_.prepare(sql::kCompleteEndedReservations).bind(1, now).run();
  return db_.changes();
}

std::optional<StoredResponse> SqliteTx::idempotent_response(Id user_id, const std::string& key,
                                                            Timestamp not_before) {
  auto s = db_.prepare(sql::kIdempotentResponse);
  s.bind_all(user_id, key, not_before);
  if (!s.step()) return std::nullopt;
  return StoredResponse{static_cast<int>(s.int64(0)), s.text(1), s.text(2)};
}

void SqliteTx::store_idempotent_response(Id user_id, const std::string& key,
                                         const StoredResponse& r, Timestamp at) {
  db_.prepare(sql::kStoreIdempotentResponse)
      .bind_all(user_id, key, r.request_hash, r.status, r.body, at)
      .run();
}

void SqliteTx::purge_idempotency_keys(Timestamp before) {
  db_.prepare(sql::kPurgeIdempotencyKeys).bind(1, before).run();
}

}  // namespace parkd::sqlite
