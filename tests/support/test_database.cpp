#include "support/test_database.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

namespace parkd::test {
namespace {

constexpr const char* kUrlFile = "database_url";

std::string admin_url() {
  const char* url = std::getenv("PARKD_TEST_POSTGRES");
  return url ? url : "";
}

// The same server and credentials with another database name.
std::string with_database(const std::string& url, const std::string& name) {
  auto query = url.find('?');
  std::string base = url.substr(0, query);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  auto slash = base.rfind('/');
  if (slash == std::string::npos || slash < base.find("//") + 2) return base + "/" + name + rest;
  return base.substr(0, slash + 1) + name + rest;
}

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Conn connect(const std::string& url) {
  Conn conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to the test PostgreSQL server: " << PQerrorMessage(conn.get());
  }
  return conn;
}

bool run_admin(const std::string& sql) {
  Conn conn = connect(admin_url());
  if (PQstatus(conn.get()) != CONNECTION_OK) return false;
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(conn.get());
    return false;
  }
  return true;
}

// "?12" -> "$12": the tests write SQLite's numbered placeholders.
std::string dollar_placeholders(const std::string& sql) {
  std::string out;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '?' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])))
      out += '$';
    else
      out += sql[i];
  }
  return out;
}

}  // namespace

bool testing_postgres() { return !admin_url().empty(); }

std::string database_url_for(const std::filesystem::path& dir) {
  if (!testing_postgres()) return "sqlite:///" + (dir / "parking.db").string();
  auto file = dir / kUrlFile;
  if (std::ifstream in(file); in) {
    std::string url;
    std::getline(in, url);
    if (!url.empty()) return url;
  }
  static std::atomic<int> counter{0};
  std::string name = "parkd_t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) +
                     "_" + std::to_string(std::random_device{}() % 100000);
  // FILE_COPY: a new database per test in a few milliseconds on the test cluster.
  if (!run_admin("CREATE DATABASE " + name + " STRATEGY FILE_COPY")) return "";
  std::string url = with_database(admin_url(), name);
  std::ofstream(file) << url << "\n";
  return url;
}

void drop_database_for(const std::filesystem::path& dir) {
  if (!testing_postgres()) return;
  std::ifstream in(dir / kUrlFile);
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) return;
  auto slash = url.substr(0, url.find('?')).rfind('/');
  std::string name = url.substr(slash + 1, url.find('?') - slash - 1);
  run_admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

std::vector<std::vector<std::string>> postgres_rows(const std::string& url, const std::string& sql,
                                                    const std::vector<std::string>& params) {
  std::vector<std::vector<std::string>> rows;
  Conn conn = connect(url);
  if (PQstatus(conn.get()) != CONNECTION_OK) return rows;
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> r(
      PQexecParams(conn.get(), dollar_placeholders(sql).c_str(), static_cast<int>(values.size()),
                   nullptr, values.data(), nullptr, nullptr, 0),
      &PQclear);
  auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(conn.get());
    return rows;
  }
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(r.get()); ++c) {
      row.emplace_back(PQgetisnull(r.get(), i, c) ? "" : PQgetvalue(r.get(), i, c));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace parkd::test
