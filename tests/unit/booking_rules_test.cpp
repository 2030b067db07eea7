// Pure booking rules: the reservation window, overlaps, the status in force, and costs
// (docs/api.md "Bookings").
#include "domain/booking_rules.h"

#include <gtest/gtest.h>

namespace parkd {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const Timestamp kNow = from_unix(1'795'000'000);

std::string fields_of(const Result<Window>& r) {
  return r ? std::string("ok") : r.error().fields.dump();
}

TEST(ReservationWindow, AcceptsAFutureWindow) {
  auto w = reservation_window(kNow + hours(1), kNow + hours(3), kNow);
  ASSERT_TRUE(w) << fields_of(w);
  EXPECT_EQ(w->start, kNow + hours(1));
  EXPECT_EQ(w->end, kNow + hours(3));
}

TEST(ReservationWindow, RequiresTheStart) {
  auto w = reservation_window(std::nullopt, kNow + hours(3), kNow);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind, ErrorKind::bad_request);
  EXPECT_TRUE(w.error().fields.contains("reserved_start"));
  EXPECT_FALSE(w.error().fields.contains("reserved_end"));
}

TEST(ReservationWindow, RequiresTheEnd) {
  auto w = reservation_window(kNow + hours(1), std::nullopt, kNow);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
  EXPECT_FALSE(w.error().fields.contains("reserved_start"));
}

TEST(ReservationWindow, ReportsBothMissingTimes) {
  auto w = reservation_window(std::nullopt, std::nullopt, kNow);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_start"));
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
}

TEST(ReservationWindow, RejectsAnEndEqualToTheStart) {
  auto w = reservation_window(kNow + hours(1), kNow + hours(1), kNow);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
}

TEST(ReservationWindow, RejectsAnEndBeforeTheStart) {
  auto w = reservation_window(kNow + hours(2), kNow + hours(1), kNow);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
}

TEST(ReservationWindow, AcceptsAStartExactlyFiveMinutesAgo) {
  EXPECT_TRUE(reservation_window(kNow - minutes(5), kNow + hours(1), kNow));
}

TEST(ReservationWindow, RejectsAStartMoreThanFiveMinutesAgo) {
  auto w = reservation_window(kNow - minutes(5) - seconds(1), kNow + hours(1), kNow);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_start"));
}

TEST(ReservationWindow, AcceptsAWindowOfExactlyThirtyDays) {
  EXPECT_TRUE(reservation_window(kNow + hours(1), kNow + hours(1) + hours(24 * 30), kNow));
}

TEST(ReservationWindow, RejectsAWindowLongerThanThirtyDays) {
  auto w = reservation_window(kNow + hours(1), kNow + hours(1) + hours(24 * 30) + seconds(1), kNow);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().fields.contains("reserved_end"));
}

TEST(ReservationWindow, AcceptsAOneSecondWindow) {
  EXPECT_TRUE(reservation_window(kNow + hours(1), kNow + hours(1) + seconds(1), kNow));
}

TEST(ReservationWindow, AcceptsAStartFarInTheFuture) {
  EXPECT_TRUE(reservation_window(kNow + hours(24 * 365), kNow + hours(24 * 365 + 2), kNow));
}

Window closed(Timestamp start, Timestamp end) { return Window{start, end}; }

Booking reservation_booking() {
  Booking b;
  b.type = BookingType::reserved;
  b.stored_status = BookingStatus::reserved;
  b.start_time = kNow + hours(1);
  b.reserved_start = kNow + hours(1);
  b.reserved_end = kNow + hours(3);
  b.price_cents = 200;
  b.cost_cents = 400;
  return b;
}

Booking immediate_booking() {
  Booking b;
  b.type = BookingType::immediate;
  b.stored_status = BookingStatus::active;
  b.start_time = kNow;
  b.price_cents = 200;
  return b;
}

TEST(BookingStatusAt, AReservationBeforeItsStartIsReserved) {
  EXPECT_EQ(reservation_booking().status_at(kNow), BookingStatus::reserved);
  EXPECT_EQ(reservation_booking().status_at(kNow + hours(1) - seconds(1)), BookingStatus::reserved);
}

