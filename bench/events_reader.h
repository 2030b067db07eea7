#pragma once
// The stream side of bench/events_client: many GET /api/events streams read on one
// epoll thread, with each arrival of the benchmark lot's `lot` events kept for timing.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace parkd_bench {

using Clock = std::chrono::steady_clock;

// A blocking TCP connection to 127.0.0.1:port; -1 when refused.
int connect_local(int port);
bool send_all(int fd, const std::string& bytes);

// One SSE stream. The HTTP/1.1 chunked body is not unframed: whole events are found by
// their blank line, and the framing between them is skipped by the event pattern.
struct Stream {
  int fd = -1;
  bool head_done = false, snapshot = false, closed = false;
  std::string error, pending;
  std::vector<std::pair<Clock::time_point, int>> lot_events;  // this lot's: arrival, spots
  std::uint64_t events = 0, bytes = 0;
};

// Owns the streams (opened by the constructor, tokens taken in turn) and reads them all
// on one thread; the main thread waits for what it needs on `changed_`.
class Reader {
 public:
  Reader(int port, int lot, int streams, const std::vector<std::string>& tokens);
  ~Reader() { stop(); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Ends the reading thread and closes every stream.
  void stop();

  // Waits until each stream has its snapshot or has ended, 30 s at most (a stream still
  // without its snapshot then is not counted as opened).
  void wait_opened() {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, Clock::now() + std::chrono::seconds(30), [&] {
      for (const Stream& s : streams_) {
        if (!s.snapshot && !s.closed) return false;
      }
      return true;
    });
  }

  // Waits until every good stream has at least index+1 lot events, or the deadline.
  bool wait_for(std::size_t index, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, deadline, [&] {
      for (const Stream& s : streams_) {
        if (good(s) && s.lot_events.size() <= index) return false;
      }
      return true;
    });
  }

  // f(streams) with the reader's lock held.
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(mutex_);
    return f(streams_);
  }

  // Opened with a snapshot and no error: the streams whose events are checked.
  static bool good(const Stream& s) { return s.snapshot && s.error.empty(); }

 private:
  void loop();
  void finish(Stream& s, const std::string& error);
  bool on_bytes(Stream& s, std::string_view data, Clock::time_point now);
  bool on_events(Stream& s, std::string_view block, Clock::time_point now);

  const int lot_;
  std::string marker_;
  // The last benchmark-lot event parsed, and its spots (none: another lot's).
  std::string parsed_data_;
  std::optional<int> parsed_spots_;
  std::vector<Stream> streams_;
  int epoll_ = -1;
  std::atomic<bool> stop_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;
};

}  // namespace parkd_bench
