#include "reports/exports.h"

#include <string>

namespace parkd::reports {
namespace {

void time_cell(CsvWriter& w, std::optional<Timestamp> t) {
  if (t) {
    w.cell(format_iso8601(*t));
  } else {
    w.empty();
  }
}

}  // namespace

std::int64_t write_bookings_csv(Tx& tx, std::optional<Id> user_id, Timestamp at,
                                const CsvWriter::Sink& sink) {
  CsvWriter w(sink);
  w.row({"id", "user_email", "lot_name", "spot_number", "booking_type", "vehicle_number", "status",
         "start_time", "end_time", "reserved_start", "reserved_end", "price_per_hour", "total_cost",
         "created_at"});
  std::int64_t rows = 0;
  tx.for_each_booking(user_id, [&](const Booking& b) {
    w.number(b.id).cell(b.user_email.value_or("")).cell(b.lot_name).number(b.spot_number);
    w.cell(booking_type_name(b.type)).cell(b.vehicle_number.value_or(""));
    w.cell(booking_status_name(b.status_at(at))).cell(format_iso8601(b.start_time));
    time_cell(w, b.end_time);
    time_cell(w, b.reserved_start);
    time_cell(w, b.reserved_end);
    w.cents(b.price_cents).cents(b.total_cost_cents_at(at)).cell(format_iso8601(b.created_at));
    w.end_row();
    ++rows;
  });
  return rows;
}

std::int64_t write_users_csv(Tx& tx, const CsvWriter::Sink& sink) {
  CsvWriter w(sink);
  w.row({"id", "email", "username", "role", "created_at"});
  std::int64_t rows = 0;
  tx.for_each_user([&](const User& u) {
    w.number(u.id).cell(u.email).cell(u.username.value_or("")).cell(role_name(u.role));
    w.cell(format_iso8601(u.created_at));
    w.end_row();
    ++rows;
  });
  return rows;
}

std::int64_t write_lots_csv(Tx& tx, Timestamp at, const CsvWriter::Sink& sink) {
  CsvWriter w(sink);
  w.row({"id", "name", "address", "capacity", "price_per_hour", "available_spots", "occupied_spots",
         "reserved_spots", "created_at"});
  std::int64_t rows = 0;
  for (const auto& l : tx.lots(at, 1'000'000, 0)) {
    w.number(l.id).cell(l.name).cell(l.address).number(l.capacity).cents(l.price_cents);
    w.number(l.available_spots()).number(l.occupied_spots).number(l.reserved_spots);
    w.cell(format_iso8601(l.created_at));
    w.end_row();
    ++rows;
  }
  return rows;
}

}  // namespace parkd::reports
