// Black-box: GET /api/events (docs/api.md "Live events"), read as a browser's
// EventSource would, over a plain socket: the snapshot, lot and booking events, the
// access_token parameter, MAX_EVENT_STREAMS, and changes made by another parkd process
// on the same database.
#include "support/api_helpers.h"
#include "support/parkd_process.h"

#include "common/time.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

namespace parkd::test {
namespace {

struct SseEvent {
  std::string id, name, data;
  json json_data() const { return json::parse(data, nullptr, false); }
};

// A minimal SSE client: one request, its chunked body decoded, events split out.
class SseReader {
 public:
  SseReader(int port, const std::string& target, const std::string& token_header) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    std::string req =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!token_header.empty()) req += "Authorization: Bearer " + token_header + "\r\n";
    req += "\r\n";
    (void)!::write(fd_, req.data(), req.size());
    // The head.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (raw_.find("\r\n\r\n") == std::string::npos && read_some(deadline)) {
    }
    auto end = raw_.find("\r\n\r\n");
    if (end == std::string::npos) return;
    head_ = raw_.substr(0, end);
    raw_.erase(0, end + 4);
    status_ = std::stoi(head_.substr(9, 3));
  }
  ~SseReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  int status() const { return status_; }
  const std::string& head() const { return head_; }
  // The body of a non-stream answer (Content-Length), read as far as it came.
  std::string rest() {
    read_some(std::chrono::steady_clock::now() + std::chrono::seconds(2));
    return raw_;
  }

  // The next event (comments and `retry:` skipped), or none within `wait`.
  std::optional<SseEvent> next(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      decode();
      auto end = body_.find("\n\n");
      if (end != std::string::npos) {
        std::string block = body_.substr(0, end + 1);
        body_.erase(0, end + 2);
        SseEvent e;
        std::size_t pos = 0;
        while (pos < block.size()) {
          auto nl = block.find('\n', pos);
          std::string line = block.substr(pos, nl - pos);
          pos = nl + 1;
          if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
          if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
          if (line.rfind("data: ", 0) == 0) e.data = line.substr(6);
        }
        if (!e.name.empty()) return e;
        continue;
      }
      if (!read_some(deadline)) return std::nullopt;
    }
  }
  // Reads until the server closes the connection; whether the chunked body had ended.
  bool ends_cleanly(std::chrono::seconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (read_some(deadline)) decode();
    decode();
    return finished_;
  }
  // The next event named `name` whose data satisfies `pred`.
  std::optional<SseEvent> next_matching(const std::string& name,
                                        const std::function<bool(const json&)>& pred,
                                        std::chrono::seconds wait = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto e = next(left);
      if (!e) return std::nullopt;
      if (e->name == name && pred(e->json_data())) return e;
    }
    return std::nullopt;
  }

 private:
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    auto n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    raw_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  // Moves whole chunks from raw_ to body_.
  void decode() {
    for (;;) {
      auto crlf = raw_.find("\r\n");
      if (crlf == std::string::npos) return;
      std::size_t size = std::stoul(raw_.substr(0, crlf), nullptr, 16);
      if (raw_.size() < crlf + 2 + size + 2) return;
      body_.append(raw_, crlf + 2, size);
      raw_.erase(0, crlf + 2 + size + 2);
      if (size == 0) finished_ = true;  // the last chunk: the body ended properly
    }
  }

  bool finished_ = false;
  int fd_ = -1;
  int status_ = 0;
  std::string head_;
  std::string raw_;
  std::string body_;
};

class EventsApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parkd_ = new ParkdProcess();
    admin_ = parkd_->admin_token();
  }
  static void TearDownTestSuite() { delete parkd_; }
  static HttpClient http() { return parkd_->client(); }
  static inline ParkdProcess* parkd_ = nullptr;
  static inline std::string admin_;
};

json lot_in(const json& lots, std::int64_t id) {
  for (const auto& l : lots)
    if (l["id"] == id) return l;
  return json();
}

