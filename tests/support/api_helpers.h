#pragma once
// Helpers for the black-box lot, booking, race and statistics tests: unique names,
// times relative to now, the common admin calls, threads released together, and the
// stored-state invariant (no two bookings in force on one spot overlap).

#include "support/parkd_process.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parkd::test {

using nlohmann::json;
// Environment overrides for ParkdProcess (a braced list alone is ambiguous there).
using Env = std::map<std::string, std::string>;

// A name no other call in this test process returns ("<prefix> 17").
std::string unique_name(const std::string& prefix);

// ISO 8601 UTC text for now + `seconds` (this process's clock, no offset).
std::string iso_from_now(std::int64_t seconds);
// The instant an ISO 8601 text names, as Unix seconds (fails the test when unparsable).
std::int64_t unix_of(const std::string& iso);

// A temporary directory removed on destruction (for restarts on the same database).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A registered user: email, token and id (from /auth/me).
struct TestUser {
  std::string email;
  std::string token;
  std::int64_t id = 0;
};
TestUser make_user(const ParkdProcess& parkd, const std::string& email_prefix = "user");
// Registers `n` users using `threads` threads (Argon2id makes each take ~20 ms).
std::vector<TestUser> make_users(const ParkdProcess& parkd, int n, int threads = 8);

// POST /api/lots as admin; fails the test unless 201. Returns the lot object.
json create_lot(const HttpClient& http, const std::string& admin_token, int capacity,
                const json& price_per_hour = 2.5, const std::string& name = "");
// GET /api/lots/{id}; the lot object (null when not 200).
json get_lot(const HttpClient& http, const std::string& token, std::int64_t lot_id);
// GET /api/lots/{id}/spots; the spots array.
json lot_spots(const HttpClient& http, const std::string& token, std::int64_t lot_id);

// POST /api/book with `body`.
HttpResult book(const HttpClient& http, const std::string& token, const json& body,
                const std::vector<std::string>& extra_headers = {});
// A reservation body for [now + start_s, now + end_s).
json reservation(std::int64_t lot_id, std::int64_t start_s, std::int64_t end_s);

// GET /api/admin/bookings?<query>: every booking matching (limit 10000).
json admin_bookings(const HttpClient& http, const std::string& admin_token,
                    const std::string& query);

// Checks the invariant on bookings as the API renders them: among those Reserved or
// Active, no two on one spot share a moment (an immediate one is open-ended). Returns a
// description of the first violation, or nullopt.
std::optional<std::string> overlapping_bookings(const json& bookings);

// Runs fn(0..n-1) on n threads released together by a latch; returns the results in
// index order.
std::vector<HttpResult> run_together(int n, const std::function<HttpResult(int)>& fn);

}  // namespace parkd::test
