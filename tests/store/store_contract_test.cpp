// The store contract for units of work and bookings, run against SQLite and PostgreSQL
// alike: what write() and read() commit or roll back, which spot allocation picks, when
// two windows on a spot collide (half-open windows: back to back is no conflict, one
// second of overlap is), what "in force" means at a given time, completion,
// cancellation, extension and resizing a lot. Each case states a promise of
// store/store.h that the services rely on; the backends must agree on all of it.
#include "store_fixture.h"

#include <algorithm>
#include <stdexcept>

namespace parkd::store_test {
namespace {

// One instantiation for the whole suite (the other files add cases to the same one):
// tests named StoreContract.<Case>/sqlite and StoreContract.<Case>/postgresql.
INSTANTIATE_TEST_SUITE_P(, StoreContract, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_name);

// --- Units of work ---------------------------------------------------------------------

TEST_P(StoreContract, AUnitThatReturnsAnErrorIsRolledBackAndItsErrorReturned) {
  Status st = store_->write([](Tx& tx) -> Status {
    tx.insert_lot("Half made", "", 100, at(0));
    return Error::conflict("lot_full", "no spot");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "lot_full");
  EXPECT_EQ(read([](Tx& tx) { return tx.count_lots(); }), 0);
}

TEST_P(StoreContract, AUnitThatThrowsIsRolledBackAsAnInternalError) {
  Status st = store_->write([](Tx& tx) -> Status {
    tx.insert_lot("Half made", "", 100, at(0));
    throw std::runtime_error("a broken invariant");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::internal);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_lots(); }), 0);
}

// A read is a snapshot with no writes: a write there would bypass SQLite's single
// writer (which allocation relies on), so both stores refuse it and keep nothing.
TEST_P(StoreContract, AReadRefusesToWrite) {
  Status st = store_->read([](Tx& tx) -> Status {
    tx.insert_lot("Written in a read", "", 100, at(0));
    return ok_status();
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::internal);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_lots(); }), 0);
  // The connection it ran on still reads, and writes still go through write().
  make_lot("North", 1);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_lots(); }), 1);
}

TEST_P(StoreContract, ANestedWriteThatFailsUndoesOnlyItsOwnChanges) {
  Status outer = store_->write([&](Tx& tx) -> Status {
    tx.insert_lot("Kept", "", 100, at(0));
    Status inner = store_->write([](Tx& nested) -> Status {
      nested.insert_lot("Undone", "", 100, at(0));
      return Error::conflict("taken", "no");
    });
    EXPECT_FALSE(inner.ok());
    tx.insert_lot("Also kept", "", 100, at(0));
    return ok_status();
  });
  ASSERT_TRUE(outer.ok());
  read([](Tx& tx) {
    EXPECT_EQ(tx.count_lots(), 2);
    EXPECT_FALSE(tx.lot_name_taken("Undone", std::nullopt));
  });
}

// --- Allocation ------------------------------------------------------------------------

TEST_P(StoreContract, AllocationPicksTheLowestNumberedFreeSpot) {
  Id lot = make_lot("North", 3);
  auto lowest = [&](Window w) {
    auto s = read([&](Tx& tx) { return tx.lowest_free_spot(lot, w); });
    return s ? s->number : 0;
  };
  EXPECT_EQ(lowest(window(0, std::nullopt)), 1);
  book(lot, 1, window(0, std::nullopt));
  EXPECT_EQ(lowest(window(0, std::nullopt)), 2);
  Id on_two = book(lot, 2, window(0, std::nullopt));
  EXPECT_EQ(lowest(window(0, std::nullopt)), 3);
  // A spot freed below the highest taken one is the next to go.
  write([&](Tx& tx) { tx.cancel_booking(on_two); });
  EXPECT_EQ(lowest(window(0, std::nullopt)), 2);
  // The spot returned belongs to the lot asked about.
  auto s = read([&](Tx& tx) { return tx.lowest_free_spot(lot, window(0, std::nullopt)); });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lot_id, lot);
  EXPECT_EQ(s->id, spot_number(lot, 2).id);
}

