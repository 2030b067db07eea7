// GET /api/settings: how clients show money and times (see docs/openapi.yaml, tag meta).
// The values come from the configuration, fixed for the life of the process.
#include "api/app.h"
#include "domain/currency.h"

namespace parkd {

void add_settings_routes(Router& r, const Config& config) {
  nlohmann::json settings = {{"currency", config.currency},
                             {"currency_symbol", currency_symbol(config.currency)},
                             {"timezone", config.timezone},
                             {"min_charge_minutes", config.min_charge_minutes}};
  r.add(
      "GET", "/api/settings", Access::anyone,
      [settings = std::move(settings)](Call&) { return ok_json(settings); }, Pace::instant);
}

}  // namespace parkd
