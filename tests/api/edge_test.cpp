// Black-box tests of the HTTP edge over raw sockets (an HTTP client library cannot send
// malformed or pipelined bytes): pipelining, idle and trickling connections, security
// headers, strict JSON and tokens, methods parkd does not serve, oversized bodies, HEAD,
// and the modes of the files parkd creates.
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/parkd_process.h"
#include "support/test_database.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parkd::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One TCP connection to parkd that sends exactly the bytes given and parses answers
// by their Content-Length (parkd's non-streamed answers all have one).
class Wire {
 public:
  explicit Wire(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Wire() { ::close(fd_); }
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // The next answer; status 0 when the connection ended (or `timeout` passed) first.
  // `head`: the answer to a HEAD request, which has no body whatever its headers say.
  HttpResult read_response(bool head = false,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    HttpResult r;
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(timeout)) return r;
    }
    std::string head_text = buffer_.substr(0, header_end);
    std::size_t line_end = head_text.find("\r\n");
    for (std::size_t at = line_end; at != std::string::npos && at < head_text.size();) {
      std::size_t next = head_text.find("\r\n", at + 2);
      std::string line =
          head_text.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        r.headers[lower(line.substr(0, colon))] = value;
      }
      at = next;
    }
    std::size_t length = 0;
    if (!head && r.headers.count("content-length"))
      length = std::stoul(r.headers["content-length"]);
    while (buffer_.size() < header_end + 4 + length) {
      if (!fill(timeout)) return r;
    }
    r.status = std::stol(head_text.substr(9, 3));
    r.body = buffer_.substr(header_end + 4, length);
    buffer_.erase(0, header_end + 4 + length);
    return r;
  }

  // Whether the server closed the connection within `timeout` (nothing more to read).
  bool closed_within(std::chrono::milliseconds timeout) {
    while (fill(timeout)) {
    }
    return eof_;
  }
  bool eof() const { return eof_; }
  const std::string& unread() const { return buffer_; }

 private:
  // Reads what arrives within `timeout`; false at the end of the stream or the timeout.
  bool fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

std::string get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n";
}

std::string post(const std::string& path, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + path +
         " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

// A web UI directory with a page, a script and a stylesheet, as the build makes.
class WebDir {
 public:
  WebDir() {
    std::filesystem::create_directories(dir_.path() / "assets");
    std::ofstream(dir_.path() / "index.html")
        << "<!doctype html><html><head><script type=\"module\" src=\"/assets/app.js\"></script>"
           "</head><body><div id=\"app\"></div></body></html>";
    std::ofstream(dir_.path() / "assets" / "app.js") << "console.log('parkd')";
  }
  std::string path() const { return dir_.path().string(); }

 private:
  TempDir dir_;
};

class Edge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    web_ = new WebDir();
    parkd_ = new ParkdProcess(Env{{"WEB_DIR", web_->path()}});
  }
  static void TearDownTestSuite() {
    delete parkd_;
    delete web_;
  }
  static std::unique_ptr<Wire> wire() {
    auto w = std::make_unique<Wire>(parkd_->port());
    EXPECT_TRUE(w->connected());
    return w;
  }

  static WebDir* web_;
  static ParkdProcess* parkd_;
};

WebDir* Edge::web_ = nullptr;
ParkdProcess* Edge::parkd_ = nullptr;

// --- pipelining ------------------------------------------------------------------

TEST_F(Edge, PipelinedRequestsInOneWriteAreAllAnsweredInOrder) {
  // Odd ones are answered on the I/O thread, even ones by the handler pool.
  std::string burst;
  for (int i = 0; i < 101; ++i)
    burst += i % 2 ? get("/healthz") : get("/no/such/" + std::to_string(i));
  auto w = wire();
  ASSERT_TRUE(w->send(burst));
  for (int i = 0; i < 101; ++i) {
    auto r = w->read_response();
    if (i % 2) {
      ASSERT_EQ(r.status, 200) << "answer " << i;
      EXPECT_EQ(r.json(), json({{"status", "ok"}}));
    } else {
      ASSERT_TRUE(IsJsonError(r, 404, "not_found")) << "answer " << i;
      EXPECT_NE(r.body.find("/no/such/" + std::to_string(i) + "\""), std::string::npos) << r.body;
    }
  }
  // The connection is still good for more.
  ASSERT_TRUE(w->send(get("/healthz")));
  EXPECT_EQ(w->read_response().status, 200);
}

