// /api/book, /api/quote, /api/release, /api/bookings*: see docs/openapi.yaml (tag bookings).
#include "api/app.h"
#include "api/idempotent.h"
#include "api/parse.h"
#include "api/render.h"
#include "domain/booking_rules.h"
#include "domain/money.h"
#include "domain/validation.h"
#include "mail/calendar.h"
#include "reports/exports.h"

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

namespace parkd {
namespace {

Result<BookRequest> book_request(const nlohmann::json& body) {
  FieldReader f(body);
  BookRequest req;
  req.lot_id = f.integer("lot_id", true).value_or(0);
  if (f.has("lot_id") && req.lot_id <= 0) f.problem("lot_id", "must be a positive integer");
  req.spot_id = f.integer("spot_id", false);
  if (req.spot_id && *req.spot_id <= 0) f.problem("spot_id", "no such spot in this lot");
  std::string type = to_lower(f.string("booking_type", false).value_or("immediate"));
  if (type == "immediate" || type == "instant") {
    req.type = BookingType::immediate;
  } else if (type == "reserved" || type == "reservation") {
    req.type = BookingType::reserved;
  } else {
    f.problem("booking_type", "must be \"immediate\" or \"reserved\"");
  }
  if (auto vehicle = f.string("vehicle_number", false); vehicle && !trim(*vehicle).empty()) {
    auto check = check_vehicle_number(*vehicle);
    if (check.problem) f.problem("vehicle_number", *check.problem);
    req.vehicle_number = check.normalized;
  }
  if (req.type == BookingType::reserved) {
    req.reserved_start = f.time("reserved_start", false);
    req.reserved_end = f.time("reserved_end", false);
  }
  if (!f.ok()) return f.error();
  return req;
}

std::string body_digest(const nlohmann::json& body) {
  std::string canonical = body.dump();  // keys sorted: formatting does not matter
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

// A committed write of a booking: it goes to its owner's and the admins' event streams
// (events/live.h), and the lot watcher re-reads at once. Rendered once per write, never
// per subscriber, from the Booking itself rather than parsed back out of the answer.
void announce(Services& s, const Booking& b) {
  if (s.live == nullptr || !s.live->listening()) return;
  JsonWriter w;
  write_json(w, b, now());
  s.live->booking_changed(b.user_id, w.take());
}

void book(Call& c, Services& s, const Respond& respond) {
  auto body = json_object_body(c.req);
  if (!body) return respond(error_response(body.error()));
  std::optional<IdempotencyKey> idem;
  if (auto key = c.req.header("idempotency-key")) {
    if (key->empty() || key->size() > 255) {
      return respond(
          error_response(Error::validation({{"Idempotency-Key", "must be 1 to 255 characters"}})));
    }
    idem = IdempotencyKey{*key, body_digest(*body)};
  }
  auto req = book_request(*body);
  if (!req) {
    // Validation failures create nothing; replaying them is not needed.
    return respond(error_response(req.error()));
  }
  IdempotentWrite<Booking> w;
  w.user_id = c.user->id;
  w.key = std::move(idem);
  w.unit = [&bookings = s.bookings, user = *c.user, req = *req](Tx& tx, Timestamp at) {
    return bookings.book(tx, user, req, at);
  };
  w.render = [](const Result<Booking>& outcome) {
    if (!outcome) return error_response(outcome.error());
    Response created;
    created.status = 201;
    created.body = booking_message_json("Spot booked successfully", *outcome, now());
    return created;
  };
  w.committed = [&s, user = *c.user](const Booking& b) {
    BookingService::log_booked(user, b);
    announce(s, b);
  };
  write_idempotent(s.store, std::move(w), c.handoff, respond);
}

// POST /api/quote: the body of POST /api/book, answered with what booking would give.
Response quote(Call& c, Services& s) {
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  auto req = book_request(*body);
  if (!req) return error_response(req.error());
  auto q = s.bookings.quote(*req);
  if (!q) return error_response(q.error());
  bool reserved = q->type == BookingType::reserved;
  return ok_json(
      {{"quote",
        {{"lot_id", q->lot_id},
         {"spot_id", q->spot.id},
         {"spot_number", q->spot.number},
         {"booking_type", booking_type_name(q->type)},
         {"reserved_start", time_json(reserved ? std::optional(q->window.start) : std::nullopt)},
         {"reserved_end", time_json(reserved ? q->window.end : std::nullopt)},
         {"price_per_hour", money_json(q->price_cents)},
         {"total_cost", money_json(q->total_cents)},
         {"currency", s.config.currency}}}});
}

// POST /api/bookings/{id}/extend {reserved_end}.
void extend(Call& c, Services& s, const Respond& respond) {
  auto id = path_id(c.params[0], "Booking");
  if (!id) return respond(error_response(id.error()));
  auto body = json_object_body(c.req);
  if (!body) return respond(error_response(body.error()));
  FieldReader f(*body);
  auto reserved_end = f.time("reserved_end", true);
  if (!f.ok()) return respond(error_response(f.error()));
  s.bookings.extend(*c.user, *id, *reserved_end, c.handoff, [&s, respond](Result<Booking> b) {
    if (!b) return respond(error_response(b.error()));
    announce(s, *b);
    Response r;
    r.body = booking_message_json("Reservation extended", *b, now());
    respond(std::move(r));
  });
}

void booking_action(Call& c, Services& s, bool cancel, const Respond& respond) {
  auto id = path_id(c.params[0], "Booking");
  if (!id) return respond(error_response(id.error()));
  auto answer = [&s, respond, cancel](Result<Booking> b) {
    if (!b) return respond(error_response(b.error()));
    announce(s, *b);
    Response r;
    r.body = booking_message_json(cancel ? "Reservation cancelled" : "Spot released", *b, now());
    respond(std::move(r));
  };
  if (cancel) {
    s.bookings.cancel(*c.user, *id, c.handoff, answer);
  } else {
    s.bookings.release(*c.user, *id, c.handoff, answer);
  }
}

Response get_booking(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Booking");
  if (!id) return error_response(id.error());
  auto b = s.bookings.get(*c.user, *id);
  if (!b) return error_response(b.error());
  return ok_json({{"booking", to_json(*b, now())}});
}

// GET /api/bookings/{id}/calendar.ics: the reservation's calendar file, as its emails
// attach it (docs/api.md "Calendar").
Response booking_calendar(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Booking");
  if (!id) return error_response(id.error());
  auto found = s.bookings.details(*c.user, *id);
  if (!found) return error_response(found.error());
  auto file = mail::reservation_calendar(found->booking, found->lot_address, found->owner,
                                         {s.config.mail_from, s.config.mail_from_name}, now());
  if (!file) return error_response(file.error());
  Response r;
  r.content_type = "text/calendar; charset=utf-8";
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + std::string(mail::kCalendarFilename) + "\"");
  r.body = std::move(file->text);
  return r;
}

// Reads ?status=&lot_id=&user_id=&from=&to= and paging into a filter.
Result<BookingFilter> booking_filter(const Request& req, bool admin_filters) {
  BookingFilter filter;
  auto page = paging(req);
  if (!page) return page.error();
  filter.limit = page->limit;
  filter.offset = page->offset;
  nlohmann::json fields = nlohmann::json::object();
  if (auto v = req.query_param("status"); v && !v->empty()) {
    filter.status = parse_booking_status(*v);
    if (!filter.status) fields["status"] = "must be one of Reserved, Active, Completed, Cancelled";
  }
  if (admin_filters) {
    for (auto [name, target] :
         {std::pair{"lot_id", &filter.lot_id}, std::pair{"user_id", &filter.user_id}}) {
      if (auto v = req.query_param(name); v && !v->empty()) {
        auto n = parse_int(*v);
        if (!n || *n <= 0) {
          fields[name] = "must be a positive integer";
        } else {
          *target = *n;
        }
      }
    }
    if (auto v = req.query_param("vehicle_number"); v && !trim(*v).empty()) {
      auto check = check_vehicle_number(*v);
      // Matched as the one-vehicle rule compares plates: "mh 12-ab" finds "MH12AB".
      filter.vehicle_key = check.normalized ? vehicle_key(*check.normalized) : std::nullopt;
      if (check.problem || !filter.vehicle_key) {
        fields["vehicle_number"] = check.problem.value_or("must hold a letter or digit");
      }
    }
    for (auto [name, target] : {std::pair{"from", &filter.from}, std::pair{"to", &filter.to}}) {
      if (auto v = req.query_param(name); v && !v->empty()) {
        // A bare date means midnight UTC of that day.
        std::string text = v->size() == 10 ? *v + "T00:00:00Z" : *v;
        *target = parse_iso8601(text);
        if (!*target) fields[name] = "must be a date (YYYY-MM-DD) or an ISO 8601 time with a zone";
      }
    }
  }
  if (!fields.empty()) return Error::validation(fields, "Invalid filter");
  return filter;
}

Response list_bookings(Call& c, Services& s, bool admin_view) {
  auto filter = booking_filter(c.req, admin_view);
  if (!filter) return error_response(filter.error());
  if (!admin_view) filter->user_id = c.user->id;
  filter->with_user_email = admin_view;
  auto page = s.bookings.list(*filter);
  if (!page) return error_response(page.error());
  Timestamp at = now();
  JsonWriter w;
  w.begin_object().key("bookings").begin_array();
  for (const auto& b : page->bookings) write_json(w, b, at);
  w.end_array().key("total").value(page->total).end_object();
  Response r;
  r.body = w.take();
  return r;
}

Response user_stats(Call& c, Services& s) {
  auto stats = s.stats.user_stats(c.user->id);
  if (!stats) return error_response(stats.error());
  return ok_json(user_stats_json(*stats));
}

// The caller's bookings as CSV, streamed from the database as it is written out.
// Streamed from one read snapshot: memory stays flat however many rows there are.
// `user_id` nullopt: every booking (the admin's download).
Response bookings_csv_download(Store& store, std::optional<Id> user_id) {
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"bookings.csv\"");
  r.stream = [&store, user_id](const BodyWriter& write) {
    Status st = store.read([&](Tx& tx) {
      reports::write_bookings_csv(tx, user_id, now(), write);
      return ok_status();
    });
    if (!st) {
      spdlog::error("export: CSV download ({}) failed: {}",
                    user_id ? "user " + std::to_string(*user_id) : "all bookings",
                    st.error().message);
    }
  };
  return r;
}

Response export_csv(Call& c, Services& s) { return bookings_csv_download(s.store, c.user->id); }

}  // namespace

