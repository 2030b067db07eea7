// /api/lots/*, /api/spots/*: see docs/openapi.yaml (tag lots).
#include "api/app.h"
#include "api/parse.h"
#include "api/render.h"
#include "domain/validation.h"

namespace parkd {
namespace {

Result<LotInput> lot_input(const Request& req) {
  auto body = json_object_body(req);
  if (!body) return body.error();
  FieldReader f(*body);
  LotInput in;
  if (auto name = f.string("name", false)) in.name = trim(*name);
  if (auto address = f.string("address", false)) in.address = trim(*address);
  in.capacity = f.integer("capacity", false);
  in.price_cents = f.money("price_per_hour", false);
  if (!f.ok()) return f.error();
  return in;
}

// The last lot list a handler thread rendered, and its bytes. Lists are read far more
// often than lots change, and comparing two lists costs a fraction of rendering one
// (GET /api/lots about 15 % more req/s: bench/README.md, 2026-12-07). Per thread, so
// that no lock is shared.
constexpr std::size_t kKeptListBytes = std::size_t{64} * 1024;  // about 250 lots
struct RenderedLots {
  std::vector<Lot> lots;
  std::int64_t total = -1;
  std::string body;
};

Response list_lots(Call& c, Services& s) {
  auto page = paging(c.req);
  if (!page) return error_response(page.error());
  auto lots = s.lots.list(page->limit, page->offset);
  if (!lots) return error_response(lots.error());
  thread_local RenderedLots last;
  Response r;
  if (lots->total == last.total && lots->lots == last.lots) {
    r.body = last.body;
    return r;
  }
  JsonWriter w;
  w.begin_object().key("lots").begin_array();
  for (const auto& l : lots->lots) write_json(w, l);
  w.end_array().key("total").value(lots->total).end_object();
  r.body = w.take();
  // Bounded: a page of thousands of lots is not kept by each of the handler threads.
  if (r.body.size() <= kKeptListBytes) {
    last = {std::move(lots->lots), lots->total, r.body};
  } else {
    last = {};
  }
  return r;
}

Response get_lot(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Parking lot");
  if (!id) return error_response(id.error());
  auto lot = s.lots.get(*id);
  if (!lot) return error_response(lot.error());
  return ok_json({{"lot", to_json(*lot)}});
}

Response create_lot(Call& c, Services& s) {
  auto in = lot_input(c.req);
  if (!in) return error_response(in.error());
  auto lot = s.lots.create(*in);
  if (!lot) return error_response(lot.error());
  return created_json({{"message", "Parking lot created"}, {"lot", to_json(*lot)}});
}

Response update_lot(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Parking lot");
  if (!id) return error_response(id.error());
  auto in = lot_input(c.req);
  if (!in) return error_response(in.error());
  auto lot = s.lots.update(*id, *in);
  if (!lot) return error_response(lot.error());
  return ok_json({{"message", "Parking lot updated"}, {"lot", to_json(*lot)}});
}

Response delete_lot(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Parking lot");
  if (!id) return error_response(id.error());
  Status st = s.lots.remove(*id);
  if (!st) return error_response(st.error());
  return ok_json({{"message", "Parking lot deleted"}});
}

Response list_spots(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Parking lot");
  if (!id) return error_response(id.error());
  auto spots = s.lots.spots(*id);
  if (!spots) return error_response(spots.error());
  nlohmann::json items = nlohmann::json::array();
  bool admin = is_admin(c);
  for (const auto& sp : spots->spots) items.push_back(spot_with_reservations_json(sp, admin));
  std::size_t total = items.size();
  return ok_json({{"lot", to_json(spots->lot)}, {"spots", std::move(items)}, {"total", total}});
}

Response get_spot(Call& c, Services& s) {
  auto lot_id = path_id(c.params[0], "Parking lot");
  if (!lot_id) return error_response(lot_id.error());
  auto spot_id = path_id(c.params[1], "Spot");
  if (!spot_id) return error_response(spot_id.error());
  auto detail = s.lots.spot(*lot_id, *spot_id);
  if (!detail) return error_response(detail.error());
  return ok_json({{"spot", spot_detail_json(*detail, now())}});
}

Response delete_spot(Call& c, Services& s) {
  auto lot_id = path_id(c.params[0], "Parking lot");
  if (!lot_id) return error_response(lot_id.error());
  auto spot_id = path_id(c.params[1], "Spot");
  if (!spot_id) return error_response(spot_id.error());
  Status st = s.lots.remove_spot(*lot_id, *spot_id);
  if (!st) return error_response(st.error());
  return ok_json({{"message", "Spot deleted"}});
}

}  // namespace

void add_lot_routes(Router& r, Services& s) {
  auto bind = [&s](Response (*fn)(Call&, Services&)) {
    return [&s, fn](Call& c) { return fn(c, s); };
  };
  // A change to a lot or its spots: open event streams hear of it at once instead of at
  // the watcher's next poll (live.h).
  auto bind_change = [&s](Response (*fn)(Call&, Services&)) {
    return [&s, fn](Call& c) {
      Response res = fn(c, s);
      if (s.live != nullptr && res.status < 300) s.live->lots_changed();
      return res;
    };
  };
  r.add("GET", "/api/lots", Access::user, bind(list_lots), Pace::quick);
  r.add("POST", "/api/lots", Access::admin, bind_change(create_lot));
  r.add("GET", "/api/lots/{id}", Access::user, bind(get_lot), Pace::quick);
  r.add("PUT", "/api/lots/{id}", Access::admin, bind_change(update_lot));
  r.add("PATCH", "/api/lots/{id}", Access::admin, bind_change(update_lot));
  r.add("DELETE", "/api/lots/{id}", Access::admin, bind_change(delete_lot));
  r.add("GET", "/api/lots/{id}/spots", Access::user, bind(list_spots));
  r.add("GET", "/api/spots/{lot_id}", Access::user, bind(list_spots));
  r.add("GET", "/api/lots/{id}/spots/{spot_id}", Access::admin, bind(get_spot));
  r.add("DELETE", "/api/lots/{id}/spots/{spot_id}", Access::admin, bind_change(delete_spot));
}

}  // namespace parkd