TEST_F(Edge, PipelinedBookingsAreEachAnsweredInOrder) {
  auto http = parkd_->client();
  auto admin = parkd_->admin_token();
  auto lot = create_lot(http, admin, 3);
  auto user = make_user(*parkd_, "pipeline");
  std::string auth = "Authorization: Bearer " + user.token + "\r\n";
  auto w = wire();
  ASSERT_TRUE(w->send(get("/healthz") +
                      post("/api/book", reservation(lot["id"], 3600, 7200).dump(), auth) +
                      post("/api/book", reservation(lot["id"], 10800, 14400).dump(), auth)));
  auto health = w->read_response();
  auto first = w->read_response();
  auto second = w->read_response();
  EXPECT_EQ(health.status, 200) << health.body;
  ASSERT_EQ(first.status, 201) << first.body;
  ASSERT_EQ(second.status, 201) << second.body;
  // In the order sent: the earlier window first.
  EXPECT_LT(first.json()["booking"]["reserved_start"].get<std::string>(),
            second.json()["booking"]["reserved_start"].get<std::string>());
  EXPECT_EQ(admin_bookings(http, admin, "lot_id=" + lot["id"].dump()).size(), 2u);
}

TEST_F(Edge, ARequestPipelinedBehindAClosingOneIsNeverRun) {
  auto http = parkd_->client();
  auto admin = parkd_->admin_token();
  auto lot = create_lot(http, admin, 3);
  auto user = make_user(*parkd_, "pipeline-close");
  std::string auth = "Authorization: Bearer " + user.token + "\r\n";
  auto w = wire();
  ASSERT_TRUE(w->send(
      post("/api/book", reservation(lot["id"], 3600, 7200).dump(), auth + "Connection: close\r\n") +
      post("/api/book", reservation(lot["id"], 10800, 14400).dump(), auth)));
  EXPECT_EQ(w->read_response().status, 201);
  EXPECT_TRUE(w->closed_within(std::chrono::seconds(10)));
  EXPECT_EQ(w->unread(), "");
  // Only the answered booking exists.
  EXPECT_EQ(admin_bookings(http, admin, "lot_id=" + lot["id"].dump()).size(), 1u);
}

// --- security headers, HEAD --------------------------------------------------------

TEST_F(Edge, EveryAnswerForbidsContentSniffing) {
  for (const std::string& request :
       {get("/healthz"), get("/api/lots"), get("/no/such/thing"), get("/", "Accept: text/html\r\n"),
        get("/assets/app.js"), post("/auth/login", "{"),
        std::string("DELETE /auth/login HTTP/1.1\r\nHost: x\r\n\r\n"),
        post("/auth/login", std::string(2 * 1024 * 1024, ' '))}) {
    auto w = wire();
    ASSERT_TRUE(w->send(request));
    auto r = w->read_response();
    ASSERT_NE(r.status, 0) << request.substr(0, 40);
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << request.substr(0, 40);
  }
}

TEST_F(Edge, PagesCarryAContentSecurityPolicyThatAllowsOnlyThisOrigin) {
  auto w = wire();
  ASSERT_TRUE(w->send(get("/", "Accept: text/html\r\n") + get("/lots/7", "Accept: text/html\r\n") +
                      get("/assets/app.js")));
  for (int i = 0; i < 2; ++i) {
    auto page = w->read_response();
    ASSERT_EQ(page.status, 200);
    ASSERT_EQ(page.header("content-type").value_or("").rfind("text/html", 0), 0u);
    auto csp = page.header("content-security-policy");
    ASSERT_TRUE(csp);
    EXPECT_NE(csp->find("default-src 'self'"), std::string::npos) << *csp;
    EXPECT_NE(csp->find("script-src 'self'"), std::string::npos) << *csp;
    EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos) << *csp;
    EXPECT_EQ(csp->find("unsafe-inline"), std::string::npos) << *csp;
  }
  auto script = w->read_response();
  ASSERT_EQ(script.status, 200);
  EXPECT_FALSE(script.header("content-security-policy"));
}

