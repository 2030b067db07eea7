#pragma once
// The column lists and row mappers both stores share. A mapper reads a row through any
// type with the accessors `int64`, `opt_int64`, `text`, `opt_text`, `time` and
// `opt_time` by column: sqlite::Statement on its current row, pg::Row for one row of a
// result. Both stores select these columns in this order, so each mapper is written once.

#include "domain/models.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd::rows {

// A booking's stored status; an unknown text (none is ever written) reads as Active.
inline BookingStatus stored_status_from(const std::string& text) {
  return parse_booking_status(text).value_or(BookingStatus::active);
}

// The end of a window as stored: unix seconds, or NULL for an open one.
inline std::optional<std::int64_t> open_end(const Window& w) {
  if (!w.end) return std::nullopt;
  return to_unix(*w.end);
}

// Selected from `users u`.
inline constexpr const char* kUserColumns =
    "u.id, u.email, u.username, u.role, u.token_version, u.created_at, u.password_hash, "
    "u.disabled";

template <class Row>
User read_user(const Row& r, int c = 0) {
  User u;
  u.id = r.int64(c);
  u.email = r.text(c + 1);
  u.username = r.opt_text(c + 2);
  u.role = r.text(c + 3) == "admin" ? Role::admin : Role::user;
  u.token_version = r.int64(c + 4);
  u.created_at = r.time(c + 5);
  u.password_hash = r.text(c + 6);
  u.disabled = r.int64(c + 7) != 0;
  return u;
}

// A new booking's reserved_start, reserved_end and status as stored.
struct StoredWindow {
  std::optional<Timestamp> reserved_start, reserved_end;
  std::string status;
};
inline StoredWindow stored_window(const NewBooking& b) {
  if (b.type != BookingType::reserved) return {std::nullopt, std::nullopt, "Active"};
  return {b.occupies.start, b.occupies.end, "Reserved"};
}

// What sql::kCompleteBooking and sql::kCancelBooking leave of a booking, for a store
// that sends them without reading the row back (Tx::complete_locked_booking).
inline Booking completed(Booking b, Timestamp ended_at, std::int64_t cost_cents) {
  b.stored_status = BookingStatus::completed;
  b.end_time = ended_at;
  b.cost_cents = cost_cents;
  return b;
}
inline Booking cancelled(Booking b) {
  b.stored_status = BookingStatus::cancelled;
  b.cost_cents = 0;
  return b;
}

// Selected from `bookings b`.
inline constexpr const char* kBookingColumns =
    "b.id, b.user_id, b.lot_id, b.lot_name, b.spot_id, b.spot_number, b.type, b.vehicle_number, "
    "b.created_at, b.starts_at, b.ended_at, b.reserved_start, b.reserved_end, b.price_cents, "
    "b.cost_cents, b.status";

// " RETURNING " and kBookingColumns without their "b." (SQLite's RETURNING cannot name a
// table alias), so that read_booking reads what an insert or update of a booking left.
inline const std::string& returning_booking() {
  static const std::string clause = [] {
    std::string out = " RETURNING ";
    for (std::string_view rest = kBookingColumns; !rest.empty();) {
      if (rest.starts_with("b.")) rest.remove_prefix(2);
      out += rest.front();
      rest.remove_prefix(1);
    }
    return out;
  }();
  return clause;
}

template <class Row>
Booking read_booking(const Row& r) {
  Booking b;
  b.id = r.int64(0);
  b.user_id = r.int64(1);
  b.lot_id = r.int64(2);
  b.lot_name = r.text(3);
  b.spot_id = r.opt_int64(4);
  b.spot_number = r.int64(5);
  b.type = r.text(6) == "reserved" ? BookingType::reserved : BookingType::immediate;
  b.vehicle_number = r.opt_text(7);
  b.created_at = r.time(8);
  b.start_time = r.time(9);
  b.end_time = r.opt_time(10);
  b.reserved_start = r.opt_time(11);
  b.reserved_end = r.opt_time(12);
  b.price_cents = r.int64(13);
  b.cost_cents = r.int64(14);
  b.stored_status = stored_status_from(r.text(15));
  return b;
}

// The lot columns, then the spots occupied now and the spots only reserved for later
// (each store's lot query computes the two counts in its own dialect).
template <class Row>
Lot read_lot(const Row& r) {
  Lot l;
  l.id = r.int64(0);
  l.name = r.text(1);
  l.address = r.text(2);
  l.price_cents = r.int64(3);
  l.capacity = r.int64(4);
  l.created_at = r.time(5);
  l.occupied_spots = r.int64(6);
  l.reserved_spots = r.int64(7);
  return l;
}

// Selected from `jobs`.
inline constexpr const char* kJobColumns =
    "id, type, payload, status, attempts, max_attempts, last_error, owner_user_id, created_at, "
    "run_at, lease_until, finished_at, started_at, request_id";

template <class Row>
Job read_job(const Row& r) {
  Job j;
  j.id = r.int64(0);
  j.type = r.text(1);
  j.payload = r.text(2);
  j.status = r.text(3);
  j.attempts = static_cast<int>(r.int64(4));
  j.max_attempts = static_cast<int>(r.int64(5));
  j.last_error = r.opt_text(6);
  j.owner_user_id = r.opt_int64(7);
  j.created_at = r.time(8);
  j.run_at = r.time(9);
  j.lease_until = r.opt_time(10);
  j.finished_at = r.opt_time(11);
  j.started_at = r.opt_time(12);
  j.request_id = r.opt_text(13);
  return j;
}

}  // namespace parkd::rows
