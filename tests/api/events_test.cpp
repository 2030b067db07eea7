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

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

namespace parkd::test {
namespace {

struct SseEvent {
  std::string id, name, data;
  json json_data() const { return json::parse(data, nullptr, false); }
};

// A minimal SSE client: one request, its chunked body decoded, events split out.
class SseReader {
 public:
  // `receive_buffer`: SO_RCVBUF in bytes (0: the system's), set before connecting.
  SseReader(int port, const std::string& target, const std::string& token_header,
            int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
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
  // Bytes of the body decoded so far.
  std::size_t body_bytes() const { return body_total_; }
  // Whether the chunked framing broke (a size line that is not hexadecimal).
  bool framing_broken() const { return broken_; }
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
      if (crlf == std::string::npos || broken_) return;
      std::size_t size = 0;
      std::size_t digits = 0;
      try {
        size = std::stoul(raw_.substr(0, crlf), &digits, 16);
      } catch (const std::exception&) {
        digits = 0;
      }
      if (crlf == 0 || digits != crlf) {
        broken_ = true;
        return;
      }
      if (raw_.size() < crlf + 2 + size + 2) return;
      if (raw_.compare(crlf + 2 + size, 2, "\r\n") != 0) {
        broken_ = true;
        return;
      }
      body_.append(raw_, crlf + 2, size);
      body_total_ += size;
      raw_.erase(0, crlf + 2 + size + 2);
      if (size == 0) finished_ = true;  // the last chunk: the body ended properly
    }
  }

  bool finished_ = false;
  bool broken_ = false;
  std::size_t body_total_ = 0;
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

// A client that stops reading while more events come than the socket buffers hold
// (some 3 MB on loopback), then reads again, gets every event, whole and in order: the
// writes that the socket did not take at once are finished when it can. StreamEdge.*:
// the edge's behaviour, the same on either database, not copied to pg.*.
TEST(StreamEdge, AClientThatStallsThenReadsAgainGetsEveryEventInOrder) {
  ParkdProcess parkd(Env{{"EVENT_STREAM_BUFFER_KB", "65536"}});
  auto admin = parkd.admin_token();
  auto http = parkd.client();
  constexpr int kLots = 150;
  std::vector<std::int64_t> lots;
  const std::string address(500, 'a');  // the longest: the lot events are the larger
  for (int i = 0; i < kLots; ++i) {
    auto r = http.post("/api/lots",
                       {{"name", unique_name("Stall")},
                        {"capacity", 1},
                        {"price_per_hour", 1},
                        {"address", address}},
                       admin);
    ASSERT_EQ(r.status, 201) << r.body;
    lots.push_back(r.json()["lot"]["id"].get<std::int64_t>());
  }
  auto marker = create_lot(http, admin, 1)["id"].get<std::int64_t>();
  auto users = make_users(parkd, 6);

  SseReader s(parkd.port(), "/api/events", admin, 4096);
  auto snapshot = s.next();
  ASSERT_TRUE(snapshot);
  const auto snapshot_bytes = s.body_bytes();
  // Not read from here on: each round books every lot, then releases it, each a
  // `booking` event of some 380 bytes to this admin stream (and a `lot` event when a
  // read of the lots falls between the two).
  auto book_and_release_all = [&] {
    std::vector<std::thread> threads;
    std::atomic<int> failures = 0;
    for (std::size_t u = 0; u < users.size(); ++u) {
      threads.emplace_back([&, u] {
        auto c = parkd.client();
        for (std::size_t i = u; i < lots.size(); i += users.size()) {
          auto b = book(c, users[u].token, {{"lot_id", lots[i]}});
          if (b.status != 201) {
            ++failures;
            continue;
          }
          auto id = b.json()["booking"]["id"].dump();
          if (c.post("/api/release/" + id, json(), users[u].token).status != 200) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    return failures.load();
  };
  for (int round = 0; round < 40; ++round) ASSERT_EQ(book_and_release_all(), 0);
  ASSERT_EQ(http.del("/api/lots/" + std::to_string(marker), admin).status, 200);

  // Read again: ids follow each other without a gap (this stream is an admin's: every
  // event is for it) up to the marker's deletion.
  auto last_id = std::stoull(snapshot->id);
  std::size_t events = 0;
  for (;;) {
    auto e = s.next(std::chrono::seconds(30));
    ASSERT_TRUE(e) << "after " << events << " events; framing broken: " << s.framing_broken();
    ASSERT_EQ(std::stoull(e->id), last_id + 1) << "after " << events << " events";
    last_id = std::stoull(e->id);
    ++events;
    auto d = e->json_data();
    if (e->name == "lot" && d["id"] == marker && d.contains("deleted")) break;
  }
  EXPECT_FALSE(s.framing_broken());
  // More than the socket buffers held: the server's writes did wait for this client.
  EXPECT_GT(s.body_bytes() - snapshot_bytes, std::size_t{3} << 20) << events << " events";
}

// Events written past RESTinio (http/live_writer.cpp) do not keep it from ending the
// response at REQUEST_TIMEOUT + 5 s: a stream that gets an event every 0.3 s stays open
// well past that.
TEST(StreamEdge, AStreamWithEventsOutlivesTheRequestTimeout) {
  ParkdProcess parkd(Env{{"REQUEST_TIMEOUT", "1"}});
  auto admin = parkd.admin_token();
  auto http = parkd.client();
  auto lot = create_lot(http, admin, 1)["id"].get<std::int64_t>();
  auto user = make_user(parkd);
  SseReader s(parkd.port(), "/api/events", admin);
  ASSERT_TRUE(s.next());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(9);
  int bookings = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto b = book(http, user.token, {{"lot_id", lot}});
    ASSERT_EQ(b.status, 201) << b.body;
    auto id = b.json()["booking"]["id"];
    ASSERT_TRUE(s.next_matching("booking", [&](const json& d) { return d["booking"]["id"] == id; }))
        << "the stream ended after " << bookings << " bookings";
    ASSERT_EQ(http.post("/api/release/" + id.dump(), json(), user.token).status, 200);
    ++bookings;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
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
