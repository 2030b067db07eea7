#include "store/postgres/connection.h"

#include <fmt/format.h>

#include <charconv>

namespace parkd::pg {
namespace {

// libpq's messages end with a newline and may span lines; logs want one line.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool space = c == '\n' || c == '\t' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "****");
  }
  return text;
}

std::string option(const PQconninfoOption* options, std::string_view key) {
  for (const auto* o = options; o && o->keyword; ++o) {
    if (key == o->keyword && o->val) return o->val;
  }
  return {};
}

}  // namespace

bool is_conflict(const std::string& s) {
  return s == "40001" || s == "40P01" || s == "23P01" || s == "23505";
}

bool is_connection_lost(const std::string& s) {
  // Class 08: connection exceptions; 57P01-57P03: the server shut down or restarts.
  return s.empty() || s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03";
}

StoreFailure failure_of(const std::string& sqlstate) {
  if (is_conflict(sqlstate)) return StoreFailure::conflict;
  if (is_connection_lost(sqlstate)) return StoreFailure::connection_lost;
  if (sqlstate.rfind("23", 0) == 0) return StoreFailure::constraint;
  return StoreFailure::other;
}

void Params::add(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  types_.push_back(kInt8);
}

void Params::add(std::string_view value) {
  values_.emplace_back(std::string(value));
  types_.push_back(kText);
}

void Params::add_null(Oid type) {
  values_.emplace_back(std::nullopt);
  types_.push_back(type);
}

std::string Params::signature() const {
  std::string out;
  for (Oid t : types_) out += std::to_string(t) + ",";
  return out;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

bool Rows::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::int64_t Rows::int64(int row, int column) const {
  const char* p = PQgetvalue(result_.get(), row, column);
  std::int64_t value = 0;
  // numeric results (SUM of bigint) come as integers too; a NULL reads as 0 as in SQLite.
  std::from_chars(p, p + PQgetlength(result_.get(), row, column), value);
  return value;
}

bool Rows::boolean(int row, int column) const {
  return PQgetvalue(result_.get(), row, column)[0] == 't';
}

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     PQgetlength(result_.get(), row, column));
}

std::optional<std::int64_t> Rows::opt_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

std::optional<std::string> Rows::opt_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}

std::optional<Timestamp> Rows::opt_time(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return time(row, column);
}

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  std::int64_t value = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), value);
  return value;
}

Connection::Connection(const std::string& url) {
  // Our defaults come first so that the URL's own settings override them.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "parkd", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  char* parse_error = nullptr;
  PQconninfoOption* info = PQconninfoParse(url.c_str(), &parse_error);
  if (info) {
    password_ = option(info, "password");
    PQconninfoFree(info);
  }
  PQfreemem(parse_error);  // its text may quote the URL
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string where = "PostgreSQL";
    std::string why = "out of memory";
    if (conn_) {
      where = fmt::format("PostgreSQL (host {}, port {}, database {}, user {})", PQhost(conn_),
                          PQport(conn_), PQdb(conn_), PQuser(conn_));
      why = one_line(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
    }
    throw Error(scrub(fmt::format("cannot connect to {}: {}", where, why), password_), "08001");
  }
  // Notices (e.g. "relation already exists, skipping") are not worth a log line each.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::fail(PGresult* result, std::string_view what) {
  std::string sqlstate;
  std::string message;
  if (result) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    if (state) sqlstate = state;
    message = primary ? primary : one_line(PQresultErrorMessage(result));
    PQclear(result);
  }
  if (message.empty()) message = one_line(PQerrorMessage(conn_));
  // A failure that is not the server's answer leaves no SQLSTATE; say why it broke.
  if (sqlstate.empty() && PQstatus(conn_) == CONNECTION_OK) sqlstate = "XX000";
  failed_state_ = sqlstate.empty() ? "08000" : sqlstate;
  throw Error(scrub(fmt::format("postgresql {}: {} (SQLSTATE {})", what, message,
                                sqlstate.empty() ? "none" : sqlstate),
                    password_),
              sqlstate);
}

std::string numbered_parameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool quoted = false;  // inside a '...' literal, where ? is text
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') quoted = !quoted;
    bool numbered = i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9';
    out += (c == '?' && !quoted && numbered) ? '$' : c;
  }
  return out;
}

const std::string& Connection::prepared(std::string_view sql, const Params& params) {
  std::string key = params.signature();
  key += sql;
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "p" + std::to_string(prepared_.size() + 1);
    std::string text = numbered_parameters(sql);
    PGresult* r =
        PQprepare(conn_, name.c_str(), text.c_str(), params.size(), params.types().data());
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, fmt::format("prepare [{}]", sql));
    PQclear(r);
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  return it->second;
}

Rows Connection::run(std::string_view sql, const Params& params) {
  const std::string& name = prepared(sql, params);
  PGresult* r = nullptr;
  if (lazy_begin_.empty() && deferred_.empty()) {
    auto values = params.pointers();
    r = PQexecPrepared(conn_, name.c_str(), params.size(), values.data(), nullptr, nullptr, 0);
  } else {
    r = pipeline(name, &params);
  }
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(r, "query");
  return Rows(r);
}

// libpq's pipeline mode sends every statement, then a sync, and the results come back
// in order: one round trip where each statement alone would take one.
PGresult* Connection::pipeline(const std::string& name, const Params* params) {
  bool begin = !lazy_begin_.empty();
  bool sent = PQenterPipelineMode(conn_) == 1;
  if (sent && begin) {
    sent = PQsendQueryParams(conn_, lazy_begin_.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                             0) == 1;
  }
  for (const Deferred& d : deferred_) {
    if (!sent) break;
    auto values = d.params.pointers();
    sent = PQsendQueryPrepared(conn_, d.name.c_str(), d.params.size(), values.data(), nullptr,
                               nullptr, 0) == 1;
  }
  if (sent && params) {
    auto values = params->pointers();
    sent = PQsendQueryPrepared(conn_, name.c_str(), params->size(), values.data(), nullptr, nullptr,
                               0) == 1;
  } else if (sent) {
    sent = PQsendQueryParams(conn_, name.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  }
  sent = sent && PQpipelineSync(conn_) == 1;
  // Everything up to the sync is read, whatever failed, so that the connection leaves
  // pipeline mode with nothing pending. Each statement's results end with a null.
  std::size_t count = (begin ? 1 : 0) + deferred_.size() + 1;
  std::vector<PGresult*> results;
  for (std::size_t nulls = 0; sent && nulls <= count;) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      if (PQstatus(conn_) != CONNECTION_OK) break;
      ++nulls;
      continue;
    }
    if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      break;
    }
    results.push_back(r);
  }
  PQexitPipelineMode(conn_);
  results.resize(count, nullptr);  // a broken connection answered fewer
  deferred_.clear();
  // The first failure is the one to report: the statements after it did not run.
  for (std::size_t i = 0; i + 1 < count; ++i) {
    auto status = results[i] ? PQresultStatus(results[i]) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      PQclear(results[i]);
      continue;
    }
    for (std::size_t j = i + 1; j < count; ++j) PQclear(results[j]);
    // A BEGIN that failed stays pending: nothing ran.
    if (begin && i == 0) fail(results[i], "begin");
    lazy_begin_.clear();
    fail(results[i], "query");
  }
  lazy_begin_.clear();
  return results.back();
}

void Connection::exec(const std::string& sql) {
  PGresult* r = lazy_begin_.empty() && deferred_.empty() ? PQexec(conn_, sql.c_str())
                                                         : pipeline(sql, nullptr);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(r, "exec");
  PQclear(r);
}

}  // namespace parkd::pg
