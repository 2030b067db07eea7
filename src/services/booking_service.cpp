#include "services/booking_service.h"

#include "domain/booking_rules.h"
#include "jobs/backoff.h"
#include "services/job_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace parkd {
namespace {

nlohmann::json window_json(const Window& w) {
  return {{"start", format_iso8601(w.start)},
          {"end", w.end ? nlohmann::json(format_iso8601(*w.end)) : nlohmann::json(nullptr)}};
}

// The row a booking write left: the booking owned_booking locked is always there.
Result<Booking> written(std::optional<Booking> b) {
  if (!b) return Error::not_found("Booking not found");
  return std::move(*b);
}

Error with_conflict(Error e, const std::optional<Window>& conflict) {
  if (conflict) e.extra = {{"conflict", window_json(*conflict)}};
  return e;
}

// vehicle_busy with the colliding window when the vehicle (if any) has a booking in force
// overlapping `window` (docs/api.md "One vehicle in one place").
Status check_vehicle_free(Tx& tx, const std::optional<std::string>& vehicle_number,
                          const Window& window) {
  auto key = vehicle_number ? vehicle_key(*vehicle_number) : std::nullopt;
  if (!key) return ok_status();
  if (auto conflict = tx.vehicle_conflict(*key, window)) {
    return with_conflict(
        Error::conflict(
            "vehicle_busy",
            fmt::format("Vehicle {} is already booked for an overlapping time", *vehicle_number)),
        conflict);
  }
  return ok_status();
}

}  // namespace

Result<BookingService::Choice> BookingService::checked(Tx& tx, const BookRequest& req,
                                                       Timestamp at) {
  auto lot = tx.lot_record(req.lot_id);
  if (!lot) return Error::not_found("Parking lot not found");

  Window window{at, std::nullopt};
  if (req.type == BookingType::reserved) {
    auto w = reservation_window(req.reserved_start, req.reserved_end, at);
    if (!w) return w.error();
    window = *w;
  }
  // Before the spot: where the vehicle is matters whichever lot or spot is asked for.
  if (Status free = check_vehicle_free(tx, req.vehicle_number, window); !free) {
    return free.error();
  }

  std::optional<Spot> spot;
  if (req.spot_id) {
    spot = tx.spot(req.lot_id, *req.spot_id, at);
    if (!spot) return Error::validation({{"spot_id", "no such spot in this lot"}});
    if (auto conflict = tx.spot_conflict(spot->id, window)) {
      return with_conflict(
          Error::conflict("spot_unavailable",
                          fmt::format("Spot {} is not free for the requested time", spot->number)),
          conflict);
    }
  }
  return Choice{*lot, spot, window};
}

Result<Spot> BookingService::lowest_free_spot(Tx& tx, const BookRequest& req, const Choice& choice,
                                              Timestamp at) {
  if (auto spot = tx.lowest_free_spot(req.lot_id, choice.window)) return *spot;
  std::optional<Window> conflict;
  if (req.type == BookingType::reserved) {
    // Show the window that blocks the first spot, as the original's frontend does.
    auto spots = tx.spots(req.lot_id, at);
    if (!spots.empty()) conflict = tx.spot_conflict(spots.front().id, choice.window);
  }
  return with_conflict(
      Error::conflict("lot_full", "No spot is free in this lot for the requested time"), conflict);
}

Result<BookingService::Choice> BookingService::choose(Tx& tx, const BookRequest& req,
                                                      Timestamp at) {
  auto choice = checked(tx, req, at);
  if (!choice || choice->spot) return choice;
  auto spot = lowest_free_spot(tx, req, *choice, at);
  if (!spot) return spot.error();
  choice->spot = *spot;
  return choice;
}

Result<Booking> BookingService::book(Tx& tx, const User& user, const BookRequest& req,
                                     Timestamp at) {
  NewBooking nb;
  nb.user_id = user.id;
  nb.lot_id = req.lot_id;
  nb.type = req.type;
  nb.vehicle_number = req.vehicle_number;
  if (req.vehicle_number) nb.vehicle_key = vehicle_key(*req.vehicle_number);
  nb.created_at = at;
  // With no spot asked for, the store takes the lowest free one in the insert itself, with
  // the lot's name and price (PostgreSQL: one statement, one round trip). An immediate
  // booking with no vehicle to check needs nothing else of its lot first: it costs
  // nothing until released. Otherwise, or when that insert finds no lot or no free spot,
  // the checks below run and say which.
  std::optional<Booking> inserted;
  bool searched = false;
  if (req.type == BookingType::immediate && !req.spot_id && !req.vehicle_number) {
    nb.occupies = Window{at, std::nullopt};
    nb.cost_cents = 0;
    inserted = tx.insert_booking_on_a_free_spot(nb);
    searched = true;
  }
  if (!inserted) {
    auto choice = checked(tx, req, at);
    if (!choice) return choice.error();
    const Lot& lot = choice->lot;
    nb.lot_name = lot.name;
    nb.occupies = choice->window;
    nb.price_cents = lot.price_cents;
    nb.cost_cents = req.type == BookingType::reserved
                        ? window_cost_cents(lot.price_cents, choice->window, min_charge_minutes_)
                        : 0;
    if (!choice->spot && !searched) inserted = tx.insert_booking_on_a_free_spot(nb);
    if (!inserted) {
      if (!choice->spot) {
        auto spot = lowest_free_spot(tx, req, *choice, at);
        if (!spot) return spot.error();
        choice->spot = *spot;
      }
      nb.spot_id = choice->spot->id;
      nb.spot_number = choice->spot->number;
      inserted = tx.insert_booking(nb);
    }
  }
  Booking created = std::move(*inserted);
  enqueue_email(tx, job_types::booking_confirmation, created,
                fmt::format("booking_confirmation:{}", created.id), at);
  return created;
}

