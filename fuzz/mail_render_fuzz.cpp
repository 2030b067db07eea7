// Fuzz target: the emails (mail/emails.h) rendered from the shipped Mustache templates with
// user-chosen text (usernames, lot names and addresses, vehicle numbers) taken from the
// input, then built into MIME (mail/message.h). The input's fields are split at 0x1F; each
// goes into the emails wrapped in the markers 0x01 ... 0x02, so that its copies can be
// found in what is rendered. Properties: every email renders; its subject holds no control
// character; in the HTML part every copy of a value is HTML-escaped (no '<', '>', '"' and
// no '&' that does not start an entity) and unescapes to the value; in the text part every
// copy is the value verbatim; the MIME message has exactly one From, To and Subject header,
// every line ends in CRLF and is at most 998 bytes long.
#include "fuzz_check.h"
#include "mail/emails.h"
#include "mail/message.h"
#include "mail/templates.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace parkd::mail;

// Undoes HTML escaping: the named entities mstch writes and numeric ones. Empty when the
// text holds '<', '>' or '"', or an '&' that starts no entity.
std::optional<std::string> unescape_html(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<' || c == '>' || c == '"') return std::nullopt;
    if (c != '&') {
      out += c;
      continue;
    }
    std::size_t end = text.find(';', i);
    if (end == std::string_view::npos || end - i > 10) return std::nullopt;
    std::string_view entity = text.substr(i + 1, end - i - 1);
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.size() >= 2 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string digits(entity.substr(hex ? 2 : 1));
      if (digits.empty() || digits.size() > 6 ||
          digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") !=
              std::string::npos) {
        return std::nullopt;
      }
      long code = std::stol(digits, nullptr, hex ? 16 : 10);
      if (code <= 0 || code >= 0x80) return std::nullopt;  // values' markup is ASCII
      out += static_cast<char>(code);
    } else {
      return std::nullopt;
    }
    i = end;
  }
  return out;
}

// The texts between the markers, in order; a marker without its partner breaks a property.
std::vector<std::string_view> marked(std::string_view text) {
  std::vector<std::string_view> copies;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = text.find('\x01', pos);
    std::size_t close = text.find('\x02', pos);
    if (open == std::string_view::npos) {
      FUZZ_CHECK(close == std::string_view::npos, "a value's end without its start");
      return copies;
    }
    FUZZ_CHECK(close != std::string_view::npos && close > open, "a value's start without its end");
    std::string_view copy = text.substr(open + 1, close - open - 1);
    FUZZ_CHECK(copy.find('\x01') == std::string_view::npos, "a value inside a value");
    copies.push_back(copy);
    pos = close + 1;
  }
}

void check_mime(const MailMessage& message) {
  auto mime = build_mime(message, parkd::Timestamp{}, "parkd.example");
  FUZZ_CHECK(mime.ok(), "an email does not build into MIME");
  std::string_view text = *mime;
  std::size_t from = 0, to = 0, subject = 0;
  bool in_headers = true;
  while (!text.empty()) {
    std::size_t end = text.find("\r\n");
    FUZZ_CHECK(end != std::string_view::npos, "a MIME line does not end in CRLF");
    std::string_view line = text.substr(0, end);
    FUZZ_CHECK(line.size() <= 998, "a MIME line is longer than 998 bytes");
    FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos, "a bare CR or LF in MIME");
    if (in_headers) {
      if (line.empty()) {
        in_headers = false;
      } else {
        from += line.starts_with("From:");
        to += line.starts_with("To:");
        subject += line.starts_with("Subject:");
      }
    }
    text.remove_prefix(end + 2);
  }
  FUZZ_CHECK(from == 1 && to == 1 && subject == 1, "not exactly one From, To and Subject");
}

