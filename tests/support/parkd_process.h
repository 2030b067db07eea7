#pragma once
// Black-box test support: runs the built parkd binary on a free port with a fresh
// temporary instance directory, and talks to it over real HTTP (libcurl).

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parkd::test {

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
  int transport_error = 0;      // no complete response: libcurl's CURLcode (7: refused)
  nlohmann::json json() const;  // null when the body is not JSON
  std::optional<std::string> header(const std::string& lower_name) const;
};

// Every answer it receives is checked against docs/openapi.yaml, failing the test that
// received a wrong one (support/response_contract.h).
class HttpClient {
 public:
  explicit HttpClient(std::string base_url) : base_(std::move(base_url)) {}
  HttpResult request(const std::string& method, const std::string& path,
                     const std::string& body = "",
                     const std::vector<std::string>& headers = {}) const;
  // JSON shortcuts; `token` adds Authorization: Bearer.
  HttpResult get(const std::string& path, const std::string& token = "") const;
  HttpResult post(const std::string& path, const nlohmann::json& body,
                  const std::string& token = "",
                  const std::vector<std::string>& extra_headers = {}) const;
  HttpResult put(const std::string& path, const nlohmann::json& body,
                 const std::string& token = "") const;
  HttpResult patch(const std::string& path, const nlohmann::json& body,
                   const std::string& token = "") const;
  HttpResult del(const std::string& path, const std::string& token = "") const;
  const std::string& base() const { return base_; }

 private:
  std::string base_;
};

int free_port();

class ParkdProcess {
 public:
  // Starts `parkd <args>` (default: serve) with ADMIN_EMAIL=admin@test.local,
  // ADMIN_PASSWORD=admin-pass-1, a fresh SQLite file, plus `env` overrides; waits for
  // /healthz. The directory is removed on destruction unless PARKD_KEEP_TEST_DIRS is set.
  explicit ParkdProcess(std::map<std::string, std::string> env = {},
                        std::vector<std::string> args = {"serve"},
                        std::optional<std::filesystem::path> dir = std::nullopt);
  ~ParkdProcess();
  ParkdProcess(const ParkdProcess&) = delete;
  ParkdProcess& operator=(const ParkdProcess&) = delete;

  HttpClient client() const { return HttpClient(url()); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::string log() const;  // everything the process printed

  // Sends a signal and waits up to `timeout_s` for exit; returns the exit status
  // (or -signal if it died from one, or nullopt if it did not exit in time).
  std::optional<int> stop(int signal_number, int timeout_s = 30);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // e.g. to signal without waiting (-1 once exited)

  // Logs in and returns the token (fails the test if login fails).
  std::string admin_token() const;
  // Registers a user (email must be new) and returns the token.
  std::string register_user(const std::string& email,
                            const std::string& password = "password-123") const;

 private:
  std::filesystem::path dir_;
  bool own_dir_ = true;
  int port_ = 0;
  pid_t pid_ = -1;
};

inline constexpr const char* kAdminEmail = "admin@test.local";
inline constexpr const char* kAdminPassword = "admin-pass-1";
// The SECRET_KEY every test process gets (unless overridden), so tests can sign tokens.
inline constexpr const char* kSecretKey = "test-secret-key-0123456789abcdef";

// Runs a short-lived parkd command (e.g. "db", "seed", "--demo") to completion.
struct CommandResult {
  int exit_code = -1;
  std::string output;
  bool timed_out = false;  // killed by the timeout overload below
};
CommandResult run_parkd(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env,
                        const std::filesystem::path& cwd);
// The same, but kills the command (SIGKILL) if it is still running after `timeout`:
// for commands that must exit by themselves (e.g. `serve` with a bad setting).
CommandResult run_parkd(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env,
                        const std::filesystem::path& cwd, std::chrono::milliseconds timeout);

// The same, with `input` as its standard input (a file, so not a terminal): for the
// commands that read a password. Killed after 60 s.
CommandResult run_parkd_with_input(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   const std::filesystem::path& cwd, const std::string& input);

}  // namespace parkd::test
