#include "mail/emails.h"

#include "domain/currency.h"

#include <date/date.h>

#include <utility>

namespace parkd::mail {
namespace {

// User text made safe for a one-line header: control characters become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// Integer division of `numerator` by `denominator`, rounded half-up, with one decimal:
// tenths(15, 10) == "1.5". REQUIRES: denominator > 0, numerator >= 0.
std::string with_one_decimal(std::int64_t numerator, std::int64_t denominator) {
  std::int64_t tenths = (numerator * 10 + denominator / 2) / denominator;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

mstch::map figure(std::string label, std::string value) {
  return mstch::map{{"label", std::move(label)}, {"value", std::move(value)}};
}

// Keys every template and the layout may use.
mstch::map base_context(const Recipient& to, std::string title, std::string preheader) {
  return mstch::map{
      {"name", to.name.empty() ? std::string("there") : to.name},
      {"email", to.email},
      {"title", std::move(title)},
      {"preheader", std::move(preheader)},
  };
}

// Renders `template_name` and addresses the message; attachments are added by callers.
Result<MailMessage> compose(std::string_view template_name, const mstch::map& context,
                            const Recipient& to, std::string subject, const EmailContext& ctx) {
  auto parts = ctx.templates->render(template_name, context);
  if (!parts) return parts.error();
  MailMessage message;
  message.from = ctx.from;
  message.from_name = ctx.from_name;
  message.to = to.email;
  message.to_name = one_line(to.name);
  message.subject = std::move(subject);
  message.text = std::move(parts->text);
  message.html = std::move(parts->html);
  return message;
}

Attachment calendar_attachment(const CalendarFile& calendar) {
  return Attachment{std::string(kCalendarFilename), calendar.content_type(), calendar.text};
}

Attachment csv_attachment(std::string filename, std::shared_ptr<const SpoolFile> file) {
  Attachment attachment{std::move(filename), std::string(kCsvContentType), {}};
  attachment.file = std::move(file);
  return attachment;
}

mstch::array lot_figures_rows(const std::vector<LotFigures>& lots, const EmailContext& ctx) {
  mstch::array rows;
  for (const auto& lot : lots) {
    rows.push_back(mstch::map{{"lot_name", lot.lot_name},
                              {"bookings", std::to_string(lot.bookings)},
                              {"revenue", format_amount(lot.revenue_cents, ctx.currency)}});
  }
  return rows;
}

}  // namespace

std::string format_local_time(Timestamp t, const date::time_zone* tz) {
  if (tz == nullptr) tz = date::locate_zone("UTC");  // a wiring bug should not crash a job
  return date::format("%Y-%m-%d %H:%M %Z", date::make_zoned(tz, t));
}

std::string format_hours(std::chrono::seconds duration) {
  return with_one_decimal(duration.count(), 3600);
}

std::string format_percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "0.0%";
  return with_one_decimal(part * 100, whole) + "%";
}

Result<MailMessage> booking_confirmation_email(const BookingConfirmation& data,
                                               const EmailContext& ctx) {
  bool reserved = data.kind == BookingKind::reserved;
  std::string spot = std::to_string(data.spot_number);
  mstch::map context = base_context(
      data.to, data.extended ? "Your reservation is extended" : "Your booking is confirmed",
      data.lot_name + ", spot " + spot);
  context["outcome"] = std::string(data.extended ? "extended" : "confirmed");
  context["has_calendar"] = data.calendar.has_value();
  context["booking_id"] = std::to_string(data.booking_id);
  context["lot_name"] = data.lot_name;
  context["spot_number"] = spot;
  context["reserved"] = reserved;
  context["booking_type"] = std::string(reserved ? "Reserved" : "Immediate");
  context["start"] = format_local_time(data.start, ctx.tz);
  context["end"] = data.reserved_end ? format_local_time(*data.reserved_end, ctx.tz) : "";
  context["price_per_hour"] = format_amount(data.price_per_hour_cents, ctx.currency);
  context["total_cost"] =
      data.total_cost_cents ? format_amount(*data.total_cost_cents, ctx.currency) : "";
  context["vehicle_number"] = data.vehicle_number;
  mstch::array figures{figure("Lot", data.lot_name)};
  if (!data.lot_address.empty()) figures.push_back(figure("Address", data.lot_address));
  figures.push_back(figure("Spot", spot));
  figures.push_back(figure("Type", reserved ? "Reserved" : "Immediate"));
  if (reserved) {
    figures.push_back(figure("From", format_local_time(data.start, ctx.tz)));
    if (data.reserved_end) {
      figures.push_back(figure("Until", format_local_time(*data.reserved_end, ctx.tz)));
    }
  } else {
    figures.push_back(figure("Started", format_local_time(data.start, ctx.tz)));
  }
  figures.push_back(
      figure("Price per hour", format_amount(data.price_per_hour_cents, ctx.currency)));
  if (data.total_cost_cents) {
    figures.push_back(figure("Total cost", format_amount(*data.total_cost_cents, ctx.currency)));
  }
  if (!data.vehicle_number.empty()) figures.push_back(figure("Vehicle", data.vehicle_number));
  figures.push_back(figure("Booking", "#" + std::to_string(data.booking_id)));
  context["figures"] = std::move(figures);
  auto message = compose("booking_confirmation", context, data.to,
                         std::string(data.extended ? "Booking extended: " : "Booking confirmed: ") +
                             one_line(data.lot_name) + ", spot " + spot,
                         ctx);
  if (message && data.calendar) message->attachments.push_back(calendar_attachment(*data.calendar));
  return message;
}

Result<MailMessage> booking_cancelled_email(const BookingCancellation& data,
                                            const EmailContext& ctx) {
  std::string spot = std::to_string(data.spot_number);
  mstch::map context =
      base_context(data.to, "Your reservation is cancelled", data.lot_name + ", spot " + spot);
  context["booking_id"] = std::to_string(data.booking_id);
  context["lot_name"] = data.lot_name;
  context["spot_number"] = spot;
  context["start"] = format_local_time(data.reserved_start, ctx.tz);
  context["end"] = format_local_time(data.reserved_end, ctx.tz);
  context["has_calendar"] = data.calendar.has_value();
  context["figures"] = mstch::array{
      figure("Lot", data.lot_name),
      figure("Spot", spot),
      figure("From", format_local_time(data.reserved_start, ctx.tz)),
      figure("Until", format_local_time(data.reserved_end, ctx.tz)),
      figure("Booking", "#" + std::to_string(data.booking_id)),
  };
  auto message = compose("booking_cancelled", context, data.to,
                         "Booking cancelled: " + one_line(data.lot_name) + ", spot " + spot, ctx);
  if (message && data.calendar) message->attachments.push_back(calendar_attachment(*data.calendar));
  return message;
}

Result<MailMessage> daily_reminder_email(const DailyReminder& data, const EmailContext& ctx) {
  auto count = static_cast<std::int64_t>(data.lots.size());
  std::string lots_phrase = plural(count, "lot has", "lots have") + " free spaces today";
  mstch::map context = base_context(data.to, "Need a parking spot?", lots_phrase);
  mstch::array lots;
  for (const auto& lot : data.lots) {
    lots.push_back(
        mstch::map{{"name", lot.name},
                   {"address", lot.address},
                   {"free_spots", std::to_string(lot.free_spots)},
                   {"price_per_hour", format_amount(lot.price_per_hour_cents, ctx.currency)}});
  }
  context["has_lots"] = !lots.empty();
  context["lots"] = std::move(lots);
  context["lot_count"] = std::to_string(count);
  std::string subject =
      count == 0 ? "Need a parking spot today?" : "Need a parking spot? " + lots_phrase;
  return compose("daily_reminder", context, data.to, std::move(subject), ctx);
}

Result<MailMessage> monthly_admin_report_email(const MonthlyAdminReport& data,
                                               const EmailContext& ctx) {
  mstch::map context =
      base_context(data.to, "Monthly report for " + data.month,
                   plural(data.total_bookings, "booking", "bookings") + ", revenue " +
                       format_amount(data.revenue_cents, ctx.currency));
  context["month"] = data.month;
  context["figures"] = mstch::array{
      figure("Bookings", std::to_string(data.total_bookings)),
      figure("Completed", std::to_string(data.completed_bookings)),
      figure("Revenue", format_amount(data.revenue_cents, ctx.currency)),
      figure("Hours parked", format_hours(data.parked_time)),
      figure("Busiest lot", data.busiest_lot.value_or("none")),
      figure("New users", std::to_string(data.new_users)),
  };
  context["has_lots"] = !data.lots.empty();
  context["lots"] = lot_figures_rows(data.lots, ctx);
  return compose("monthly_admin_report", context, data.to,
                 "parkd monthly report for " + one_line(data.month), ctx);
}

Result<MailMessage> monthly_user_report_email(const MonthlyUserReport& data,
                                              const EmailContext& ctx) {
  mstch::map context = base_context(data.to, "Your parking in " + data.month,
                                    plural(data.bookings, "booking", "bookings") + ", " +
                                        format_hours(data.parked_time) + " hours");
  context["month"] = data.month;
  context["figures"] = mstch::array{
      figure("Bookings", std::to_string(data.bookings)),
      figure("Hours parked", format_hours(data.parked_time)),
      figure("Spent", format_amount(data.spent_cents, ctx.currency)),
      figure("Favourite lot", data.favourite_lot.value_or("none yet")),
  };
  return compose("monthly_user_report", context, data.to,
                 "Your parking report for " + one_line(data.month), ctx);
}

Result<MailMessage> daily_admin_report_email(const DailyAdminReport& data,
                                             const EmailContext& ctx) {
  std::string occupancy = format_percent(data.occupied_spots, data.total_spots);
  mstch::map context = base_context(data.to, "Daily report for " + data.date,
                                    plural(data.bookings, "booking", "bookings") + ", revenue " +
                                        format_amount(data.revenue_cents, ctx.currency));
  context["date"] = data.date;
  context["figures"] = mstch::array{
      figure("Bookings", std::to_string(data.bookings)),
      figure("Revenue", format_amount(data.revenue_cents, ctx.currency)),
      figure("New users", std::to_string(data.new_users)),
      figure("Occupancy now", std::to_string(data.occupied_spots) + " of " +
                                  std::to_string(data.total_spots) + " spots (" + occupancy + ")"),
  };
  mstch::array lots;
  for (const auto& lot : data.lots) {
    lots.push_back(mstch::map{
        {"lot_name", lot.lot_name},
        {"bookings", std::to_string(lot.bookings)},
        {"revenue", format_amount(lot.revenue_cents, ctx.currency)},
        {"occupied", std::to_string(lot.occupied_spots) + " of " + std::to_string(lot.total_spots)},
        {"occupancy", format_percent(lot.occupied_spots, lot.total_spots)}});
  }
  context["has_lots"] = !lots.empty();
  context["lots"] = std::move(lots);
  return compose("daily_admin_report", context, data.to,
                 "parkd daily report for " + one_line(data.date), ctx);
}

Result<MailMessage> user_export_email(const UserExport& data, const EmailContext& ctx) {
  mstch::map context = base_context(data.to, "Your bookings export",
                                    plural(data.booking_count, "booking", "bookings"));
  context["generated_at"] = format_local_time(data.generated_at, ctx.tz);
  context["figures"] = mstch::array{
      figure("Bookings", std::to_string(data.booking_count)),
      figure("Generated", format_local_time(data.generated_at, ctx.tz)),
      figure("File", "bookings.csv"),
  };
  auto message = compose("user_export", context, data.to, "Your parkd bookings export", ctx);
  if (!message) return message;
  message->attachments.push_back(csv_attachment("bookings.csv", data.bookings_csv));
  return message;
}

Result<MailMessage> admin_export_email(const AdminExport& data, const EmailContext& ctx) {
  mstch::map context = base_context(data.to, "Data export", "users, lots and bookings");
  context["generated_at"] = format_local_time(data.generated_at, ctx.tz);
  context["figures"] = mstch::array{
      figure("Users", std::to_string(data.user_count)),
      figure("Lots", std::to_string(data.lot_count)),
      figure("Bookings", std::to_string(data.booking_count)),
      figure("Generated", format_local_time(data.generated_at, ctx.tz)),
  };
  auto message =
      compose("admin_export", context, data.to, "parkd data export: users, lots, bookings", ctx);
  if (!message) return message;
  message->attachments.push_back(csv_attachment("users.csv", data.users_csv));
  message->attachments.push_back(csv_attachment("lots.csv", data.lots_csv));
  message->attachments.push_back(csv_attachment("bookings.csv", data.bookings_csv));
  return message;
}

Result<MailMessage> password_reset_email(const PasswordReset& data, const EmailContext& ctx) {
  std::string lifetime = plural(data.valid_minutes, "minute", "minutes");
  mstch::map context =
      base_context(data.to, "Reset your password", "The link works once, for " + lifetime);
  context["link"] = data.link;
  context["lifetime"] = lifetime;
  return compose("password_reset", context, data.to, "Reset your parkd password", ctx);
}

}  // namespace parkd::mail
