#pragma once
// JSON shapes of the contract's resources (docs/openapi.yaml components.schemas).

#include "api/json_writer.h"
#include "domain/models.h"
#include "services/lot_service.h"
#include "services/stats_service.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

namespace parkd {

nlohmann::json to_json(const User& user);
nlohmann::json to_json(const Lot& lot);
void write_json(JsonWriter& w, const Lot& lot);  // the same, as text (the lot list)
nlohmann::json to_json(const Spot& spot);
nlohmann::json to_json(const Booking& booking, Timestamp at);
void write_json(JsonWriter& w, const Booking& booking, Timestamp at);
// {"booking": ..., "message": ...}: the answer to booking, releasing and cancelling.
std::string booking_message_json(std::string_view message, const Booking& booking, Timestamp at);
nlohmann::json to_json(const Job& job);
nlohmann::json to_json(const UserRow& row);
nlohmann::json spot_with_reservations_json(const SpotWithReservations& s, bool admin);
nlohmann::json spot_detail_json(const SpotDetail& d, Timestamp at);
nlohmann::json user_stats_json(const UserStats& s);
nlohmann::json admin_stats_json(const AdminStats& s);
nlohmann::json time_json(std::optional<Timestamp> t);

}  // namespace parkd
