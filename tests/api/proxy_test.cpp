// parkd behind a reverse proxy: who a request came from (TRUSTED_PROXIES, X-Forwarded-For,
// Forwarded) decides login throttling and /metrics access; every request has an id
// (X-Request-Id) that its log lines carry; LOG_FORMAT=json makes every line an object.
// The test client connects from 127.0.0.1, so it plays nginx on the same host. The jobs a
// request queues keep its id, and the worker's lines about them carry it.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/job_support.h"  // eventually
#include "support/parkd_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <set>
#include <sstream>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;

HttpResult login_via(const ParkdProcess& p, const std::string& forwarded_for,
                     const std::string& email, const std::string& password) {
  std::vector<std::string> headers;
  if (!forwarded_for.empty()) headers.push_back("X-Forwarded-For: " + forwarded_for);
  return p.client().post("/auth/login", {{"email", email}, {"password", password}}, "", headers);
}

std::string address(int i) { return "203.0.113." + std::to_string(i); }

TEST(Proxy, FailedLoginsFromManyForwardedClientsDoNotLockOutOthers) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.1"}});  // 20 failures per address
  parkd.register_user("someone@proxy.test", "right-password");
  for (int i = 1; i <= 25; ++i) {
    EXPECT_EQ(
        login_via(parkd, address(i), "guess-" + std::to_string(i) + "@proxy.test", "nope").status,
        401)
        << "attempt " << i;
  }
  auto other = login_via(parkd, address(200), "someone@proxy.test", "right-password");
  EXPECT_EQ(other.status, 200) << "25 failures from 127.0.0.1 would have locked everyone out: "
                               << other.body;
}

TEST(Proxy, RepeatedFailuresFromOneForwardedClientThrottleThatClientOnly) {
  ParkdProcess parkd(
      Env{{"TRUSTED_PROXIES", "127.0.0.1"}, {"LOGIN_MAX_FAILURES_PER_ADDRESS", "3"}});
  parkd.register_user("someone@proxy.test", "right-password");
  for (int i = 0; i < 3; ++i) {
    // The client writes an X-Forwarded-For of its own each time; nginx appends the
    // address it really came from, and only that one counts.
    std::string spoofed = "10.9.9." + std::to_string(i) + ", " + address(50);
    EXPECT_EQ(
        login_via(parkd, spoofed, "guess-" + std::to_string(i) + "@proxy.test", "nope").status,
        401);
  }
  auto blocked =
      login_via(parkd, "10.9.9.77, " + address(50), "someone@proxy.test", "right-password");
  ASSERT_TRUE(IsJsonError(blocked, 429));
  ASSERT_TRUE(blocked.header("retry-after").has_value());
  EXPECT_GT(std::stoi(*blocked.header("retry-after")), 0);
  EXPECT_EQ(login_via(parkd, address(51), "someone@proxy.test", "right-password").status, 200);
  EXPECT_EQ(login_via(parkd, "", "someone@proxy.test", "right-password").status, 200)
      << "the proxy itself is another address";
  // The same client named in an RFC 7239 header (a proxy that writes only Forwarded).
  auto forwarded = parkd.client().post(
      "/auth/login", {{"email", "someone@proxy.test"}, {"password", "right-password"}}, "",
      {"Forwarded: for=" + address(50) + ";proto=https"});
  EXPECT_TRUE(IsJsonError(forwarded, 429));
}

TEST(Proxy, AnAttackerOnOneAccountIsThrottledWhileItsOwnerStillLogsIn) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.1"}});  // 5 per account and address
  parkd.register_user("owner@proxy.test", "right-password");
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(login_via(parkd, address(66), "owner@proxy.test", "guess").status, 401) << i;
  }
  auto refused = login_via(parkd, address(66), "owner@proxy.test", "right-password");
  ASSERT_TRUE(IsJsonError(refused, 429)) << "even the right password, from the attacker";
  EXPECT_GT(std::stoi(refused.header("retry-after").value_or("0")), 0);
  EXPECT_EQ(login_via(parkd, address(7), "owner@proxy.test", "right-password").status, 200);
  EXPECT_TRUE(IsJsonError(login_via(parkd, address(66), "owner@proxy.test", "guess"), 429))
      << "the owner's login does not clear the attacker's failures";
}

TEST(Proxy, AnAttackSpreadOverManyAddressesIsSlowedWhileTheOwnerStillLogsIn) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.1"}});
  parkd.register_user("spread@proxy.test", "right-password");
  for (int i = 1; i <= 6; ++i) {
    EXPECT_EQ(login_via(parkd, address(100 + i), "spread@proxy.test", "guess").status, 401) << i;
  }
  // Each address failed once, far below its own limit; the account's failures make every
  // one of them wait (8 s after the sixth failure), even with the right password.
  auto slowed = login_via(parkd, address(101), "spread@proxy.test", "right-password");
  ASSERT_TRUE(IsJsonError(slowed, 429));
  EXPECT_GT(std::stoi(slowed.header("retry-after").value_or("0")), 1);
  EXPECT_EQ(login_via(parkd, address(8), "spread@proxy.test", "right-password").status, 200)
      << "an address that never failed is not delayed";
}

