#include "config/config.h"

#include "common/client_address.h"
#include "common/private_files.h"
#include "domain/currency.h"
#include "metrics/metrics.h"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace parkd {
namespace {

Error config_error(const std::string& variable, const std::string& problem) {
  return Error::bad_request("config_error", fmt::format("{}: {}", variable, problem));
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return trim(ss.str());
}

class Reader {
 public:
  explicit Reader(const EnvLookup& env) : env_(env) {}

  std::optional<Error> error;

  void string(const char* name, std::string& out) {
    if (auto v = env_(name); v && !v->empty()) out = *v;
  }

  void integer(const char* name, int& out, long min, long max) {
    std::int64_t wide = out;
    integer(name, wide, min, max);
    out = static_cast<int>(wide);
  }

  void integer(const char* name, std::int64_t& out, long min, long max) {
    auto v = env_(name);
    if (!v || v->empty()) return;
    std::int64_t parsed = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), parsed);
    if (ec != std::errc{} || ptr != v->data() + v->size()) {
      fail(name, fmt::format("'{}' is not an integer", *v));
      return;
    }
    if (parsed < min || parsed > max) {
      fail(name, fmt::format("{} is out of range {}..{}", parsed, min, max));
      return;
    }
    out = parsed;
  }

  void list(const char* name, std::vector<std::string>& out) {
    auto v = env_(name);
    if (!v) return;
    out.clear();
    std::stringstream ss(*v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = trim(item);
      if (!item.empty()) out.push_back(item);
    }
  }

  // A secret from NAME, or from the file named by NAME_FILE.
  std::optional<std::string> secret(const std::string& name) {
    if (auto v = env_(name); v && !v->empty()) return v;
    if (auto file = env_(name + "_FILE"); file && !file->empty()) {
      auto content = read_file(*file);
      if (!content) {
        fail((name + "_FILE").c_str(), fmt::format("cannot read file '{}'", *file));
        return std::nullopt;
      }
      if (content->empty())
        fail((name + "_FILE").c_str(), fmt::format("file '{}' is empty", *file));
      return content;
    }
    return std::nullopt;
  }

  void fail(const char* name, const std::string& problem) {
    if (!error) error = config_error(name, problem);
  }

 private:
  const EnvLookup& env_;
};

// PUBLIC_URL's problem, if any: an http(s) URL with a host and no query or fragment. A
// path is allowed (a UI served under /parking).
std::optional<std::string> public_url_problem(const std::string& url) {
  std::size_t scheme_end = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme_end == 0) return "'" + url + "' must start with http:// or https://";
  for (char ch : url) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7F || ch == '?' || ch == '#' ||
        ch == '"' || ch == '<' || ch == '>' || ch == '\\') {
      return "'" + url + "' must be a URL without spaces, query or fragment";
    }
  }
  std::size_t host_end = url.find('/', scheme_end);
  std::string authority = url.substr(scheme_end, host_end - scheme_end);
  if (authority.empty() || authority.front() == ':' || authority.find('@') != std::string::npos) {
    return "'" + url + "' must name a host (e.g. https://parking.example.com)";
  }
  return std::nullopt;
}

}  // namespace

