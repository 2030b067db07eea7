#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

namespace parkd {
namespace {

EnvLookup env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Config, DefaultsMatchTheDocumentedOnes) {
  auto c = load_config(env({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 5000);
  EXPECT_EQ(c->database_url, "sqlite:///instance/parking.db");
  EXPECT_EQ(c->token_max_age, 86400);
  EXPECT_EQ(c->cors_origins, std::vector<std::string>{"http://localhost:5173"});
  EXPECT_EQ(c->min_charge_minutes, 60);
  EXPECT_EQ(c->timezone, "UTC");
  EXPECT_EQ(c->currency, "INR");
  EXPECT_EQ(c->max_event_streams, 10000);
  EXPECT_EQ(c->event_stream_buffer_kb, 1024);
  EXPECT_EQ(c->worker_concurrency, 2);
  EXPECT_EQ(c->job_lease_seconds, 60);
  EXPECT_EQ(c->job_max_attempts, 8);
  EXPECT_EQ(c->cron_daily_reminder, "0 18 * * *");
  EXPECT_EQ(c->cron_monthly_report, "0 0 1 * *");
  EXPECT_EQ(c->cron_daily_admin_report, "0 8 * * *");
  EXPECT_FALSE(c->admin_password);
  EXPECT_TRUE(c->secret_key.empty());
  EXPECT_EQ(c->idle_timeout_seconds, 10);
}

TEST(Config, ReadsEachVariable) {
  auto c = load_config(env({{"PORT", "8080"},
                            {"HOST", "0.0.0.0"},
                            {"TOKEN_MAX_AGE", "600"},
                            {"CORS_ORIGINS", "https://a.example, https://b.example"},
                            {"SECRET_KEY", "a-long-enough-secret-key"},
                            {"ADMIN_EMAIL", "boss@example.com"},
                            {"ADMIN_PASSWORD", "boss-password"},
                            {"MAIL_FROM", "Parking Team <team@example.com>"},
                            {"SMTP_TLS", "tls"},
                            {"IDLE_TIMEOUT", "3"},
                            {"MAX_EVENT_STREAMS", "7"},
                            {"EVENT_STREAM_BUFFER_KB", "64"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->max_event_streams, 7);
  EXPECT_EQ(c->event_stream_buffer_kb, 64);
  EXPECT_EQ(c->host, "0.0.0.0");
  EXPECT_EQ(c->token_max_age, 600);
  EXPECT_EQ(c->cors_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(c->secret_key, "a-long-enough-secret-key");
  EXPECT_EQ(c->admin_email, "boss@example.com");
  EXPECT_EQ(c->admin_password, "boss-password");
  EXPECT_EQ(c->mail_from, "team@example.com");
  EXPECT_EQ(c->mail_from_name, "Parking Team");
  EXPECT_EQ(c->smtp.tls, "tls");
  EXPECT_EQ(c->idle_timeout_seconds, 3);
}

TEST(Config, ThePostgreSQLPoolIsFourConnectionsPerCoreUnlessDbPoolSetsIt) {
  auto c = load_config(env({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->db_pool_size(),
            4 * static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
  c = load_config(env({{"DB_POOL", "12"}, {"DB_THREADS", "64"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->db_pool_size(), 12);
  EXPECT_EQ(c->db_threads, 64);
  c = load_config(env({{"DB_POOL", "0"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("DB_POOL"), std::string::npos) << c.error().message;
}

// Handler threads: 32 on SQLite (waiting writers share a commit), the pool's size on
// PostgreSQL (a thread beyond it would only wait for a connection), DB_THREADS if set.
TEST(Config, HandlerThreadsAre32OnSQLiteAndThePoolsSizeOnPostgreSQLUnlessDbThreadsSetsThem) {
  auto c = load_config(env({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->handler_threads(), 32);
  c = load_config(env({{"DATABASE_URL", "postgresql://parkd@db.internal/parkd"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->handler_threads(), c->db_pool_size());
  c = load_config(
      env({{"DATABASE_URL", "postgresql://parkd@db.internal/parkd"}, {"DB_POOL", "6"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->handler_threads(), 6);
  c = load_config(
      env({{"DATABASE_URL", "postgresql://parkd@db.internal/parkd"}, {"DB_THREADS", "20"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->handler_threads(), 20);
  c = load_config(env({{"DB_THREADS", "4"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->handler_threads(), 4);
}

TEST(Config, NamesTheVariableInEveryError) {
  const std::map<std::string, std::string> bad = {{"PORT", "abc"},
                                                  {"PORT", "70000"},
                                                  {"TOKEN_MAX_AGE", "-1"},
                                                  {"SMTP_TLS", "bogus"},
                                                  {"LOG_LEVEL", "loud"},
                                                  {"DATABASE_URL", "mysql://x"},
                                                  {"SECRET_KEY", "short"},
                                                  {"ADMIN_EMAIL", "nobody"},
                                                  {"WORKER_CONCURRENCY", "0"},
                                                  {"ADMIN_PASSWORD", "123"},
                                                  {"SQLITE_SYNCHRONOUS", "OFF"},
                                                  {"IDLE_TIMEOUT", "0"},
                                                  {"MAX_EVENT_STREAMS", "0"},
                                                  {"EVENT_STREAM_BUFFER_KB", "8"},
                                                  {"LOG_FORMAT", "xml"},
                                                  {"TRUSTED_PROXIES", "10.0.0.1,nginx"}};
  for (const auto& [name, value] : bad) {
    auto c = load_config(env({{name, value}}));
    ASSERT_FALSE(c.ok()) << name << "=" << value;
    EXPECT_NE(c.error().message.find(name), std::string::npos) << c.error().message;
  }
}

TEST(Config, ReadsTheCurrencyAndRefusesACodeThatIsNotIso4217) {
  auto usd = load_config(env({{"CURRENCY", "USD"}}));
  ASSERT_TRUE(usd.ok()) << usd.error().message;
  EXPECT_EQ(usd->currency, "USD");
  for (const char* bad : {"XYZ", "usd", "Rupees", "US"}) {
    auto c = load_config(env({{"CURRENCY", bad}}));
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message.find("CURRENCY"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(bad), std::string::npos) << c.error().message;
  }
}

TEST(Config, AnOverrideDirectoryThatIsNotThereStopsStartUp) {
  for (const char* name : {"TEMPLATE_DIR", "WEB_DIR"}) {
    auto missing = load_config(env({{name, "/nonexistent/parkd-overrides"}}));
    ASSERT_FALSE(missing.ok()) << name;
    EXPECT_NE(missing.error().message.find(name), std::string::npos) << missing.error().message;
    auto present = load_config(env({{name, std::filesystem::temp_directory_path().string()}}));
    EXPECT_TRUE(present.ok()) << name;
  }
}

TEST(Config, TrustsNoProxyAndLogsTextByDefault) {
  auto c = load_config(env({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->trusted_proxies.empty());
  EXPECT_EQ(c->log_format, "text");
}

TEST(Config, ReadsTrustedProxiesAndTheLogFormat) {
  auto c = load_config(
      env({{"TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8 ,fd00::/8,"}, {"LOG_FORMAT", "json"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "fd00::/8"}));
  EXPECT_EQ(c->log_format, "json");
}

TEST(Config, RejectsATrustedProxyItCannotReadNamingTheEntry) {
  for (const std::string bad : {"*", "10.0.0.0/33", "::1/129", "proxy.local", "10.0.0.1:80"}) {
    auto c = load_config(env({{"TRUSTED_PROXIES", "127.0.0.1," + bad}}));
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message.find("TRUSTED_PROXIES"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("'" + bad + "'"), std::string::npos) << c.error().message;
  }
}

TEST(Config, ReadsSecretsFromFilesNamedByTheFileVariable) {
  auto path = std::filesystem::temp_directory_path() / "parkd-config-test-secret";
  std::ofstream(path) << "secret-from-a-file-0123456789\n";
  auto c = load_config(env({{"SECRET_KEY_FILE", path.string()}}));
  std::filesystem::remove(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->secret_key, "secret-from-a-file-0123456789");
}

TEST(Config, ReadsThePostgresqlUrlWithItsPasswordFromAFile) {
  auto path = std::filesystem::temp_directory_path() / "parkd-config-test-dburl";
  std::ofstream(path) << "postgresql://parkd:s3cret@db.internal:5432/parkd\n";
  auto c = load_config(env({{"DATABASE_URL_FILE", path.string()}}));
  std::filesystem::remove(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->database_url, "postgresql://parkd:s3cret@db.internal:5432/parkd");
}

TEST(Config, AMissingSecretFileStopsStartUp) {
  auto c = load_config(env({{"SMTP_PASSWORD_FILE", "/nonexistent/parkd-secret"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("SMTP_PASSWORD_FILE"), std::string::npos);
}

TEST(Config, GeneratesASecretKeyOnceAndKeepsItPrivate) {
  auto dir = std::filesystem::temp_directory_path() / "parkd-config-test-instance";
  std::filesystem::remove_all(dir);
  Config first;
  first.instance_dir = dir.string();
  ASSERT_TRUE(ensure_secret_key(first).ok());
  EXPECT_GE(first.secret_key.size(), 64u);
  auto perms = std::filesystem::status(dir / "secret_key").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Config second;
  second.instance_dir = dir.string();
  ASSERT_TRUE(ensure_secret_key(second).ok());
  EXPECT_EQ(second.secret_key, first.secret_key);
  std::filesystem::remove_all(dir);
}

TEST(Config, SqlitePathFollowsSqlalchemysSlashRule) {
  EXPECT_EQ(sqlite_path("sqlite:///instance/parking.db"), "instance/parking.db");
  EXPECT_EQ(sqlite_path("sqlite:////var/lib/parkd/p.db"), "/var/lib/parkd/p.db");
  EXPECT_FALSE(sqlite_path("postgresql://u@h/db"));
}

}  // namespace
}  // namespace parkd