void BookingService::enqueue_email(Tx& tx, const char* type, const Booking& b,
                                   const std::string& dedupe, Timestamp at) {
  tx.enqueue_job_deferred({type, fmt::format(R"({{"booking_id":{}}})", b.id), dedupe, at,
                           jobs::max_attempts_for(type, job_max_attempts_), b.user_id},
                          at);
}

void BookingService::log_booked(const User& user, const Booking& created) {
  spdlog::info("booking: {} booked spot {} of lot {} (booking {}, {})", user.id,
               created.spot_number, created.lot_id, created.id, booking_type_name(created.type));
}

Result<Booking> BookingService::owned_booking(Tx& tx, const User& user, Id booking_id) {
  auto b = tx.booking(booking_id);
  if (!b || (b->user_id != user.id && user.role != Role::admin)) {
    return Error::not_found("Booking not found");
  }
  return *b;
}

void BookingService::change_owned(const User& user, Id booking_id, Change change,
                                  const Store::Handoff& handoff, BookingDone done) {
  auto changed = std::make_shared<std::optional<Booking>>();
  auto unit = [this, user, booking_id, change = std::move(change), changed](Tx& tx) -> Status {
    Timestamp at = now();
    auto b = owned_booking(tx, user, booking_id);
    if (!b) return b.error();
    auto applied = change(tx, *b, at);
    if (!applied) return applied.error();
    *changed = std::move(*applied);
    return ok_status();
  };
  store_.write_async(
      std::move(unit),
      [changed, done = std::move(done)](Status st) {
        if (!st) return done(st.error());
        done(std::move(**changed));
      },
      handoff);
}

void BookingService::release(const User& user, Id booking_id, const Store::Handoff& handoff,
                             BookingDone done) {
  auto release_active = [this](Tx& tx, const Booking& b, Timestamp at) -> Result<Booking> {
    BookingStatus status = b.status_at(at);
    if (status == BookingStatus::reserved) {
      return Error::conflict("booking_not_active",
                             "This reservation has not started; cancel it instead");
    }
    if (status != BookingStatus::active) {
      return Error::conflict("booking_not_active", fmt::format("This booking is already {}",
                                                               booking_status_name(status)));
    }
    Timestamp ended = b.reserved_end && at > *b.reserved_end ? *b.reserved_end : at;
    return tx.complete_locked_booking(b, ended, release_cost_cents(b, ended, min_charge_minutes_));
  };
  change_owned(user, booking_id, release_active, handoff,
               [done = std::move(done)](Result<Booking> released) {
                 if (released) {
                   spdlog::info("booking: {} released (cost {} cents)", released->id,
                                released->cost_cents);
                 }
                 done(std::move(released));
               });
}

void BookingService::cancel(const User& user, Id booking_id, const Store::Handoff& handoff,
                            BookingDone done) {
  auto cancel_reserved = [this](Tx& tx, const Booking& b, Timestamp at) -> Result<Booking> {
    BookingStatus status = b.status_at(at);
    if (status != BookingStatus::reserved) {
      return Error::conflict("booking_not_reserved",
                             fmt::format("Only a reservation that has not started can be "
                                         "cancelled; this booking is {}",
                                         booking_status_name(status)));
    }
    Booking cancelled = tx.cancel_locked_booking(b);
    // A booking is cancelled once: one cancellation email per booking.
    enqueue_email(tx, job_types::booking_cancelled, b, fmt::format("booking_cancelled:{}", b.id),
                  at);
    return cancelled;
  };
  change_owned(user, booking_id, cancel_reserved, handoff,
               [done = std::move(done)](Result<Booking> cancelled) {
                 if (cancelled) spdlog::info("booking: {} cancelled", cancelled->id);
                 done(std::move(cancelled));
               });
}

