// Black-box tests of docs/api.md "Conventions" at the HTTP level: JSON errors for unknown
// routes, wrong methods, malformed, oversized and mistyped bodies; CORS; /healthz;
// graceful shutdown.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/parkd_process.h"
#include "support/test_database.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace parkd::test {
namespace {

using nlohmann::json;
using Env = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;

constexpr const char* kFrontendOrigin = "http://localhost:5173";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Http : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { parkd_ = new ParkdProcess(); }
  static void TearDownTestSuite() {
    delete parkd_;
    parkd_ = nullptr;
  }
  static HttpClient http() { return parkd_->client(); }
  static HttpResult post_raw(const std::string& path, const std::string& body,
                             const std::string& content_type = "application/json") {
    return http().request("POST", path, body, {"Content-Type: " + content_type});
  }

  static ParkdProcess* parkd_;
};

ParkdProcess* Http::parkd_ = nullptr;

TEST_F(Http, HealthzAnswersOkWithoutAToken) {
  auto r = http().get("/healthz");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json({{"status", "ok"}}));
}

TEST_F(Http, HeadAnswersWithTheHeadersButNoBody) {
  auto r = http().request("HEAD", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(Http, UnknownRouteIs404WithAJsonError) {
  EXPECT_TRUE(IsJsonError(http().get("/no/such/endpoint"), 404));
  EXPECT_TRUE(IsJsonError(http().post("/api/nothing-here", json::object()), 404));
}

TEST_F(Http, WrongMethodIs405WithAnAllowHeader) {
  auto r = http().del("/auth/login");
  ASSERT_TRUE(IsJsonError(r, 405));
  auto allow = r.header("allow");
  ASSERT_TRUE(allow.has_value());
  EXPECT_NE(allow->find("POST"), std::string::npos) << *allow;
}

TEST_F(Http, MalformedJsonIs400) {
  for (std::string body : {R"({"email": "a@b.co",)", "{email: 1}", "{\"a\": 1} trailing", "nul"}) {
    EXPECT_TRUE(IsJsonError(post_raw("/auth/login", body), 400)) << body;
  }
}

TEST_F(Http, JsonThatIsNotAnObjectIs400) {
  for (std::string body : {"[]", R"(["a@b.co", "password"])", "\"text\"", "42", "null"}) {
    EXPECT_TRUE(IsJsonError(post_raw("/auth/register", body), 400)) << body;
  }
}

TEST_F(Http, InvalidUtf8InTheBodyIs400) {
  std::string body = "{\"email\": \"a\xFF\xFE@example.com\", \"password\": \"password-123\"}";
  EXPECT_TRUE(IsJsonError(post_raw("/auth/register", body), 400));
}

TEST_F(Http, DeeplyNestedJsonIsRejectedWithoutHarm) {
  std::string body = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_TRUE(IsJsonError(post_raw("/auth/register", body), 400));
  std::string unclosed = "{\"a\":" + std::string(500000, '[');
  EXPECT_TRUE(IsJsonError(post_raw("/auth/register", unclosed), 400));
  EXPECT_EQ(http().get("/healthz").status, 200);
}

TEST_F(Http, BodyLargerThanOneMebibyteIs413) {
  std::string padding(1024 * 1024, 'x');
  std::string body = R"({"email":"big@example.com","password":")" + padding + "\"}";
  auto r = post_raw("/auth/register", body);
  EXPECT_TRUE(IsJsonError(r, 413));
}

TEST_F(Http, BodyOfExactlyOneMebibyteIsNotRefusedForItsSize) {
  std::string head = R"({"email":"exact@example.com","password":"password-123","pad":")";
  std::string body = head + std::string(1024 * 1024 - head.size() - 2, 'x') + "\"}";
  ASSERT_EQ(body.size(), 1024u * 1024u);
  auto r = post_raw("/auth/register", body);
  EXPECT_EQ(r.status, 201) << r.body.substr(0, 300);
}

TEST_F(Http, SeveralMebibyteBodyIs413) {
  std::string body = R"({"pad":")" + std::string(6 * 1024 * 1024, 'x') + "\"}";
  EXPECT_TRUE(IsJsonError(post_raw("/auth/login", body), 413));
}

