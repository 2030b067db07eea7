// GuardedSocket (see guarded_socket.h): the connection count, the guard's verdicts, and
// the refusal's write, linger and end.
#include "http/guarded_socket.h"

#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <utility>

namespace parkd {
namespace {

// After a refusal: how long, and how much, the client may still send before the close.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = std::size_t{8} * 1024 * 1024;

// Every context a GuardedSocket is made from is an EdgeContext: only http/server.cpp's
// Traits name this socket, and its server runs on its own EdgeContext (asio's contexts
// are not polymorphic, so this cannot be checked at run time).
EdgeSettings* edge_of(asio::io_context& io) { return &static_cast<EdgeContext&>(io).edge; }

std::string peer_of(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("?") : endpoint.address().to_string();
}

}  // namespace

thread_local GuardedSocket::State* GuardedSocket::reading_ = nullptr;

std::ptrdiff_t SocketTap::send(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  if (socket_ == nullptr) return -1;
  for (;;) {
    auto n =
        ::send(socket_->native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

void SocketTap::when_writable(std::function<void(bool)> ready) {
  asio::post(executor_, [self = shared_from_this(), ready = std::move(ready)]() mutable {
    {
      std::lock_guard lock(self->mutex_);
      if (self->socket_ != nullptr) {
        auto done = [self, ready](const asio::error_code& ec) { ready(!ec && self->open()); };
        self->socket_->async_wait(asio::ip::tcp::socket::wait_write,
                                  asio::bind_executor(self->executor_, std::move(done)));
        return;
      }
    }
    ready(false);
  });
}

void SocketTap::abort() {
  std::lock_guard lock(mutex_);
  if (socket_ != nullptr) ::shutdown(socket_->native_handle(), SHUT_RDWR);
}

bool SocketTap::open() {
  std::lock_guard lock(mutex_);
  return socket_ != nullptr;
}

void SocketTap::close() {
  std::lock_guard lock(mutex_);
  socket_ = nullptr;
}

std::shared_ptr<SocketTap> GuardedSocket::tap_of_current_read() {
  State* s = reading_;
  if (s == nullptr) return nullptr;
  if (!s->tap) s->tap.reset(new SocketTap(&s->socket, s->executor));
  return s->tap;
}

GuardedSocket::State::State(asio::io_context& context, EdgeSettings* settings)
    : io(&context),
      socket(context),
      edge(settings),
      guard(settings ? settings->limits : RequestLimits{}) {}

GuardedSocket::State::~State() {
  if (tap) tap->close();  // before the socket member closes its descriptor
  uncount();
}

void GuardedSocket::State::uncount() {
  if (counted) edge->open.fetch_sub(1);
  counted = false;
}

GuardedSocket::GuardedSocket(asio::io_context& io)
    : state_(std::make_unique<State>(io, edge_of(io))) {}

// A moved-from socket stays usable, as asio's own is: RESTinio accepts the next
// connection into the socket it has just moved into a connection.
GuardedSocket::GuardedSocket(GuardedSocket&& other) noexcept : state_(std::move(other.state_)) {
  other.state_ = std::make_unique<State>(*state_->io, state_->edge);
}

GuardedSocket& GuardedSocket::operator=(GuardedSocket&& other) noexcept {
  if (this != &other) {
    state_ = std::move(other.state_);
    other.state_ = std::make_unique<State>(*state_->io, state_->edge);
  }
  return *this;
}

GuardedSocket::~GuardedSocket() = default;

void GuardedSocket::State::first_read() {
  if (started) return;
  started = true;
  if (!edge) return;
  counted = true;
  std::size_t open = edge->open.fetch_add(1) + 1;
  if (edge->max_connections > 0 && open > edge->max_connections) {
    // Answered at once, before reading: a full server must not leave a client waiting.
    Error full = Error::of(ErrorKind::unavailable, "too_many_connections",
                           "The server has too many open connections; retry shortly");
    full.retry_after_seconds = 1;
    spdlog::warn("http: {} connections open (MAX_CONNECTIONS {}): answered 503 to {}", open,
                 edge->max_connections, peer_of(socket));
    refusal = edge->render(full);
  }
}

void GuardedSocket::State::read(asio::mutable_buffer into, Completion complete) {
  socket.async_read_some(
      into, asio::bind_executor(executor, [this, into, complete = std::move(complete)](
                                              const asio::error_code& ec, std::size_t n) mutable {
        if (ec) return complete(ec, n);
        std::size_t pass = inspect(static_cast<const char*>(into.data()), n);
        if (pass > 0 || n == 0) {
          struct Reading {
            State* outer;
            ~Reading() { reading_ = outer; }
          } during{std::exchange(reading_, this)};
          return complete(ec, pass);
        }
        if (refusal.empty()) return read(into, std::move(complete));  // not decided yet
        answer_and_end(std::move(complete));  // the request being read was refused
      }));
}

std::size_t GuardedSocket::State::inspect(const char* data, std::size_t n) {
  if (!edge) return n;
  RequestGuard::Verdict v = guard.feed(std::string_view(data, n));
  if (v.refusal) {
    spdlog::info("http: refused a request from {}: {} ({})", peer_of(socket), v.refusal->code,
                 v.refusal->message);
    refusal = edge->render(*v.refusal);
  }
  return v.pass;
}

void GuardedSocket::State::answer_and_end(Completion complete) {
  asio::async_write(
      socket, asio::buffer(refusal),
      asio::bind_executor(executor, [this, complete = std::move(complete)](
                                        const asio::error_code& ec, std::size_t) mutable {
        if (ec) return complete(ec, 0);
        asio::error_code ignored;
        socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        linger_until = std::chrono::steady_clock::now() + kLingerTime;
        linger_bytes = 0;
        drain(std::move(complete));
      }));
}

// Reads and drops what the client still sends, until it closes, kLingerBytes arrive or
// kLingerTime passes (RESTinio's own read timeout closes a silent client sooner).
void GuardedSocket::State::drain(Completion complete) {
  if (std::chrono::steady_clock::now() >= linger_until || linger_bytes >= kLingerBytes) {
    return complete(asio::error::eof, 0);
  }
  socket.async_read_some(
      asio::buffer(sink),
      asio::bind_executor(executor, [this, complete = std::move(complete)](
                                        const asio::error_code& ec, std::size_t n) mutable {
        if (ec) return complete(asio::error::eof, 0);
        linger_bytes += n;
        drain(std::move(complete));
      }));
}

}  // namespace parkd
