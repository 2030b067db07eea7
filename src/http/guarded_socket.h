#pragma once
// The TCP socket RESTinio reads requests from (http/server.cpp Traits::stream_socket_t),
// with a RequestGuard between the wire and RESTinio's parser. Requests the guard passes
// reach RESTinio unchanged. For a refused one, RESTinio's parser never sees a byte of it:
// the requests before it are answered first (RESTinio asks for more bytes only once it
// has answered them, one request at a time), then this socket writes the refusal as a
// JSON error with `Connection: close`, reads and drops what the client still sends for
// a moment (so that closing does not reset the connection before the client has read
// the answer), and reports the end of the stream, on which RESTinio closes.
//
// It also gives event streams a way onto the wire past RESTinio (SocketTap, below).
//
// It also counts open connections: RESTinio accepts up to MAX_CONNECTIONS plus a few
// spare slots, and a connection that opens while MAX_CONNECTIONS are already open is
// answered 503 with Retry-After at its first request instead of waiting in the backlog.

#include "common/result.h"
#include "http/request_guard.h"

#include <restinio/asio_include.hpp>
#include <restinio/tls_fwd.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace parkd {

namespace asio = restinio::asio_ns;

// What every guarded socket of one server shares; it lives in the server's I/O context.
struct EdgeSettings {
  RequestLimits limits;
  std::size_t max_connections = 0;  // 0: no 503 (RESTinio's own limit only)
  std::atomic<std::size_t> open{0};
  // Renders a refusal as a whole HTTP/1.1 answer that closes the connection.
  std::function<std::string(const Error&)> render;
};

// The I/O context of a guarded server: RESTinio creates sockets from the context alone.
class EdgeContext : public asio::io_context {
 public:
  EdgeSettings edge;
};

// Writes to one connection's socket without RESTinio, for the bytes of an event stream
// once its head is out (http/live_writer.cpp LiveWriter). A write through RESTinio's chunked
// output is a hop onto the connection's strand, a write group, a timeout armed and a
// completion hopped back: at 1 000 streams that is some 10 000 writes a second, and the
// cost of the streams to the book-release benchmark (bench/README.md 2026-12-08). Here a
// write is one non-blocking send() from the thread that has the bytes.
//
// The user alone decides when RESTinio or the tap writes, never both at once. The tap
// closes, under its lock, before the socket's descriptor does, so a send never reaches
// a descriptor number that a new connection has been given meanwhile.
class SocketTap : public std::enable_shared_from_this<SocketTap> {
 public:
  // Sends as much of `bytes` as the socket takes now; how much, or -1 when the
  // connection is closed or the send failed (the peer left, mostly).
  std::ptrdiff_t send(std::string_view bytes);
  // Calls `ready(true)` on the connection's strand once the socket can take more bytes
  // (or has failed: the next send says so), or `ready(false)` when it is closed.
  void when_writable(std::function<void(bool)> ready);
  // Shuts the connection down both ways: after a failed send, a chunk may have gone
  // out in part, and the client must see the stream cut, not a body that goes on.
  void abort();

 private:
  friend class GuardedSocket;
  SocketTap(asio::ip::tcp::socket* socket, asio::any_io_executor executor)
      : socket_(socket), executor_(std::move(executor)) {}
  void close();
  bool open();

  std::mutex mutex_;
  asio::ip::tcp::socket* socket_;  // null once closed
  const asio::any_io_executor executor_;
};

class GuardedSocket {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;

  explicit GuardedSocket(asio::io_context& io);
  GuardedSocket(GuardedSocket&& other) noexcept;
  GuardedSocket& operator=(GuardedSocket&& other) noexcept;
  ~GuardedSocket();