TEST_F(Http, WrongContentTypeIs415) {
  std::string body = R"({"email":"typed@example.com","password":"password-123"})";
  EXPECT_TRUE(IsJsonError(post_raw("/auth/register", body, "text/plain"), 415));
  EXPECT_TRUE(IsJsonError(post_raw("/auth/register", body, "application/xml"), 415));
  // Nothing was created: the same body as JSON registers the account.
  EXPECT_EQ(post_raw("/auth/register", body).status, 201);
}

TEST_F(Http, FormEncodedBodyIs415) {
  auto r = post_raw("/auth/login", "email=a%40b.co&password=password-123",
                    "application/x-www-form-urlencoded");
  EXPECT_TRUE(IsJsonError(r, 415));
}

TEST_F(Http, JsonContentTypeWithACharsetIsAccepted) {
  std::string body = json({{"email", kAdminEmail}, {"password", kAdminPassword}}).dump();
  auto r = post_raw("/auth/login", body, "application/json; charset=utf-8");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(Http, PreflightFromTheFrontendOriginIsAllowed) {
  auto r = http().request(
      "OPTIONS", "/api/book", "",
      {std::string("Origin: ") + kFrontendOrigin, "Access-Control-Request-Method: POST",
       "Access-Control-Request-Headers: authorization, content-type, idempotency-key"});
  EXPECT_GE(r.status, 200);
  EXPECT_LT(r.status, 300);
  EXPECT_EQ(r.header("access-control-allow-origin"), kFrontendOrigin);
  auto methods = r.header("access-control-allow-methods").value_or("");
  for (const char* m : {"GET", "POST", "PUT", "DELETE"}) {
    EXPECT_NE(methods.find(m), std::string::npos) << m << " not in " << methods;
  }
  auto headers = lower(r.header("access-control-allow-headers").value_or(""));
  for (const char* h : {"authorization", "content-type", "idempotency-key"}) {
    EXPECT_NE(headers.find(h), std::string::npos) << h << " not in " << headers;
  }
}

TEST_F(Http, PreflightFromAnotherOriginIsNotAllowed) {
  auto r = http().request("OPTIONS", "/auth/login", "",
                          {"Origin: https://evil.example", "Access-Control-Request-Method: POST"});
  EXPECT_FALSE(r.header("access-control-allow-origin").has_value());
}

TEST_F(Http, ErrorResponsesCarryCorsHeadersSoTheFrontendCanReadThem) {
  auto r =
      http().request("POST", "/auth/login",
                     json({{"email", "nobody@example.com"}, {"password", "wrong-pass"}}).dump(),
                     {"Content-Type: application/json", std::string("Origin: ") + kFrontendOrigin});
  ASSERT_TRUE(IsJsonError(r, 401));
  EXPECT_EQ(r.header("access-control-allow-origin"), kFrontendOrigin);
  // A 429's Retry-After must be readable by the frontend's script.
  auto exposed = lower(r.header("access-control-expose-headers").value_or(""));
  EXPECT_NE(exposed.find("retry-after"), std::string::npos) << exposed;
}

TEST_F(Http, ResponsesToAnotherOriginCarryNoAllowOrigin) {
  auto r = http().request("GET", "/healthz", "", {"Origin: https://evil.example"});
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.header("access-control-allow-origin").has_value());
}

TEST(HttpCors, CorsOriginsReplacesTheDefaultOrigins) {
  ParkdProcess parkd(Env{{"CORS_ORIGINS", "https://app.example.com, https://admin.example.com"}});
  auto preflight = [&](const std::string& origin) {
    return parkd.client().request("OPTIONS", "/auth/login", "",
                                  {"Origin: " + origin, "Access-Control-Request-Method: POST"});
  };
  EXPECT_EQ(preflight("https://app.example.com").header("access-control-allow-origin"),
            "https://app.example.com");
  EXPECT_EQ(preflight("https://admin.example.com").header("access-control-allow-origin"),
            "https://admin.example.com");
  EXPECT_FALSE(preflight(kFrontendOrigin).header("access-control-allow-origin").has_value());
}

// --- graceful shutdown ------------------------------------------------------------

