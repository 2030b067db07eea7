#include "support/parkd_process.h"

#include "support/response_contract.h"
#include "support/test_database.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace parkd::test {
namespace {

std::size_t collect_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t collect_header(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

std::filesystem::path make_temp_dir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    auto p = base / ("parkd-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) return p;
  }
}

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_ALL); }
};

}  // namespace

nlohmann::json HttpResult::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::optional<std::string> HttpResult::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

HttpResult HttpClient::request(const std::string& method, const std::string& path,
                               const std::string& body,
                               const std::vector<std::string>& headers) const {
  static CurlInit init;
  HttpResult result;
  CURL* curl = curl_easy_init();
  std::string url = base_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Expect:");
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.transport_error = static_cast<int>(rc);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  check_response_contract(method, path, result);
  return result;
}

HttpResult HttpClient::get(const std::string& path, const std::string& token) const {
  std::vector<std::string> h;
  if (!token.empty()) h.push_back("Authorization: Bearer " + token);
  return request("GET", path, "", h);
}

HttpResult HttpClient::post(const std::string& path, const nlohmann::json& body,
                            const std::string& token,
                            const std::vector<std::string>& extra_headers) const {
  std::vector<std::string> h = extra_headers;
  h.push_back("Content-Type: application/json");
  if (!token.empty()) h.push_back("Authorization: Bearer " + token);
  return request("POST", path, body.is_null() ? "" : body.dump(), h);
}

HttpResult HttpClient::put(const std::string& path, const nlohmann::json& body,
                           const std::string& token) const {
  std::vector<std::string> h{"Content-Type: application/json"};
  if (!token.empty()) h.push_back("Authorization: Bearer " + token);
  return request("PUT", path, body.dump(), h);
}

HttpResult HttpClient::patch(const std::string& path, const nlohmann::json& body,
                             const std::string& token) const {
  std::vector<std::string> h{"Content-Type: application/json"};
  if (!token.empty()) h.push_back("Authorization: Bearer " + token);
  return request("PATCH", path, body.dump(), h);
}

HttpResult HttpClient::del(const std::string& path, const std::string& token) const {
  std::vector<std::string> h;
  if (!token.empty()) h.push_back("Authorization: Bearer " + token);
  return request("DELETE", path, "", h);
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

namespace {

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::filesystem::path& cwd, const std::filesystem::path& log_file,
            const std::filesystem::path* stdin_file = nullptr) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) _exit(127);
    if (stdin_file != nullptr) {
      int in = ::open(stdin_file->c_str(), O_RDONLY);
      if (in < 0 || ::dup2(in, 0) < 0) _exit(127);
    }
    int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    // PARKD_TEST_BINARY: another build of parkd, e.g. the one extracted from the package.
    const char* chosen = std::getenv("PARKD_TEST_BINARY");
    std::string binary = chosen != nullptr && *chosen != '\0' ? chosen : PARKD_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

std::map<std::string, std::string> base_env(const std::filesystem::path& dir, int port) {
  return {{"PORT", std::to_string(port)},
          {"HOST", "127.0.0.1"},
          {"DATABASE_URL", database_url_for(dir)},
          {"INSTANCE_DIR", (dir / "instance").string()},
          {"SECRET_KEY", kSecretKey},
          {"ADMIN_EMAIL", kAdminEmail},
          {"ADMIN_PASSWORD", kAdminPassword},
          {"LOG_LEVEL", "info"}};
}

}  // namespace

ParkdProcess::ParkdProcess(std::map<std::string, std::string> env, std::vector<std::string> args,
                           std::optional<std::filesystem::path> dir) {
  if (dir) {
    dir_ = *dir;
    own_dir_ = false;
  } else {
    dir_ = make_temp_dir();
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    auto full_env = base_env(dir_, port_);
    for (auto& [k, v] : env) full_env[k] = v;
    if (full_env.count("PORT")) port_ = std::stoi(full_env["PORT"]);
    pid_ = spawn(args, full_env, dir_, dir_ / "parkd.log");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      if (client().get("/healthz").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  ADD_FAILURE() << "parkd did not start; its log:\n" << log();
}

ParkdProcess::~ParkdProcess() {
  if (pid_ > 0) stop(SIGTERM, 30);
  if (pid_ > 0) stop(SIGKILL, 5);
  if (own_dir_ && !std::getenv("PARKD_KEEP_TEST_DIRS")) {
    drop_database_for(dir_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string ParkdProcess::log() const {
  std::ifstream in(dir_ / "parkd.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<int> ParkdProcess::stop(int signal_number, int timeout_s) {
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
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

std::string ParkdProcess::admin_token() const {
  auto r = client().post("/auth/login", {{"email", kAdminEmail}, {"password", kAdminPassword}});
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json().value("token", "");
}

std::string ParkdProcess::register_user(const std::string& email,
                                        const std::string& password) const {
  auto r = client().post("/auth/register", {{"email", email}, {"password", password}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json().value("token", "");
}

CommandResult run_parkd(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env,
                        const std::filesystem::path& cwd) {
  return run_parkd(args, env, cwd, std::chrono::milliseconds::max());
}

namespace {

CommandResult run_command(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          const std::filesystem::path& cwd, std::chrono::milliseconds timeout,
                          const std::optional<std::string>& input) {
  auto log_file = cwd / ("command-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(log_file);
  auto full_env = base_env(cwd, 0);
  full_env.erase("PORT");
  for (auto& [k, v] : env) full_env[k] = v;
  auto input_file = cwd / ("command-" + std::to_string(::getpid()) + ".stdin");
  if (input) std::ofstream(input_file, std::ios::binary) << *input;
  pid_t pid = spawn(args, full_env, cwd, log_file, input ? &input_file : nullptr);
  CommandResult r;
  int status = 0;
  if (timeout == std::chrono::milliseconds::max()) {
    ::waitpid(pid, &status, 0);
  } else {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::waitpid(pid, &status, WNOHANG) != pid) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        r.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(log_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.output = ss.str();
  std::filesystem::remove(log_file);
  if (input) std::filesystem::remove(input_file);
  return r;
}

}  // namespace

CommandResult run_parkd(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env,
                        const std::filesystem::path& cwd, std::chrono::milliseconds timeout) {
  return run_command(args, env, cwd, timeout, std::nullopt);
}

CommandResult run_parkd_with_input(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   const std::filesystem::path& cwd, const std::string& input) {
  return run_command(args, env, cwd, std::chrono::seconds(60), input);
}

}  // namespace parkd::test