// The policy allows no inline script or style: the built UI (when there is one beside
// the binary) must have none in its page.
TEST(EdgeWebUi, TheBuiltPageHasNoInlineScriptOrStyle) {
  auto page = std::filesystem::path(PARKD_BINARY).parent_path() / "web" / "index.html";
  std::ifstream in(page);
  if (!in) GTEST_SKIP() << "no web UI built at " << page;
  std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    std::string tag = html.substr(at, html.find('>', at) - at);
    EXPECT_NE(tag.find(" src="), std::string::npos) << "inline script: " << tag;
  }
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find(" style="), std::string::npos);
  EXPECT_EQ(html.find(" on"), std::string::npos) << "an inline event handler";
}

TEST_F(Edge, HeadAnswersTheContentLengthGetWould) {
  auto w = wire();
  ASSERT_TRUE(w->send(get("/healthz") + "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
                      get("/api/lots/999999") +
                      "HEAD /api/lots/999999 HTTP/1.1\r\nHost: x\r\n\r\n" + get("/healthz")));
  for (int i = 0; i < 2; ++i) {
    auto full = w->read_response();
    auto head = w->read_response(/*head=*/true);
    ASSERT_NE(full.status, 0);
    EXPECT_EQ(head.status, full.status);
    EXPECT_EQ(head.header("content-length"), std::to_string(full.body.size()));
    EXPECT_EQ(head.header("content-type"), full.header("content-type"));
  }
  // No body followed the HEAD answers: the next answer parses.
  EXPECT_EQ(w->read_response().status, 200);
}

// --- bodies ------------------------------------------------------------------------

TEST_F(Edge, AJsonBodyWithANulByteIsInvalidJson) {
  using namespace std::string_literals;
  for (const std::string& body :
       {R"({"lot_id":1})"s + '\0' + "garbage", R"({"a":1})"s + '\0',
        R"({"email":"a@b.co","password":"password-123"})"s + '\0' + "}"}) {
    auto w = wire();
    ASSERT_TRUE(w->send(post("/auth/login", body)));
    EXPECT_TRUE(IsJsonError(w->read_response(), 400, "invalid_json"));
  }
}

TEST_F(Edge, AnOversizedBodyIs413AndTheConnectionIsClosed) {
  auto w = wire();
  ASSERT_TRUE(w->send(post("/auth/login", std::string(2 * 1024 * 1024, ' '))));
  auto r = w->read_response();
  EXPECT_TRUE(IsJsonError(r, 413, "payload_too_large"));
  EXPECT_EQ(lower(r.header("connection").value_or("")), "close");
  EXPECT_TRUE(w->closed_within(std::chrono::seconds(10)));
}

// --- malformed requests (http/request_guard.h) --------------------------------------

struct Malformed {
  std::string what;
  std::string bytes;
  int status;
  std::string code;
};