// A plain TCP connection, for requests that must be on the wire at a known moment.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool send_request(const std::string& method, const std::string& path, const std::string& body) {
    std::string request = method + " " + path +
                          " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
    return ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(request.size());
  }

  // Reads one whole response (headers and Content-Length body); status 0 when the
  // connection ended first.
  HttpResult read_response() {
    HttpResult r;
    std::string data;
    std::size_t header_end = std::string::npos;
    std::size_t total = std::string::npos;
    char buffer[16384];
    while (total == std::string::npos || data.size() < total) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return r;
      data.append(buffer, static_cast<std::size_t>(n));
      if (header_end == std::string::npos &&
          (header_end = data.find("\r\n\r\n")) != std::string::npos) {
        std::string head = lower(data.substr(0, header_end));
        auto cl = head.find("content-length:");
        std::size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15));
        total = header_end + 4 + length;
      }
    }
    r.status = std::stol(data.substr(9, 3));
    r.body = data.substr(header_end + 4, total - header_end - 4);
    return r;
  }

 private:
  int fd_;
  bool connected_ = false;
};

TEST(HttpShutdown, SigtermLetsInFlightRequestsFinishThenExitsZero) {
  ParkdProcess parkd;
  parkd.register_user("busy@example.com", "password-123");
  // Each login verifies an Argon2id hash (tens of ms of CPU), a few at a time: these
  // are still being worked through well after the signal.
  constexpr int kRequests = 12;
  std::string login = json({{"email", "busy@example.com"}, {"password", "password-123"}}).dump();
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < kRequests; ++i) {
    connections.push_back(std::make_unique<RawConnection>(parkd.port()));
    ASSERT_TRUE(connections.back()->connected());
  }
  for (auto& c : connections) ASSERT_TRUE(c->send_request("POST", "/auth/login", login));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // all read by the server
  ASSERT_EQ(::kill(parkd.pid(), SIGTERM), 0);

  std::vector<HttpResult> results;
  for (auto& c : connections) results.push_back(c->read_response());
  EXPECT_EQ(parkd.stop(SIGTERM, 30), 0) << parkd.log();
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(results[i].status, 200) << "request " << i << ": " << results[i].body;
    EXPECT_TRUE(results[i].json().contains("token")) << "request " << i;
  }
  // The log shows the server still had work when the signal came.
  auto log = parkd.log();
  auto waiting = log.find("waiting for ");
  ASSERT_NE(waiting, std::string::npos) << log;
  EXPECT_NE(log.substr(waiting, 14), "waiting for 0 ") << "nothing was in flight at the signal";
}

TEST(HttpShutdown, SigtermUnderSteadyTrafficStopsPromptlyWithoutLosingAnswers) {
  ParkdProcess parkd;
  parkd.register_user("steady@example.com", "password-123");
  // More clients than handler threads, each sending the next login as soon as the last
  // one is answered: the server is never idle, so it must stop taking new work itself.
  constexpr int kClients = 12;
  std::atomic<bool> stopped{false};
  std::vector<std::vector<HttpResult>> seen(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      while (!stopped.load()) {
        auto r = parkd.client().post(
            "/auth/login", {{"email", "steady@example.com"}, {"password", "password-123"}});
        bool refused = r.transport_error == 7;
        seen[i].push_back(std::move(r));
        if (refused) break;  // the server no longer accepts connections
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto signalled = Clock::now();
  auto exit_code = parkd.stop(SIGTERM, 30);
  auto took = Clock::now() - signalled;
  stopped.store(true);
  for (auto& t : clients) t.join();

  EXPECT_EQ(exit_code, 0) << parkd.log();
  EXPECT_LT(took, std::chrono::seconds(5));
  long logins = 0;
  for (const auto& results : seen) {
    for (const auto& r : results) {
      if (r.transport_error != 0) continue;  // refused, or reset before the server took it
      if (r.status == 200) {
        ++logins;
      } else {
        EXPECT_TRUE(IsJsonError(r, 503));  // a polite refusal while shutting down
      }
    }
  }
  // Every login the server answered reached its client: none was cut off.
  auto log = parkd.log();
  long answered = 0;
  for (auto at = log.find("POST /auth/login 200"); at != std::string::npos;
       at = log.find("POST /auth/login 200", at + 1)) {
    ++answered;
  }
  EXPECT_GT(answered, 0);
  EXPECT_EQ(logins, answered);
}

TEST(HttpShutdown, SigintExitsZero) {
  ParkdProcess parkd;
  EXPECT_EQ(parkd.stop(SIGINT, 30), 0) << parkd.log();
}

TEST(HttpShutdown, IdleKeepAliveConnectionDoesNotHoldUpShutdown) {
  ParkdProcess parkd;
  RawConnection idle(parkd.port());
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.send_request("GET", "/healthz", ""));
  EXPECT_EQ(idle.read_response().status, 200);

  auto before = Clock::now();
  EXPECT_EQ(parkd.stop(SIGTERM, 30), 0) << parkd.log();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(5));
}