TEST_F(EventsApi, ConnectGivesTheLotsSnapshotAsGetApiLotsRendersIt) {
  auto lot = create_lot(http(), admin_, 3);
  auto user = make_user(*parkd_);
  SseReader s(parkd_->port(), "/api/events", user.token);
  ASSERT_EQ(s.status(), 200) << s.head();
  EXPECT_NE(s.head().find("text/event-stream"), std::string::npos) << s.head();
  auto first = s.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->name, "lots");
  EXPECT_FALSE(first->id.empty());
  auto listed = http().get("/api/lots?limit=10000", user.token).json()["lots"];
  auto id = lot["id"].get<std::int64_t>();
  EXPECT_EQ(lot_in(first->json_data()["lots"], id), lot_in(listed, id));
}

TEST_F(EventsApi, ABookingGivesEveryoneTheLotAndOnlyItsOwnerTheBooking) {
  auto lot = create_lot(http(), admin_, 2);
  auto id = lot["id"].get<std::int64_t>();
  auto owner = make_user(*parkd_);
  auto other = make_user(*parkd_);
  SseReader owner_stream(parkd_->port(), "/api/events", owner.token);
  SseReader other_stream(parkd_->port(), "/api/events", other.token);
  SseReader admin_stream(parkd_->port(), "/api/events", admin_);
  ASSERT_TRUE(owner_stream.next());  // the snapshots
  ASSERT_TRUE(other_stream.next());
  ASSERT_TRUE(admin_stream.next());

  auto r = book(http(), owner.token, {{"lot_id", id}, {"vehicle_number", "KA01AB1234"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto booking_id = r.json()["booking"]["id"];

  auto occupied_one = [&](const json& l) { return l["id"] == id && l["occupied_spots"] == 1; };
  EXPECT_TRUE(other_stream.next_matching("lot", occupied_one));
  auto mine = owner_stream.next_matching(
      "booking", [&](const json& d) { return d["booking"]["id"] == booking_id; });
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->json_data()["booking"]["status"], r.json()["booking"]["status"]);
  EXPECT_TRUE(admin_stream.next_matching(
      "booking", [&](const json& d) { return d["booking"]["id"] == booking_id; }));
  // The other user's stream: the lot event came; no booking event follows it.
  EXPECT_FALSE(other_stream.next_matching(
      "booking", [](const json&) { return true; }, std::chrono::seconds(2)));
}

// Every write of a booking reaches its owner's stream with what it left: a release, an
// extension and a cancellation each send a booking event with the new status or end.
TEST_F(EventsApi, AReleaseAnExtensionAndACancellationEachSendTheOwnerTheBooking) {
  auto lot = create_lot(http(), admin_, 2);
  auto owner = make_user(*parkd_);
  SseReader stream(parkd_->port(), "/api/events", owner.token);
  ASSERT_TRUE(stream.next());  // the snapshot
  auto booking_event = [&](const json& id, const std::string& status) {
    return stream.next_matching("booking", [&](const json& d) {
      return d["booking"]["id"] == id && d["booking"]["status"] == status;
    });
  };

  auto parked = book(http(), owner.token, {{"lot_id", lot["id"]}});
  ASSERT_EQ(parked.status, 201) << parked.body;
  json parked_id = parked.json()["booking"]["id"];
  ASSERT_TRUE(booking_event(parked_id, "Active"));
  auto released = http().post("/api/release/" + parked_id.dump(), json(), owner.token);
  ASSERT_EQ(released.status, 200) << released.body;
  auto completed = booking_event(parked_id, "Completed");
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->json_data()["booking"]["total_cost"],
            released.json()["booking"]["total_cost"]);

  Timestamp start = now() + std::chrono::hours(2);
  auto reserved = book(http(), owner.token,
                       {{"lot_id", lot["id"]},
                        {"booking_type", "reserved"},
                        {"reserved_start", format_iso8601(start)},
                        {"reserved_end", format_iso8601(start + std::chrono::hours(1))}});
  ASSERT_EQ(reserved.status, 201) << reserved.body;
  json reserved_id = reserved.json()["booking"]["id"];
  ASSERT_TRUE(booking_event(reserved_id, "Reserved"));
  std::string new_end = format_iso8601(start + std::chrono::hours(3));
  auto extended = http().post("/api/bookings/" + reserved_id.dump() + "/extend",
                              {{"reserved_end", new_end}}, owner.token);
  ASSERT_EQ(extended.status, 200) << extended.body;
  json extended_end = extended.json()["booking"]["reserved_end"];
  ASSERT_NE(extended_end, reserved.json()["booking"]["reserved_end"]);
  auto longer = stream.next_matching("booking", [&](const json& d) {
    return d["booking"]["id"] == reserved_id && d["booking"]["reserved_end"] == extended_end;
  });
  EXPECT_TRUE(longer) << "the extension's new end";
  auto cancelled =
      http().post("/api/bookings/" + reserved_id.dump() + "/cancel", json(), owner.token);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_TRUE(booking_event(reserved_id, "Cancelled"));
}

TEST_F(EventsApi, TheQueryTokenWorksAndNeverReachesTheLog) {
  auto user = make_user(*parkd_);
  SseReader s(parkd_->port(), "/api/events?access_token=" + user.token, "");
  ASSERT_EQ(s.status(), 200) << s.head();
  auto first = s.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->name, "lots");
  EXPECT_EQ(parkd_->log().find(user.token), std::string::npos);
  auto metrics = http().get("/metrics", admin_);
  EXPECT_EQ(metrics.body.find(user.token), std::string::npos);
}

