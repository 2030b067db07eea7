#include "services/lot_service.h"

#include "domain/validation.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

namespace parkd {
namespace {

Error lot_not_found() { return Error::not_found("Parking lot not found"); }

// Validates the fields present; `creating` requires name, capacity and price.
nlohmann::json check_lot_input(const LotInput& in, bool creating) {
  nlohmann::json fields = nlohmann::json::object();
  if (in.name) {
    if (auto p = check_lot_name(*in.name)) fields["name"] = *p;
  } else if (creating) {
    fields["name"] = "is required";
  }
  if (in.address) {
    if (auto p = check_address(*in.address)) fields["address"] = *p;
  }
  if (in.capacity) {
    if (auto p = check_capacity(*in.capacity)) fields["capacity"] = *p;
  } else if (creating) {
    fields["capacity"] = "is required";
  }
  if (in.price_cents) {
    if (auto p = check_price_cents(*in.price_cents)) fields["price_per_hour"] = *p;
  } else if (creating) {
    fields["price_per_hour"] = "is required";
  }
  return fields;
}

Error name_taken() {
  return Error::conflict("lot_name_taken", "A parking lot with this name already exists");
}

}  // namespace

Result<LotService::Page> LotService::list(std::int64_t limit, std::int64_t offset) {
  Page page;
  Status st = store_.read([&](Tx& tx) {
    page.lots = tx.lots(now(), limit, offset);
    page.total = tx.count_lots();
    return ok_status();
  });
  if (!st) return st.error();
  return page;
}

Result<Lot> LotService::get(Id id) {
  std::optional<Lot> lot;
  Status st = store_.read([&](Tx& tx) {
    lot = tx.lot(id, now());
    return ok_status();
  });
  if (!st) return st.error();
  if (!lot) return lot_not_found();
  return *lot;
}

Result<Lot> LotService::create(const LotInput& in) {
  auto fields = check_lot_input(in, true);
  if (!fields.empty()) return Error::validation(fields);
  std::optional<Lot> lot;
  Status st = store_.write([&](Tx& tx) -> Status {
    if (tx.lot_name_taken(*in.name, std::nullopt)) return name_taken();
    Id id = tx.insert_lot(*in.name, in.address.value_or(""), *in.price_cents, now());
    tx.add_spots(id, *in.capacity);
    lot = tx.lot(id, now());
    return ok_status();
  });
  if (!st) return st.error();
  spdlog::info("lots: created lot {} '{}' with {} spots", lot->id, lot->name, lot->capacity);
  return *lot;
}

Result<Lot> LotService::update(Id id, const LotInput& in) {
  auto fields = check_lot_input(in, false);
  if (!fields.empty()) return Error::validation(fields);
  std::optional<Lot> lot;
  Status st = store_.write([&](Tx& tx) -> Status {
    Timestamp at = now();
    auto current = tx.lot(id, at);
    if (!current) return lot_not_found();
    if (in.name && tx.lot_name_taken(*in.name, id)) return name_taken();
    if (in.capacity && *in.capacity > current->capacity) {
      tx.add_spots(id, *in.capacity - current->capacity);
    } else if (in.capacity && *in.capacity < current->capacity) {
      std::int64_t to_remove = current->capacity - *in.capacity;
      auto removable = tx.removable_spots(id, to_remove, at);
      if (static_cast<std::int64_t>(removable.size()) < to_remove) {
        Error e = Error::conflict(
            "spots_in_use",
            fmt::format("Cannot shrink to {} spots: only {} spot(s) are free with no upcoming "
                        "reservation, {} would have to go",
                        *in.capacity, removable.size(), to_remove));
        e.extra = {{"removable_spots", removable.size()}};
        return e;
      }
      tx.delete_spots(id, removable);
    }
    tx.update_lot(id, LotChanges{in.name, in.address, in.price_cents});
    lot = tx.lot(id, at);
    return ok_status();
  });
  if (!st) return st.error();
  spdlog::info("lots: updated lot {} '{}' ({} spots)", lot->id, lot->name, lot->capacity);
  return *lot;
}

Status LotService::remove(Id id) {
  Status st = store_.write([&](Tx& tx) -> Status {
    Timestamp at = now();
    if (!tx.lot(id, at)) return lot_not_found();
    if (auto n = tx.lot_bookings_in_force(id, at); n > 0) {
      return Error::conflict(
          "lot_in_use", fmt::format("The lot has {} booking(s) in force or upcoming; release or "
                                    "cancel them first",
                                    n));
    }
    tx.soft_delete_lot(id, at);
    return ok_status();
  });
  if (st) spdlog::info("lots: deleted lot {}", id);
  return st;
}

Result<LotService::Spots> LotService::spots(Id lot_id) {
  std::optional<Spots> out;
  Status st = store_.read([&](Tx& tx) -> Status {
    Timestamp at = now();
    auto lot = tx.lot(lot_id, at);
    if (!lot) return lot_not_found();
    Spots result{*lot, {}};
    std::map<Id, std::vector<UpcomingReservation>> by_spot;
    for (auto& r : tx.upcoming_reservations(lot_id, at)) by_spot[r.spot_id].push_back(std::move(r));
    for (auto& s : tx.spots(lot_id, at)) {
      auto it = by_spot.find(s.id);
      result.spots.push_back(
          {s, it == by_spot.end() ? std::vector<UpcomingReservation>{} : it->second});
    }
    out = std::move(result);
    return ok_status();
  });
  if (!st) return st.error();
  return std::move(*out);
}

Result<SpotDetail> LotService::spot(Id lot_id, Id spot_id) {
  std::optional<SpotDetail> out;
  Status st = store_.read([&](Tx& tx) -> Status {
    Timestamp at = now();
    auto s = tx.spot(lot_id, spot_id, at);
    if (!s) return Error::not_found("Spot not found");
    out = SpotDetail{*s, tx.current_booking_on_spot(s->id, at)};
    return ok_status();
  });
  if (!st) return st.error();
  return *out;
}

Status LotService::remove_spot(Id lot_id, Id spot_id) {
  Status st = store_.write([&](Tx& tx) -> Status {
    Timestamp at = now();
    auto lot = tx.lot(lot_id, at);
    auto s = tx.spot(lot_id, spot_id, at);
    if (!lot || !s) return Error::not_found("Spot not found");
    if (tx.spot_bookings_in_force(spot_id, at) > 0) {
      return Error::conflict("spot_in_use",
                             "The spot has a booking in force or an upcoming reservation");
    }
    if (lot->capacity <= 1)
      return Error::conflict("last_spot", "A lot must keep at least one spot");
    tx.delete_spots(lot_id, {spot_id});
    return ok_status();
  });
  if (st) spdlog::info("lots: deleted spot {} of lot {}", spot_id, lot_id);
  return st;
}

}  // namespace parkd
