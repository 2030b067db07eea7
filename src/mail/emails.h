#pragma once
// The emails of the contract (docs/api.md "Emails"), as pure functions from plain data
// to a MailMessage: no database access, no clock, no I/O but reading templates. The
// job tasks gather the data (queries), call one of these and hand the message to a
// MailTransport.
//
// Conventions: money is int64 cents, shown in `EmailContext::currency` as "€12.50"
// (format_amount, domain/currency.h); times are UTC Timestamps shown
// in `EmailContext::tz` as "2026-11-24 18:00 CET"; months ("2026-10") and dates
// ("2026-11-23") arrive already labelled in that zone by the caller. User-supplied
// text (names, lot names, addresses, vehicle numbers) is HTML-escaped in the HTML part
// by the templates; in subjects, line breaks and other control characters in it are
// replaced by spaces so that a stray newline in a lot name cannot break a header.
//
// Every function fails only as TemplateRenderer::render does (a missing or broken
// template): internal "template_missing" / "template_error". The returned message is
// not yet validated: build_mime (inside the transport) checks the addresses.

#include "common/result.h"
#include "common/time.h"
#include "mail/calendar.h"
#include "mail/message.h"
#include "mail/templates.h"

#include <date/tz.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parkd::mail {

// What every email needs besides its own data.
struct EmailContext {
  std::string from;                             // From address (MailSettings::from)
  std::string from_name = "parkd";              // From display name
  const date::time_zone* tz = nullptr;          // TIMEZONE (date::locate_zone); null = UTC
  std::string currency = "INR";                 // CURRENCY (ISO 4217): how amounts show
  const TemplateRenderer* templates = nullptr;  // REQUIRED (not null)
};

struct Recipient {
  std::string email;
  std::string name;  // display name (username), may be empty
};

// ---- booking confirmation (after every booking) -----------------------------------

enum class BookingKind { immediate, reserved };

struct BookingConfirmation {
  Recipient to;
  std::int64_t booking_id = 0;
  std::string lot_name;
  std::string lot_address;  // may be empty
  int spot_number = 0;
  BookingKind kind = BookingKind::immediate;
  Timestamp start;                               // immediate: start_time; reserved: reserved_start
  std::optional<Timestamp> reserved_end;         // reserved only
  std::int64_t price_per_hour_cents = 0;         // the price the booking was made at
  std::optional<std::int64_t> total_cost_cents;  // reserved: the window's cost, if known
  std::string vehicle_number;                    // empty = none given
  // The reservation's calendar (METHOD:REQUEST), attached as reservation.ics; none for
  // an immediate booking.
  std::optional<CalendarFile> calendar;
  // Sent again after an extension: the same email with the new window, titled
  // "extended", and the updated calendar.
  bool extended = false;
};
// Subject: "Booking confirmed: Downtown Parking, spot 7" ("Booking extended: ..." when
// `extended`).
Result<MailMessage> booking_confirmation_email(const BookingConfirmation& data,
                                               const EmailContext& ctx);

// ---- booking cancelled (a reservation cancelled by its owner or an admin) ----------

struct BookingCancellation {
  Recipient to;
  std::int64_t booking_id = 0;
  std::string lot_name;
  int spot_number = 0;
  Timestamp reserved_start;
  Timestamp reserved_end;
  // The calendar with METHOD:CANCEL, attached as reservation.ics: calendar programs
  // remove the event they took from the confirmation.
  std::optional<CalendarFile> calendar;
};
// Subject: "Booking cancelled: Downtown Parking, spot 7".
Result<MailMessage> booking_cancelled_email(const BookingCancellation& data,
                                            const EmailContext& ctx);

// ---- daily reminder (each inactive user) ------------------------------------------

struct LotAvailability {
  std::string name;
  std::string address;  // may be empty
  std::int64_t free_spots = 0;
  std::int64_t price_per_hour_cents = 0;
};

struct DailyReminder {
  Recipient to;                       // greeting uses to.name, or "there" when empty
  std::vector<LotAvailability> lots;  // lots with free spots, in display order
};
// Subject: "Need a parking spot? 3 lots have free spaces today" (or, with no lots,
// "Need a parking spot today?").
Result<MailMessage> daily_reminder_email(const DailyReminder& data, const EmailContext& ctx);

// ---- monthly report, admin --------------------------------------------------------