TEST_P(StoreContract, AFullLotHasNoFreeSpotButTheTimeBeforeItFillsIsFree) {
  Id lot = make_lot("North", 2);
  Id other = make_lot("South", 1);
  book(lot, 1, window(100, std::nullopt));
  book(lot, 2, window(100, std::nullopt));
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.lowest_free_spot(lot, window(100, std::nullopt)));
    EXPECT_FALSE(tx.lowest_free_spot(lot, window(5000, 6000)));
    EXPECT_FALSE(tx.lowest_free_spot(lot, window(0, 101)));
    // Ending exactly when the open bookings start: free.
    auto before = tx.lowest_free_spot(lot, window(0, 100));
    ASSERT_TRUE(before.has_value());
    EXPECT_EQ(before->number, 1);
    // Another lot's spots are not this lot's.
    auto elsewhere = tx.lowest_free_spot(other, window(100, std::nullopt));
    ASSERT_TRUE(elsewhere.has_value());
    EXPECT_EQ(elsewhere->lot_id, other);
  });
}

// Adding no spots adds none (SQLite's number generator once added one regardless,
// leaving capacity short of the spots).
TEST_P(StoreContract, AddingNoSpotsAddsNoneAndSuchALotHasNoFreeSpot) {
  Id lot = make_lot("Empty", 0);
  read([&](Tx& tx) {
    EXPECT_TRUE(tx.spots(lot, at(0)).empty());
    EXPECT_EQ(tx.lot_record(lot)->capacity, 0);
    EXPECT_FALSE(tx.lowest_free_spot(lot, window(0, 10)));
  });
}

// --- Overlap at window edges -----------------------------------------------------------

TEST_P(StoreContract, BackToBackReservationsDoNotConflict) {
  Id lot = make_lot("North", 2);
  Id spot = spot_number(lot, 1).id;
  book(lot, 1, window(1000, 2000));
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.spot_conflict(spot, window(2000, 3000))) << "starts as it ends";
    EXPECT_FALSE(tx.spot_conflict(spot, window(0, 1000))) << "ends as it starts";
    EXPECT_EQ(tx.lowest_free_spot(lot, window(2000, 3000))->number, 1);
    EXPECT_EQ(tx.lowest_free_spot(lot, window(0, 1000))->number, 1);
  });
}

TEST_P(StoreContract, OneSecondOfOverlapConflicts) {
  Id lot = make_lot("North", 2);
  Id spot = spot_number(lot, 1).id;
  book(lot, 1, window(1000, 2000));
  read([&](Tx& tx) {
    for (Window w : {window(1999, 3000), window(0, 1001), window(1500, 1501), window(0, 5000)}) {
      auto c = tx.spot_conflict(spot, w);
      ASSERT_TRUE(c.has_value()) << to_unix(w.start) << ".." << to_unix(*w.end);
      EXPECT_EQ(c->start, at(1000));
      EXPECT_EQ(c->end, at(2000));
    }
    EXPECT_EQ(tx.lowest_free_spot(lot, window(1999, 3000))->number, 2);
    EXPECT_EQ(tx.lowest_free_spot(lot, window(0, 1001))->number, 2);
  });
}

TEST_P(StoreContract, AnOpenEndedBookingHoldsItsSpotFromItsStartOn) {
  Id lot = make_lot("North", 1);
  Id spot = spot_number(lot, 1).id;
  book(lot, 1, window(100, std::nullopt));
  read([&](Tx& tx) {
    auto far = tx.spot_conflict(spot, window(1'000'000, 1'000'100));
    ASSERT_TRUE(far.has_value());
    EXPECT_EQ(far->start, at(100));
    EXPECT_FALSE(far->end.has_value());
    EXPECT_FALSE(tx.spot_conflict(spot, window(50, 100)));
    EXPECT_TRUE(tx.spot_conflict(spot, window(50, 101)));
    EXPECT_TRUE(tx.spot_conflict(spot, window(0, std::nullopt)));
  });
}

TEST_P(StoreContract, AnOpenEndedWindowCollidesWithEveryLaterReservation) {
  Id lot = make_lot("North", 1);
  Id spot = spot_number(lot, 1).id;
  book(lot, 1, window(200, 300));
  read([&](Tx& tx) {
    EXPECT_TRUE(tx.spot_conflict(spot, window(100, std::nullopt))) << "runs into it";
    EXPECT_TRUE(tx.spot_conflict(spot, window(299, std::nullopt)));
    EXPECT_FALSE(tx.spot_conflict(spot, window(300, std::nullopt))) << "starts as it ends";
    EXPECT_FALSE(tx.lowest_free_spot(lot, window(100, std::nullopt)));
    EXPECT_TRUE(tx.lowest_free_spot(lot, window(300, std::nullopt)));
  });
}

