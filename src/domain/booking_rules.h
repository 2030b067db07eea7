#pragma once
// Pure rules for bookings (docs/api.md "Bookings"): the window a booking occupies and its cost.
// Which bookings hold a spot or a vehicle, and when, is decided in SQL, where the choice
// must be atomic with the write: store/statements.h, "The booking rules"
// (PARKD_SQL_IN_FORCE, PARKD_SQL_HOLDS_AT, PARKD_SQL_OVERLAPS).

#include "common/result.h"
#include "domain/models.h"

#include <optional>
#include <string>
#include <string_view>

namespace parkd {

// The window of a reservation: both ends present, end after start, start not more than
// 5 minutes before `now`, at most 30 days long. Errors: validation with fields
// reserved_start / reserved_end.
Result<Window> reservation_window(std::optional<Timestamp> start, std::optional<Timestamp> end,
                                  Timestamp now);

// Whether `booking` may get a later end at `at`: only a reservation that is Reserved or
// Active and whose window has not ended. Errors: conflict booking_open_ended (an
// immediate booking: it has no end until released), conflict booking_not_in_force
// (Completed, Cancelled, or a window already over).
Status check_extendable(const Booking& booking, Timestamp at);

// The window of reservation `booking` with its end moved to `new_end`: only a later end,
// at most 30 days after reserved_start. Errors: validation with field reserved_end.
// REQUIRES: booking is a reservation (reserved_start and reserved_end set).
Result<Window> extended_window(const Booking& booking, Timestamp new_end);

// What two vehicle numbers are compared by (docs/api.md "One vehicle in one place"): the
// letters and digits upper-cased, spaces and '-' dropped, so "mh 12-ab 1234" and
// "MH12AB1234" are one vehicle. nullopt when no letter or digit is left: nothing to
// compare, as when no vehicle number is given.
std::optional<std::string> vehicle_key(std::string_view vehicle_number);

// The cost charged when a booking ends at `ended_at` (see docs/api.md "Bookings"):
// immediate = its stay; reserved = its whole window; never less than the minimum charge.
std::int64_t release_cost_cents(const Booking& booking, Timestamp ended_at, int min_charge_minutes);

// The cost of a reservation's window, known when it is made.
std::int64_t window_cost_cents(std::int64_t price_cents, const Window& window,
                               int min_charge_minutes);

}  // namespace parkd
