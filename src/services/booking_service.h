#pragma once
// Booking use cases, each one database transaction (see docs/api.md "Bookings").

#include "common/result.h"
#include "domain/models.h"
#include "store/store.h"

#include <functional>
#include <optional>
#include <string>

namespace parkd {

struct BookRequest {
  Id lot_id = 0;
  std::optional<Id> spot_id;
  BookingType type = BookingType::immediate;
  std::optional<std::string> vehicle_number;  // already validated and upper-cased
  std::optional<Timestamp> reserved_start;
  std::optional<Timestamp> reserved_end;
};

// What booking a request now would give (POST /api/quote): nothing is stored.
struct Quote {
  Id lot_id = 0;
  Spot spot;
  BookingType type = BookingType::immediate;
  Window window;  // an immediate booking: {now, open}
  std::int64_t price_cents = 0;
  std::int64_t total_cents = 0;  // the window's cost; the minimum charge for an open window
};

// A booking with what its emails and calendar file show besides it.
struct BookingDetails {
  Booking booking;
  User owner;
  std::string lot_address;  // empty once the lot is deleted
};

class BookingService {
 public:
  BookingService(Store& store, int min_charge_minutes, int job_max_attempts)
      : store_(store),
        min_charge_minutes_(min_charge_minutes),
        job_max_attempts_(job_max_attempts) {}

  // The write use cases answer through a callback, called once: on the calling thread,
  // or, when the store queues writes (SQLite), through `handoff` after the commit, so
  // that no thread waits for the writer (see Store::write_async).
  using BookingDone = std::function<void(Result<Booking>)>;

  // Books a spot of req.lot_id for `user` inside `tx`, a write transaction, at `at`: the
  // chosen spot if spot_id is set, else the lowest-numbered spot free for the whole
  // window. The booking and its confirmation job are written in `tx`, so they commit
  // together or not at all. The caller runs it in a write (POST /api/book through
  // api/idempotent.h, which adds the Idempotency-Key replay in the same transaction) and
  // calls log_booked() once that has committed. Errors: not_found (lot), validation
  // (spot of another lot, reservation window), lot_full (with `conflict` for a
  // reservation), spot_unavailable (with `conflict`), vehicle_busy (with `conflict`:
  // req.vehicle_number has an overlapping booking in force, in any lot).
  Result<Booking> book(Tx& tx, const User& user, const BookRequest& req, Timestamp at);
  static void log_booked(const User& user, const Booking& created);

  // Ends an Active booking now with its cost. Errors: not_found (missing or another
  // user's, unless admin), conflict booking_not_active.
  void release(const User& user, Id booking_id, const Store::Handoff& handoff, BookingDone done);

  // Cancels a Reserved booking (cost 0) and queues the "booking cancelled" email in the
  // same transaction. Errors: not_found, conflict booking_not_reserved.
  void cancel(const User& user, Id booking_id, const Store::Handoff& handoff, BookingDone done);

  // Moves the end of a Reserved or Active reservation to the later `reserved_end`, on the
  // same spot, recomputes its cost for the whole window (the release rule) and queues the
  // "booking extended" email (the updated calendar) in the same transaction. Takes
  // turns with bookings on the lot; on PostgreSQL the exclusion constraint settles a race
  // with another server. Errors: not_found (missing or another user's, unless admin),
  // conflict booking_open_ended / booking_not_in_force (see check_extendable),
  // validation (reserved_end), spot_unavailable (with `conflict`: the added time is taken),
  // vehicle_busy (with `conflict`: the vehicle is booked elsewhere in the added time).
  void extend(const User& user, Id booking_id, Timestamp reserved_end,
              const Store::Handoff& handoff, BookingDone done);

  // What book() would give now for `req`, in one read-only transaction: the same
  // validation and spot choice, nothing stored. Errors: as book()'s.
  Result<Quote> quote(const BookRequest& req);

  // Errors: not_found (missing or another user's, unless admin).
  Result<Booking> get(const User& user, Id booking_id);

  // The booking with its owner and lot address, in one read. With `viewer`: only its
  // owner or an admin may see it. Without: for the email jobs, which act for nobody.
  // Errors: not_found (missing, its owner deleted, or another user's unless admin).
  Result<BookingDetails> details(const User& viewer, Id booking_id);
  Result<BookingDetails> details(Id booking_id);

  struct Page {
    std::vector<Booking> bookings;
    std::int64_t total = 0;
  };
  Result<Page> list(const BookingFilter& filter);

  // Completes reservations whose window has ended (end_time = reserved_end). Returns
  // how many; the scheduler calls this every minute.
  Result<std::int64_t> complete_ended_reservations();

 private:
  // The lot, spot and window booking `req` at `at` would take; book() and quote() share it.
  struct Choice {
    Lot lot;
    std::optional<Spot> spot;  // nullopt from checked(): the lowest free one, not yet sought
    Window window;
  };
  // The lot and window, checked, and the spot when the request names one.
  Result<Choice> checked(Tx& tx, const BookRequest& req, Timestamp at);
  // The lowest free spot of the choice's lot for its window, or lot_full.
  Result<Spot> lowest_free_spot(Tx& tx, const BookRequest& req, const Choice& choice, Timestamp at);
  Result<Choice> choose(Tx& tx, const BookRequest& req, Timestamp at);
  Result<Booking> owned_booking(Tx& tx, const User& user, Id booking_id);
  // Queues the email job `type` about booking `b` in `tx`; `dedupe` keeps a repeated
  // unit of work from queueing it twice.
  void enqueue_email(Tx& tx, const char* type, const Booking& b, const std::string& dedupe,
                     Timestamp at);
  Result<BookingDetails> details(const User* viewer, Id booking_id);
  // In one transaction: the booking `user` may act on, `change` applied to it, and the
  // booking as it is afterwards.
  // Applies a change to the owned booking; the booking as the change left it.
  using Change = std::function<Result<Booking>(Tx&, const Booking&, Timestamp)>;
  void change_owned(const User& user, Id booking_id, Change change, const Store::Handoff& handoff,
                    BookingDone done);

  Store& store_;
  int min_charge_minutes_;
  int job_max_attempts_;
};

}  // namespace parkd