// Health checks and lot lists are short reads: with an in-process store (SQLite) they
// are answered on the I/O threads, so a queue of slow requests in the handler pool
// (here: password hashing on a single handler thread) does not hold them up.
// Keeps a single handler thread busy: Argon2id logins sent at once, which it works
// through one at a time (hundreds of milliseconds in all).
class QueuedLogins {
 public:
  static constexpr int kCount = 16;
  QueuedLogins(const ParkdProcess& parkd, const std::string& email, const std::string& password) {
    threads_.reserve(kCount);
    for (int i = 0; i < kCount; ++i) {
      threads_.emplace_back([this, &parkd, email, password] {
        parkd.client().post("/auth/login", {{"email", email}, {"password", password}});
        done_.fetch_add(1);
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // let them queue up
  }
  ~QueuedLogins() { wait(); }
  QueuedLogins(const QueuedLogins&) = delete;
  QueuedLogins& operator=(const QueuedLogins&) = delete;
  int done() const { return done_.load(); }
  void wait() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::atomic<int> done_{0};
  std::vector<std::thread> threads_;
};

TEST(QuickRoutes, HealthAndLotListsAnswerWhileSlowLoginsQueue) {
  if (testing_postgres()) {
    GTEST_SKIP() << "PostgreSQL reads go over the network, so every request uses the pool";
  }
  ParkdProcess parkd(Env{{"DB_THREADS", "1"}});
  std::string token = parkd.register_user("queued@example.com", "queued-password");
  QueuedLogins logins(parkd, "queued@example.com", "queued-password");
  auto health = parkd.client().get("/healthz");
  auto lots = parkd.client().get("/api/lots", token);
  int done_by_then = logins.done();
  logins.wait();
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(lots.status, 200);
  EXPECT_LT(done_by_then, QueuedLogins::kCount) << "the reads waited for every queued login";
}

// /healthz answers from the last background check of the database, on either store: no
// database connection and no handler thread per call (PostgreSQL included).
TEST(QuickRoutes, HealthAnswersFromMemoryWhileSlowLoginsQueue) {
  ParkdProcess parkd(Env{{"DB_THREADS", "1"}});
  parkd.register_user("health@example.com", "health-password");
  QueuedLogins logins(parkd, "health@example.com", "health-password");
  auto health = parkd.client().get("/healthz");
  int done_by_then = logins.done();
  logins.wait();
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");
  EXPECT_LT(done_by_then, QueuedLogins::kCount) << "the health check waited for the logins";
}

// With SQLite a booking and its release wait for the group commit without holding a
// handler thread: they are answered while slow requests occupy the only one.
TEST(QueuedWrites, BookAndReleaseAnswerWhileSlowLoginsQueue) {
  if (testing_postgres()) {
    GTEST_SKIP() << "PostgreSQL writes go over the network, so they use the handler pool";
  }
  ParkdProcess parkd(Env{{"DB_THREADS", "1"}});
  std::string token = parkd.register_user("writer@example.com", "writer-password");
  json lot = create_lot(parkd.client(), parkd.admin_token(), 3);
  QueuedLogins logins(parkd, "writer@example.com", "writer-password");
  auto booked = book(parkd.client(), token, {{"lot_id", lot["id"]}});
  auto released = parkd.client().post("/api/release/" + booked.json()["booking"]["id"].dump(),
                                      json::object(), token);
  int done_by_then = logins.done();
  logins.wait();
  EXPECT_EQ(booked.status, 201) << booked.body;
  EXPECT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(released.json()["booking"]["status"], "Completed");
  EXPECT_LT(done_by_then, QueuedLogins::kCount) << "the writes waited for every queued login";
}

}  // namespace
}  // namespace parkd::test
