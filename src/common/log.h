#pragma once
// Where parkd's log lines go: stderr, written as whole lines, in batches for the
// long-running commands; as text or as one JSON object per line (LOG_FORMAT); with
// fields beside the message and the id of the request being served.

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace parkd {

// Writes formatted lines to a file descriptor. Unbatched, every line is written at once.
// Batched, lines are kept until a warning or error arrives (written at once, with
// everything before it), the oldest kept line is max_age old (checked as lines arrive), max_bytes
// are kept, or the sink is flushed or destroyed: under load, one write(2) per log line cost the
// HTTP threads a seventh of a core (bench/README.md).
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kMaxBytes = std::size_t{64} * 1024;
  static constexpr std::chrono::milliseconds kMaxAge{100};

  explicit LineSink(int fd, std::chrono::milliseconds max_age = kMaxAge)
      : fd_(fd), max_age_(max_age) {}
  ~LineSink() override;
  LineSink(const LineSink&) = delete;
  LineSink& operator=(const LineSink&) = delete;

  void batch(bool on);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  int fd_;
  std::chrono::milliseconds max_age_;
  bool batched_ = false;
  spdlog::memory_buf_t kept_;
  spdlog::log_clock::time_point oldest_kept_;
};

// One log line for a failure that repeats, instead of one per occurrence: a full disk
// fails every write, and a line per request would bury the cause (and fill the disk
// holding the log). The first failure is logged at error; while the same cause goes on,
// one line a `quiet` period says how often it recurred; a different cause is logged at
// once; the first success after failures says so at info.
class FailureLog {
 public:
  explicit FailureLog(std::string what, std::chrono::seconds quiet = std::chrono::seconds(60))
      : what_(std::move(what)), quiet_(quiet) {}

  void failed(std::string_view cause);
  // Cheap when nothing failed: one relaxed atomic load.
  void succeeded() {
    if (failing_.load(std::memory_order_relaxed)) recovered();
  }

 private:
  void recovered();

  std::string what_;
  std::chrono::seconds quiet_;
  std::atomic<bool> failing_{false};
  std::mutex mutex_;
  std::string cause_;
  std::uint64_t since_logged_ = 0;  // failures not yet reported
  std::uint64_t total_ = 0;         // failures since the last success
  std::chrono::steady_clock::time_point logged_at_;
};

enum class LogFormat {
  text,  // 2026-12-04T15:00:00.123Z info GET /api/lots 200 1.2ms client=192.0.2.7 request_id=…
  json,  // {"time":"2026-12-04T15:00:00.123Z","level":"info","message":"…","client":…}
};

// Formats lines in `format`: the pattern above, or a JSON object per line with "time",
// "level" and "message", then the fields and "request_id". Strings are escaped, and
// bytes that are not UTF-8 become U+FFFD, so every line parses.
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);
// Makes the default logger (and print_line) use `format`.
void set_log_format(LogFormat format);
LogFormat log_format();

// A value logged beside a message (see log_with_fields).
struct LogField {
  std::string_view key;
  std::string_view value;
  bool number = false;     // in JSON, written unquoted: `value` must be a JSON number
  bool json_only = false;  // a text line says it in the message already
};

// Logs `message` on the default logger with `fields`: " key=value" after the message in
// text, keys of the object in JSON.
void log_with_fields(spdlog::level::level_enum level, std::string_view message,
                     std::span<const LogField> fields);

// While one lives, every line this thread logs carries `request_id` (which must outlive
// it): the lines a request causes can be found by its id. Scopes nest.
class RequestLogScope {
 public:
  explicit RequestLogScope(std::string_view request_id);
  ~RequestLogScope();
  RequestLogScope(const RequestLogScope&) = delete;
  RequestLogScope& operator=(const RequestLogScope&) = delete;

 private:
  std::string_view previous_;
};

// The id of the innermost RequestLogScope open on this thread; empty when none. What a
// thread that works on a request's behalf (the SQLite writer, a job) takes with it.
std::string_view current_request_id();

// Writes `text` (no trailing newline) to `out` as a line of its own: as is in text, as
// a JSON log line of level info in JSON, so that stdout parses like stderr. For the
// start-up lines people and scripts read.
void print_line(std::FILE* out, std::string_view text);

// Makes the default logger write to stderr: through a LineSink, or with colours when
// stderr is a terminal (a person watching wants each line as it happens).
void log_to_stderr();

// For commands that run until stopped (serve, worker, scheduler): batch the lines, and
// write what is kept at least once a second even when nothing else is logged, and
// before std::terminate ends the process.
void batch_log_lines();

}  // namespace parkd
