// The reservation calendar (mail/calendar): what it writes parses back with libical and
// with a second, independent parser (Python's icalendar), with the properties of
// docs/api.md "Calendar"; awkward lot names survive; lines fold at 75 octets.

#include "mail/calendar.h"
#include "support/ical_reading.h"
#include "support/scratch_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

namespace parkd::mail {
namespace {

constexpr std::int64_t kNov24At1800 = 1795543200;  // 2026-11-24T18:00:00Z
constexpr std::int64_t kHour = 3600;
const CalendarParty kOrganizer{"parkd@example.com", "parkd"};

Booking reservation() {
  Booking b;
  b.id = 42;
  b.user_id = 7;
  b.lot_id = 3;
  b.lot_name = "Downtown Parking";
  b.spot_id = 11;
  b.spot_number = 7;
  b.type = BookingType::reserved;
  b.vehicle_number = "KA 01 AB 1234";
  b.created_at = from_unix(kNov24At1800 - 24 * kHour);
  b.start_time = from_unix(kNov24At1800);
  b.reserved_start = from_unix(kNov24At1800);
  b.reserved_end = from_unix(kNov24At1800 + 2 * kHour);
  b.price_cents = 1250;
  b.cost_cents = 2500;
  b.stored_status = BookingStatus::reserved;
  return b;
}

User owner() {
  User u;
  u.id = 7;
  u.email = "ann@example.org";
  u.username = "Ann";
  return u;
}

CalendarFile calendar_of(const Booking& b, std::string_view address = "1 Main St") {
  auto file = reservation_calendar(b, address, owner(), kOrganizer, from_unix(kNov24At1800 - 60));
  EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
  return file.ok() ? *file : CalendarFile{};
}

using Parsed = parkd::testing::IcalReading;
Parsed parse(const std::string& text) { return parkd::testing::read_ical(text); }

std::vector<std::string> physical_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t from = 0;
  while (from < text.size()) {
    std::size_t crlf = text.find("\r\n", from);
    if (crlf == std::string::npos) crlf = text.size();
    lines.push_back(text.substr(from, crlf - from));
    from = crlf + 2;
  }
  return lines;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

// ---- the calendar's content -----------------------------------------------------------

TEST(ReservationCalendar, IsARequestWithTheWindowInUtcTheLotTheSpotAndTheParties) {
  CalendarFile file = calendar_of(reservation());
  EXPECT_EQ(file.method, CalendarMethod::request);
  EXPECT_EQ(file.content_type(), "text/calendar; charset=utf-8; method=REQUEST");
  EXPECT_TRUE(file.text.starts_with("BEGIN:VCALENDAR\r\n")) << file.text;
  Parsed p = parse(file.text);
  EXPECT_EQ(p.errors, 0) << file.text;
  EXPECT_EQ(p.events, 1);
  EXPECT_EQ(p.method, ICAL_METHOD_REQUEST);
  EXPECT_EQ(p.uid,
            "parkd-booking-42-" + std::to_string(kNov24At1800 - 24 * kHour) + "@example.com");
  EXPECT_TRUE(p.start_utc);
  EXPECT_TRUE(p.end_utc);
  EXPECT_EQ(p.start, kNov24At1800);
  EXPECT_EQ(p.end, kNov24At1800 + 2 * kHour);
  EXPECT_TRUE(file.text.find("DTSTART:20261124T180000Z\r\n") != std::string::npos) << file.text;
  EXPECT_TRUE(file.text.find("DTEND:20261124T200000Z\r\n") != std::string::npos) << file.text;
  EXPECT_EQ(p.summary, "Parking at Downtown Parking, spot 7");
  EXPECT_EQ(p.location, "1 Main St");
  EXPECT_EQ(p.status, ICAL_STATUS_CONFIRMED);
  EXPECT_EQ(p.organizer, "mailto:parkd@example.com");
  EXPECT_EQ(p.organizer_cn, "parkd");
  EXPECT_EQ(p.attendee, "mailto:ann@example.org");
  EXPECT_EQ(p.attendee_cn, "Ann");
  EXPECT_TRUE(p.description.find("#42") != std::string::npos) << p.description;
  EXPECT_TRUE(p.description.find("KA 01 AB 1234") != std::string::npos) << p.description;
}

TEST(ReservationCalendar, KeepsItsUidAndRaisesItsSequenceOnExtensionAndCancellation) {
  Booking b = reservation();
  Parsed first = parse(calendar_of(b).text);
  EXPECT_EQ(first.sequence, reservation_sequence(b));

  b.reserved_end = *b.reserved_end + std::chrono::seconds(1);  // the smallest extension
  Parsed extended = parse(calendar_of(b).text);
  EXPECT_EQ(extended.uid, first.uid);
  EXPECT_GT(extended.sequence, first.sequence);
  EXPECT_EQ(extended.end, kNov24At1800 + 2 * kHour + 1);
  EXPECT_EQ(extended.method, ICAL_METHOD_REQUEST);

  b.stored_status = BookingStatus::cancelled;
  CalendarFile cancel = calendar_of(b);
  EXPECT_EQ(cancel.method, CalendarMethod::cancel);
  EXPECT_EQ(cancel.content_type(), "text/calendar; charset=utf-8; method=CANCEL");
  Parsed cancelled = parse(cancel.text);
  EXPECT_EQ(cancelled.method, ICAL_METHOD_CANCEL);
  EXPECT_EQ(cancelled.status, ICAL_STATUS_CANCELLED);
  EXPECT_EQ(cancelled.uid, first.uid);
  EXPECT_GT(cancelled.sequence, extended.sequence);
}

TEST(ReservationCalendar, GivesAnotherBookingAnotherUid) {
  Booking a = reservation(), b = reservation();
  b.id = 43;
  EXPECT_NE(parse(calendar_of(a).text).uid, parse(calendar_of(b).text).uid);
  EXPECT_EQ(parse(calendar_of(a).text).uid, parse(calendar_of(a).text).uid);
}

TEST(ReservationCalendar, ShowsTheLotNameAsLocationWhenTheLotHasNoAddress) {
  EXPECT_EQ(parse(calendar_of(reservation(), "").text).location, "Downtown Parking");
}

TEST(ReservationCalendar, AnImmediateBookingHasNone) {
  Booking b = reservation();
  b.type = BookingType::immediate;
  b.reserved_start.reset();
  b.reserved_end.reset();
  auto file = reservation_calendar(b, "", owner(), kOrganizer, from_unix(kNov24At1800));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().kind, ErrorKind::conflict);
  EXPECT_EQ(file.error().code, "booking_open_ended");
}

// ---- escaping and folding -----------------------------------------------------------------

const std::string kAwkwardName =
    "Quay, Pier; \"North\"\nLevel \\2 \u2014 Z\u00fcrich H\u00e4fen \u99d0\u8eca\u5834 "
    "with a name long enough to need folding more than once, \u00e9\u00e9\u00e9\u00e9";

TEST(ReservationCalendar, EscapesCommasSemicolonsBackslashesAndNewlinesInText) {
  Booking b = reservation();
  b.lot_name = kAwkwardName;
  CalendarFile file = calendar_of(b, "1 Main St, Springfield; Gate 2\nBack entrance");
  Parsed p = parse(file.text);
  EXPECT_EQ(p.errors, 0) << file.text;
  EXPECT_EQ(p.summary, "Parking at " + kAwkwardName + ", spot 7");
  EXPECT_EQ(p.location, "1 Main St, Springfield; Gate 2\nBack entrance");
  // RFC 5545 3.3.11 TEXT: the raw file holds escaped forms and no bare line break.
  EXPECT_TRUE(file.text.find("LOCATION:1 Main St\\, Springfield\\; Gate 2\\nBack entrance") !=
              std::string::npos)
      << file.text;
  for (const auto& line : physical_lines(file.text)) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  }
}