TEST_F(EventsApi, WithoutAValidToken401BeforeAnyEvent) {
  SseReader none(parkd_->port(), "/api/events", "");
  EXPECT_EQ(none.status(), 401);
  EXPECT_NE(none.rest().find("\"error\""), std::string::npos);
  SseReader bad(parkd_->port(), "/api/events?access_token=not-a-token", "");
  EXPECT_EQ(bad.status(), 401);
}

TEST_F(EventsApi, ADeletedLotIsAnnounced) {
  auto lot = create_lot(http(), admin_, 1);
  auto id = lot["id"].get<std::int64_t>();
  SseReader s(parkd_->port(), "/api/events", admin_);
  ASSERT_TRUE(s.next());
  ASSERT_EQ(http().del("/api/lots/" + std::to_string(id), admin_).status, 200);
  auto gone = s.next_matching("lot", [&](const json& d) { return d["id"] == id; });
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->json_data(), (json{{"id", id}, {"deleted", true}}));
}

TEST(EventsLimit, BeyondMaxEventStreams503WithRetryAfter) {
  ParkdProcess parkd(Env{{"MAX_EVENT_STREAMS", "1"}});
  auto token = parkd.admin_token();
  SseReader first(parkd.port(), "/api/events", token);
  ASSERT_EQ(first.status(), 200);
  ASSERT_TRUE(first.next());
  SseReader second(parkd.port(), "/api/events", token);
  EXPECT_EQ(second.status(), 503);
  EXPECT_NE(second.head().find("Retry-After"), std::string::npos) << second.head();
}

TEST(EventsShutdown, SigtermEndsOpenStreamsWithTheirLastChunk) {
  ParkdProcess parkd;
  auto token = parkd.admin_token();
  SseReader s(parkd.port(), "/api/events", token);
  ASSERT_EQ(s.status(), 200);
  ASSERT_TRUE(s.next());
  ASSERT_EQ(::kill(parkd.pid(), SIGTERM), 0);
  EXPECT_TRUE(s.ends_cleanly(std::chrono::seconds(20)));
  EXPECT_EQ(parkd.stop(SIGTERM), 0);
}

// A second parkd on the same database (SQLite file, or PostgreSQL in the pg.* copy):
// a booking made through it reaches a stream on the first.
TEST(EventsAcrossProcesses, ABookingThroughAnotherInstanceReachesTheStream) {
  TempDir dir;
  ParkdProcess a({}, {"serve", "--no-worker", "--no-scheduler"}, dir.path());
  ParkdProcess b({}, {"serve", "--no-worker", "--no-scheduler"}, dir.path());
  auto admin = a.admin_token();
  auto lot = create_lot(a.client(), admin, 2);
  auto id = lot["id"].get<std::int64_t>();
  auto user = make_user(b);
  SseReader s(a.port(), "/api/events", admin);
  ASSERT_TRUE(s.next());
  auto r = book(b.client(), user.token, {{"lot_id", id}, {"vehicle_number", "KA01AB9999"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(s.next_matching(
      "lot", [&](const json& l) { return l["id"] == id && l["occupied_spots"] == 1; }));
}

}  // namespace
}  // namespace parkd::test
