#include "api/app.h"

#include "api/parse.h"
#include "common/log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <iterator>
#include <memory>

namespace parkd {

namespace {

// The methods some route (or OPTIONS) answers; any other (TRACE, CONNECT, PROPFIND...)
// is 501 whatever the path, and never reaches the router.
bool is_served_method(std::string_view method) {
  for (std::string_view m : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    if (method == m) return true;
  }
  return false;
}

}  // namespace

Response ok_json(const nlohmann::json& body) { return json_response(200, body); }
Response created_json(const nlohmann::json& body) { return json_response(201, body); }
bool is_admin(const Call& c) { return c.user && c.user->role == Role::admin; }

App::App(Services services)
    : s_(services),
      web_(services.config.web_dir, embedded_web()),
      health_([store = &services.store] { return store->ping(); }) {
  spdlog::info("web UI: {}", web_.describe());
  router_.add(
      "GET", "/healthz", Access::anyone,
      [this](Call&) {
        if (!health_.healthy()) {
          return error_response(
              Error::of(ErrorKind::unavailable, "unavailable", "The database does not answer"));
        }
        return ok_json({{"status", "ok"}});
      },
      Pace::instant);
  router_.add("GET", "/metrics", Access::anyone, [this](Call& c) { return metrics(c.req); });
  add_auth_routes(router_, s_);
  add_lot_routes(router_, s_);
  add_booking_routes(router_, s_);
  add_event_routes(router_, s_);
  add_admin_routes(router_, s_);
  add_settings_routes(router_, s_.config);
  add_docs_routes(router_, web_);
  // Config validated the list at start-up; an unreadable one here allows loopback only.
  metrics_allow_ = metrics::AllowList::parse(s_.config.metrics_allow)
                       .value_or(*metrics::AllowList::parse({"127.0.0.0/8", "::1"}));
  // Validated too; an unreadable list here trusts no proxy.
  trusted_proxies_ = AddressSet::parse(s_.config.trusted_proxies).value_or(AddressSet{});
  std::vector<metrics::RequestMetrics::RouteLabel> labels;
  for (const auto& r : router_.routes()) labels.push_back({r.method, r.pattern});
  // Answers that no route gives are counted under labels of their own.
  preflight_slot_ = labels.size();
  labels.push_back({"OPTIONS", "preflight"});
  static_slot_ = labels.size();
  labels.push_back({"GET", "static"});
  requests_ = std::make_unique<metrics::RequestMetrics>(std::move(labels));
}

Router::Match App::route(std::string_view method, std::string_view path) const {
  // HEAD is GET without the body (the server drops it).
  if (method == "HEAD") method = "GET";
  if (!is_served_method(method)) return {};
  return router_.match(method, path);
}

bool App::runs_on_io_thread(const Router::Match& route) const {
  if (route.route == nullptr) return false;
  switch (route.route->pace) {
    case Pace::quick:
      return s_.store.reads_in_process();
    case Pace::one_write:
      return s_.store.queues_writes() && s_.store.reads_in_process();
    case Pace::may_block:
      return false;
    case Pace::instant:
      return true;
  }
  return false;
}

Response App::metrics(const Request& req) const {
  if (!metrics_allow_.allows(req.client_address)) {
    return error_response(
        Error::forbidden("/metrics is not open to " + req.client_address + " (see METRICS_ALLOW)"));
  }
  std::string out;
  requests_->render(out);
  metrics::render_process(out);
  metrics::job_metrics().render(out);
  auto pool = s_.store.pool_usage();
  out += "# HELP parkd_db_connections_in_use Database connections handed out now.\n";
  out += "# TYPE parkd_db_connections_in_use gauge\n";
  metrics::append_sample(out, "parkd_db_connections_in_use", "", pool.in_use);
  out += "# HELP parkd_db_connections_open Database connections open (in use or idle).\n";
  out += "# TYPE parkd_db_connections_open gauge\n";
  metrics::append_sample(out, "parkd_db_connections_open", "", pool.open);
  std::vector<JobCount> jobs;
  Status st = s_.store.read([&](Tx& tx) {
    jobs = tx.job_counts();
    return ok_status();
  });
  out += "# HELP parkd_jobs Jobs in the queue table, by type and status.\n";
  out += "# TYPE parkd_jobs gauge\n";
  for (const auto& j : jobs) {
    metrics::append_sample(out, "parkd_jobs",
                           "type=\"" + metrics::escape_label(j.type) + "\",status=\"" +
                               metrics::escape_label(j.status) + "\"",
                           static_cast<double>(j.count));
  }
  out += "# HELP parkd_db_up Whether the database answered this scrape.\n";
  out += "# TYPE parkd_db_up gauge\n";
  metrics::append_sample(out, "parkd_db_up", "", st ? 1 : 0);
  auto& mail = metrics::mail_counters();
  out += "# HELP parkd_emails_sent_total Emails handed to the mail transport.\n";
  out += "# TYPE parkd_emails_sent_total counter\n";
  metrics::append_sample(out, "parkd_emails_sent_total", "", static_cast<double>(mail.sent.load()));
  out +=
      "# HELP parkd_emails_failed_total Email deliveries that failed (retried by the job queue).\n";
  out += "# TYPE parkd_emails_failed_total counter\n";
  metrics::append_sample(out, "parkd_emails_failed_total", "",
                         static_cast<double>(mail.failed.load()));
  out += "# TYPE parkd_build_info gauge\n";
  metrics::append_sample(out, "parkd_build_info",
                         "version=\"" PARKD_VERSION "\",store=\"" + s_.store.kind() + "\"", 1);
  Response res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = std::move(out);
  return res;
}

bool App::origin_allowed(const std::string& origin) const {
  for (const auto& allowed : s_.config.cors_origins) {
    if (allowed == "*" || allowed == origin) return true;
  }
  return false;
}

void App::add_cors_headers(const std::optional<std::string>& origin, Response& res) const {
  if (!origin || !origin_allowed(*origin)) return;
  res.headers.emplace_back("Access-Control-Allow-Origin", *origin);
  res.headers.emplace_back("Vary", "Origin");
  res.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  res.headers.emplace_back("Access-Control-Expose-Headers",
                           "Retry-After, Content-Disposition, X-Request-Id");
}

// What every answer gets on its way out, once: CORS headers, the request id, metrics and
// the access log. Holds copies of what it needs: a queued write's answer leaves after
// the request.
struct App::Exit {
  Exit(const App& app, const Request& req, Respond respond)
      : app(app),
        method(req.method),
        path(req.path),
        client_address(req.client_address),
        scheme(req.scheme),
        request_id(req.request_id),
        origin(req.header("origin")),
        respond(std::move(respond)) {}

