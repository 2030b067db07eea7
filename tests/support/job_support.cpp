#include "support/job_support.h"

#include "support/test_database.h"

#include "mail/encoding.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace parkd::test {
namespace {

using nlohmann::json;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(std::string text) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && space(text.back())) text.pop_back();
  std::size_t first = 0;
  while (first < text.size() && space(text[first])) ++first;
  return text.substr(first);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The environment ParkdProcess gives a process on `dir`'s database, plus `overrides`,
// on top of this process's own environment, as "NAME=value" strings.
std::vector<std::string> child_environment(const std::filesystem::path& dir,
                                           const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    std::size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  env["DATABASE_URL"] = database_url_for(dir);
  env["INSTANCE_DIR"] = (dir / "instance").string();
  env["SECRET_KEY"] = kSecretKey;
  env["ADMIN_EMAIL"] = kAdminEmail;
  env["ADMIN_PASSWORD"] = kAdminPassword;
  env["LOG_LEVEL"] = "info";
  for (const auto& [k, v] : overrides) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(std::string(k).append("=").append(v));
  return out;
}

// "; "-separated parameters of a header value, outside quoted strings.
std::map<std::string, std::string> header_parameters(const std::string& value) {
  std::map<std::string, std::string> out;
  std::vector<std::string> items;
  std::string current;
  bool quoted = false;
  for (char c : value) {
    if (c == '"') quoted = !quoted;
    if (c == ';' && !quoted) {
      items.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  items.push_back(current);
  for (std::size_t i = 1; i < items.size(); ++i) {
    std::string item = trim(items[i]);
    std::size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string v = trim(item.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    out[lower(trim(item.substr(0, eq)))] = v;
  }
  return out;
}

}  // namespace

// ---- processes ---------------------------------------------------------------------

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& args,
                                     const std::filesystem::path& dir,
                                     const std::map<std::string, std::string>& env) {
  static std::atomic<int> counter{0};
  log_file_ = dir / (args.at(0) + "-" + std::to_string(++counter) + ".log");
  // Everything the child needs is built before fork(): it only calls async-signal-safe
  // functions afterwards.
  std::string binary = PARKD_BINARY;
  std::vector<std::string> argv_storage{binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = child_environment(dir, env);
  std::vector<char*> envp;
  envp.reserve(env_storage.size() + 1);
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (::chdir(dir.c_str()) != 0) _exit(127);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  ::close(fd);
  bool started = eventually(
      [&] {
        int status = 0;
        if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
        return pid_ <= 0 || log().find(" running (database") != std::string::npos;
      },
      std::chrono::seconds(30));
  if (!started || pid_ <= 0) ADD_FAILURE() << "parkd " << args[0] << " did not start:\n" << log();
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) stop(SIGTERM, 30);
  if (pid_ > 0) stop(SIGKILL, 5);
}

std::optional<int> BackgroundProcess::stop(int signal_number, int timeout_s) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, signal_number);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string BackgroundProcess::log() const { return read_file(log_file_); }

std::int64_t enqueue_job(const std::filesystem::path& dir, const std::string& type,
                         const json& payload, const std::map<std::string, std::string>& env) {
  auto r = run_parkd({"job", "enqueue", type, "--payload", payload.dump()}, env, dir);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The id is the last line; log lines (stderr) share the output.
  std::istringstream lines(r.output);
  std::string line, id;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (!line.empty() && std::all_of(line.begin(), line.end(), ::isdigit)) id = line;
  }
  EXPECT_FALSE(id.empty()) << "no job id in: " << r.output;
  return id.empty() ? 0 : std::stoll(id);
}

// ---- the database ------------------------------------------------------------------

std::vector<std::vector<std::string>> sql_rows(const std::filesystem::path& dir,
                                               const std::string& sql,
                                               const std::vector<std::string>& params) {
  if (testing_postgres()) return postgres_rows(database_url_for(dir), sql, params);
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  auto path = (dir / "parking.db").string();
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string& p = params[i];
    int index = static_cast<int>(i) + 1;
    bool integer = !p.empty() && std::all_of(p.begin(), p.end(), ::isdigit);
    if (integer) {
      sqlite3_bind_int64(s, index, std::stoll(p));
    } else {
      sqlite3_bind_text(s, index, p.c_str(), -1, SQLITE_TRANSIENT);
    }
  }
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(s); ++c) {
      const unsigned char* text = sqlite3_column_text(s, c);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return rows;
}

std::int64_t sql_count(const std::filesystem::path& dir, const std::string& sql,
                       const std::vector<std::string>& params) {
  auto rows = sql_rows(dir, sql, params);
  if (rows.empty() || rows[0].empty() || rows[0][0].empty()) return 0;
  return std::stoll(rows[0][0]);
}

// ---- polling -----------------------------------------------------------------------

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