TEST(Proxy, WithoutTrustedProxiesForwardingHeadersAreIgnored) {
  ParkdProcess parkd(Env{{"LOGIN_MAX_FAILURES_PER_ADDRESS", "3"}});
  parkd.register_user("someone@proxy.test", "right-password");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        login_via(parkd, address(i), "guess-" + std::to_string(i) + "@proxy.test", "nope").status,
        401);
  }
  // Every attempt came from 127.0.0.1 whatever the header said: that address is throttled.
  auto blocked = login_via(parkd, address(99), "someone@proxy.test", "right-password");
  EXPECT_TRUE(IsJsonError(blocked, 429));
  EXPECT_TRUE(blocked.header("retry-after").has_value());
}

HttpResult metrics_via(const ParkdProcess& p, const std::string& forwarded_for) {
  std::vector<std::string> headers;
  if (!forwarded_for.empty()) headers.push_back("X-Forwarded-For: " + forwarded_for);
  return p.client().request("GET", "/metrics", "", headers);
}

TEST(Proxy, MetricsAllowListChecksTheForwardedClient) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.1"}, {"METRICS_ALLOW", "198.51.100.0/24"}});
  EXPECT_EQ(metrics_via(parkd, "198.51.100.9").status, 200);
  EXPECT_TRUE(IsJsonError(metrics_via(parkd, "203.0.113.9"), 403));
  EXPECT_TRUE(IsJsonError(metrics_via(parkd, "198.51.100.9, 203.0.113.9"), 403))
      << "the left entry is the client's own claim";
  EXPECT_TRUE(IsJsonError(metrics_via(parkd, ""), 403)) << "the proxy is not on the list";

  ParkdProcess by_default(Env{{"TRUSTED_PROXIES", "127.0.0.1"}});  // loopback only
  EXPECT_TRUE(IsJsonError(metrics_via(by_default, "203.0.113.9"), 403))
      << "a remote client behind the local nginx is not loopback";
  EXPECT_EQ(metrics_via(by_default, "").status, 200);

  ParkdProcess untrusting(Env{{"METRICS_ALLOW", "198.51.100.0/24"}});
  EXPECT_TRUE(IsJsonError(metrics_via(untrusting, "198.51.100.9"), 403));
}

// --- request ids -----------------------------------------------------------------

bool sane_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  }
  return true;
}

TEST(RequestIds, EveryAnswerCarriesItsOwnIdAndTheLogLinesToo) {
  ParkdProcess parkd;
  auto http = parkd.client();
  std::set<std::string> ids;
  for (const char* path : {"/healthz", "/healthz", "/api/no/such/thing", "/api/lots"}) {
    auto r = http.get(path);
    auto id = r.header("x-request-id");
    ASSERT_TRUE(id.has_value()) << path;
    EXPECT_TRUE(sane_id(*id)) << *id;
    ids.insert(*id);
  }
  EXPECT_EQ(ids.size(), 4u) << "each request its own id";
  auto missing = http.get("/api/no/such/thing");
  std::string id = missing.header("x-request-id").value_or("?");
  EXPECT_TRUE(eventually(
      [&] {
        return parkd.log().find("GET /api/no/such/thing 404 ") != std::string::npos &&
               parkd.log().find("request_id=" + id + "\n") != std::string::npos;
      },
      5s))
      << parkd.log();
}

TEST(RequestIds, AnIdFromAnUntrustedPeerIsReplaced) {
  ParkdProcess parkd;
  auto r = parkd.client().request("GET", "/healthz", "", {"X-Request-Id: chosen-by-client"});
  ASSERT_TRUE(r.header("x-request-id").has_value());
  EXPECT_NE(*r.header("x-request-id"), "chosen-by-client");
  EXPECT_TRUE(sane_id(*r.header("x-request-id")));
}