  asio::ip::tcp::socket& lowest_layer() { return state_->socket; }
  const asio::ip::tcp::socket& lowest_layer() const { return state_->socket; }
  executor_type get_executor() { return state_->socket.get_executor(); }
  auto remote_endpoint() const { return state_->socket.remote_endpoint(); }
  bool is_open() const { return state_->socket.is_open(); }
  template <typename... Args>
  void cancel(Args&&... args) {
    state_->socket.cancel(std::forward<Args>(args)...);
  }
  template <typename... Args>
  void shutdown(Args&&... args) {
    state_->socket.shutdown(std::forward<Args>(args)...);
  }
  template <typename... Args>
  void close(Args&&... args) {
    if (state_->tap) state_->tap->close();
    state_->uncount();
    state_->socket.close(std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto async_write_some(Args&&... args) {
    return state_->socket.async_write_some(std::forward<Args>(args)...);
  }

  // The tap of the connection whose read is completing on this thread, made on first
  // use; null outside one. RESTinio parses and routes the requests a read completes
  // right there (its request handler runs inside the completion), so the handler can
  // take the tap of the connection that sent the request. A request RESTinio parses
  // later from bytes it had buffered finds none, and its answer goes through RESTinio.
  static std::shared_ptr<SocketTap> tap_of_current_read();

  // RESTinio's read: the bytes the guard passes, or, once a request is refused (or the
  // connection is one too many), the refusal written and then the end of the stream.
  // Every completion runs on the executor RESTinio bound its handler to (its strand).
  template <typename Buffer, typename Handler>
  void async_read_some(const Buffer& buffer, Handler&& handler) {
    State* s = state_.get();
    s->executor = asio::get_associated_executor(handler, s->socket.get_executor());
    Completion complete = [h = std::forward<Handler>(handler)](const asio::error_code& ec,
                                                               std::size_t n) mutable { h(ec, n); };
    s->first_read();
    if (!s->refusal.empty()) return s->answer_and_end(std::move(complete));
    s->read(asio::mutable_buffer(buffer), std::move(complete));
  }

 private:
  using Completion = std::function<void(const asio::error_code&, std::size_t)>;

  struct State {
    State(asio::io_context& io, EdgeSettings* edge);
    ~State();
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    // Counts the connection at its first read, and refuses it when one too many.
    void first_read();
    void uncount();
    // Reads from the socket into `into` until the guard passes bytes (completes with
    // them) or refuses (answers and ends). Bytes it holds back without a refusal belong
    // to a request it will refuse: they are read over.
    void read(asio::mutable_buffer into, Completion complete);
    // Feeds bytes to the guard; returns how many RESTinio may read, keeping the refusal.
    std::size_t inspect(const char* data, std::size_t n);
    // Writes the refusal, drains the client for a moment, then completes with EOF.
    void answer_and_end(Completion complete);
    void drain(Completion complete);

    asio::io_context* io;
    asio::ip::tcp::socket socket;
    EdgeSettings* edge;  // null when the context is not an EdgeContext: nothing guarded
    RequestGuard guard;
    asio::any_io_executor executor;  // RESTinio's strand for this connection
    std::string refusal;             // the rendered answer, once a request is refused
    bool started = false;
    bool counted = false;
    std::chrono::steady_clock::time_point linger_until;
    std::size_t linger_bytes = 0;
    std::array<char, 4096> sink{};
    std::shared_ptr<SocketTap> tap;  // made by tap_of_current_read()
  };

  std::unique_ptr<State> state_;
  // The connection whose read completion runs on this thread (tap_of_current_read).
  static thread_local State* reading_;
};

// RESTinio prepares a socket for reading and names TLS sockets to its state listener
// through these overloads, found by argument-dependent lookup: a guarded socket is plain
// TCP, so both do what they do for asio's own socket.
template <typename Connection, typename StartRead, typename Failed>
void prepare_connection_and_start_read(GuardedSocket&, Connection&, StartRead start_read, Failed) {
  start_read();
}
inline restinio::impl::tls_socket_t* make_tls_socket_pointer_for_state_listener(
    GuardedSocket&) noexcept {
  return nullptr;
}

}  // namespace parkd
