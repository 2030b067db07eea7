#include "support/api_helpers.h"

#include "support/test_database.h"

#include "common/time.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace parkd::test {

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const int run = static_cast<int>(std::random_device{}() % 100000);
  return prefix + " " + std::to_string(run) + "-" + std::to_string(++counter);
}

std::string iso_from_now(std::int64_t seconds) {
  auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
           std::chrono::seconds{seconds};
  return format_iso8601(t);
}

std::int64_t unix_of(const std::string& iso) {
  auto t = parse_iso8601(iso);
  EXPECT_TRUE(t.has_value()) << "not an ISO 8601 time: " << iso;
  return t ? to_unix(*t) : 0;
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    auto p = base / ("parkd-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
}

TempDir::~TempDir() {
  if (std::getenv("PARKD_KEEP_TEST_DIRS")) return;
  drop_database_for(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TestUser make_user(const ParkdProcess& parkd, const std::string& email_prefix) {
  static std::atomic<int> counter{0};
  TestUser u;
  u.email = email_prefix + "-" + std::to_string(++counter) + "-" +
            std::to_string(std::random_device{}() % 1000000) + "@test.local";
  u.token = parkd.register_user(u.email);
  auto me = parkd.client().get("/auth/me", u.token);
  EXPECT_EQ(me.status, 200) << me.body;
  auto j = me.json();
  if (j.is_object() && j.contains("user")) u.id = j["user"].value("id", std::int64_t{0});
  return u;
}

std::vector<TestUser> make_users(const ParkdProcess& parkd, int n, int threads) {
  std::vector<TestUser> users(static_cast<std::size_t>(n));
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) users[static_cast<std::size_t>(i)] = make_user(parkd);
    });
  }
  for (auto& t : pool) t.join();
  return users;
}

json create_lot(const HttpClient& http, const std::string& admin_token, int capacity,
                const json& price_per_hour, const std::string& name) {
  json body = {{"name", name.empty() ? unique_name("Lot") : name},
               {"capacity", capacity},
               {"price_per_hour", price_per_hour},
               {"address", "1 Test Street"}};
  auto r = http.post("/api/lots", body, admin_token);
  EXPECT_EQ(r.status, 201) << r.body;
  auto j = r.json();
  return j.is_object() && j.contains("lot") ? j["lot"] : json();
}

json get_lot(const HttpClient& http, const std::string& token, std::int64_t lot_id) {
  auto r = http.get("/api/lots/" + std::to_string(lot_id), token);
  if (r.status != 200) return json();
  return r.json()["lot"];
}

json lot_spots(const HttpClient& http, const std::string& token, std::int64_t lot_id) {
  auto r = http.get("/api/lots/" + std::to_string(lot_id) + "/spots", token);
  EXPECT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  return j.is_object() && j.contains("spots") ? j["spots"] : json::array();
}

HttpResult book(const HttpClient& http, const std::string& token, const json& body,
                const std::vector<std::string>& extra_headers) {
  return http.post("/api/book", body, token, extra_headers);
}

json reservation(std::int64_t lot_id, std::int64_t start_s, std::int64_t end_s) {
  // One reading of the clock, so that the window is exactly end_s - start_s long.
  auto base = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return {{"lot_id", lot_id},
          {"booking_type", "reserved"},
          {"reserved_start", format_iso8601(base + std::chrono::seconds{start_s})},
          {"reserved_end", format_iso8601(base + std::chrono::seconds{end_s})}};
}

json admin_bookings(const HttpClient& http, const std::string& admin_token,
                    const std::string& query) {
  std::string path = "/api/admin/bookings?limit=10000";
  if (!query.empty()) path += "&" + query;
  auto r = http.get(path, admin_token);
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  auto j = r.json();
  return j.is_object() && j.contains("bookings") ? j["bookings"] : json::array();
}

std::optional<std::string> overlapping_bookings(const json& bookings) {
  struct Held {
    std::int64_t id, start;
    std::optional<std::int64_t> end;
  };
  std::map<std::int64_t, std::vector<Held>> by_spot;
  for (const auto& b : bookings) {
    std::string status = b.value("status", "");
    if (status != "Reserved" && status != "Active") continue;
    if (b["spot_id"].is_null()) return "booking " + b["id"].dump() + " in force without a spot";
    Held h{b["id"].get<std::int64_t>(), unix_of(b["start_time"].get<std::string>()), std::nullopt};
    if (b["booking_type"] == "reserved") h.end = unix_of(b["reserved_end"].get<std::string>());
    by_spot[b["spot_id"].get<std::int64_t>()].push_back(h);
  }
  for (const auto& [spot, held] : by_spot) {
    for (std::size_t i = 0; i < held.size(); ++i) {
      for (std::size_t k = i + 1; k < held.size(); ++k) {
        const auto& a = held[i];
        const auto& b = held[k];
        bool overlap = (!b.end || a.start < *b.end) && (!a.end || b.start < *a.end);
        if (overlap) {
          return "bookings " + std::to_string(a.id) + " and " + std::to_string(b.id) +
                 " overlap on spot " + std::to_string(spot);
        }
      }
    }
  }
  return std::nullopt;
}

std::vector<HttpResult> run_together(int n, const std::function<HttpResult(int)>& fn) {
  std::vector<HttpResult> results(static_cast<std::size_t>(n));
  std::latch ready(n);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ready.arrive_and_wait();
      results[static_cast<std::size_t>(i)] = fn(i);
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace parkd::test
