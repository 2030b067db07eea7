#include "domain/models.h"

#include "domain/validation.h"

namespace parkd {

std::string_view role_name(Role role) { return role == Role::admin ? "admin" : "user"; }

std::optional<Role> parse_role(std::string_view name) {
  if (name == "admin") return Role::admin;
  if (name == "user") return Role::user;
  return std::nullopt;
}

std::string_view booking_type_name(BookingType type) {
  return type == BookingType::reserved ? "reserved" : "immediate";
}

std::string_view booking_status_name(BookingStatus status) {
  switch (status) {
    case BookingStatus::reserved:
      return "Reserved";
    case BookingStatus::active:
      return "Active";
    case BookingStatus::completed:
      return "Completed";
    case BookingStatus::cancelled:
      return "Cancelled";
  }
  return "Active";
}

std::optional<BookingStatus> parse_booking_status(std::string_view text) {
  std::string t = to_lower(text);
  if (t == "reserved") return BookingStatus::reserved;
  if (t == "active") return BookingStatus::active;
  if (t == "completed") return BookingStatus::completed;
  if (t == "cancelled" || t == "canceled") return BookingStatus::cancelled;
  return std::nullopt;
}

BookingStatus Booking::status_at(Timestamp at) const {
  if (stored_status == BookingStatus::reserved && reserved_start && at >= *reserved_start) {
    return BookingStatus::active;
  }
  return stored_status;
}

std::int64_t Booking::total_cost_cents_at(Timestamp) const {
  if (stored_status == BookingStatus::cancelled) return 0;
  if (stored_status == BookingStatus::completed || type == BookingType::reserved) return cost_cents;
  return 0;  // an open immediate booking costs nothing until released
}

}  // namespace parkd
