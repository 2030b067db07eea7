#pragma once
// The HTTP application: routes, authentication, CORS, size limits, JSON errors and the
// access log, over plain Request/Response. http/server feeds it from the network.

#include "api/health.h"
#include "api/http_types.h"
#include "api/router.h"
#include "api/static_files.h"
#include "config/config.h"
#include "events/live.h"
#include "metrics/metrics.h"
#include "services/account_service.h"
#include "services/auth_service.h"
#include "services/booking_service.h"
#include "services/job_service.h"
#include "services/lot_service.h"
#include "services/password_reset_service.h"
#include "services/stats_service.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace parkd {

struct Services {
  const Config& config;
  Store& store;
  AuthService& auth;
  AccountService& accounts;
  LotService& lots;
  BookingService& bookings;
  StatsService& stats;
  JobService& jobs;
  PasswordResetService& password_reset;
  events::LiveEvents* live = nullptr;  // GET /api/events; none: the route answers 503
};

class App {
 public:
  explicit App(Services services);

  // Answers `req` through `respond`, exactly once and never with an exception (every
  // failure becomes a JSON error response): on this thread before returning or, for a
  // Pace::one_write route on a store that queues writes, through `handoff` once the
  // write has committed. `req` need not outlive this call. First fills in who sent it
  // and its id (identify_client with TRUSTED_PROXIES); every line logged for it carries
  // the id, and the answer has it in X-Request-Id.
  void handle(Request& req, Respond respond, const Handoff& handoff = {}) const {
    handle(req, route(req.method, req.path), std::move(respond), handoff);
  }
  // The same with the route already found by route() for this request's method and path:
  // a server that decides where to run a request by its route matches it only once.
  void handle(Request& req, Router::Match route, Respond respond,
              const Handoff& handoff = {}) const;

  // The route `method` `path` selects (HEAD as GET); none for a method parkd does not
  // route (OPTIONS, unknown ones), which handle() answers itself.
  Router::Match route(std::string_view method, std::string_view path) const;
  // Whether a request on `route` may be handled on the I/O thread that read it: a quick
  // route on a store that reads in process, or a one-write route on a store that queues
  // writes.
  bool runs_on_io_thread(const Router::Match& route) const;

  // Between the two, every request is answered 503 `starting` with Retry-After: 1:
  // `parkd serve` binds its port before it creates the admin account, and no client
  // (health checks included) may see the service before it can log anyone in.
  void hold_requests() { starting_.store(true); }
  void release_requests() { starting_.store(false); }
  // Every route, in the order they match (the served contract, for its tests).
  const std::vector<Route>& routes() const { return router_.routes(); }

 private:
  struct Exit;
  // A request matched to its route; authenticate() sets its user.
  struct Routed {
    const Route* route;
    Call call;
  };
  // Everything before the handler but authentication: CORS preflight, size limit, routing.
  // `route`: set to the metrics slot of the answer: the index of the route that matched,
  // or preflight_slot_ / static_slot_.
  std::variant<Response, Routed> dispatch(const Request& req, Router::Match match,
                                          std::optional<std::size_t>& route) const;
  // The bearer token and role check of a routed request; sets its user, or says why not.
  std::optional<Response> authenticate(const Request& req, Routed& routed) const;
  Response metrics(const Request& req) const;
  void add_cors_headers(const std::optional<std::string>& origin, Response& res) const;
  bool origin_allowed(const std::string& origin) const;

  Services s_;
  Router router_;
  StaticFiles web_;
  HealthMonitor health_;  // the database check behind /healthz
  metrics::AllowList metrics_allow_;
  AddressSet trusted_proxies_;
  std::unique_ptr<metrics::RequestMetrics> requests_;  // one slot per route of router_, then:
  std::size_t preflight_slot_ = 0;                     // CORS preflights
  std::size_t static_slot_ = 0;                        // web UI files
  std::atomic<bool> starting_{false};
};

void add_auth_routes(Router& r, Services& s);
void add_lot_routes(Router& r, Services& s);
void add_booking_routes(Router& r, Services& s);
// GET /api/events (Server-Sent Events), and what feeds it from the lot list.
void add_event_routes(Router& r, Services& s);
events::LiveEvents::ReadLots lot_reader(LotService& lots);
void add_admin_routes(Router& r, Services& s);
// GET /api/settings, from the configuration.
void add_settings_routes(Router& r, const Config& config);
// GET /api/openapi.json and GET /api/docs, from the built web files in `web`.
void add_docs_routes(Router& r, const StaticFiles& web);

// Shorthands for handlers.
Response ok_json(const nlohmann::json& body);
Response created_json(const nlohmann::json& body);
bool is_admin(const Call& c);

}  // namespace parkd