TEST_P(StoreContract, SpotConflictNamesTheEarliestCollidingBooking) {
  Id lot = make_lot("North", 1);
  Id spot = spot_number(lot, 1).id;
  book(lot, 1, window(3000, 4000));
  book(lot, 1, window(1000, 2000));
  auto c = read([&](Tx& tx) { return tx.spot_conflict(spot, window(0, 5000)); });
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->start, at(1000));
  EXPECT_EQ(c->end, at(2000));
}

// SQLite's single writer makes check-then-insert safe; PostgreSQL's is the exclusion
// constraint bookings_no_overlap, which must agree with the queries at the edges: a
// back-to-back insert is accepted by both, an overlapping one only by SQLite (whose
// callers checked spot_conflict first in the same transaction).
TEST_P(StoreContract, OnlyPostgresRefusesAnOverlappingInsertItself) {
  Id lot = make_lot("North", 1);
  Spot spot = spot_number(lot, 1);
  book(lot, 1, window(1000, 2000));
  book(lot, 1, window(2000, std::nullopt));  // back to back: accepted by both
  Status overlapping = store_->write([&](Tx& tx) {
    tx.insert_booking(new_booking(user_, lot, spot, window(1500, 1600)));
    return ok_status();
  });
  EXPECT_EQ(overlapping.ok(), !postgres());
  auto in_force = read([&](Tx& tx) { return tx.spot_bookings_in_force(spot.id, at(0)); });
  EXPECT_EQ(in_force, postgres() ? 2 : 3);
}

// --- In force, completion, cancellation ------------------------------------------------

TEST_P(StoreContract, AReservationIsInForceFromBeforeItsStartUntilItsEnd) {
  Id lot = make_lot("North", 2);
  Id spot = spot_number(lot, 1).id;
  Id b = book(lot, 1, window(100, 200));
  auto seen = [&](std::int64_t t) {
    return read([&](Tx& tx) {
      struct Seen {
        bool occupied;
        std::int64_t lot_occupied, lot_reserved, spot_in_force, lot_in_force, occupied_spots;
        std::optional<Id> current;
      };
      auto l = tx.lot(lot, at(t));
      auto cur = tx.current_booking_on_spot(spot, at(t));
      return Seen{tx.spots(lot, at(t)).at(0).occupied,
                  l->occupied_spots,
                  l->reserved_spots,
                  tx.spot_bookings_in_force(spot, at(t)),
                  tx.lot_bookings_in_force(lot, at(t)),
                  tx.occupied_spots(at(t)),
                  cur ? std::optional<Id>(cur->id) : std::nullopt};
    });
  };
  auto before = seen(99);  // upcoming: held for later, free now
  EXPECT_FALSE(before.occupied);
  EXPECT_EQ(before.lot_occupied, 0);
  EXPECT_EQ(before.lot_reserved, 1);
  EXPECT_EQ(before.spot_in_force, 1);
  EXPECT_EQ(before.lot_in_force, 1);
  EXPECT_EQ(before.occupied_spots, 0);
  EXPECT_FALSE(before.current);
  for (std::int64_t t : {100, 199}) {
    auto during = seen(t);
    EXPECT_TRUE(during.occupied) << t;
    EXPECT_EQ(during.lot_occupied, 1) << t;
    EXPECT_EQ(during.lot_reserved, 0) << t;
    EXPECT_EQ(during.spot_in_force, 1) << t;
    EXPECT_EQ(during.occupied_spots, 1) << t;
    EXPECT_EQ(during.current, b) << t;
  }
  auto after = seen(200);
  EXPECT_FALSE(after.occupied);
  EXPECT_EQ(after.lot_occupied, 0);
  EXPECT_EQ(after.lot_reserved, 0);
  EXPECT_EQ(after.spot_in_force, 0);
  EXPECT_EQ(after.lot_in_force, 0);
  EXPECT_FALSE(after.current);
  // The stored status stays Reserved; what a client sees is the status at the time.
  Booking stored = booking(b);
  EXPECT_EQ(stored.stored_status, BookingStatus::reserved);
  EXPECT_EQ(stored.status_at(at(99)), BookingStatus::reserved);
  EXPECT_EQ(stored.status_at(at(100)), BookingStatus::active);
}

