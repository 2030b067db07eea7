#pragma once
// The world of the app fuzz target (fuzz/app_fuzz.cpp): a database made once per process
// in a temporary directory (the accounts, lots, bookings and jobs docs/testing.md lists,
// and a token for each account, signed with a secret fixed here), a web directory beside a
// file that must never be served, and the store, services and App each input gets on a
// fresh copy of that database.

#include "api/app.h"
#include "fuzz_check.h"
#include "store/sqlite/sqlite_store.h"

#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace parkd::app_fuzz {

namespace fs = std::filesystem;

inline const std::string kSecret = "app-fuzz-secret-0123456789abcdef0123456789abcdef";
inline const std::string kOutsideMarker = "OUTSIDE-THE-WEB-DIRECTORY";

struct Account {
  std::string placeholder;
  RegisterRequest registration;
  Role role;
  std::string plate;  // of its Active booking; empty for the admin
  std::string token;  // filled in at start-up
};

// What every input starts from; made once.
struct World {
  fs::path dir;
  fs::path template_db;
  fs::path work_db;
  Config config;
  std::unique_ptr<TokenSigner> signer;
  std::vector<Account> accounts;
};

inline void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The store, services and App of one input, on a fresh copy of the start-up database.
struct Instance {
  static std::unique_ptr<Store> fresh_store(const World& w) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(w.work_db.string() + suffix);
    for (const char* suffix : {"", "-wal"}) {
      fs::path from = w.template_db.string() + suffix;
      if (fs::exists(from)) fs::copy_file(from, w.work_db.string() + suffix);
    }
    return make_sqlite_store(w.work_db.string(), /*durable_commits=*/false);
  }
  explicit Instance(const World& w)
      : store(fresh_store(w)),
        throttle(w.config.login_max_failures_per_account, w.config.login_max_failures_per_address,
                 std::chrono::seconds(w.config.login_window_seconds)),
        auth(*store, *w.signer, throttle),
        accounts(*store, w.config.instance_dir, w.config.admin_email),
        lots(*store),
        bookings(*store, w.config.min_charge_minutes, w.config.job_max_attempts),
        stats(*store, date::locate_zone("UTC")),
        jobs(*store, w.config.job_max_attempts),
        password_reset(*store, accounts, throttle, w.config.job_max_attempts),
        live({}, lot_reader(lots)),  // admits more streams than an input has requests
        app(Services{w.config, *store, auth, accounts, lots, bookings, stats, jobs, password_reset,
                     &live}) {}

  std::unique_ptr<Store> store;
  LoginThrottle throttle;
  AuthService auth;
  AccountService accounts;
  LotService lots;
  BookingService bookings;
  StatsService stats;
  JobService jobs;
  PasswordResetService password_reset;
  events::LiveEvents live;
  App app;
};

// The start-up database: accounts, lots, bookings; and the tokens.
inline void seed_database(World& w) {
  auto store = make_sqlite_store(w.template_db.string(), /*durable_commits=*/false);
  FUZZ_CHECK(store->migrate().ok(), "the schema migrates");
  LoginThrottle throttle(5, 20, std::chrono::seconds(60));
  AuthService auth(*store, *w.signer, throttle);
  std::vector<User> users;
  for (auto& a : w.accounts) {
    auto user = create_account(*store, a.registration, a.role);
    FUZZ_CHECK(user.ok(), "a seeded account is created");
    a.token = auth.issue_token(*user);
    users.push_back(*user);
  }
  LotService lots(*store);
  FUZZ_CHECK(lots.create({"Downtown Parking", "1 Main Street", 3, 500}).ok(), "lot 1");
  FUZZ_CHECK(lots.create({"Airport Parking", "Terminal 2", 2, 250}).ok(), "lot 2");
  BookingService bookings(*store, w.config.min_charge_minutes, w.config.job_max_attempts);
  auto book = [&](const User& user, BookRequest req) {
    Status st = store->write([&](Tx& tx) -> Status {
      auto booked = bookings.book(tx, user, req, now());
      if (!booked) return booked.error();
      return ok_status();
    });
    FUZZ_CHECK(st.ok(), "a seeded booking commits");
  };
  book(users[1], {1, std::nullopt, BookingType::immediate, w.accounts[1].plate, {}, {}});
  auto start = parse_iso8601("2099-01-01T10:00:00Z");
  book(users[1], {2, std::nullopt, BookingType::reserved, std::nullopt, start,
                  *start + std::chrono::hours(2)});
  book(users[2], {1, std::nullopt, BookingType::immediate, w.accounts[2].plate, {}, {}});
}

inline World make_world() {
  spdlog::set_level(spdlog::level::off);
  World w;
  std::string dir = (fs::temp_directory_path() / "parkd-app-fuzz-XXXXXX").string();
  FUZZ_CHECK(mkdtemp(dir.data()) != nullptr, "a temporary directory");
  w.dir = dir;
  w.template_db = w.dir / "template.db";
  w.work_db = w.dir / "work.db";
  Config& c = w.config;
  c.database_url = "sqlite:///" + w.work_db.string();
  c.instance_dir = (w.dir / "instance").string();
  c.outbox_dir = (w.dir / "instance" / "outbox").string();
  c.web_dir = (w.dir / "web").string();
  c.secret_key = kSecret;
  c.token_max_age = std::int64_t{10} * 365 * 86400;
  c.admin_email = "admin@parkd.test";
  c.trusted_proxies = {"127.0.0.1"};  // the peer: forwarding headers are read too
  fs::create_directories(c.instance_dir);
  write_file(w.dir / "web" / "index.html", "<!doctype html><title>parkd</title>");
  write_file(w.dir / "web" / "assets" / "app-1a2b3c.js", "console.log('parkd')");
  write_file(w.dir / "web" / "openapi.json", R"({"openapi":"3.1.0"})");
  write_file(w.dir / "web" / "api-docs" / "index.html", "<!doctype html><title>API</title>");
  write_file(w.dir / "web" / ".env", kOutsideMarker);
  write_file(w.dir / "secret.txt", kOutsideMarker);
  w.signer = std::make_unique<TokenSigner>(kSecret, c.token_max_age);
  auto account = [](std::string placeholder, std::string email, std::string username,
                    std::string password, Role role, std::string plate) {
    return Account{std::move(placeholder),
                   {std::move(email), std::move(username), std::move(password)},
                   role,
                   std::move(plate),
                   ""};
  };
  w.accounts = {
      account("@ADMIN@", "admin@parkd.test", "boss", "Admin-fuzz-pass-1", Role::admin, ""),
      account("@USER@", "user@parkd.test", "driver", "Driver-fuzz-pass-1", Role::user,
              "KA01AB1234"),
      account("@OTHER@", "other@parkd.test", "rider", "Other-fuzz-pass-1", Role::user,
              "MH12CD5678")};
  seed_database(w);
  return w;
}

inline const World& world() {
  static const World w = make_world();
  // Gone at a normal exit; a crash leaves it for a look.
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(w.dir, ec);
    }
  } cleanup;
  return w;
}

}  // namespace parkd::app_fuzz