TEST(ReservationCalendar, QuotesADisplayNameWithSeparatorsInAParameter) {
  User u = owner();
  u.username = "Ann; Bob, \"Co\"";
  auto file = reservation_calendar(reservation(), "", u, kOrganizer, from_unix(kNov24At1800));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(parse(file->text).attendee_cn, "Ann; Bob, \"Co\"") << file->text;
}

TEST(ReservationCalendar, FoldsLinesAtSeventyFiveOctetsWithoutSplittingACharacter) {
  Booking b = reservation();
  b.lot_name = kAwkwardName + kAwkwardName;
  CalendarFile file = calendar_of(b);
  ASSERT_TRUE(file.text.ends_with("END:VCALENDAR\r\n")) << file.text;
  int continuations = 0;
  for (const auto& line : physical_lines(file.text)) {
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_TRUE(valid_utf8(line)) << line;
    continuations += line.starts_with(" ");
  }
  EXPECT_GE(continuations, 3) << file.text;
  EXPECT_EQ(parse(file.text).summary, "Parking at " + kAwkwardName + kAwkwardName + ", spot 7");
}

// ---- a second parser ----------------------------------------------------------------------

// Runs tests/support/ics_check.py on `text`: its JSON, or null when python3-icalendar
// is not installed.
nlohmann::json python_reading(const std::string& text) {
  parkd::testing::ScratchDir dir;
  dir.write("reservation.ics", text);
  std::string command = "/usr/bin/python3 " + std::string(PARKD_SOURCE_DIR) +
                        "/tests/support/ics_check.py '" +
                        (dir.path() / "reservation.ics").string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return nullptr;
  std::string output;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) return nullptr;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  return nlohmann::json::parse(output, nullptr, false);
}

TEST(ReservationCalendar, ReadsTheSameInPythonsIcalendar) {
  Booking b = reservation();
  b.lot_name = kAwkwardName;
  CalendarFile file = calendar_of(b, "1 Main St, Springfield; Gate 2\nBack entrance");
  nlohmann::json p = python_reading(file.text);
  if (p.is_null()) GTEST_SKIP() << "python3-icalendar is not installed";
  ASSERT_TRUE(p.is_object()) << p;
  EXPECT_EQ(p["method"], "REQUEST");
  EXPECT_EQ(p["version"], "2.0");
  EXPECT_EQ(p["events"], 1);
  EXPECT_EQ(p["uid"], parse(file.text).uid);
  EXPECT_EQ(p["sequence"], reservation_sequence(b));
  EXPECT_EQ(p["dtstart"], "2026-11-24T18:00:00Z");
  EXPECT_EQ(p["dtend"], "2026-11-24T20:00:00Z");
  EXPECT_EQ(p["summary"], "Parking at " + kAwkwardName + ", spot 7");
  EXPECT_EQ(p["location"], "1 Main St, Springfield; Gate 2\nBack entrance");
  EXPECT_EQ(p["status"], "CONFIRMED");
  EXPECT_EQ(p["organizer"], "mailto:parkd@example.com");
  EXPECT_EQ(p["attendee"], "mailto:ann@example.org");

  b.stored_status = BookingStatus::cancelled;
  nlohmann::json cancelled = python_reading(calendar_of(b).text);
  EXPECT_EQ(cancelled["method"], "CANCEL");
  EXPECT_EQ(cancelled["status"], "CANCELLED");
  EXPECT_EQ(cancelled["uid"], p["uid"]);
  EXPECT_GT(cancelled["sequence"].get<int>(), p["sequence"].get<int>());
}

}  // namespace
}  // namespace parkd::mail