TEST_P(StoreContract, TheCurrentBookingOnASpotComesWithItsUsersEmail) {
  Id lot = make_lot("North", 1);
  Id b = book(lot, 1, window(0, std::nullopt));
  auto cur =
      read([&](Tx& tx) { return tx.current_booking_on_spot(spot_number(lot, 1).id, at(5)); });
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(cur->id, b);
  EXPECT_EQ(cur->user_email, "driver@example.com");
  EXPECT_EQ(cur->type, BookingType::immediate);
  EXPECT_FALSE(cur->end_time);
}

TEST_P(StoreContract, CompletingAnImmediateBookingFreesItsSpotAndRecordsTheStay) {
  Id lot = make_lot("North", 1);
  Id spot = spot_number(lot, 1).id;
  Id b = book(lot, 1, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(b, at(3600), 250); });
  Booking done = booking(b);
  EXPECT_EQ(done.stored_status, BookingStatus::completed);
  EXPECT_EQ(done.end_time, at(3600));
  EXPECT_EQ(done.cost_cents, 250);
  EXPECT_EQ(done.start_time, at(0));
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.current_booking_on_spot(spot, at(100)));
    EXPECT_FALSE(tx.spot_conflict(spot, window(100, std::nullopt)));
    EXPECT_EQ(tx.spot_bookings_in_force(spot, at(0)), 0);
    EXPECT_EQ(tx.lowest_free_spot(lot, window(0, std::nullopt))->number, 1);
  });
}

TEST_P(StoreContract, CancellingAReservationFreesItsWindowAndZeroesItsCost) {
  Id lot = make_lot("North", 1);
  Id spot = spot_number(lot, 1).id;
  Id b = book(lot, 1, window(100, 200), 300);
  write([&](Tx& tx) { tx.cancel_booking(b); });
  Booking cancelled = booking(b);
  EXPECT_EQ(cancelled.stored_status, BookingStatus::cancelled);
  EXPECT_EQ(cancelled.cost_cents, 0);
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.spot_conflict(spot, window(100, 200)));
    EXPECT_EQ(tx.lot(lot, at(0))->reserved_spots, 0);
    EXPECT_TRUE(tx.upcoming_reservations(lot, at(0)).empty());
  });
  // Its window can be booked again (PostgreSQL's constraint ignores cancelled rows).
  book(lot, 1, window(100, 200));
}

TEST_P(StoreContract, EndedReservationsAreCompletedAtTheirEnd) {
  Id lot = make_lot("North", 3);
  Id ends_now = book(lot, 1, window(100, 200), 500);
  Id ends_later = book(lot, 2, window(100, 201), 600);
  Id open = book(lot, 3, window(0, std::nullopt));
  EXPECT_EQ(write([&](Tx& tx) { return tx.complete_ended_reservations(at(199)); }), 0);
  EXPECT_EQ(write([&](Tx& tx) { return tx.complete_ended_reservations(at(200)); }), 1);
  EXPECT_EQ(write([&](Tx& tx) { return tx.complete_ended_reservations(at(200)); }), 0);
  Booking done = booking(ends_now);
  EXPECT_EQ(done.stored_status, BookingStatus::completed);
  EXPECT_EQ(done.end_time, at(200));
  EXPECT_EQ(done.cost_cents, 500);
  EXPECT_EQ(booking(ends_later).stored_status, BookingStatus::reserved);
  EXPECT_EQ(booking(open).stored_status, BookingStatus::active);
}

TEST_P(StoreContract, ExtendingAReservationMovesTheEndItHoldsItsSpotTo) {
  Id lot = make_lot("North", 1);
  Id spot = spot_number(lot, 1).id;
  Id b = book(lot, 1, window(100, 200), 500);
  write([&](Tx& tx) { tx.extend_reservation(b, at(300), 900); });
  Booking longer = booking(b);
  EXPECT_EQ(longer.reserved_end, at(300));
  EXPECT_EQ(longer.reserved_start, at(100));
  EXPECT_EQ(longer.cost_cents, 900);
  read([&](Tx& tx) {
    auto c = tx.spot_conflict(spot, window(250, 260));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->end, at(300));
    EXPECT_FALSE(tx.spot_conflict(spot, window(300, 400)));
    EXPECT_TRUE(tx.spots(lot, at(250)).at(0).occupied);
  });
  // Completed at the new end, not the old one.
  EXPECT_EQ(write([&](Tx& tx) { return tx.complete_ended_reservations(at(299)); }), 0);
  EXPECT_EQ(write([&](Tx& tx) { return tx.complete_ended_reservations(at(300)); }), 1);
  EXPECT_EQ(booking(b).end_time, at(300));
}

