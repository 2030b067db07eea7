// The store contract for what booking writes answer, run against SQLite and PostgreSQL
// alike: the booking service answers with the row a write returns instead of reading it
// again, so each must be the row as stored; and the writes that save a round trip on
// PostgreSQL (a booking's search and insert in one statement, a release or cancellation
// sent with the COMMIT) must store and answer what the plain ones do.
#include "store_fixture.h"

namespace parkd::store_test {
namespace {

// The booking service answers with what these writes return instead of reading the row
// again: it must be the row as stored, field by field.
void expect_same_booking(const std::optional<Booking>& answered, const Booking& stored) {
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->id, stored.id);
  EXPECT_EQ(answered->user_id, stored.user_id);
  EXPECT_EQ(answered->lot_id, stored.lot_id);
  EXPECT_EQ(answered->lot_name, stored.lot_name);
  EXPECT_EQ(answered->spot_id, stored.spot_id);
  EXPECT_EQ(answered->spot_number, stored.spot_number);
  EXPECT_EQ(answered->type, stored.type);
  EXPECT_EQ(answered->vehicle_number, stored.vehicle_number);
  EXPECT_EQ(answered->created_at, stored.created_at);
  EXPECT_EQ(answered->start_time, stored.start_time);
  EXPECT_EQ(answered->end_time, stored.end_time);
  EXPECT_EQ(answered->reserved_start, stored.reserved_start);
  EXPECT_EQ(answered->reserved_end, stored.reserved_end);
  EXPECT_EQ(answered->price_cents, stored.price_cents);
  EXPECT_EQ(answered->cost_cents, stored.cost_cents);
  EXPECT_EQ(answered->stored_status, stored.stored_status);
}

TEST_P(StoreContract, EachBookingWriteAnswersTheRowItLeft) {
  Id lot = make_lot("North", 2);
  Booking made = write([&](Tx& tx) {
    return tx.insert_booking(new_booking(user_, lot, spot_number(lot, 1), window(100, 200), 500));
  });
  expect_same_booking(made, booking(made.id));
  EXPECT_EQ(made.stored_status, BookingStatus::reserved);
  auto longer = write([&](Tx& tx) { return tx.extend_reservation(made.id, at(300), 900); });
  expect_same_booking(longer, booking(made.id));
  EXPECT_EQ(longer->reserved_end, at(300));
  auto cancelled = write([&](Tx& tx) { return tx.cancel_booking(made.id); });
  expect_same_booking(cancelled, booking(made.id));
  EXPECT_EQ(cancelled->stored_status, BookingStatus::cancelled);

  Id open = book(lot, 2, window(0, std::nullopt));
  // An immediate booking is no reservation: nothing to extend, nothing written.
  EXPECT_FALSE(write([&](Tx& tx) { return tx.extend_reservation(open, at(300), 900); }));
  auto done = write([&](Tx& tx) { return tx.complete_booking(open, at(3600), 250); });
  expect_same_booking(done, booking(open));
  EXPECT_EQ(done->end_time, at(3600));
  EXPECT_FALSE(write([&](Tx& tx) { return tx.complete_booking(open + 1000, at(1), 1); }));
}

// A booking with no spot asked for: the search and the insert in one statement. It takes
// the spot lowest_free_spot gives, for the booking's own window, and the lot's name and
// price as stored, and writes nothing when no spot is free or the lot is gone.
TEST_P(StoreContract, ABookingOnAFreeSpotTakesTheLowestOneFreeForItsWindow) {
  Id lot = make_lot("North", 3);
  write([&](Tx& tx) { tx.update_lot(lot, LotChanges{std::nullopt, std::nullopt, 250}); });
  book(lot, 1, window(0, std::nullopt));
  book(lot, 2, window(100, 200), 300);
  auto taken = [&](Window w, Id in) {
    return write([&](Tx& tx) {
      return tx.insert_booking_on_a_free_spot(new_booking(user_, in, Spot{}, w, 40));
    });
  };
  auto taken_here = [&](Window w) { return taken(w, lot); };
  auto before = taken_here(window(0, 100));  // ends as spot 2's reservation begins
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->lot_name, "North");
  EXPECT_EQ(before->price_cents, 250);
  EXPECT_EQ(before->spot_number, 2);
  EXPECT_EQ(before->spot_id, spot_number(lot, 2).id);
  expect_same_booking(before, booking(before->id));
  EXPECT_EQ(before->stored_status, BookingStatus::reserved);
  EXPECT_EQ(before->cost_cents, 40);

  auto open = taken_here(window(50, std::nullopt));  // spot 2 is now held until 200
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->spot_number, 3);
  EXPECT_EQ(open->stored_status, BookingStatus::active);
  EXPECT_EQ(open->reserved_start, std::nullopt);

  auto count = [&] {
    return read([](Tx& tx) { return tx.count_bookings(BookingFilter{}, at(0)); });
  };
  std::int64_t stored = count();
  EXPECT_FALSE(taken_here(window(60, 90))) << "spot 1 held, 2 and 3 taken by now";
  Id gone = make_lot("Gone", 2);
  write([&](Tx& tx) { tx.soft_delete_lot(gone, at(1)); });
  EXPECT_FALSE(taken(window(60, 90), gone));
  EXPECT_FALSE(taken(window(60, 90), gone + 1000)) << "no such lot";
  EXPECT_EQ(count(), stored);
}

// The locked forms (release and cancel): PostgreSQL sends the update with the unit's
// COMMIT and answers without reading the row. The answer must still be the row as
// stored, the unit's next statement must see the write, and a unit that fails keeps none.
TEST_P(StoreContract, ALockedBookingsCompletionAndCancellationAnswerTheRowTheyLeave) {
  Id lot = make_lot("North", 2);
  Id reserved = book(lot, 1, window(100, 200), 500);
  Id open = book(lot, 2, window(0, std::nullopt));
  Id spot = spot_number(lot, 2).id;
  Booking cancelled =
      write([&](Tx& tx) { return tx.cancel_locked_booking(*tx.booking(reserved)); });
  expect_same_booking(cancelled, booking(reserved));
  EXPECT_EQ(cancelled.stored_status, BookingStatus::cancelled);
  EXPECT_EQ(cancelled.cost_cents, 0);

  Status failed = store_->write([&](Tx& tx) -> Status {
    tx.complete_locked_booking(*tx.booking(open), at(60), 10);
    return Error::conflict("booking_not_active", "no");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(booking(open).stored_status, BookingStatus::active);

  Booking done = write([&](Tx& tx) {
    Booking answered = tx.complete_locked_booking(*tx.booking(open), at(3600), 250);
    EXPECT_EQ(tx.booking(open)->stored_status, BookingStatus::completed) << "seen by the unit";
    // Completing ends the hold at the end time: the spot is free from then on.
    EXPECT_FALSE(tx.spot_conflict(spot, window(3600, std::nullopt)));
    return answered;
  });
  expect_same_booking(done, booking(open));
  EXPECT_EQ(done.end_time, at(3600));
  EXPECT_EQ(done.cost_cents, 250);
}

}  // namespace
}  // namespace parkd::store_test
