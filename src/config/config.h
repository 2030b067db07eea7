#pragma once
// Configuration comes from environment variables only (secrets included, or from a
// file named by *_FILE). load_config() validates everything up front and names the
// offending variable in its error, so a bad deployment stops at start-up.

#include "common/result.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parkd {

struct SmtpSettings {
  std::string host;  // empty: use the file transport
  int port = 587;
  std::string user;
  std::string password;
  std::string tls = "starttls";  // starttls | tls | none
  int timeout_seconds = 30;
};

struct Config {
  std::string host = "127.0.0.1";
  int port = 5000;
  std::string database_url = "sqlite:///instance/parking.db";
  std::string instance_dir = "instance";
  std::string sqlite_synchronous = "FULL";  // FULL | NORMAL
  std::string secret_key;                   // empty until resolved (see ensure_secret_key)
  bool secret_key_from_env = false;
  bool secret_key_unsaved = false;  // generated, not yet in <instance>/secret_key
  std::int64_t token_max_age = 86400;
  std::vector<std::string> cors_origins{"http://localhost:5173"};
  // The web UI's address as users reach it (PUBLIC_URL), for links in emails; no trailing
  // '/'. Empty: http://HOST:PORT, see public_url(). Never taken from a request's Host
  // header, which a client chooses.
  std::string public_url;
  std::string admin_email = "admin@parking.com";
  std::optional<std::string> admin_password;
  std::string log_level = "info";
  std::string log_format = "text";  // text | json
  int min_charge_minutes = 60;
  std::string timezone = "UTC";
  std::string currency = "INR";  // ISO 4217; how the web UI and emails show money
  int http_threads = 2;
  int db_threads = 0;  // request handler threads; 0: handler_threads() chooses
  // PostgreSQL connections per process; 0: 4 per core (db_pool_size()). More connections
  // than cores only contend for them with the database itself (bench/README.md,
  // 2026-12-07: 32 against 8 on 2 cores).
  int db_pool = 0;
  int db_pool_size() const;
  // DB_THREADS when set. Else 32 on SQLite: more writers waiting share one commit
  // (16 -> 32 gave ~50 % more book-release throughput). On PostgreSQL as many as the
  // pool: a thread beyond it only waits for a connection, and the hand-offs cost
  // (32 threads on a pool of 8 served 17 % fewer book-release requests than 8 on 8,
  // bench/README.md, 2026-12-07 03:00).
  int handler_threads() const;
  int max_connections = 1024;
  int max_event_streams = 10000;  // open GET /api/events streams at most
  // Unsent bytes one stream may hold (KiB) before it is closed as too slow; the client
  // reconnects and gets a fresh snapshot.
  int event_stream_buffer_kb = 1024;
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 10;  // for the next request on a connection
  // Jobs and schedules.
  int worker_concurrency = 2;
  int job_lease_seconds = 60;
  int job_max_attempts = 8;
  int inactive_days = 7;
  std::string cron_daily_reminder = "0 18 * * *";
  std::string cron_monthly_report = "0 0 1 * *";
  std::string cron_daily_admin_report = "0 8 * * *";
  std::string cron_complete_reservations = "* * * * *";
  std::string cron_purge = "30 3 * * *";
  int job_retention_days = 14;
  // Mail.
  SmtpSettings smtp;
  std::string mail_from = "parkd@localhost";  // address; MAIL_FROM may be "Name <address>"
  std::string mail_from_name = "parkd";
  std::string web_dir;       // built web UI; default: `web` beside the binary
  std::string template_dir;  // operator override, searched before the shipped templates
  std::string outbox_dir;    // file transport; default <instance>/outbox
  std::vector<std::string> metrics_allow{"127.0.0.0/8", "::1"};
  // Proxies whose forwarding headers name the client (addresses and CIDR blocks).
  std::vector<std::string> trusted_proxies;
  // Login throttling.
  int login_max_failures_per_account = 5;
  int login_max_failures_per_address = 20;
  int login_window_seconds = 900;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Reads and validates every variable. Errors (kind bad_request, code "config_error")
// name the variable and what is wrong with its value. Does not touch the filesystem
// except to read *_FILE secrets.
Result<Config> load_config(const EnvLookup& env);

// PUBLIC_URL, or http://HOST:PORT when it is not set (HOST and PORT as finally in force,
// after `serve --host/--port`); without a trailing '/'.
std::string public_url(const Config& config);

// The path of the SQLite database file if database_url is a sqlite URL.
std::optional<std::string> sqlite_path(const std::string& database_url);

// When SECRET_KEY/SECRET_KEY_FILE are not set: reads <instance>/secret_key, or creates
// it (mode 0600) with 64 random bytes, hex encoded. Logs a warning either way.
Status ensure_secret_key(Config& config);

// The same in two steps, for `serve`, which writes nothing before its port is bound:
// resolve_secret_key reads the kept key or generates one in memory only; keep_secret_key
// then writes a generated one (nothing when it was read or set).
Status resolve_secret_key(Config& config);
Status keep_secret_key(Config& config);

}  // namespace parkd