TEST_P(StoreContract, ExtendReservationLeavesImmediateBookingsAlone) {
  Id lot = make_lot("North", 1);
  Id b = book(lot, 1, window(0, std::nullopt));
  write([&](Tx& tx) { tx.extend_reservation(b, at(300), 900); });
  Booking same = booking(b);
  EXPECT_FALSE(same.reserved_end);
  EXPECT_EQ(same.cost_cents, 0);
  EXPECT_TRUE(
      read([&](Tx& tx) { return tx.spot_conflict(same.spot_id.value(), window(400, 500)); }));
}

TEST_P(StoreContract, UpcomingReservationsAreThoseNotYetEndedInStartOrder) {
  Id lot = make_lot("North", 4);
  book(lot, 2, window(500, 600));
  book(lot, 1, window(100, 200));
  book(lot, 3, window(0, std::nullopt));  // immediate: not a reservation
  Id cancelled = book(lot, 4, window(700, 800));
  write([&](Tx& tx) { tx.cancel_booking(cancelled); });
  auto upcoming = read([&](Tx& tx) { return tx.upcoming_reservations(lot, at(150)); });
  ASSERT_EQ(upcoming.size(), 2u);
  EXPECT_EQ(upcoming[0].window.start, at(100));  // started but not ended: still listed
  EXPECT_EQ(upcoming[0].spot_id, spot_number(lot, 1).id);
  EXPECT_EQ(upcoming[0].user_email, "driver@example.com");
  EXPECT_EQ(upcoming[1].window.end, at(600));
  EXPECT_EQ(read([&](Tx& tx) { return tx.upcoming_reservations(lot, at(200)); }).size(), 1u);
}

// --- Lots and resizing -----------------------------------------------------------------