void BookingService::extend(const User& user, Id booking_id, Timestamp reserved_end,
                            const Store::Handoff& handoff, BookingDone done) {
  auto extend_reservation = [this, reserved_end](Tx& tx, const Booking& b,
                                                 Timestamp at) -> Result<Booking> {
    if (Status extendable = check_extendable(b, at); !extendable) return extendable.error();
    auto window = extended_window(b, reserved_end);
    if (!window) return window.error();
    // Locks the spot (PostgreSQL) as booking it does, so the two take turns instead of
    // meeting at the exclusion constraint and retrying.
    if (b.spot_id) tx.spot(b.lot_id, *b.spot_id, at);
    Window added{*b.reserved_end, window->end};
    // A spot is never deleted under a booking in force, so spot_id is set here.
    if (auto conflict = b.spot_id ? tx.spot_conflict(*b.spot_id, added) : std::nullopt) {
      return with_conflict(
          Error::conflict("spot_unavailable",
                          fmt::format("Spot {} is not free for the added time", b.spot_number)),
          conflict);
    }
    if (Status free = check_vehicle_free(tx, b.vehicle_number, added); !free) return free.error();
    Booking extended = b;
    extended.reserved_end = window->end;
    auto written_row = tx.extend_reservation(
        b.id, *window->end, release_cost_cents(extended, *window->end, min_charge_minutes_));
    // Each extension moves the end later, so its new end names it.
    enqueue_email(tx, job_types::booking_extended, b,
                  fmt::format("booking_extended:{}:{}", b.id, to_unix(*window->end)), at);
    return written(std::move(written_row));
  };
  change_owned(user, booking_id, extend_reservation, handoff,
               [done = std::move(done)](Result<Booking> extended) {
                 if (extended) {
                   spdlog::info("booking: {} extended to {} (cost {} cents)", extended->id,
                                format_iso8601(*extended->reserved_end), extended->cost_cents);
                 }
                 done(std::move(extended));
               });
}

Result<Quote> BookingService::quote(const BookRequest& req) {
  std::optional<Quote> quoted;
  Status st = store_.read([&](Tx& tx) -> Status {
    auto choice = choose(tx, req, now());
    if (!choice) return choice.error();
    // An immediate booking's window is open: window_cost_cents bills it the minimum charge.
    quoted = Quote{choice->lot.id,
                   *choice->spot,
                   req.type,
                   choice->window,
                   choice->lot.price_cents,
                   window_cost_cents(choice->lot.price_cents, choice->window, min_charge_minutes_)};
    return ok_status();
  });
  if (!st) return st.error();
  return *quoted;
}

Result<Booking> BookingService::get(const User& user, Id booking_id) {
  std::optional<Booking> found;
  Status st = store_.read([&](Tx& tx) -> Status {
    auto b = owned_booking(tx, user, booking_id);
    if (!b) return b.error();
    found = *b;
    return ok_status();
  });
  if (!st) return st.error();
  return *found;
}

Result<BookingDetails> BookingService::details(const User& viewer, Id booking_id) {
  return details(&viewer, booking_id);
}

Result<BookingDetails> BookingService::details(Id booking_id) {
  return details(nullptr, booking_id);
}

Result<BookingDetails> BookingService::details(const User* viewer, Id booking_id) {
  std::optional<BookingDetails> found;
  Status st = store_.read([&](Tx& tx) -> Status {
    Result<Booking> b = Error::not_found("Booking not found");
    if (viewer) {
      b = owned_booking(tx, *viewer, booking_id);
    } else if (auto any = tx.booking(booking_id)) {
      b = *any;
    }
    if (!b) return b.error();
    auto owner = tx.user_by_id(b->user_id);
    if (!owner) return Error::not_found("Booking not found");
    auto lot = tx.lot(b->lot_id, now());
    found = BookingDetails{*b, *owner, lot ? lot->address : std::string()};
    return ok_status();
  });
  if (!st) return st.error();
  return *found;
}

Result<BookingService::Page> BookingService::list(const BookingFilter& filter) {
  Page page;
  Status st = store_.read([&](Tx& tx) {
    Timestamp at = now();
    page.bookings = tx.bookings(filter, at);
    page.total = tx.count_bookings(filter, at);
    return ok_status();
  });
  if (!st) return st.error();
  return page;
}

Result<std::int64_t> BookingService::complete_ended_reservations() {
  std::int64_t n = 0;
  Status st = store_.write([&](Tx& tx) {
    n = tx.complete_ended_reservations(now());
    tx.purge_idempotency_keys(now() - kIdempotencyLifetime);
    return ok_status();
  });
  if (!st) return st.error();
  if (n > 0) spdlog::info("booking: completed {} ended reservation(s)", n);
  return n;
}

}  // namespace parkd
