#include "common/log.h"

#include "common/fd_io.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <memory>

namespace parkd {
namespace {

std::shared_ptr<LineSink>& stderr_sink() {
  static std::shared_ptr<LineSink> sink;
  return sink;
}

}  // namespace

LineSink::~LineSink() {
  std::lock_guard lock(mutex_);
  flush_();
}

void LineSink::batch(bool on) {
  std::lock_guard lock(mutex_);
  batched_ = on;
  if (!on) flush_();
}

void LineSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (kept_.size() == 0) oldest_kept_ = msg.time;
  formatter_->format(msg, kept_);
  if (!batched_ || msg.level >= spdlog::level::warn || kept_.size() >= kMaxBytes ||
      msg.time - oldest_kept_ >= max_age_) {
    flush_();
  }
}

void LineSink::flush_() {
  // Lines that cannot be written (stderr closed) are dropped, not retried forever.
  (void)write_fully(fd_, std::string_view(kept_.data(), kept_.size()));
  kept_.clear();
}

void log_to_stderr() {
  std::shared_ptr<spdlog::logger> logger;
  if (::isatty(STDERR_FILENO)) {
    logger = spdlog::stderr_color_mt("parkd");
  } else {
    stderr_sink() = std::make_shared<LineSink>(STDERR_FILENO);
    logger = std::make_shared<spdlog::logger>("parkd", stderr_sink());
  }
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
}

void batch_log_lines() {
  if (!stderr_sink()) return;
  stderr_sink()->batch(true);
  spdlog::flush_every(std::chrono::seconds(1));
  // An uncaught exception skips the destructors that would write the kept lines.
  static std::terminate_handler previous = std::set_terminate([] {
    if (auto& sink = stderr_sink()) sink->flush();
    if (previous) previous();
    std::abort();
  });
}

void FailureLog::failed(std::string_view cause) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  ++total_;
  if (!failing_.load(std::memory_order_relaxed) || cause != cause_) {
    failing_.store(true, std::memory_order_relaxed);
    cause_ = cause;
    since_logged_ = 0;
    logged_at_ = now;
    spdlog::error("{}: {}", what_, cause_);
    return;
  }
  ++since_logged_;
  if (now - logged_at_ >= quiet_) {
    spdlog::error("{}: {} (again {} times since the last report)", what_, cause_, since_logged_);
    since_logged_ = 0;
    logged_at_ = now;
  }
}

void FailureLog::recovered() {
  std::lock_guard lock(mutex_);
  if (!failing_.load(std::memory_order_relaxed)) return;
  failing_.store(false, std::memory_order_relaxed);
  spdlog::info("{}: working again after {} failures ({})", what_, total_, cause_);
  total_ = 0;
  since_logged_ = 0;
  cause_.clear();
}

}  // namespace parkd
