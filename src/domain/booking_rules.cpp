#include "domain/booking_rules.h"

#include "domain/money.h"
#include "domain/validation.h"

#include <fmt/format.h>

#include <cctype>

namespace parkd {

Result<Window> reservation_window(std::optional<Timestamp> start, std::optional<Timestamp> end,
                                  Timestamp now) {
  nlohmann::json fields = nlohmann::json::object();
  if (!start) fields["reserved_start"] = "is required for a reservation";
  if (!end) fields["reserved_end"] = "is required for a reservation";
  if (start && end) {
    if (*end <= *start) {
      fields["reserved_end"] = "must be after reserved_start";
    } else if ((*end - *start).count() > kMaxReservationSeconds) {
      fields["reserved_end"] = "the window may be at most 30 days";
    }
    if ((now - *start).count() > kReservationStartGraceSeconds) {
      fields["reserved_start"] = "must not be more than 5 minutes in the past";
    }
  }
  if (!fields.empty()) return Error::validation(fields);
  return Window{*start, *end};
}

Status check_extendable(const Booking& b, Timestamp at) {
  if (b.type != BookingType::reserved || !b.reserved_start || !b.reserved_end) {
    return Error::conflict("booking_open_ended",
                           "An immediate booking has no end to extend; it lasts until released");
  }
  BookingStatus status = b.status_at(at);
  if (status != BookingStatus::reserved && status != BookingStatus::active) {
    return Error::conflict("booking_not_in_force",
                           fmt::format("Only a Reserved or Active reservation can be extended; "
                                       "this booking is {}",
                                       booking_status_name(status)));
  }
  // Still Active until the periodic job completes it, but its window is over.
  if (at >= *b.reserved_end) {
    return Error::conflict("booking_not_in_force", "This reservation's window has ended");
  }
  return ok_status();
}

Result<Window> extended_window(const Booking& b, Timestamp new_end) {
  if (new_end <= *b.reserved_end) {
    return Error::validation({{"reserved_end", "must be after the current reserved_end"}});
  }
  if ((new_end - *b.reserved_start).count() > kMaxReservationSeconds) {
    return Error::validation(
        {{"reserved_end", "the window may be at most 30 days from reserved_start"}});
  }
  return Window{*b.reserved_start, new_end};
}

std::int64_t window_cost_cents(std::int64_t price_cents, const Window& window,
                               int min_charge_minutes) {
  std::int64_t seconds = window.end ? (*window.end - window.start).count() : 0;
  return stay_cost_cents(price_cents, seconds, min_charge_minutes);
}

std::int64_t release_cost_cents(const Booking& b, Timestamp ended_at, int min_charge_minutes) {
  if (b.type == BookingType::reserved && b.reserved_start && b.reserved_end) {
    return window_cost_cents(b.price_cents, Window{*b.reserved_start, *b.reserved_end},
                             min_charge_minutes);
  }
  return stay_cost_cents(b.price_cents, (ended_at - b.start_time).count(), min_charge_minutes);
}

std::optional<std::string> vehicle_key(std::string_view vehicle_number) {
  std::string key;
  for (char c : vehicle_number) {
    auto u = static_cast<unsigned char>(c);
    // Spaces and '-' are how plates are written, not part of what they say.
    if (c == ' ' || c == '-') continue;
    key += static_cast<char>(std::toupper(u));
  }
  if (key.empty()) return std::nullopt;
  return key;
}

}  // namespace parkd