TEST(BookingStatusAt, AReservationIsActiveFromItsStart) {
  EXPECT_EQ(reservation_booking().status_at(kNow + hours(1)), BookingStatus::active);
  EXPECT_EQ(reservation_booking().status_at(kNow + hours(2)), BookingStatus::active);
}

TEST(BookingStatusAt, AnImmediateBookingIsActive) {
  EXPECT_EQ(immediate_booking().status_at(kNow + hours(5)), BookingStatus::active);
}

TEST(BookingStatusAt, ACompletedBookingStaysCompleted) {
  auto b = reservation_booking();
  b.stored_status = BookingStatus::completed;
  EXPECT_EQ(b.status_at(kNow), BookingStatus::completed);
  EXPECT_EQ(b.status_at(kNow + hours(2)), BookingStatus::completed);
}

TEST(BookingStatusAt, ACancelledReservationStaysCancelledInsideItsWindow) {
  auto b = reservation_booking();
  b.stored_status = BookingStatus::cancelled;
  EXPECT_EQ(b.status_at(kNow + hours(2)), BookingStatus::cancelled);
}

TEST(BookingTotalCost, AnOpenImmediateBookingCostsNothingYet) {
  EXPECT_EQ(immediate_booking().total_cost_cents_at(kNow + hours(5)), 0);
}

TEST(BookingTotalCost, AReservationCostsItsWindowFromTheStart) {
  EXPECT_EQ(reservation_booking().total_cost_cents_at(kNow), 400);
}

TEST(BookingTotalCost, ACancelledReservationCostsNothing) {
  auto b = reservation_booking();
  b.stored_status = BookingStatus::cancelled;
  EXPECT_EQ(b.total_cost_cents_at(kNow), 0);
}

TEST(BookingTotalCost, ACompletedImmediateBookingCostsItsCharge) {
  auto b = immediate_booking();
  b.stored_status = BookingStatus::completed;
  b.cost_cents = 321;
  EXPECT_EQ(b.total_cost_cents_at(kNow + hours(2)), 321);
}

TEST(ReleaseCost, ChargesAnImmediateBookingForItsStay) {
  EXPECT_EQ(release_cost_cents(immediate_booking(), kNow + hours(2) + minutes(30), 60), 500);
}

TEST(ReleaseCost, ChargesAShortImmediateStayTheMinimum) {
  EXPECT_EQ(release_cost_cents(immediate_booking(), kNow + seconds(5), 60), 200);
}

TEST(ReleaseCost, ChargesAReservationItsWholeWindowWhenReleasedEarly) {
  EXPECT_EQ(release_cost_cents(reservation_booking(), kNow + hours(1) + minutes(10), 60), 400);
}

TEST(ReleaseCost, ChargesAReservationItsWholeWindowWhenReleasedLate) {
  EXPECT_EQ(release_cost_cents(reservation_booking(), kNow + hours(10), 60), 400);
}

TEST(WindowCost, ChargesAShortWindowTheMinimum) {
  EXPECT_EQ(window_cost_cents(300, closed(kNow, kNow + minutes(30)), 60), 300);
}

TEST(WindowCost, ChargesAShortWindowItsLengthWithoutMinimum) {
  EXPECT_EQ(window_cost_cents(300, closed(kNow, kNow + minutes(30)), 0), 150);
}

TEST(WindowCost, RoundsHalfUp) {
  EXPECT_EQ(window_cost_cents(3, closed(kNow, kNow + minutes(90)), 60), 5);
}

TEST(VehicleKey, IgnoresCaseSpacesAndHyphens) {
  EXPECT_EQ(vehicle_key("mh 12-ab 1234"), "MH12AB1234");
  EXPECT_EQ(vehicle_key("MH12AB1234"), "MH12AB1234");
  EXPECT_EQ(vehicle_key(" Mh-12 aB-1234 "), "MH12AB1234");
}

TEST(VehicleKey, KeepsLettersAndDigitsApart) {
  EXPECT_NE(vehicle_key("MH12AB1234"), vehicle_key("MH12AB1235"));
  EXPECT_NE(vehicle_key("AB1"), vehicle_key("AB10"));
}

TEST(VehicleKey, IsNothingWithoutALetterOrDigit) {
  EXPECT_EQ(vehicle_key(""), std::nullopt);
  EXPECT_EQ(vehicle_key(" - -"), std::nullopt);
}

}  // namespace
}  // namespace parkd