  const App& app;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string method;
  std::string path;
  std::string client_address;
  std::string scheme;
  std::string request_id;
  std::optional<std::string> origin;
  std::optional<std::size_t> route;  // set by dispatch() before any answer
  Respond respond;
  std::atomic<bool> answered{false};

  void send(Response res) {
    if (answered.exchange(true)) return;
    app.add_cors_headers(origin, res);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    app.requests_->record(route, res.status, micros);
    res.headers.emplace_back("X-Request-Id", request_id);
    // Also on the lines logged while the answer is sent (on an I/O thread, for a queued write).
    RequestLogScope scope(request_id);
    // Formatted on the stack: this runs for every request.
    char status[8], duration[32];
    auto status_end = fmt::format_to_n(status, sizeof status, "{}", res.status).out;
    auto duration_end = fmt::format_to_n(duration, sizeof duration, "{:.1f}",
                                         static_cast<double>(micros.count()) / 1000.0)
                            .out;
    std::string_view status_text(status, static_cast<std::size_t>(status_end - status));
    std::string_view duration_text(duration, static_cast<std::size_t>(duration_end - duration));
    fmt::memory_buffer message;
    fmt::format_to(std::back_inserter(message), "{} {} {} {}ms", method, path, status_text,
                   duration_text);
    const LogField fields[] = {{"client", client_address},
                               {"method", method, false, true},
                               {"path", path, false, true},
                               {"status", status_text, true, true},
                               {"duration_ms", duration_text, true, true},
                               {"scheme", scheme, false, true}};
    log_with_fields(spdlog::level::info, std::string_view(message.data(), message.size()), fields);
    respond(std::move(res));
  }
};

void App::handle(Request& req, Router::Match route, Respond respond, const Handoff& handoff) const {
  identify_client(req, trusted_proxies_);
  RequestLogScope scope(req.request_id);
  auto exit = std::make_shared<Exit>(*this, req, std::move(respond));
  auto answer = [&](Routed& routed) {
    if (auto denied = authenticate(req, routed)) return exit->send(std::move(*denied));
    auto& [route, call] = routed;
    if (route->async_handler) {
      call.handoff = handoff;
      route->async_handler(call, [exit](Response res) { exit->send(std::move(res)); });
      return;
    }
    exit->send(route->handler(call));
  };
  if (starting_.load()) {
    Response res = error_response(
        Error::of(ErrorKind::unavailable, "starting", "parkd is starting; retry in a moment"));
    res.headers.emplace_back("Retry-After", "1");
    return exit->send(std::move(res));
  }
  try {
    auto routed = dispatch(req, std::move(route), exit->route);
    if (auto* res = std::get_if<Response>(&routed)) return exit->send(std::move(*res));
    auto& matched = std::get<Routed>(routed);
    // A short route's token check and answer read one snapshot. Not a slow one's: a
    // login would hold its snapshot through the password hash, and many such snapshots
    // overlapping would keep SQLite from ever starting its WAL over.
    if (matched.route->pace == Pace::may_block) return answer(matched);
    s_.store.share_reads([&] { answer(matched); });
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unhandled error: {}", req.method, req.path, e.what());
    exit->send(error_response(Error::internal()));
  }
}

std::variant<Response, App::Routed> App::dispatch(const Request& req, Router::Match match,
                                                  std::optional<std::size_t>& route) const {
  if (req.method == "OPTIONS") {
    route = preflight_slot_;
    Response res = no_content();
    if (req.header("access-control-request-method")) {
      res.headers.emplace_back("Access-Control-Allow-Methods",
                               "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      res.headers.emplace_back("Access-Control-Allow-Headers",
                               req.header("access-control-request-headers")
                                   .value_or("Authorization, Content-Type, Idempotency-Key"));
      res.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return res;
  }
  if (req.body.size() > kMaxBodyBytes) {
    return error_response(Error::of(ErrorKind::payload_too_large, "payload_too_large",
                                    "The request body is larger than 1 MiB"));
  }
  // HEAD is GET without the body (the server drops it).
  std::string_view method =
      req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
  if (!is_served_method(method)) {
    return error_response(Error::of(ErrorKind::not_implemented, "not_implemented",
                                    req.method + " is not a method parkd serves"));
  }
  if (!match.route) {
    if (!match.allowed_methods.empty()) {
      std::string allow;
      for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      Response res = error_response(Error::of(ErrorKind::method_not_allowed, "method_not_allowed",
                                              req.method + " is not allowed here; use " + allow));
      res.headers.emplace_back("Allow", allow);
      return res;
    }
    bool api_path = req.path.rfind("/api/", 0) == 0 || req.path.rfind("/auth/", 0) == 0;
    if (method == "GET" && !api_path) {
      bool accepts_html = req.header("accept").value_or("").find("text/html") != std::string::npos;
      if (auto file = web_.serve(req.path, accepts_html || req.path == "/")) {
        route = static_slot_;
        return *file;
      }
    }
    return error_response(
        Error::of(ErrorKind::not_found, "not_found", "No such endpoint: " + req.path));
  }

  route = router_.index_of(match.route);
  return Routed{match.route, Call{req, std::move(match.params), std::nullopt, {}}};
}

std::optional<Response> App::authenticate(const Request& req, Routed& routed) const {
  if (routed.route->access == Access::anyone) return std::nullopt;
  auto auth = req.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  // A browser's EventSource cannot set headers: the event stream also takes the token
  // from the query (which the access log and the metrics never include).
  if (!auth && routed.route->pattern == "/api/events") {
    if (auto token = req.query_param("access_token"); token && !token->empty())
      auth = "Bearer " + *token;
  }
  if (!auth || auth->size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), auth->begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return error_response(
        Error::unauthorized("Authentication required: send Authorization: Bearer <token>"));
  }
  auto user = s_.auth.authenticate(std::string_view(*auth).substr(kBearer.size()));
  if (!user) return error_response(user.error());
  routed.call.user = *user;
  if (routed.route->access == Access::admin && user->role != Role::admin) {
    return error_response(Error::forbidden("This action needs the admin role"));
  }
  return std::nullopt;
}

}  // namespace parkd
