#include "api/render.h"

#include "domain/money.h"

#include <cmath>

namespace parkd {

using nlohmann::json;

json time_json(std::optional<Timestamp> t) { return t ? json(format_iso8601(*t)) : json(nullptr); }

json to_json(const User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"username", u.username ? json(*u.username) : json(nullptr)},
          {"roles", json::array({std::string(role_name(u.role))})},
          {"created_at", format_iso8601(u.created_at)}};
}

void write_json(JsonWriter& w, const Lot& l) {
  w.begin_object()
      .key("address")
      .value(l.address)
      .key("available_spots")
      .value(l.available_spots())
      .key("capacity")
      .value(l.capacity)
      .key("created_at")
      .value(format_iso8601(l.created_at))
      .key("id")
      .value(l.id)
      .key("name")
      .value(l.name)
      .key("occupied_spots")
      .value(l.occupied_spots)
      .key("price_per_hour")
      .money(l.price_cents)
      .key("reserved_spots")
      .value(l.reserved_spots)
      .end_object();
}

json to_json(const Lot& l) {
  JsonWriter w;
  write_json(w, l);
  return json::parse(w.text());
}

json to_json(const Spot& s) {
  return {{"id", s.id},
          {"lot_id", s.lot_id},
          {"spot_number", s.number},
          {"status", s.occupied ? "Occupied" : "Available"}};
}

json to_json(const Booking& b, Timestamp at) {
  json j = {{"id", b.id},
            {"user_id", b.user_id},
            {"lot_id", b.lot_id},
            {"lot_name", b.lot_name},
            {"spot_id", b.spot_id ? json(*b.spot_id) : json(nullptr)},
            {"spot_number", b.spot_number},
            {"booking_type", std::string(booking_type_name(b.type))},
            {"vehicle_number", b.vehicle_number ? json(*b.vehicle_number) : json(nullptr)},
            {"created_at", format_iso8601(b.created_at)},
            {"start_time", format_iso8601(b.start_time)},
            {"end_time", time_json(b.end_time)},
            {"reserved_start", time_json(b.reserved_start)},
            {"reserved_end", time_json(b.reserved_end)},
            {"price_per_hour", money_json(b.price_cents)},
            {"total_cost", money_json(b.total_cost_cents_at(at))},
            {"status", std::string(booking_status_name(b.status_at(at)))}};
  if (b.user_email) j["user_email"] = *b.user_email;
  return j;
}

json to_json(const Job& j) {
  return {{"id", j.id},
          {"type", j.type},
          {"status", j.status},
          {"attempts", j.attempts},
          {"last_error", j.last_error ? json(*j.last_error) : json(nullptr)},
          {"created_at", format_iso8601(j.created_at)},
          {"finished_at", time_json(j.finished_at)}};
}

json to_json(const UserRow& row) {
  json j = to_json(row.user);
  j["total_bookings"] = row.totals.total_bookings;
  j["active_bookings"] = row.totals.active_bookings;
  j["total_spent"] = money_json(row.totals.total_spent_cents);
  j["last_booking_at"] = time_json(row.totals.last_booking_at);
  return j;
}

json spot_with_reservations_json(const SpotWithReservations& s, bool admin) {
  json j = to_json(s.spot);
  json reservations = json::array();
  for (const auto& r : s.reservations) {
    json item = {{"start", format_iso8601(r.window.start)}, {"end", time_json(r.window.end)}};
    if (admin) item["user_email"] = r.user_email;
    reservations.push_back(std::move(item));
  }
  j["reservations"] = std::move(reservations);
  return j;
}

json spot_detail_json(const SpotDetail& d, Timestamp at) {
  json j = to_json(d.spot);
  j["current_booking"] = d.current_booking ? to_json(*d.current_booking, at) : json(nullptr);
  return j;
}

namespace {

json counts_json(const StatusCounts& c) {
  return {{"total_bookings", c.total},
          {"active_bookings", c.active},
          {"reserved_bookings", c.reserved},
          {"completed_bookings", c.completed},
          {"cancelled_bookings", c.cancelled}};
}

}  // namespace

json user_stats_json(const UserStats& s) {
  json j = counts_json(s.counts);
  j["total_spent"] = money_json(s.counts.spent_cents);
  // Hours with two decimals, rounded half-up from whole seconds.
  std::int64_t hundredths_of_hours = (s.counts.billed_seconds * 100 + 1800) / 3600;  // half-up
  j["total_hours"] = static_cast<double>(hundredths_of_hours) / 100.0;
  j["favourite_lot"] = s.favourite_lot ? json(*s.favourite_lot) : json(nullptr);
  json lots = json::array();
  for (const auto& l : s.lots) {
    lots.push_back({{"lot_id", l.lot_id},
                    {"lot_name", l.lot_name},
                    {"bookings", l.bookings},
                    {"spent", money_json(l.revenue_cents)}});
  }
  j["lots"] = std::move(lots);
  json monthly = json::array();
  for (const auto& b : s.monthly) {
    monthly.push_back(
        {{"month", b.label}, {"bookings", b.bookings}, {"spending", money_json(b.revenue_cents)}});
  }
  j["monthly_bookings"] = std::move(monthly);
  json daily = json::array();
  for (const auto& b : s.daily) daily.push_back({{"date", b.label}, {"bookings", b.bookings}});
  j["daily_bookings"] = std::move(daily);
  return j;
}

json admin_stats_json(const AdminStats& s) {
  json j = counts_json(s.counts);
  j["total_revenue"] = money_json(s.counts.spent_cents);
  double rate = s.total_spots == 0 ? 0.0
                                   : std::round(1000.0 * static_cast<double>(s.occupied_spots) /
                                                static_cast<double>(s.total_spots)) /
                                         10.0;
  j["occupancy_rate"] = rate;
  j["total_users"] = s.total_users;
  j["total_lots"] = s.total_lots;
  j["total_spots"] = s.total_spots;
  json by_lot = json::array();
  for (const auto& l : s.revenue_by_lot) {
    by_lot.push_back({{"lot_id", l.lot_id},
                      {"lot_name", l.lot_name},
                      {"revenue", money_json(l.revenue_cents)},
                      {"bookings", l.bookings}});
  }
  j["revenue_by_lot"] = std::move(by_lot);
  json daily = json::array();
  for (const auto& b : s.daily) {
    daily.push_back(
        {{"date", b.label}, {"bookings", b.bookings}, {"revenue", money_json(b.revenue_cents)}});
  }
  j["daily_bookings"] = std::move(daily);
  return j;
}

}  // namespace parkd