TEST_P(StoreContract, AddedSpotsAreNumberedAfterTheHighestAndCountedInCapacity) {
  Id lot = make_lot("North", 2);
  write([&](Tx& tx) { tx.add_spots(lot, 3); });
  auto numbers = [&] {
    std::vector<std::int64_t> out;
    for (const Spot& s : read([&](Tx& tx) { return tx.spots(lot, at(0)); })) {
      out.push_back(s.number);
    }
    return out;
  };
  EXPECT_EQ(numbers(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(read([&](Tx& tx) { return tx.lot_record(lot); })->capacity, 5);
  // After removing the middle spot, new ones still go after the highest.
  write([&](Tx& tx) { tx.delete_spots(lot, {spot_number(lot, 3).id}); });
  EXPECT_EQ(read([&](Tx& tx) { return tx.lot(lot, at(0)); })->capacity, 4);
  write([&](Tx& tx) { tx.add_spots(lot, 1); });
  EXPECT_EQ(numbers(), (std::vector<std::int64_t>{1, 2, 4, 5, 6}));
  EXPECT_EQ(read([&](Tx& tx) { return tx.total_spots(); }), 5);
}

TEST_P(StoreContract, RemovableSpotsAreTheHighestWithNothingInForce) {
  Id lot = make_lot("North", 5);
  book(lot, 5, window(0, std::nullopt));  // occupied now
  book(lot, 4, window(1000, 2000));       // reserved for later
  Id past = book(lot, 3, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(past, at(50), 100); });  // done: no hold
  book(lot, 2, window(0, 100));                                    // ended before `now`
  auto removable = [&](std::int64_t count, std::int64_t t) {
    std::vector<std::int64_t> numbers;
    for (Id id : read([&](Tx& tx) { return tx.removable_spots(lot, count, at(t)); })) {
      for (const Spot& s : read([&](Tx& tx) { return tx.spots(lot, at(0)); })) {
        if (s.id == id) numbers.push_back(s.number);
      }
    }
    return numbers;
  };
  EXPECT_EQ(removable(2, 500), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(removable(10, 500), (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(removable(10, 50), (std::vector<std::int64_t>{3, 1})) << "spot 2 still in use";
  EXPECT_EQ(removable(10, 2000), (std::vector<std::int64_t>{4, 3, 2, 1}));
}

TEST_P(StoreContract, DeletedSpotsLeaveTheirBookingsWithTheNumberOnly) {
  Id lot = make_lot("North", 2);
  Id b = book(lot, 2, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(b, at(10), 100); });
  write([&](Tx& tx) { tx.delete_spots(lot, {spot_number(lot, 2).id}); });
  Booking kept = booking(b);
  EXPECT_FALSE(kept.spot_id);
  EXPECT_EQ(kept.spot_number, 2);
  EXPECT_EQ(read([&](Tx& tx) { return tx.lot_record(lot); })->capacity, 1);
}

TEST_P(StoreContract, SpotsOfAnotherLotAreNotDeletedThroughThisOne) {
  Id north = make_lot("North", 1);
  Id south = make_lot("South", 1);
  write([&](Tx& tx) { tx.delete_spots(north, {spot_number(south, 1).id}); });
  EXPECT_EQ(read([&](Tx& tx) { return tx.spots(south, at(0)); }).size(), 1u);
  EXPECT_EQ(read([&](Tx& tx) { return tx.lot_record(south); })->capacity, 1);
}

TEST_P(StoreContract, LotListsCountSpotsOccupiedNowAndSpotsOnlyReservedLater) {
  Id north = make_lot("North", 4);
  Id south = make_lot("South", 2);
  book(north, 1, window(0, 100));    // occupied at 50
  book(north, 1, window(200, 300));  // and reserved later: counted in both
  book(north, 2, window(400, 500));
  book(north, 2, window(600, 700));  // two reservations, one spot
  book(north, 3, window(10, std::nullopt));
  Id done = book(south, 1, window(0, std::nullopt));
  write([&](Tx& tx) { tx.complete_booking(done, at(20), 10); });
  auto lots = read([](Tx& tx) { return tx.lots(at(50), 10, 0); });
  ASSERT_EQ(lots.size(), 2u);
  EXPECT_EQ(lots[0].id, north);
  EXPECT_EQ(lots[0].capacity, 4);
  EXPECT_EQ(lots[0].occupied_spots, 2);
  EXPECT_EQ(lots[0].reserved_spots, 2);
  EXPECT_EQ(lots[0].available_spots(), 2);
  EXPECT_EQ(lots[1].id, south);
  EXPECT_EQ(lots[1].occupied_spots, 0);
  // Later, with no write between: the counts follow the clock.
  auto later = read([](Tx& tx) { return tx.lots(at(250), 10, 0); });
  EXPECT_EQ(later[0].occupied_spots, 2);
  EXPECT_EQ(later[0].reserved_spots, 1);
  auto page = read([](Tx& tx) { return tx.lots(at(50), 1, 1); });
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, south);
  EXPECT_EQ(read([](Tx& tx) { return tx.count_lots(); }), 2);
  // A spot is found only through its own lot.
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.spot(south, spot_number(north, 1).id, at(50)));
    auto one = tx.spot(north, spot_number(north, 1).id, at(50));
    ASSERT_TRUE(one.has_value());
    EXPECT_TRUE(one->occupied);
    EXPECT_FALSE(tx.spot(north, spot_number(north, 4).id, at(50))->occupied);
  });
}

TEST_P(StoreContract, ADeletedLotIsInvisibleToEveryLotQuery) {
  Id gone = make_lot("Gone", 2);
  Id kept = make_lot("Kept", 1);
  Id spot = spot_number(gone, 1).id;
  write([&](Tx& tx) { tx.soft_delete_lot(gone, at(10)); });
  read([&](Tx& tx) {
    EXPECT_FALSE(tx.lot(gone, at(20)));
    EXPECT_FALSE(tx.lot_record(gone));
    EXPECT_FALSE(tx.spot(gone, spot, at(20)));
    EXPECT_EQ(tx.count_lots(), 1);
    auto lots = tx.lots(at(20), 10, 0);
    ASSERT_EQ(lots.size(), 1u);
    EXPECT_EQ(lots[0].id, kept);
    EXPECT_EQ(tx.total_spots(), 1);
    EXPECT_FALSE(tx.lot_name_taken("gone", std::nullopt)) << "its name is free again";
  });
}

TEST_P(StoreContract, LotNamesAreTakenIgnoringCaseExceptByTheLotItself) {
  Id lot = make_lot("North Gate", 1);
  read([&](Tx& tx) {
    EXPECT_TRUE(tx.lot_name_taken("north GATE", std::nullopt));
    EXPECT_FALSE(tx.lot_name_taken("NORTH gate", lot));
    EXPECT_FALSE(tx.lot_name_taken("North", std::nullopt));
  });
}

}  // namespace
}  // namespace parkd::store_test