TEST(RequestIds, ATrustedProxysIdIsEchoedAndLoggedWithTheClientAddress) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.0/8"}});
  auto http = parkd.client();
  auto r = http.request(
      "GET", "/healthz", "",
      {"X-Request-Id: 4f1c2a9be07d4c55a1d2e3f4a5b6c7d8", "X-Forwarded-For: 2001:db8::77"});
  EXPECT_EQ(r.header("x-request-id"), "4f1c2a9be07d4c55a1d2e3f4a5b6c7d8");
  EXPECT_TRUE(eventually(
      [&] {
        return parkd.log().find("GET /healthz 200 ") != std::string::npos &&
               parkd.log().find(
                   "client=2001:db8::77 request_id=4f1c2a9be07d4c55a1d2e3f4a5b6c7d8") !=
                   std::string::npos;
      },
      5s))
      << parkd.log();
  // One a proxy would not send (too long, or characters a log line must not hold).
  for (std::string bad : {std::string(65, 'a'), std::string("two words"), std::string("a\"b")}) {
    auto replaced = http.request("GET", "/healthz", "", {"X-Request-Id: " + bad});
    ASSERT_TRUE(replaced.header("x-request-id").has_value());
    EXPECT_NE(*replaced.header("x-request-id"), bad);
    EXPECT_TRUE(sane_id(*replaced.header("x-request-id")));
  }
}

// The line of `log` that has `needle` in it; empty when none does.
std::string line_with(const std::string& log, const std::string& needle) {
  auto at = log.find(needle);
  if (at == std::string::npos) return "";
  auto start = log.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return log.substr(start, log.find('\n', at) - start);
}

TEST(RequestIds, AJobKeepsTheIdOfTheRequestThatQueuedItAndItsWorkerLinesCarryIt) {
  ParkdProcess parkd(Env{{"TRUSTED_PROXIES", "127.0.0.1"}});
  auto http = parkd.client();
  std::string admin = parkd.admin_token();
  auto user = make_user(parkd);
  auto lot = create_lot(http, admin, 1);
  // A booking's write is queued (SQLite's writer runs it); an export's is waited for.
  ASSERT_EQ(book(http, user.token, {{"lot_id", lot["id"]}}, {"X-Request-Id: book-req-1"}).status,
            201);
  auto exported =
      http.request("GET", "/api/export", "",
                   {"X-Request-Id: export-req-2", "Authorization: Bearer " + user.token});
  ASSERT_EQ(exported.status, 202) << exported.body;
  auto export_id = exported.json()["job_id"].get<std::int64_t>();
  EXPECT_EQ(job_of(http, user.token, export_id)["request_id"], "export-req-2");

  json confirmation;
  ASSERT_TRUE(eventually(
      [&] {
        auto found = jobs_of_type(http, admin, "booking_confirmation");
        if (found.empty()) return false;
        confirmation = found[0];
        return confirmation["status"] == "succeeded";
      },
      20s))
      << confirmation.dump() << parkd.log();
  EXPECT_EQ(confirmation["request_id"], "book-req-1") << confirmation.dump();
  std::string succeeded =
      "worker: job " + confirmation["id"].dump() + " (booking_confirmation) succeeded";
  EXPECT_TRUE(eventually([&] { return !line_with(parkd.log(), succeeded).empty(); }, 5s))
      << parkd.log();
  EXPECT_NE(line_with(parkd.log(), succeeded).find(" request_id=book-req-1"), std::string::npos)
      << parkd.log();
  // The booking's own line, logged once its queued write committed, carries it too.
  EXPECT_NE(line_with(parkd.log(), " booked spot 1 ").find(" request_id=book-req-1"),
            std::string::npos)
      << parkd.log();
}

// --- LOG_FORMAT -------------------------------------------------------------------

TEST(LogFormat, JsonMakesEveryLineOfARunningParkdAnObject) {
  ParkdProcess parkd(Env{{"LOG_FORMAT", "json"}, {"TRUSTED_PROXIES", "127.0.0.1"}});
  auto http = parkd.client();
  auto r = http.request("GET", "/api/no/such/thing", "", {"X-Forwarded-For: 203.0.113.5"});
  std::string id = r.header("x-request-id").value_or("?");
  login_via(parkd, "203.0.113.5", "nobody@proxy.test", "wrong\"password\n");
  ASSERT_EQ(parkd.stop(SIGTERM), 0);

  std::istringstream lines(parkd.log());
  std::string line;
  int count = 0;
  bool found_access_line = false;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++count;
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON object: " << line;
    for (const char* key : {"time", "level", "message"}) {
      EXPECT_TRUE(j.contains(key) && j[key].is_string()) << key << " missing: " << line;
    }
    if (j.value("request_id", "") == id) {
      found_access_line = true;
      EXPECT_EQ(j.value("client", ""), "203.0.113.5") << line;
      EXPECT_EQ(j.value("status", 0), 404) << line;
      EXPECT_EQ(j.value("path", ""), "/api/no/such/thing") << line;
    }
  }
  EXPECT_GE(count, 4) << "start-up, listening, requests, shutdown:\n" << parkd.log();
  EXPECT_TRUE(found_access_line) << parkd.log();
}

TEST(LogFormat, ABadValueStopsStartUpNamingTheVariable) {
  TempDir dir;
  auto r = run_parkd({"serve"}, {{"LOG_FORMAT", "yaml"}}, dir.path(), 20s);
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("LOG_FORMAT"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace parkd::test
