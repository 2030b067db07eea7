// kill -9 under load: eight clients book, release and cancel (bookings with
// Idempotency-Key) while parkd is killed with SIGKILL at a random moment; parkd is then
// started again on the same database. Every acknowledged write must be there, no spot
// may be double-booked, every booking must have its confirmation job, and a retry of
// any book request with its key must replay the booking it made (or make it, if the
// first try never committed). Three rounds; runs on SQLite and on PostgreSQL (pg.*).
#include "support/api_helpers.h"
#include "support/job_support.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 8;
constexpr int kRounds = 3;
constexpr int kSpots = 40;

// What one client sent and what it was told.
struct BookTry {
  std::string key;
  json body;
  std::optional<std::int64_t> acknowledged_id;  // set when a 201 arrived
};

struct Ledger {
  std::mutex mutex;
  std::vector<BookTry> books;
  std::set<std::int64_t> released;   // 200 received
  std::set<std::int64_t> cancelled;  // 200 received
};

// One client's loop until `stop`: book now and release, or reserve ahead and cancel.
void client_loop(const HttpClient& http, const TestUser& user, std::int64_t lot_id, int client,
                 int round, std::atomic<bool>& stop, Ledger& ledger) {
  std::mt19937 rng(static_cast<unsigned>(client * 7919 + round));
  for (int n = 0; !stop.load(); ++n) {
    bool reserve = rng() % 3 == 0;
    json body =
        reserve ? reservation(lot_id, 3600 * (1 + client), 3600 * (2 + client))
                : json{{"lot_id", lot_id}, {"vehicle_number", "CRASH" + std::to_string(client)}};
    std::string key =
        "crash-r" + std::to_string(round) + "-c" + std::to_string(client) + "-" + std::to_string(n);
    std::size_t slot;
    {
      std::lock_guard lock(ledger.mutex);
      ledger.books.push_back({key, body, std::nullopt});
      slot = ledger.books.size() - 1;
    }
    auto booked = book(http, user.token, body, {"Idempotency-Key: " + key});
    if (booked.transport_error != 0) {
      std::this_thread::sleep_for(5ms);  // the server is down; try again until stopped
      continue;
    }
    if (booked.status != 201) continue;  // e.g. lot_full: nothing was written
    auto id = booked.json()["booking"]["id"].get<std::int64_t>();
    {
      std::lock_guard lock(ledger.mutex);
      ledger.books[slot].acknowledged_id = id;
    }
    std::string action = reserve ? "cancel" : "release";
    auto done =
        http.post("/api/bookings/" + std::to_string(id) + "/" + action, json::object(), user.token);
    if (done.status == 200) {
      std::lock_guard lock(ledger.mutex);
      (reserve ? ledger.cancelled : ledger.released).insert(id);
    }
  }
}

TEST(CrashUnderLoad, EveryAcknowledgedWriteSurvivesKillNineAndRetriesReplay) {
  TempDir dir;
  auto parkd = std::make_unique<ParkdProcess>(Env{}, std::vector<std::string>{"serve"}, dir.path());
  std::string admin = parkd->admin_token();
  auto lot_id = create_lot(parkd->client(), admin, kSpots)["id"].get<std::int64_t>();
  auto users = make_users(*parkd, kClients);
  Ledger ledger;
  std::mt19937 rng(std::random_device{}());

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::atomic<bool> stop{false};
    HttpClient http = parkd->client();
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        client_loop(http, users[static_cast<std::size_t>(c)], lot_id, c, round, stop, ledger);
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400 + rng() % 800));
    ASSERT_TRUE(parkd->stop(SIGKILL, 10));
    std::this_thread::sleep_for(100ms);  // requests now fail at once: refused
    stop.store(true);
    for (auto& t : clients) t.join();
    parkd = std::make_unique<ParkdProcess>(Env{}, std::vector<std::string>{"serve"}, dir.path());
  }

  HttpClient http = parkd->client();
  json all = admin_bookings(http, admin, "");
  std::map<std::int64_t, json> by_id;
  for (const auto& b : all) by_id[b["id"].get<std::int64_t>()] = b;

  std::size_t acknowledged = 0;
  for (const auto& t : ledger.books) {
    if (!t.acknowledged_id) continue;
    ++acknowledged;
    ASSERT_TRUE(by_id.contains(*t.acknowledged_id))
        << "booking " << *t.acknowledged_id << " was acknowledged and is gone";
  }
  ASSERT_GT(acknowledged, 0u) << "no booking was acknowledged: the load never ran";
  std::printf("crash test: %zu book requests, %zu acknowledged, %zu releases, %zu cancels\n",
              ledger.books.size(), acknowledged, ledger.released.size(), ledger.cancelled.size());
  for (auto id : ledger.released) EXPECT_EQ(by_id[id]["status"], "Completed") << id;
  for (auto id : ledger.cancelled) EXPECT_EQ(by_id[id]["status"], "Cancelled") << id;
  auto overlap = overlapping_bookings(all);
  EXPECT_FALSE(overlap) << *overlap;

  // Each key, retried: the acknowledged ones replay their booking; the others either
  // replay what committed before the kill or book now, but never twice.
  std::set<std::int64_t> from_retries;
  for (std::size_t i = 0; i < ledger.books.size(); ++i) {
    const auto& t = ledger.books[i];
    const auto& user =
        users[static_cast<std::size_t>(std::stoi(t.key.substr(t.key.find("-c") + 2)))];
    auto retry = book(http, user.token, t.body, {"Idempotency-Key: " + t.key});
    if (retry.status != 201) {
      EXPECT_FALSE(t.acknowledged_id) << t.key << ": " << retry.status << " " << retry.body;
      continue;
    }
    auto id = retry.json()["booking"]["id"].get<std::int64_t>();
    if (t.acknowledged_id) {
      EXPECT_EQ(id, *t.acknowledged_id) << t.key << " did not replay";
    }
    EXPECT_TRUE(from_retries.insert(id).second) << "two keys gave booking " << id;
    // Free the spot again so that later retries find room.
    if (by_id.contains(id) && by_id[id]["status"] != "Active" && by_id[id]["status"] != "Reserved")
      continue;
    std::string action = t.body.contains("reserved_start") ? "cancel" : "release";
    http.post("/api/bookings/" + std::to_string(id) + "/" + action, json::object(), user.token);
  }

  // Every booking, whichever way it was made, has exactly one confirmation job.
  json after = admin_bookings(http, admin, "");
  auto confirmations = jobs_of_type(http, admin, "booking_confirmation");
  EXPECT_EQ(confirmations.size(), after.size());
}

}  // namespace
}  // namespace parkd::test
