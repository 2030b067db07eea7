#include "support/response_contract.h"

#include "support/test_database.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

extern char** environ;

namespace parkd::test {
namespace {

// Larger bodies (CSV exports, the OpenAPI document) are not what is being checked.
constexpr std::size_t kLargestCheckedBody = 256 * 1024;
// A validator that takes longer than this over one answer is taken for stuck.
constexpr int kVerdictTimeoutMs = 60'000;
// How much of a non-conforming body a failure message quotes.
constexpr std::size_t kQuotedBody = 2000;

// What the validator said about one answer: the problems it found (none: the answer
// conforms), or why there is no verdict.
struct Verdict {
  std::vector<std::string> problems;
  std::string unreachable;
};

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// One connection to a validator (scripts/check-responses.mjs), opened on first use and
// kept for the life of the process; one answer and its verdict at a time.
class Validator {
 public:
  Validator() = default;
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;
  ~Validator() {
    if (fd_ >= 0) ::close(fd_);  // the child reads the end of its input and exits
    if (child_ > 0) ::waitpid(child_, nullptr, 0);
  }

  // The verdict on `answer`, one line of JSON ending in a newline.
  Verdict ask(const std::string& answer) {
    std::lock_guard lock(mutex_);
    if (broken_.empty() && fd_ < 0) broken_ = open();
    if (!broken_.empty()) return {{}, broken_};
    std::string line;
    if (!send_all(fd_, answer) || !read_line(line)) {
      broken_ = "the response validator (" + name_ + ") stopped answering" + ended_how();
      return {{}, broken_};
    }
    auto verdict = nlohmann::json::parse(line, nullptr, false);
    bool ok = verdict.is_object() && verdict.contains("ok") && verdict["ok"] == true;
    bool has_problems = verdict.is_object() && verdict.contains("problems") &&
                        verdict["problems"].is_array() && !verdict["problems"].empty();
    if (ok == has_problems) return {{}, "the response validator (" + name_ + ") answered " + line};
    Verdict v;
    if (ok) return v;
    for (const auto& p : verdict["problems"]) {
      v.problems.push_back(p.is_string() ? p.get<std::string>() : p.dump());
    }
    return v;
  }

 private:
  // Connects to the validator; returns why it cannot, or "".
  std::string open() {
    const char* socket_path = std::getenv("PARKD_RESPONSE_VALIDATOR");
    if (socket_path != nullptr && *socket_path != '\0') return connect_to(socket_path);
    return start_child();
  }

  std::string connect_to(const std::string& path) {
    name_ = "listening on " + path;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return "the socket path " + path + " is too long";
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      std::string why = std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      return "cannot reach the response validator on " + path + " (" + why +
             "): CTest's contract.responses.start starts it, its output is in " + path + ".log";
    }
    return "";
  }

  // `node scripts/check-responses.mjs --serve`, its standard input and output one end of
  // a socket pair (its errors go to this process's).
  std::string start_child() {
    std::string script = std::string(PARKD_SOURCE_DIR) + "/scripts/check-responses.mjs";
    name_ = std::string(PARKD_NODE) + " " + script + " --serve";
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
      return std::string("cannot start the response validator: socketpair: ") +
             std::strerror(errno);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, ends[1], 0);
    posix_spawn_file_actions_adddup2(&actions, ends[1], 1);
    std::string node = PARKD_NODE;
    std::string serve = "--serve";
    std::vector<char*> argv{node.data(), script.data(), serve.data(), nullptr};
    int rc = ::posix_spawn(&child_, node.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(ends[1]);
    if (rc != 0) {
      ::close(ends[0]);
      child_ = -1;
      return "cannot start the response validator (" + name_ + "): " + std::strerror(rc);
    }
    fd_ = ends[0];
    return "";
  }