TEST_F(Edge, EveryMalformedRequestIsAnsweredWithItsStatusThenTheConnectionCloses) {
  const std::string host = "Host: x\r\n";
  std::string many_fields;
  for (int i = 0; i < 20000; ++i) many_fields += "X-F" + std::to_string(i) + ": 1\r\n";
  const std::vector<Malformed> cases = {
      {"unknown method", "FOO / HTTP/1.1\r\n" + host + "\r\n", 501, "not_implemented"},
      {"30-letter method", std::string(30, 'X') + " / HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"lower-case method", "get / HTTP/1.1\r\n" + host + "\r\n", 400, "bad_request"},
      {"NUL in method", std::string("GET") + '\0' + " / HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"HTTP/0.9", "GET / HTTP/0.9\r\n" + host + "\r\n", 505, "http_version_not_supported"},
      {"HTTP/9.9", "GET / HTTP/9.9\r\n" + host + "\r\n", 505, "http_version_not_supported"},
      {"space before colon", "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400, "bad_request"},
      {"space in name", "GET /healthz HTTP/1.1\r\nX Y: 1\r\n\r\n", 400, "bad_request"},
      {"1 MB target", "GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\r\n\r\n", 414,
       "uri_too_long"},
      {"100 KB cookie", "GET / HTTP/1.1\r\nCookie: " + std::string(100000, 'c') + "\r\n\r\n", 431,
       "headers_too_large"},
      {"20 000 headers", "GET / HTTP/1.1\r\n" + many_fields + "\r\n", 431, "headers_too_large"},
      {"1 GiB announced", "POST /auth/login HTTP/1.1\r\nContent-Length: 1073741824\r\n\r\n", 413,
       "payload_too_large"},
  };
  std::vector<Malformed> all = cases;
  for (const std::string length : {"-1", "abc", "1e3", "0x10", "5, 6", "12345678901234567890123"}) {
    all.push_back({"Content-Length " + length,
                   "POST /auth/login HTTP/1.1\r\nContent-Length: " + length + "\r\n\r\n{}", 400,
                   "bad_request"});
  }
  all.push_back({"two Content-Lengths",
                 "POST /auth/login HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
                 400, "bad_request"});
  for (const std::string size : {"zz", "-5", "ffffffffffffffffffff"}) {
    all.push_back({"chunk size " + size,
                   "POST /auth/login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + size +
                       "\r\n{}\r\n0\r\n\r\n",
                   400, "bad_request"});
  }
  for (const auto& c : all) {
    auto w = wire();
    w->send(c.bytes);  // the server may close before a long request is all sent
    auto r = w->read_response();
    EXPECT_TRUE(IsJsonError(r, c.status, c.code)) << c.what << ": " << r.status << " " << r.body;
    EXPECT_EQ(lower(r.header("connection").value_or("")), "close") << c.what;
    EXPECT_TRUE(w->closed_within(std::chrono::seconds(10))) << c.what;
  }
}

TEST_F(Edge, RequestsPipelinedBeforeAMalformedOneAreAnsweredFirst) {
  auto w = wire();
  ASSERT_TRUE(w->send(get("/healthz") + get("/healthz") +
                      "POST /auth/login HTTP/1.1\r\nContent-Length: abc\r\n\r\n" +
                      get("/healthz")));
  EXPECT_EQ(w->read_response().status, 200);
  EXPECT_EQ(w->read_response().status, 200);
  EXPECT_TRUE(IsJsonError(w->read_response(), 400, "bad_request"));
  EXPECT_TRUE(w->closed_within(std::chrono::seconds(10)));
  EXPECT_EQ(w->unread(), "") << "nothing after the refusal";
}

TEST_F(Edge, ABodyAnnouncedAboveTheLimitIsRefusedBeforeItIsSent) {
  auto w = wire();
  ASSERT_TRUE(
      w->send("POST /auth/login HTTP/1.1\r\nContent-Type: application/json\r\n"
              "Content-Length: 2000000\r\n\r\n"));
  auto r = w->read_response(false, std::chrono::seconds(5));
  EXPECT_TRUE(IsJsonError(r, 413, "payload_too_large")) << r.status;
}

// The guard's verdict does not depend on how the bytes arrive (fuzz/request_guard_fuzz.cpp
// found that it did): an unknown method whose first letter came alone was answered 400.
TEST_F(Edge, AnUnknownMethodArrivingInPiecesIs501) {
  auto w = wire();
  ASSERT_TRUE(w->send("F"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(w->send("OO / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(IsJsonError(w->read_response(), 501, "not_implemented"));
}

// --- methods -----------------------------------------------------------------------

TEST_F(Edge, MethodsParkdNeverServesAre501) {
  for (const std::string& request :
       {std::string("TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("PROPFIND /api/lots HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("MKCOL /api/x HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")}) {
    auto w = wire();
    ASSERT_TRUE(w->send(request));
    EXPECT_TRUE(IsJsonError(w->read_response(), 501, "not_implemented")) << request;
  }
}

TEST_F(Edge, AKnownPathWithAnotherServedMethodIs405WithAllow) {
  auto w = wire();
  ASSERT_TRUE(w->send("PUT /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  auto r = w->read_response();
  EXPECT_TRUE(IsJsonError(r, 405, "method_not_allowed"));
  EXPECT_EQ(r.header("allow"), "GET");
}

// --- tokens ------------------------------------------------------------------------

TEST_F(Edge, ATokenInStandardBase64Is401) {
  auto user = make_user(*parkd_, "b64");
  auto bearer = [&](const std::string& token) {
    auto w = wire();
    EXPECT_TRUE(w->send(get("/auth/me", "Authorization: Bearer " + token + "\r\n")));
    return w->read_response();
  };
  ASSERT_EQ(bearer(user.token).status, 200);
  std::string standard = user.token;
  for (char& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
  if (standard != user.token) {
    EXPECT_TRUE(IsJsonError(bearer(standard), 401));
  }
  EXPECT_TRUE(IsJsonError(bearer(user.token + "="), 401));
  auto dot = user.token.find('.');
  EXPECT_TRUE(IsJsonError(bearer(user.token.substr(0, dot) + "=" + user.token.substr(dot)), 401));
}

// --- idle and slow connections -------------------------------------------------------

TEST(EdgeIdle, AnIdleConnectionIsClosedAfterIdleTimeout) {
  ParkdProcess parkd(Env{{"IDLE_TIMEOUT", "1"}});
  Wire idle(parkd.port());
  Wire used(parkd.port());
  ASSERT_TRUE(used.send(get("/healthz")));
  ASSERT_EQ(used.read_response().status, 200);
  auto start = Clock::now();
  EXPECT_TRUE(idle.closed_within(std::chrono::seconds(5)));
  EXPECT_TRUE(used.closed_within(std::chrono::seconds(5)));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(EdgeIdle, ARequestTricklingInIsCutOffAtIdleTimeout) {
  ParkdProcess parkd(Env{{"IDLE_TIMEOUT", "2"}});
  Wire slow(parkd.port());
  auto start = Clock::now();
  bool cut = false;
  // One header byte every 200 ms: it would take far longer than 2 s to finish.
  for (char c :
       std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'a'))) {
    if (!slow.send(std::string(1, c)) || slow.closed_within(std::chrono::milliseconds(200))) {
      cut = true;
      break;
    }
  }
  EXPECT_TRUE(cut);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(6));
}

TEST(EdgeIdle, AConnectionBeyondTheLimitIsAnswered503AtOnceAndServedOnceASlotFrees) {
  ParkdProcess parkd(Env{{"IDLE_TIMEOUT", "1"}, {"MAX_CONNECTIONS", "5"}});
  std::vector<std::unique_ptr<Wire>> idle;
  for (int i = 0; i < 5; ++i) idle.push_back(std::make_unique<Wire>(parkd.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = Clock::now();
  Wire extra(parkd.port());
  ASSERT_TRUE(extra.send(get("/healthz")));
  auto full = extra.read_response();
  EXPECT_TRUE(IsJsonError(full, 503, "too_many_connections")) << full.body;
  EXPECT_EQ(full.header("retry-after").value_or(""), "1");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(900)) << "before any idle one left";
  EXPECT_TRUE(extra.closed_within(std::chrono::seconds(5)));
  // The idle ones give their slots back after IDLE_TIMEOUT: the retry is served.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  Wire retry(parkd.port());
  ASSERT_TRUE(retry.send(get("/healthz")));
  EXPECT_EQ(retry.read_response().status, 200);
}

// --- files ---------------------------------------------------------------------------

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(EdgeFiles, TheDatabaseAndInstanceDirectoryAreOwnerOnlyWhateverTheUmask) {
  if (testing_postgres()) GTEST_SKIP() << "SQLite files only";
  TempDir root;
  auto instance = root.path() / "fresh" / "instance";
  mode_t before = ::umask(022);
  {
    ParkdProcess parkd(Env{{"INSTANCE_DIR", instance.string()},
                           {"DATABASE_URL", "sqlite:///" + (instance / "parking.db").string()}});
    ::umask(before);
    // A write, so the WAL holds something while parkd runs.
    create_lot(parkd.client(), parkd.admin_token(), 1);
    EXPECT_EQ(mode_of(root.path() / "fresh"), 0700u);
    EXPECT_EQ(mode_of(instance), 0700u);
    for (const char* name : {"parking.db", "parking.db-wal", "parking.db-shm"}) {
      ASSERT_TRUE(std::filesystem::exists(instance / name)) << name;
      EXPECT_EQ(mode_of(instance / name), 0600u) << name;
    }
  }
  ::umask(before);
}

}  // namespace
}  // namespace parkd::test