std::string public_url(const Config& c) {
  if (!c.public_url.empty()) return c.public_url;
  bool ipv6 = c.host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", ipv6 ? "[" : "", c.host, ipv6 ? "]" : "", c.port);
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::optional<std::string> sqlite_path(const std::string& url) {
  for (const char* prefix : {"sqlite:///", "sqlite://", "sqlite:"}) {
    std::string p(prefix);
    if (url.rfind(p, 0) == 0) {
      std::string rest = url.substr(p.size());
      // sqlite:////abs/path is absolute, sqlite:///rel/path is relative (SQLAlchemy's rule).
      return rest;
    }
  }
  return std::nullopt;
}

Result<Config> load_config(const EnvLookup& env) {
  Config c;
  Reader r(env);
  r.string("HOST", c.host);
  r.integer("PORT", c.port, 1, 65535);
  // A PostgreSQL URL carries a password, so it may come from DATABASE_URL_FILE.
  if (auto url = r.secret("DATABASE_URL")) c.database_url = *url;
  r.string("INSTANCE_DIR", c.instance_dir);
  r.string("SQLITE_SYNCHRONOUS", c.sqlite_synchronous);
  if (c.sqlite_synchronous != "FULL" && c.sqlite_synchronous != "NORMAL") {
    r.fail("SQLITE_SYNCHRONOUS", "must be FULL (durable, the default) or NORMAL");
  }
  if (auto key = r.secret("SECRET_KEY")) {
    c.secret_key = *key;
    c.secret_key_from_env = true;
    if (c.secret_key.size() < 16) r.fail("SECRET_KEY", "must be at least 16 characters");
  }
  r.integer("TOKEN_MAX_AGE", c.token_max_age, 60, 365L * 86400);
  r.list("CORS_ORIGINS", c.cors_origins);
  r.string("PUBLIC_URL", c.public_url);
  while (c.public_url.size() > 1 && c.public_url.back() == '/') c.public_url.pop_back();
  if (!c.public_url.empty()) {
    if (auto problem = public_url_problem(c.public_url)) r.fail("PUBLIC_URL", *problem);
  }
  r.string("ADMIN_EMAIL", c.admin_email);
  if (c.admin_email.find('@') == std::string::npos)
    r.fail("ADMIN_EMAIL", "is not an email address");
  if (auto pw = r.secret("ADMIN_PASSWORD")) {
    c.admin_password = *pw;
    if (pw->size() < 8) r.fail("ADMIN_PASSWORD", "must be at least 8 characters");
  }
  r.string("LOG_LEVEL", c.log_level);
  if (spdlog::level::from_str(c.log_level) == spdlog::level::off && c.log_level != "off") {
    r.fail("LOG_LEVEL",
           fmt::format("'{}' is not one of trace, debug, info, warn, error, critical, off",
                       c.log_level));
  }
  r.string("LOG_FORMAT", c.log_format);
  if (c.log_format != "text" && c.log_format != "json") {
    r.fail("LOG_FORMAT", fmt::format("'{}' is not one of text, json", c.log_format));
  }
  r.integer("MIN_CHARGE_MINUTES", c.min_charge_minutes, 0, 24L * 60);
  r.string("TIMEZONE", c.timezone);
  r.string("CURRENCY", c.currency);
  if (!is_known_currency(c.currency)) {
    r.fail("CURRENCY", fmt::format("'{}' is not an ISO 4217 currency code in upper case (e.g. "
                                   "INR, USD, EUR)",
                                   c.currency));
  }
  r.integer("HTTP_THREADS", c.http_threads, 1, 64);
  r.integer("DB_THREADS", c.db_threads, 1, 256);
  r.integer("DB_POOL", c.db_pool, 1, 256);
  r.integer("MAX_CONNECTIONS", c.max_connections, 1, 100000);
  r.integer("MAX_EVENT_STREAMS", c.max_event_streams, 1, 1000000);
  r.integer("EVENT_STREAM_BUFFER_KB", c.event_stream_buffer_kb, 16, 1024L * 1024);
  r.integer("REQUEST_TIMEOUT", c.request_timeout_seconds, 1, 3600);
  r.integer("IDLE_TIMEOUT", c.idle_timeout_seconds, 1, 3600);
  r.integer("WORKER_CONCURRENCY", c.worker_concurrency, 1, 64);
  r.integer("JOB_LEASE_SECONDS", c.job_lease_seconds, 5, 86400);
  r.integer("JOB_MAX_ATTEMPTS", c.job_max_attempts, 1, 100);
  r.integer("INACTIVE_DAYS", c.inactive_days, 1, 3650);
  r.string("CRON_DAILY_REMINDER", c.cron_daily_reminder);
  r.string("CRON_MONTHLY_REPORT", c.cron_monthly_report);
  r.string("CRON_DAILY_ADMIN_REPORT", c.cron_daily_admin_report);
  r.string("CRON_COMPLETE_RESERVATIONS", c.cron_complete_reservations);
  r.string("CRON_PURGE", c.cron_purge);
  r.integer("JOB_RETENTION_DAYS", c.job_retention_days, 1, 3650);
  r.string("SMTP_HOST", c.smtp.host);
  r.integer("SMTP_PORT", c.smtp.port, 1, 65535);
  r.string("SMTP_USER", c.smtp.user);
  if (auto pw = r.secret("SMTP_PASSWORD")) c.smtp.password = *pw;
  r.string("SMTP_TLS", c.smtp.tls);
  if (c.smtp.tls != "starttls" && c.smtp.tls != "tls" && c.smtp.tls != "none") {
    r.fail("SMTP_TLS", fmt::format("'{}' is not one of starttls, tls, none", c.smtp.tls));
  }
  r.integer("SMTP_TIMEOUT", c.smtp.timeout_seconds, 1, 600);
  if (auto from = env("MAIL_FROM"); from && !from->empty()) {
    // "Name <address>" or a bare address.
    auto lt = from->find('<');
    auto gt = from->rfind('>');
    if (lt != std::string::npos && gt != std::string::npos && gt > lt) {
      c.mail_from = trim(from->substr(lt + 1, gt - lt - 1));
      c.mail_from_name = trim(from->substr(0, lt));
    } else {
      c.mail_from = trim(*from);
    }
    if (c.mail_from.find('@') == std::string::npos) r.fail("MAIL_FROM", "is not an email address");
  }
  r.string("MAIL_FROM_NAME", c.mail_from_name);
  r.string("TEMPLATE_DIR", c.template_dir);
  r.string("WEB_DIR", c.web_dir);
  // An override directory that is not there would silently fall back to the built-in
  // files: refuse to start instead, so that a typo in the path is seen at once.
  for (auto [name, dir] : {std::pair{"TEMPLATE_DIR", &c.template_dir}, {"WEB_DIR", &c.web_dir}}) {
    std::error_code ec;
    if (!dir->empty() &&
        (!std::filesystem::is_directory(*dir, ec) || ::access(dir->c_str(), R_OK | X_OK) != 0)) {
      r.fail(name, fmt::format("'{}' is not a readable directory", *dir));
    }
  }
  r.string("OUTBOX_DIR", c.outbox_dir);
  if (c.outbox_dir.empty()) c.outbox_dir = c.instance_dir + "/outbox";
  r.list("METRICS_ALLOW", c.metrics_allow);
  if (std::string bad; !metrics::AllowList::parse(c.metrics_allow, &bad)) {
    r.fail("METRICS_ALLOW", "'" + bad + "' is not an IP address, a CIDR block or *");
  }
  r.list("TRUSTED_PROXIES", c.trusted_proxies);
  if (std::string bad; !AddressSet::parse(c.trusted_proxies, &bad)) {
    r.fail("TRUSTED_PROXIES", "'" + bad + "' is not an IP address or a CIDR block");
  }
  r.integer("LOGIN_MAX_FAILURES", c.login_max_failures_per_account, 1, 1000);
  r.integer("LOGIN_MAX_FAILURES_PER_ADDRESS", c.login_max_failures_per_address, 1, 100000);
  r.integer("LOGIN_WINDOW_SECONDS", c.login_window_seconds, 1, 86400);

  bool is_sqlite = sqlite_path(c.database_url).has_value();
  bool is_postgres =
      c.database_url.rfind("postgresql://", 0) == 0 || c.database_url.rfind("postgres://", 0) == 0;
  if (!is_sqlite && !is_postgres) {
    r.fail("DATABASE_URL", "must start with sqlite:/// or postgresql://");
  }
  if (r.error) return *r.error;
  return c;
}

Status resolve_secret_key(Config& c) {
  if (!c.secret_key.empty()) return ok_status();
  std::filesystem::path path = std::filesystem::path(c.instance_dir) / "secret_key";
  if (auto existing = read_file(path.string()); existing && existing->size() >= 32) {
    c.secret_key = *existing;
    spdlog::warn("SECRET_KEY is not set; using the key kept in {}", path.string());
    return ok_status();
  }
  unsigned char raw[64];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  c.secret_key = hex;
  c.secret_key_unsaved = true;
  return ok_status();
}

Status keep_secret_key(Config& c) {
  if (!c.secret_key_unsaved) return ok_status();
  std::filesystem::path path = std::filesystem::path(c.instance_dir) / "secret_key";
  std::error_code ec = create_private_directories(c.instance_dir);
  std::string tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return config_error("SECRET_KEY", "not set, and cannot write " + path.string());
    out << c.secret_key << '\n';
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return config_error("SECRET_KEY", "not set, and cannot write " + path.string());
  c.secret_key_unsaved = false;
  spdlog::warn("SECRET_KEY is not set; generated a new key in {} (mode 0600)", path.string());
  return ok_status();
}

Status ensure_secret_key(Config& c) {
  if (Status st = resolve_secret_key(c); !st) return st;
  return keep_secret_key(c);
}

int Config::db_pool_size() const {
  if (db_pool > 0) return db_pool;
  return 4 * static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

int Config::handler_threads() const {
  if (db_threads > 0) return db_threads;
  return sqlite_path(database_url) ? 32 : db_pool_size();
}

}  // namespace parkd
