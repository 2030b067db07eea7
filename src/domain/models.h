#pragma once
// The domain's records, as services and renderers see them. Money in cents, times UTC.

#include "common/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

using Id = std::int64_t;

enum class Role { user, admin };
std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);  // "admin" or "user", exactly

struct User {
  Id id = 0;
  std::string email;
  std::optional<std::string> username;
  Role role = Role::user;
  std::int64_t token_version = 0;
  Timestamp created_at{};
  std::string password_hash;  // never rendered
  bool disabled = false;      // may not log in; its tokens are refused
};

struct UserTotals {
  std::int64_t total_bookings = 0;
  std::int64_t active_bookings = 0;
  std::int64_t total_spent_cents = 0;
  std::optional<Timestamp> last_booking_at;
};

struct Lot {
  Id id = 0;
  std::string name;
  std::string address;
  std::int64_t price_cents = 0;
  std::int64_t capacity = 0;
  std::int64_t occupied_spots = 0;  // a booking in force right now
  std::int64_t reserved_spots = 0;  // an upcoming reservation (may be free now)
  Timestamp created_at{};
  std::int64_t available_spots() const { return capacity - occupied_spots; }
  bool operator==(const Lot&) const = default;
};

struct Spot {
  Id id = 0;
  Id lot_id = 0;
  std::int64_t number = 0;
  bool occupied = false;
};

enum class BookingType { immediate, reserved };
enum class BookingStatus { reserved, active, completed, cancelled };
std::string_view booking_type_name(BookingType type);
std::string_view booking_status_name(BookingStatus status);
std::optional<BookingStatus> parse_booking_status(std::string_view text);  // case-insensitive

struct Booking {
  Id id = 0;
  Id user_id = 0;
  Id lot_id = 0;
  std::string lot_name;
  std::optional<Id> spot_id;  // null once the spot is deleted; spot_number stays
  std::int64_t spot_number = 0;
  BookingType type = BookingType::immediate;
  std::optional<std::string> vehicle_number;
  Timestamp created_at{};
  Timestamp start_time{};             // = reserved_start for a reservation
  std::optional<Timestamp> end_time;  // set when Completed
  std::optional<Timestamp> reserved_start;
  std::optional<Timestamp> reserved_end;
  std::int64_t price_cents = 0;  // the lot's price when booked
  std::int64_t cost_cents = 0;   // final cost, or a reservation's window cost
  BookingStatus stored_status = BookingStatus::active;
  std::optional<std::string> user_email;  // filled for admin views

  // The status in force at `at`: a reservation whose window has begun is Active.
  BookingStatus status_at(Timestamp at) const;
  // total_cost as the contract shows it at `at`.
  std::int64_t total_cost_cents_at(Timestamp at) const;
};

struct Window {
  Timestamp start{};
  std::optional<Timestamp> end;  // nullopt: open-ended (an immediate booking)
};

}  // namespace parkd