void add_booking_routes(Router& r, Services& s) {
  r.add_one_write("POST", "/api/book", Access::user,
                  [&s](Call& c, const Respond& respond) { book(c, s, respond); });
  for (const char* release : {"/api/release/{id}", "/api/bookings/{id}/release"}) {
    r.add_one_write("POST", release, Access::user, [&s](Call& c, const Respond& respond) {
      booking_action(c, s, false, respond);
    });
  }
  r.add_one_write("POST", "/api/bookings/{id}/cancel", Access::user,
                  [&s](Call& c, const Respond& respond) { booking_action(c, s, true, respond); });
  r.add_one_write("POST", "/api/bookings/{id}/extend", Access::user,
                  [&s](Call& c, const Respond& respond) { extend(c, s, respond); });
  // Read-only, as cheap as a lot read.
  r.add(
      "POST", "/api/quote", Access::user, [&s](Call& c) { return quote(c, s); }, Pace::quick);
  r.add("GET", "/api/bookings", Access::user, [&s](Call& c) { return list_bookings(c, s, false); });
  // Before /api/bookings/{id}: the first matching route wins.
  r.add("GET", "/api/bookings/export.csv", Access::user,
        [&s](Call& c) { return export_csv(c, s); });
  r.add("GET", "/api/admin/bookings/export.csv", Access::admin,
        [&s](Call&) { return bookings_csv_download(s.store, std::nullopt); });
  r.add("GET", "/api/bookings/{id}/calendar.ics", Access::user,
        [&s](Call& c) { return booking_calendar(c, s); });
  r.add(
      "GET", "/api/bookings/{id}", Access::user, [&s](Call& c) { return get_booking(c, s); },
      Pace::quick);
  r.add("GET", "/api/admin/bookings", Access::admin,
        [&s](Call& c) { return list_bookings(c, s, true); });
  r.add("GET", "/api/stats/user", Access::user, [&s](Call& c) { return user_stats(c, s); });
}

}  // namespace parkd
