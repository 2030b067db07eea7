// The live-stream writer (live_writer.h): the gate's queue and LiveWriter's pumps.
#include "http/live_writer.h"

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <utility>

namespace parkd {

void IoGate::post(std::function<void()> task) {
  std::lock_guard lock(mutex);
  if (io != nullptr) restinio::asio_ns::post(*io, std::move(task));
}

void IoGate::close() {
  {
    std::lock_guard lock(mutex);
    io = nullptr;
  }
  std::lock_guard lock(ready_mutex);
  closed = true;
  ready.clear();
}

// An event stream (GET /api/events), written from the I/O side: a wake from the hub
// queues the stream on the gate; an I/O task pumps the queued streams: a pump hands what
// the stream has buffered to the wire and returns. No thread waits for a slow client
// (its bytes pile up in the hub until its buffer limit closes the stream).
//
// The bytes go out through the connection's SocketTap (guarded_socket.h) as chunks of
// the chunked body: one non-blocking send each, and when the socket is full, the rest
// once it is writable. Some go through RESTinio's chunked output instead:
// - the first bytes (greeting): its completion tells that the head is out before the
//   tap writes;
// - a batch that ends with a keep-alive, and the first batch kRestinioEvery or more
//   after the last RESTinio write: each RESTinio write re-arms its request timeout
//   (REQUEST_TIMEOUT + 5 s), which would otherwise end the stream. Keep-alives come
//   every min(15 s, REQUEST_TIMEOUT) plus at most the watcher's gap, so a stream, busy
//   or quiet, has a RESTinio write well within the timeout.
// Without a tap (a request parsed from bytes RESTinio had buffered) every write goes
// through RESTinio.
class LiveWriter : public std::enable_shared_from_this<LiveWriter> {
 public:
  using Builder = restinio::response_builder_t<restinio::chunked_output_t>;
  LiveWriter(Builder b, std::shared_ptr<events::Stream> stream, std::shared_ptr<IoGate> gate,
             std::shared_ptr<SocketTap> tap)
      : b_(std::move(b)),
        stream_(std::move(stream)),
        gate_(std::move(gate)),
        tap_(std::move(tap)) {}

  void start() {
    // The stream's wake holds this writer until the end() below lets go of it.
    stream_->attach([self = shared_from_this()] { self->queue(); });
  }

  void pump() {
    std::lock_guard lock(mutex_);
    if (writing_ || ended_) return;
    std::string bytes = stream_->take();
    if (bytes.empty()) {
      if (stream_->closed()) finish();
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!tap_ || !through_restinio_ || bytes.ends_with(events::kKeepAlive) ||
        now - last_restinio_ >= kRestinioEvery) {
      through_restinio_ = true;
      last_restinio_ = now;
      writing_ = true;
      b_.append_chunk(std::move(bytes));
      b_.flush([self = shared_from_this()](const restinio::asio_ns::error_code& ec) {
        self->written(!ec);
      });
      return;
    }
    unsent_ = fmt::format("{:x}\r\n", bytes.size());
    unsent_ += bytes;
    unsent_ += "\r\n";
    sent_ = 0;
    send_unsent();
  }

 private:
  static constexpr auto kRestinioEvery = std::chrono::seconds(2);

  // Onto the gate's list of streams to pump; the first one on it posts the pumping task.
  void queue() {
    const auto& g = gate_;
    bool first = false;
    {
      std::lock_guard lock(g->ready_mutex);
      if (g->closed) return;
      first = g->ready.empty();
      g->ready.push_back(shared_from_this());
    }
    if (!first) return;
    g->post([g] {
      std::vector<std::shared_ptr<LiveWriter>> ready;
      {
        std::lock_guard lock(g->ready_mutex);
        ready.swap(g->ready);
      }
      for (const auto& w : ready) w->pump();
    });
  }

  // Through the tap, with mutex_ held: what the socket does not take now waits for it
  // to become writable, and nothing else is written meanwhile.
  void send_unsent() {
    const auto n = tap_->send(std::string_view(unsent_).substr(sent_));
    if (n < 0) {  // cut, not ended: RESTinio's last chunk then fails, and it closes
      tap_->abort();
      stream_->close();
      finish();
      return;
    }
    sent_ += static_cast<std::size_t>(n);
    if (sent_ == unsent_.size()) {
      unsent_.clear();
      writing_ = false;
      return;
    }
    writing_ = true;
    tap_->when_writable([self = shared_from_this()](bool ok) { self->writable(ok); });
  }

  void writable(bool ok) {
    {
      std::lock_guard lock(mutex_);
      if (ended_) return;
      if (!ok) {
        stream_->close();
        finish();
        return;
      }
      send_unsent();
      if (writing_) return;
    }
    if (stream_->has_news()) queue();
  }

  void written(bool ok) {
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
      if (!ok) {  // the client left
        stream_->close();
        end();
        return;
      }
    }
    // A wake during the write found it busy: its bytes (or the stream's end) wait.
    if (stream_->has_news()) queue();
  }

  // The last chunk: the client sees a clean end and reconnects.
  void finish() {
    b_.done();
    end();
  }

  void end() {
    ended_ = true;
    stream_->attach({});
  }

  std::mutex mutex_;
  Builder b_;
  std::shared_ptr<events::Stream> stream_;
  std::shared_ptr<IoGate> gate_;
  std::shared_ptr<SocketTap> tap_;
  std::string unsent_;             // a chunk the socket has not taken whole yet
  std::size_t sent_ = 0;           // how much of it it has taken
  bool through_restinio_ = false;  // the first bytes have been handed to RESTinio
  std::chrono::steady_clock::time_point last_restinio_;
  bool writing_ = false;
  bool ended_ = false;
};

void start_live_writer(restinio::response_builder_t<restinio::chunked_output_t> b,
                       std::shared_ptr<events::Stream> stream, std::shared_ptr<IoGate> gate,
                       std::shared_ptr<SocketTap> tap) {
  std::make_shared<LiveWriter>(std::move(b), std::move(stream), std::move(gate), std::move(tap))
      ->start();
}

}  // namespace parkd