void check(const parkd::Result<MailMessage>& rendered, const std::vector<std::string>& values) {
  FUZZ_CHECK(rendered.ok(), "an email did not render");
  const MailMessage& m = rendered.value();
  FUZZ_CHECK(std::none_of(m.subject.begin(), m.subject.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
             "a control character in a subject");
  auto is_value = [&](std::string_view text) {
    return std::find(values.begin(), values.end(), text) != values.end();
  };
  for (auto copy : marked(m.html)) {
    auto plain = unescape_html(copy);
    FUZZ_CHECK(plain.has_value(), "a value is not HTML-escaped in the HTML part");
    FUZZ_CHECK(is_value(*plain), "a value's HTML copy does not unescape to the value");
  }
  for (auto copy : marked(m.text)) {
    FUZZ_CHECK(is_value(copy), "a value is altered in the text part");
  }
  check_mime(m);
}

std::vector<std::string> fields_of(std::string_view input) {
  std::vector<std::string> fields;
  while (fields.size() < 6) {
    auto at = input.find('\x1f');
    std::string field(input.substr(0, at));
    std::erase_if(field, [](char c) { return c == '\x01' || c == '\x02'; });
    fields.push_back(std::move(field));
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + 1);
  }
  fields.resize(6);
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const TemplateRenderer templates({PARKD_TEMPLATE_DIR});
  EmailContext ctx;
  ctx.from = "parkd@parkd.example";
  ctx.templates = &templates;

  auto values = fields_of(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<std::string> wrapped;
  for (const auto& v : values) wrapped.push_back("\x01" + v + "\x02");
  const std::string& name = wrapped[0];
  Recipient to{"alice@parkd.example", name};
  bool flag = size > 0 && (data[0] & 1) != 0;
  auto start = parkd::Timestamp{} + std::chrono::hours(24 * 20000);

  BookingConfirmation confirmation;
  confirmation.to = to;
  confirmation.booking_id = 42;
  confirmation.lot_name = wrapped[1];
  confirmation.lot_address = wrapped[2];
  confirmation.spot_number = 7;
  confirmation.kind = flag ? BookingKind::reserved : BookingKind::immediate;
  confirmation.start = start;
  if (flag) confirmation.reserved_end = start + std::chrono::hours(2);
  confirmation.price_per_hour_cents = 250;
  if (flag) confirmation.total_cost_cents = 500;
  confirmation.vehicle_number = wrapped[3];
  confirmation.extended = size > 1 && (data[1] & 1) != 0;
  check(booking_confirmation_email(confirmation, ctx), values);

  BookingCancellation cancellation;
  cancellation.to = to;
  cancellation.booking_id = 42;
  cancellation.lot_name = wrapped[1];
  cancellation.spot_number = 7;
  cancellation.reserved_start = start;
  cancellation.reserved_end = start + std::chrono::hours(1);
  check(booking_cancelled_email(cancellation, ctx), values);

  DailyReminder reminder;
  reminder.to = to;
  reminder.lots = {{wrapped[1], wrapped[2], 3, 250}, {wrapped[4], wrapped[5], 1, 0}};
  check(daily_reminder_email(reminder, ctx), values);

  MonthlyAdminReport admin;
  admin.to = to;
  admin.month = "2026-10";
  admin.total_bookings = 3;
  admin.completed_bookings = 2;
  admin.revenue_cents = 1250;
  admin.parked_time = std::chrono::seconds(5400);
  admin.lots = {{wrapped[1], 2, 1000}, {wrapped[4], 1, 250}};
  admin.busiest_lot = wrapped[1];
  admin.new_users = 1;
  check(monthly_admin_report_email(admin, ctx), values);

  MonthlyUserReport user;
  user.to = to;
  user.month = "2026-10";
  user.bookings = 2;
  user.parked_time = std::chrono::seconds(7200);
  user.spent_cents = 500;
  user.favourite_lot = wrapped[4];
  check(monthly_user_report_email(user, ctx), values);

  DailyAdminReport daily;
  daily.to = to;
  daily.date = "2026-11-23";
  daily.bookings = 4;
  daily.lots = {{wrapped[1], 4, 1000, 3, 10}, {wrapped[4], 0, 0, 0, 5}};
  daily.occupied_spots = 3;
  daily.total_spots = 15;
  check(daily_admin_report_email(daily, ctx), values);
  return 0;
}
