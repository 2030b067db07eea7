#pragma once
// Where parkd's log lines go: stderr, written as whole lines, in batches for the
// long-running commands.

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <chrono>
#include <mutex>
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

// Makes the default logger write to stderr: through a LineSink, or with colours when
// stderr is a terminal (a person watching wants each line as it happens).
void log_to_stderr();

// For commands that run until stopped (serve, worker, scheduler): batch the lines, and
// write what is kept at least once a second even when nothing else is logged, and
// before std::terminate ends the process.
void batch_log_lines();

}  // namespace parkd
