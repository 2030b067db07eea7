#pragma once
// The iCalendar file of a reservation (RFC 5545, with the iTIP methods of RFC 5546):
// what the confirmation, extension and cancellation emails attach as reservation.ics
// and GET /api/bookings/{id}/calendar.ics serves (docs/api.md "Calendar").
//
// Built with libical, which escapes text values (commas, semicolons, backslashes,
// newlines), quotes parameters and folds lines at 75 octets without splitting a UTF-8
// character; nothing here writes iCalendar syntax by hand. Pure: no I/O, no clock.

#include "common/result.h"
#include "common/time.h"
#include "domain/models.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace parkd::mail {

// REQUEST: the event as it stands (new or changed); CANCEL: the event is withdrawn.
enum class CalendarMethod { request, cancel };

struct CalendarFile {
  CalendarMethod method = CalendarMethod::request;
  std::string text;  // one VCALENDAR with one VEVENT, CRLF line ends

  // The MIME type of an email attachment: "text/calendar; charset=utf-8; method=REQUEST"
  // (mail clients show invitation buttons from the method parameter).
  std::string content_type() const;
};

// The file name every copy of the calendar carries.
inline constexpr std::string_view kCalendarFilename = "reservation.ics";

struct CalendarParty {
  std::string email;
  std::string name;  // display name; may be empty
};

// "parkd-booking-42-1764864000@example.com": the same for every file of one booking
// (confirmation, extension, cancellation, download), so calendar programs update one
// event. The booking's creation time keeps two installations' booking 42 apart, as
// it does for Message-IDs; reservation_calendar passes the domain of the organizer (MAIL_FROM).
std::string reservation_uid(const Booking& booking, std::string_view domain);

// SEQUENCE: the reservation window's length in seconds, plus one once cancelled. It
// grows with every change a reservation can undergo, without a stored counter: an
// extension only moves reserved_end later (whole seconds, reserved_start fixed) and a
// cancellation is final. REQUIRES: a reservation (reserved_start and reserved_end set).
std::int64_t reservation_sequence(const Booking& booking);

// The calendar of reservation `booking` as it stands, stamped (DTSTAMP) `stamp`:
// METHOD:CANCEL with STATUS:CANCELLED once it is cancelled, else METHOD:REQUEST with
// STATUS:CONFIRMED; UID and SEQUENCE as above; DTSTART/DTEND the reserved window in
// UTC; SUMMARY "Parking at <lot>, spot <n>"; LOCATION `lot_address` (the lot's name
// when that is empty); DESCRIPTION the booking number and vehicle; ORGANIZER
// `organizer` (MAIL_FROM); ATTENDEE `owner`, the booking's (username as CN).
// Errors: conflict "booking_open_ended" for an immediate booking (no window to show);
// internal when libical cannot serialise the calendar.
Result<CalendarFile> reservation_calendar(const Booking& booking, std::string_view lot_address,
                                          const User& owner, const CalendarParty& organizer,
                                          Timestamp stamp);

}  // namespace parkd::mail
