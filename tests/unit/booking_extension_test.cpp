// Pure rules of extending a reservation: which bookings may be extended and the window
// a new end gives (docs/api.md "Extending a reservation").
#include "domain/booking_rules.h"

#include <gtest/gtest.h>

namespace parkd {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const Timestamp kNow = from_unix(1'795'000'000);

Booking reservation(Timestamp start, Timestamp end,
                    BookingStatus stored = BookingStatus::reserved) {
  Booking b;
  b.type = BookingType::reserved;
  b.start_time = start;
  b.reserved_start = start;
  b.reserved_end = end;
  b.price_cents = 200;
  b.stored_status = stored;
  return b;
}

std::string code_of(const Status& st) { return st ? std::string("ok") : st.error().code; }

TEST(CheckExtendable, AllowsAReservationThatHasNotStarted) {
  EXPECT_EQ(code_of(check_extendable(reservation(kNow + hours(1), kNow + hours(2)), kNow)), "ok");
}

TEST(CheckExtendable, AllowsAReservationInForce) {
  EXPECT_EQ(code_of(check_extendable(reservation(kNow - hours(1), kNow + hours(1)), kNow)), "ok");
}

TEST(CheckExtendable, RefusesAnImmediateBookingAsOpenEnded) {
  Booking b;
  b.type = BookingType::immediate;
  b.start_time = kNow - hours(1);
  b.stored_status = BookingStatus::active;
  auto st = check_extendable(b, kNow);
  EXPECT_EQ(code_of(st), "booking_open_ended");
  EXPECT_EQ(st.error().kind, ErrorKind::conflict);
}

TEST(CheckExtendable, RefusesACompletedReservation) {
  auto b = reservation(kNow - hours(3), kNow - hours(1), BookingStatus::completed);
  EXPECT_EQ(code_of(check_extendable(b, kNow)), "booking_not_in_force");
}

TEST(CheckExtendable, RefusesACancelledReservation) {
  auto b = reservation(kNow + hours(1), kNow + hours(2), BookingStatus::cancelled);
  EXPECT_EQ(code_of(check_extendable(b, kNow)), "booking_not_in_force");
}

TEST(CheckExtendable, RefusesAWindowThatEndedBeforeThePeriodicJobCompletedIt) {
  auto b = reservation(kNow - hours(2), kNow);  // stored Reserved, shown Active
  EXPECT_EQ(code_of(check_extendable(b, kNow)), "booking_not_in_force");
}

TEST(ExtendedWindow, KeepsTheStartAndTakesTheLaterEnd) {
  auto w = extended_window(reservation(kNow + hours(1), kNow + hours(2)), kNow + hours(5));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->start, kNow + hours(1));
  EXPECT_EQ(w->end, kNow + hours(5));
}

TEST(ExtendedWindow, RefusesAnEqualEndOnReservedEnd) {
  auto w = extended_window(reservation(kNow + hours(1), kNow + hours(2)), kNow + hours(2));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind, ErrorKind::bad_request);
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
}

TEST(ExtendedWindow, RefusesAnEarlierEnd) {
  auto w = extended_window(reservation(kNow + hours(1), kNow + hours(3)), kNow + hours(2));
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
}

TEST(ExtendedWindow, AcceptsExactlyThirtyDaysFromTheStart) {
  auto b = reservation(kNow + hours(1), kNow + hours(2));
  EXPECT_TRUE(extended_window(b, kNow + hours(1) + hours(24 * 30)));
}

TEST(ExtendedWindow, RefusesMoreThanThirtyDaysFromTheStart) {
  auto b = reservation(kNow + hours(1), kNow + hours(2));
  auto w = extended_window(b, kNow + hours(1) + hours(24 * 30) + seconds(1));
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
}

}  // namespace
}  // namespace parkd
