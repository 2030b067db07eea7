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
          {"disabled", u.disabled},
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
      .time(l.created_at)
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

void write_json(JsonWriter& w, const Booking& b, Timestamp at) {
  auto optional_time = [&w](std::optional<Timestamp> t) -> JsonWriter& {
    return t ? w.time(*t) : w.null();
  };
  w.begin_object().key("booking_type").value(booking_type_name(b.type));
  w.key("created_at").time(b.created_at);
  w.key("end_time");
  optional_time(b.end_time);
  w.key("id").value(b.id).key("lot_id").value(b.lot_id).key("lot_name").value(b.lot_name);
  w.key("price_per_hour").money(b.price_cents);
  w.key("reserved_end");
  optional_time(b.reserved_end);
  w.key("reserved_start");
  optional_time(b.reserved_start);
  w.key("spot_id");
  if (b.spot_id) {
    w.value(*b.spot_id);
  } else {
    w.null();
  }
  w.key("spot_number").value(b.spot_number);
  w.key("start_time").time(b.start_time);
  w.key("status").value(booking_status_name(b.status_at(at)));
  w.key("total_cost").money(b.total_cost_cents_at(at));
  if (b.user_email) w.key("user_email").value(*b.user_email);
  w.key("user_id").value(b.user_id);
  w.key("vehicle_number");
  if (b.vehicle_number) {
    w.value(*b.vehicle_number);
  } else {
    w.null();
  }
  w.end_object();
}

json to_json(const Booking& b, Timestamp at) {
  JsonWriter w;
  write_json(w, b, at);
  return json::parse(w.text());
}

std::string booking_message_json(std::string_view message, const Booking& b, Timestamp at) {
  JsonWriter w;
  w.begin_object().key("booking");
  write_json(w, b, at);
  w.key("message").value(message).end_object();
  return w.take();
}

json to_json(const Job& j) {
  return {{"id", j.id},
          {"type", j.type},
          {"status", j.status},
          {"attempts", j.attempts},
          {"max_attempts", j.max_attempts},
          {"last_error", j.last_error ? json(*j.last_error) : json(nullptr)},
          {"created_at", format_iso8601(j.created_at)},
          {"run_at", format_iso8601(j.run_at)},
          {"started_at", time_json(j.started_at)},
          {"finished_at", time_json(j.finished_at)},
          {"request_id", j.request_id ? json(*j.request_id) : json(nullptr)}};
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
