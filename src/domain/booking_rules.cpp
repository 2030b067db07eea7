#include "domain/booking_rules.h"

#include "domain/money.h"
#include "domain/validation.h"

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

}  // namespace parkd