  // Reads up to the next newline into `line` (without it); false on an error, the end of
  // the connection or a timeout.
  bool read_line(std::string& line) {
    for (;;) {
      if (auto newline = pending_.find('\n'); newline != std::string::npos) {
        line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        return true;
      }
      pollfd ready{fd_, POLLIN, 0};
      int polled = ::poll(&ready, 1, kVerdictTimeoutMs);
      if (polled < 0 && errno == EINTR) continue;
      if (polled <= 0) return false;
      char buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      pending_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  // How a child validator ended, if it did.
  std::string ended_how() {
    int status = 0;
    if (child_ <= 0 || ::waitpid(child_, &status, WNOHANG) != child_) return "";
    child_ = -1;
    if (WIFEXITED(status)) return " and exited with status " + std::to_string(WEXITSTATUS(status));
    return " and died of signal " + std::to_string(WTERMSIG(status));
  }

  std::mutex mutex_;
  int fd_ = -1;
  pid_t child_ = -1;
  std::string name_;     // which validator, for messages
  std::string broken_;   // why the validator cannot be used, once it failed
  std::string pending_;  // bytes read past the last verdict
};

// The running test as CTest names it (the PostgreSQL run's with "pg."), or the suite
// whose set-up or tear-down is running.
std::string current_test_name() {
  const auto* unit = ::testing::UnitTest::GetInstance();
  std::string run = testing_postgres() ? "pg." : "";
  if (const auto* test = unit->current_test_info()) {
    return run + test->test_suite_name() + "." + test->name();
  }
  if (const auto* suite = unit->current_test_suite()) {
    return run + suite->name() + "'s set-up or tear-down";
  }
  return "";
}

std::string quoted_body(const std::string& body) {
  if (body.size() <= kQuotedBody) return body;
  return body.substr(0, kQuotedBody) + "… (" + std::to_string(body.size()) + " bytes)";
}

// One answer: the line the validator reads, and what a failure names.
struct Answer {
  std::string test;
  std::string request;  // "GET /api/lots/1"
  long status = 0;
  std::string body;
  std::string line;
};

// Asks the validator about `answer` and adds a failure to the running test when the answer
// departs from the document or cannot be checked.
void check_now(const Answer& answer) {
  static Validator validator;
  Verdict verdict = validator.ask(answer.line);
  std::string running = current_test_name();
  // An answer of the suite's set-up, say, fails the test whose end checks it.
  std::string where = answer.test == running ? "" : ", received in " + answer.test + ",";
  if (!verdict.unreachable.empty()) {
    // Once per test: the same reason holds for every later answer.
    static std::mutex mutex;
    static std::string reported_to = "\n";
    std::lock_guard lock(mutex);
    if (reported_to == running) return;
    reported_to = running;
    ADD_FAILURE() << "The answer to " << answer.request << where
                  << " could not be checked against docs/openapi.yaml: " << verdict.unreachable;
    return;
  }
  if (verdict.problems.empty()) return;
  std::string listed;
  for (const auto& p : verdict.problems) listed += "\n  " + p;
  ADD_FAILURE() << answer.request << where << " was answered " << answer.status
                << ", which docs/openapi.yaml does not describe:" << listed
                << "\nThe body: " << quoted_body(answer.body);
}

// The answers received while a test suite runs (its set-up, its tests, its tear-down),
// checked when the running test ends, or the suite when none is left. Checked on arrival,
// they would hold up a load test's clients and take CPU from parkd while the load runs
// (CrashUnderLoad.* then sends a third fewer requests); and a failure in a suite's set-up
// would make GoogleTest skip its tests, which CTest counts as no failure. Past
// kLargestPending bytes they are checked at once.
constexpr std::size_t kLargestPending = 64 * 1024 * 1024;

class Pending {
 public:
  // Keeps `answer`; returns the answers to check now (when over kLargestPending).
  std::vector<Answer> add(Answer answer) {
    std::lock_guard lock(mutex_);
    bytes_ += answer.line.size() + answer.body.size();
    answers_.push_back(std::move(answer));
    return bytes_ > kLargestPending ? take_locked() : std::vector<Answer>{};
  }
  std::vector<Answer> take() {
    std::lock_guard lock(mutex_);
    return take_locked();
  }

 private:
  std::vector<Answer> take_locked() {
    bytes_ = 0;
    return std::exchange(answers_, {});
  }
  std::mutex mutex_;
  std::vector<Answer> answers_;
  std::size_t bytes_ = 0;
};

Pending& pending() {
  static Pending answers;
  return answers;
}

// Checks the answers kept so far as a test ends, ahead of the result printer (listeners
// receive end events in reverse order of registration), so that their failures count for
// that test; and as a suite ends, for the answers of its tear-down.
class CheckAtTestEnd : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo&) override { check_pending(); }
  void OnTestSuiteEnd(const ::testing::TestSuite&) override { check_pending(); }
  static void check_pending() {
    for (const auto& answer : pending().take()) check_now(answer);
  }
};

// Registered before main(): the suite runs on gtest_main.
[[maybe_unused]] const bool kCheckAtTestEnd = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new CheckAtTestEnd);
  return true;
}();

}  // namespace

void check_response_contract(const std::string& method, const std::string& path,
                             const HttpResult& result) {
  if (result.transport_error != 0) return;
  Answer answer{current_test_name(), method + " " + path, result.status, result.body, ""};
  nlohmann::json line = {
      {"test", answer.test},
      {"method", method},
      {"path", path},
      {"status", result.status},
      {"content_type", result.header("content-type").value_or("")},
      {"body", result.body.size() <= kLargestCheckedBody ? result.body : std::string()}};
  answer.line = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // Outside any test suite there is no end to wait for.
  if (::testing::UnitTest::GetInstance()->current_test_suite() == nullptr) return check_now(answer);
  for (const auto& due : pending().add(std::move(answer))) check_now(due);
}

}  // namespace parkd::test