struct LotFigures {
  std::string lot_name;
  std::int64_t bookings = 0;
  std::int64_t revenue_cents = 0;
};

struct MonthlyAdminReport {
  Recipient to;
  std::string month;  // "2026-10"
  std::int64_t total_bookings = 0;
  std::int64_t completed_bookings = 0;
  std::int64_t revenue_cents = 0;          // Completed bookings only
  std::chrono::seconds parked_time{0};     // sum of booked durations, shown as hours
  std::vector<LotFigures> lots;            // per-lot table, in display order
  std::optional<std::string> busiest_lot;  // by bookings; none when no bookings
  std::int64_t new_users = 0;
};
// Subject: "parkd monthly report for 2026-10".
Result<MailMessage> monthly_admin_report_email(const MonthlyAdminReport& data,
                                               const EmailContext& ctx);

// ---- monthly report, user ---------------------------------------------------------

struct MonthlyUserReport {
  Recipient to;
  std::string month;  // "2026-10"
  std::int64_t bookings = 0;
  std::chrono::seconds parked_time{0};
  std::int64_t spent_cents = 0;  // Completed bookings only
  std::optional<std::string> favourite_lot;
};
// Subject: "Your parking report for 2026-10".
Result<MailMessage> monthly_user_report_email(const MonthlyUserReport& data,
                                              const EmailContext& ctx);

// ---- daily admin report -----------------------------------------------------------

struct LotDayFigures {
  std::string lot_name;
  std::int64_t bookings = 0;
  std::int64_t revenue_cents = 0;
  std::int64_t occupied_spots = 0;  // now
  std::int64_t total_spots = 0;
};

struct DailyAdminReport {
  Recipient to;
  std::string date;  // the day reported on, "2026-11-23"
  std::int64_t bookings = 0;
  std::int64_t revenue_cents = 0;
  std::int64_t new_users = 0;
  std::int64_t occupied_spots = 0;  // occupancy now, over all lots
  std::int64_t total_spots = 0;
  std::vector<LotDayFigures> lots;
};
// Subject: "parkd daily report for 2026-11-23".
Result<MailMessage> daily_admin_report_email(const DailyAdminReport& data, const EmailContext& ctx);

// ---- CSV exports ------------------------------------------------------------------

struct UserExport {
  Recipient to;
  Timestamp generated_at;
  std::int64_t booking_count = 0;  // rows in bookings_csv, for the text
  // Attached as bookings.csv. Exports live in spool files: they can be far larger
  // than memory should hold.
  std::shared_ptr<const SpoolFile> bookings_csv;
};
// Subject: "Your parkd bookings export". Attachment: bookings.csv (text/csv).
Result<MailMessage> user_export_email(const UserExport& data, const EmailContext& ctx);

struct AdminExport {
  Recipient to;
  Timestamp generated_at;
  std::int64_t user_count = 0;
  std::int64_t lot_count = 0;
  std::int64_t booking_count = 0;
  std::shared_ptr<const SpoolFile> users_csv;     // attached as users.csv
  std::shared_ptr<const SpoolFile> lots_csv;      // attached as lots.csv
  std::shared_ptr<const SpoolFile> bookings_csv;  // attached as bookings.csv
};
// Subject: "parkd data export: users, lots, bookings". Attachments in that order.
Result<MailMessage> admin_export_email(const AdminExport& data, const EmailContext& ctx);

// ---- password reset (POST /auth/password-reset) ----------------------------------

struct PasswordReset {
  Recipient to;
  // <PUBLIC_URL>/reset-password?token=<token>: the web UI's page that sets the password.
  std::string link;
  int valid_minutes = 60;
};
// Subject: "Reset your parkd password".
Result<MailMessage> password_reset_email(const PasswordReset& data, const EmailContext& ctx);

// ---- formatting shared by the emails (exposed for tests) ---------------------------

// "2026-11-24 18:00 CET": `t` in `tz`, with the zone's abbreviation at that time
// (UTC when `tz` is null).
std::string format_local_time(Timestamp t, const date::time_zone* tz);

// Hours with one decimal, rounded half-up: 5400 s -> "1.5".
std::string format_hours(std::chrono::seconds duration);

// "30.0%": part / whole as a percentage with one decimal, rounded half-up; "0.0%"
// when whole is 0.
std::string format_percent(std::int64_t part, std::int64_t whole);

}  // namespace parkd::mail