json job_of(const HttpClient& http, const std::string& token, std::int64_t id) {
  auto r = http.get("/api/jobs/" + std::to_string(id), token);
  if (r.status != 200) return json();
  auto j = r.json();
  return j.is_object() && j.contains("job") ? j["job"] : json();
}

json wait_for_job(const HttpClient& http, const std::string& token, std::int64_t id,
                  const std::string& status, std::chrono::milliseconds timeout) {
  json job;
  eventually(
      [&] {
        job = job_of(http, token, id);
        return job.is_object() && job["status"] == status;
      },
      timeout);
  return job;
}

json jobs_of_type(const HttpClient& http, const std::string& admin_token, const std::string& type) {
  auto r = http.get("/api/admin/jobs?limit=10000", admin_token);
  EXPECT_EQ(r.status, 200) << r.body;
  json out = json::array();
  auto j = r.json();
  if (!j.is_object() || !j.contains("jobs")) return out;
  for (const auto& job : j["jobs"]) {
    if (job["type"] == type) out.push_back(job);
  }
  return out;
}

// ---- MIME --------------------------------------------------------------------------

std::string MimeEntity::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string MimeEntity::media_type() const {
  std::string type = header("content-type");
  return lower(trim(type.substr(0, type.find(';'))));
}

std::string MimeEntity::parameter(const std::string& header_name, const std::string& name) const {
  auto params = header_parameters(header(header_name));
  auto it = params.find(lower(name));
  return it == params.end() ? "" : it->second;
}

std::string MimeEntity::decoded() const {
  std::string encoding = lower(trim(header("content-transfer-encoding")));
  if (encoding == "base64") return mail::base64_decode(body).value_or("<bad base64>");
  if (encoding == "quoted-printable") {
    return mail::quoted_printable_decode(body).value_or("<bad quoted-printable>");
  }
  return body;
}

std::vector<const MimeEntity*> MimeEntity::leaves() const {
  if (parts.empty()) return {this};
  std::vector<const MimeEntity*> out;
  for (const auto& p : parts) {
    auto sub = p.leaves();
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

const MimeEntity* MimeEntity::body_part(const std::string& type) const {
  for (const MimeEntity* leaf : leaves()) {
    bool attachment = lower(leaf->header("content-disposition")).starts_with("attachment");
    if (!attachment && leaf->media_type() == type) return leaf;
  }
  return nullptr;
}

std::optional<std::string> MimeEntity::attachment(const std::string& filename) const {
  for (const MimeEntity* leaf : leaves()) {
    if (!lower(leaf->header("content-disposition")).starts_with("attachment")) continue;
    if (leaf->parameter("content-disposition", "filename") == filename) return leaf->decoded();
  }
  return std::nullopt;
}

std::string MimeEntity::subject() const {
  std::string raw = header("subject");
  return mail::decode_header_text(raw).value_or(raw);
}

MimeEntity parse_mime(const std::string& raw) {
  MimeEntity entity;
  std::size_t split = raw.find("\r\n\r\n");
  std::string head = raw.substr(0, split);
  entity.body = split == std::string::npos ? "" : raw.substr(split + 4);
  std::string name, value;
  auto flush = [&] {
    if (!name.empty()) entity.headers[lower(name)] = trim(value);
  };
  std::size_t start = 0;
  while (start < head.size()) {
    std::size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(start, end - start);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      value += line;  // a folded continuation: the CRLF goes, the white space stays
    } else if (!line.empty()) {
      flush();
      std::size_t colon = line.find(':');
      name = line.substr(0, colon);
      value = colon == std::string::npos ? "" : line.substr(colon + 1);
    }
    start = end + 2;
  }
  flush();
  if (entity.media_type().starts_with("multipart/")) {
    std::string delimiter = "--" + entity.parameter("content-type", "boundary");
    std::string body = "\r\n" + entity.body;  // so the first delimiter has its CRLF too
    std::size_t pos = body.find("\r\n" + delimiter);
    while (pos != std::string::npos) {
      std::size_t after = pos + 2 + delimiter.size();
      if (body.compare(after, 2, "--") == 0) break;  // the close delimiter
      std::size_t content = body.find("\r\n", after);
      if (content == std::string::npos) break;
      content += 2;
      std::size_t next = body.find("\r\n" + delimiter, content);
      if (next == std::string::npos) break;
      entity.parts.push_back(parse_mime(body.substr(content, next - content)));
      pos = next;
    }
  }
  return entity;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, cell_started = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
      cell_started = true;
    } else if (c == ',') {
      row.push_back(cell);
      cell.clear();
      cell_started = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(cell);
      rows.push_back(row);
      row.clear();
      cell.clear();
      cell_started = false;
      ++i;
    } else {
      cell += c;
      cell_started = true;
    }
  }
  if (cell_started || !row.empty()) {
    row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace parkd::test
