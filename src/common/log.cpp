// parkd's log lines: the batching stderr sink, and the text and JSON line formats with
// their fields and request ids (see log.h).
#include "common/log.h"

#include "common/fd_io.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <memory>

namespace parkd {
namespace {

std::shared_ptr<LineSink>& stderr_sink() {
  static std::shared_ptr<LineSink> sink;
  return sink;
}

std::atomic<LogFormat> g_format{LogFormat::text};
// What the line being logged on this thread carries besides its message. Formatting
// happens on the logging thread (the sinks are synchronous), so it can read these.
thread_local std::span<const LogField> t_fields;
thread_local std::string_view t_request_id;

void append(spdlog::memory_buf_t& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

// The length of the UTF-8 sequence at s[i], or 0 if it is not valid UTF-8 (overlong
// forms and surrogates included, as strict JSON parsers reject them).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                  : c >= 0xe0 && c <= 0xef ? 3
                  : c >= 0xf0 && c <= 0xf4 ? 4
                                           : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  unsigned char second = byte(i + 1);
  if ((c == 0xe0 && second < 0xa0) || (c == 0xed && second > 0x9f) ||
      (c == 0xf0 && second < 0x90) || (c == 0xf4 && second > 0x8f)) {
    return 0;
  }
  return n;
}

void append_json_string(spdlog::memory_buf_t& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      append(out, "\\n");
    } else if (c < 0x20 || c == 0x7f) {
      const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(esc, esc + sizeof esc);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (std::size_t n = utf8_length(s, i); n > 0) {
      out.append(s.data() + i, s.data() + i + n);
      i += n - 1;
    } else {
      append(out, "\\ufffd");
    }
  }
  out.push_back('"');
}

// The text format's tail: " key=value" for each field the message does not already say,
// then the request id.
class TextFields final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& out) override {
    for (const auto& f : t_fields) {
      if (f.json_only) continue;
      out.push_back(' ');
      append(out, f.key);
      out.push_back('=');
      append(out, f.value);
    }
    if (!t_request_id.empty()) {
      append(out, " request_id=");
      append(out, t_request_id);
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TextFields>();
  }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    auto since_epoch = msg.time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
    std::time_t t = seconds.count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char time[40];
    int n = std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec, static_cast<int>(millis.count()));
    append(out, "{\"time\":\"");
    append(out, std::string_view(time, static_cast<std::size_t>(n)));
    append(out, "\",\"level\":\"");
    auto level = spdlog::level::to_string_view(msg.level);
    append(out, std::string_view(level.data(), level.size()));
    append(out, "\",\"message\":");
    append_json_string(out, std::string_view(msg.payload.data(), msg.payload.size()));
    for (const auto& f : t_fields) {
      out.push_back(',');
      append_json_string(out, f.key);
      out.push_back(':');
      if (f.number) {
        append(out, f.value);
      } else {
        append_json_string(out, f.value);
      }
    }
    if (!t_request_id.empty()) {
      append(out, ",\"request_id\":");
      append_json_string(out, t_request_id);
    }
    append(out, "}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonFormatter>();
  auto text = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  text->add_flag<TextFields>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v%*");
  return text;
}

void set_log_format(LogFormat format) {
  g_format.store(format);
  spdlog::set_formatter(make_log_formatter(format));
}

LogFormat log_format() { return g_format.load(); }

void log_with_fields(spdlog::level::level_enum level, std::string_view message,
                     std::span<const LogField> fields) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  t_fields = fields;
  logger->log(level, spdlog::string_view_t(message.data(), message.size()));
  t_fields = {};
}

RequestLogScope::RequestLogScope(std::string_view request_id) : previous_(t_request_id) {
  t_request_id = request_id;
}

RequestLogScope::~RequestLogScope() { t_request_id = previous_; }

std::string_view current_request_id() { return t_request_id; }

void print_line(std::FILE* out, std::string_view text) {
  if (g_format.load() == LogFormat::text) {
    std::fwrite(text.data(), 1, text.size(), out);
    std::fputc('\n', out);
    return;
  }
  spdlog::details::log_msg msg(spdlog::source_loc{}, "parkd", spdlog::level::info,
                               spdlog::string_view_t(text.data(), text.size()));
  spdlog::memory_buf_t line;
  JsonFormatter().format(msg, line);
  std::fwrite(line.data(), 1, line.size(), out);
}

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
  set_log_format(LogFormat::text);
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
