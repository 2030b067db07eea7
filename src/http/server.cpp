// The network edge (server.h): RESTinio's server configured and driven by HttpServer,
// whose members are the steps of a request's life here. Answers are rendered by App;
// this file only moves them between threads and onto the wire.

#include "http/server.h"

#include "common/threads.h"
#include "events/hub.h"
#include "http/guarded_socket.h"
#include "http/live_writer.h"

#include <spdlog/spdlog.h>
#include <restinio/all.hpp>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace parkd {
namespace {

struct Traits : public restinio::default_traits_t {
  static constexpr bool use_connection_count_limiter = true;
  using stream_socket_t = GuardedSocket;  // RequestGuard ahead of RESTinio's parser
};

using RequestHandle = restinio::request_handle_t;

// A fixed set of threads taking tasks from one queue; refuses work past a bound so an
// overload answers 503 quickly instead of queueing without limit.
class HandlerPool {
 public:
  HandlerPool(int threads, std::size_t max_queue) : max_queue_(max_queue) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] {
        name_this_thread("parkd-http");
        loop();
      });
  }
  ~HandlerPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  // Drops the tasks not started yet (at the shutdown deadline); returns how many.
  std::size_t discard_queued() {
    std::lock_guard lock(mutex_);
    std::size_t n = queue_.size();
    queue_.clear();
    return n;
  }
  bool post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      if (queue_.size() >= max_queue_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

Request to_request(const RequestHandle& h) {
  Request r;
  r.method = std::string(h->header().method().c_str());
  r.path = std::string(h->header().path());
  r.query = std::string(h->header().query());
  h->header().for_each_field([&r](const restinio::http_header_field_t& f) {
    std::string name = f.name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, added] = r.headers.emplace(std::move(name), f.value());
    // A second forwarding line continues the chain (RFC 9110 list rules): keeping only
    // the first would let a client's own line stand in for the proxy's.
    if (!added && (it->first == "x-forwarded-for" || it->first == "forwarded")) {
      it->second += ", ";
      it->second += f.value();
    }
  });
  r.body = h->body();
  r.peer_address = h->remote_endpoint().address().to_string();
  return r;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 501:
      return "Not Implemented";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    case 500:
      return "Internal Server Error";
    default:
      // The class's name (RFC 9110 §15): never a phrase that contradicts the code.
      if (status >= 500) return "Server Error";
      if (status >= 400) return "Client Error";
      if (status >= 300) return "Redirection";
      return status >= 200 ? "Success" : "Informational";
  }
}

// The headers of an answer, whether RESTinio or raw_refusal writes it.
template <class Add>
void each_header(const Response& res, Add add) {
  if (!res.content_type.empty()) add("Content-Type", res.content_type);
  // Every answer, whatever produced it: a browser must never guess a type (e.g. run an
  // error body or a CSV export as script).
  add("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : res.headers) add(name, value);
}

template <class Builder>
void add_headers(Builder& b, const Response& res) {
  each_header(res, [&](const std::string& name, const std::string& value) {
    b.append_header(name, value);
  });
}

// A refusal of the edge (guarded_socket.h) as bytes on the wire: RESTinio never saw the
// request, so the answer is written as a whole, and ends the connection.
std::string raw_refusal(const Error& e) {
  Response res = error_response(e);
  if (e.retry_after_seconds > 0 && e.kind != ErrorKind::too_many_requests) {
    res.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  }
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                                res.status, reason_phrase(res.status), res.body.size());
  each_header(res, [&](const std::string& name, const std::string& value) {
    out += name + ": " + value + "\r\n";
  });
  return out + "\r\n" + res.body;
}

// The route whose answer may be a live event stream (api/event_routes.cpp).
constexpr std::string_view kEventsPath = "/api/events";

// `close`: ask the client not to reuse the connection (when shutting down).
// Streamed bodies are flushed every kFlushBytes and each flush awaited (kFlushWait at
// most), so that a slow client holds back the producer instead of the body piling up.
constexpr std::size_t kFlushBytes = std::size_t{64} * 1024;
constexpr auto kFlushWait = std::chrono::seconds(60);

void send(const RequestHandle& h, Response res, bool head, bool close = false,
          const std::shared_ptr<IoGate>& gate = nullptr, std::shared_ptr<SocketTap> tap = nullptr) {
  restinio::http_status_line_t status{
      restinio::http_status_code_t{static_cast<std::uint16_t>(res.status)},
      reason_phrase(res.status)};
  // A 413's body may still be arriving (or was refused unread): the connection is not
  // worth keeping.
  close = close || res.status == 413;
  if (head) {
    if (res.live) res.live->close();  // no body: nothing will be streamed
    // The headers GET would send, Content-Length included, and no body. A streamed
    // answer's length is unknown without producing it, so it has none.
    auto b = h->create_response<restinio::user_controlled_output_t>(status);
    add_headers(b, res);
    if (close) b.connection_close();
    if (!res.stream) b.set_content_length(res.body.size());
    b.done();
    return;
  }
  if (res.live && gate) {
    auto b = h->create_response<restinio::chunked_output_t>(status);
    add_headers(b, res);
    if (close) b.connection_close();
    b.flush();  // the headers now: a client knows it is connected before the first event
    start_live_writer(std::move(b), std::move(res.live), gate, std::move(tap));
    return;
  }
  if (!res.stream) {
    auto b = h->create_response(status);
    add_headers(b, res);
    if (close) b.connection_close();
    b.set_body(std::move(res.body));
    b.done();
    return;
  }
  auto b = h->create_response<restinio::chunked_output_t>(status);
  add_headers(b, res);
  if (close) b.connection_close();
  std::string pending;
  bool broken = false;
  auto flush_and_wait = [&] {
    if (broken) return;
    std::promise<bool> written;
    auto done = written.get_future();
    b.append_chunk(std::move(pending));
    pending.clear();
    b.flush([&written](const restinio::asio_ns::error_code& ec) { written.set_value(!ec); });
    if (done.wait_for(kFlushWait) != std::future_status::ready || !done.get()) broken = true;
  };
  res.stream([&](std::string_view chunk) {
    pending.append(chunk);
    if (pending.size() >= kFlushBytes) flush_and_wait();
  });
  if (!pending.empty()) flush_and_wait();
  b.done();
}

// RESTinio's connections point into the server's acceptor (its connection-count
// limiter), yet a connection still waiting for its next request lives in a pending
// handler of the I/O context, which would outlive the server. This context can destroy
// those handlers early, while the server is still whole.
class IoContext : public EdgeContext {
 public:
  // REQUIRES: no thread runs the context any more.
  void destroy_pending_handlers() { shutdown(); }
};

Response busy_response(const char* code, const char* message) {
  Response res = error_response(Error::of(ErrorKind::unavailable, code, message));
  res.headers.emplace_back("Retry-After", "1");
  return res;
}

// RESTinio buffers a body whole before the handler sees it; App answers 413 above
// 1 MiB, and this caps what a connection may make the server hold.
constexpr std::uint64_t kMaxBufferedBody = std::uint64_t{8} * 1024 * 1024;
// Connections accepted beyond MAX_CONNECTIONS only to be answered 503; past these a new
// client waits in the listen backlog until a connection closes.
constexpr std::size_t kSpareConnections = 64;
// Requests accepted beyond the handler threads; past this an overload answers 503.
constexpr std::size_t kMaxQueuedRequests = 10000;
// At shutdown: how long in-flight requests may take, the quiet moment that counts as
// "nothing more is coming", and the pause that lets the last answers be written out.
constexpr auto kDrainDeadline = std::chrono::seconds(20);
constexpr std::int64_t kQuietMs = 300;
constexpr auto kLastWrites = std::chrono::milliseconds(100);

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One serve_http call. Its steps, in order: accept (settings), read a request and find
// its route once (on_request), hand it to the thread it runs on, answer it, and drain
// at shutdown.
class HttpServer {
 public:
  HttpServer(const App& app, const ServerOptions& options)
      : app_(app), o_(options), gate_(std::make_shared<IoGate>()) {
    gate_->io = &io_;
    io_.edge.max_connections = static_cast<std::size_t>(o_.max_connections);
    io_.edge.render = raw_refusal;
  }

  Status run(const std::atomic<bool>& stop_requested, const std::function<void()>& on_listening) {
    using Server = restinio::http_server_t<Traits>;
    Server server{restinio::external_io_context(io_), settings()};
    restinio::on_pool_runner_t<Server> io_threads{static_cast<std::size_t>(o_.io_threads), server};
    // After the server, so that it goes first: its threads hold request handles.
    auto handlers = std::make_unique<HandlerPool>(o_.handler_threads, kMaxQueuedRequests);
    pool_ = handlers.get();

    std::promise<void> started;
    io_threads.start(
        [&started]() noexcept { started.set_value(); },
        [&started](std::exception_ptr ex) noexcept { started.set_exception(std::move(ex)); });
    try {
      started.get_future().get();
    } catch (const std::exception& e) {
      return Error::of(ErrorKind::unavailable, "listen_failed",
                       fmt::format("cannot listen on {}:{}: {}", o_.host, o_.port, e.what()));
    }
    on_listening();
    while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));

    drain(server, *handlers);
    io_threads.stop();
    io_threads.wait();
    handlers.reset();  // joins; a request still running at the deadline finishes here
    gate_->close();
    io_.destroy_pending_handlers();  // closes kept-alive connections while the server exists
    spdlog::info("http: stopped");
    return ok_status();
  }

 private:
  // Accept: the limits every connection lives under.
  restinio::server_settings_t<Traits> settings() {
    return restinio::server_settings_t<Traits>{}
        .port(static_cast<std::uint16_t>(o_.port))
        .address(o_.host)
        // Spare slots beyond MAX_CONNECTIONS, where a connection too many is answered 503
        // (guarded_socket.h) instead of waiting unaccepted.
        .max_parallel_connections(static_cast<std::size_t>(o_.max_connections) + kSpareConnections)
        // Pipelined requests are read one at a time: the next only after the answer
        // before it is written, so requests run in order and none runs whose answer
        // would be lost with a closing connection.
        .max_pipelined_requests(1)
        // From the end of one answer (or the accept) to the whole next request read:
        // an idle or trickling connection gives its slot back after IDLE_TIMEOUT.
        .read_next_http_message_timelimit(std::chrono::seconds(o_.idle_timeout_seconds))
        .write_http_response_timelimit(std::chrono::seconds(o_.request_timeout_seconds))
        .handle_request_timeout(std::chrono::seconds(o_.request_timeout_seconds + 5))
        .incoming_http_msg_limits(
            restinio::incoming_http_msg_limits_t{}.max_body_size(kMaxBufferedBody))
        .request_handler([this](const RequestHandle& h) { return on_request(h); });
  }

  // Read: a whole request has arrived on an I/O thread. Its route is found here, once,
  // and decides where it runs. After the stop signal, a request that still arrives on an
  // open connection was usually sent before it: it is served, then that connection closed.
  restinio::request_handling_status_t on_request(const RequestHandle& h) {
    last_request_ms_.store(steady_ms());
    in_flight_.fetch_add(1);
    Router::Match route = app_.route(h->header().method().c_str(), h->header().path());
    bool here = app_.runs_on_io_thread(route);
    // The one answer that may be a live stream keeps its connection's tap, which only
    // exists here, inside RESTinio's read.
    std::shared_ptr<SocketTap> tap;
    if (h->header().path() == kEventsPath) tap = GuardedSocket::tap_of_current_read();
    auto task = [this, h, route = std::move(route), tap = std::move(tap)]() mutable {
      answer(h, std::move(route), std::move(tap));
    };
    // Never answer before returning: RESTinio (0.6.16, one request at a time per
    // connection) would then start reading the next pipelined request twice and drop
    // the connection. `defer` runs the answer next on this same thread, without waking
    // another.
    if (here) {
      restinio::asio_ns::defer(io_, std::move(task));
    } else if (!pool_->post(std::move(task))) {
      in_flight_.fetch_sub(1);
      restinio::asio_ns::defer(io_, [h] {
        send(h, busy_response("overloaded", "The server is overloaded; retry shortly"), false);
      });
    }
    return restinio::request_accepted();
  }

  // Answer: App handles the request and responds exactly once, here or, for a queued
  // write, through the hand-off to an I/O thread after the commit.
  void answer(const RequestHandle& h, Router::Match route, std::shared_ptr<SocketTap> tap) {
    Request req;
    try {
      req = to_request(h);
    } catch (const std::exception& e) {
      spdlog::error("http: cannot read a request: {}", e.what());
      in_flight_.fetch_sub(1);
      return;
    }
    bool head = req.method == "HEAD";
    auto respond = [this, h, head, tap = std::move(tap)](Response res) {
      try {
        send(h, std::move(res), head, draining_.load(), gate_, tap);
      } catch (const std::exception& e) {
        spdlog::error("http: failed to answer a request: {}", e.what());
      }
      in_flight_.fetch_sub(1);
    };
    // A queued write's answer is rendered and sent on an I/O thread, not the writer's.
    // A write that outlasts the shutdown deadline finds the gate closed: its answer is
    // dropped (the connection is gone).
    Handoff to_io_thread = [gate = gate_](std::function<void()> task) {
      gate->post(std::move(task));
    };
    app_.handle(req, std::move(route), std::move(respond), to_io_thread);
  }

  // Drain: stop accepting connections first, and close each open one after its next
  // answer, so that a steady stream of clients cannot hold the shutdown open. Done when
  // nothing is in flight and no request came for a moment (one sent just before the
  // signal may be read only now), or at the deadline.
  template <class Server>
  void drain(Server& server, HandlerPool& handlers) {
    draining_.store(true);
    if (o_.on_drain) o_.on_drain();  // event streams end their responses now
    std::promise<void> closed;
    server.close_async([&closed]() noexcept { closed.set_value(); },
                       [&closed](const std::exception_ptr&) noexcept { closed.set_value(); });
    closed.get_future().wait();
    spdlog::info("http: shutting down; waiting for {} in-flight request(s)", in_flight_.load());
    auto deadline = std::chrono::steady_clock::now() + kDrainDeadline;
    while ((in_flight_.load() > 0 || steady_ms() - last_request_ms_.load() < kQuietMs) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (std::size_t dropped = handlers.discard_queued(); dropped > 0 || in_flight_.load() > 0) {
      spdlog::warn("http: gave up on {} request(s) at the shutdown deadline", in_flight_.load());
    }
    std::this_thread::sleep_for(kLastWrites);
  }

  const App& app_;
  const ServerOptions& o_;
  IoContext io_;
  std::shared_ptr<IoGate> gate_;
  HandlerPool* pool_ = nullptr;        // set in run(), before the server accepts anything
  std::atomic<int> in_flight_{0};      // accepted, response not yet handed over
  std::atomic<bool> draining_{false};  // shutting down: answers close their connection
  std::atomic<std::int64_t> last_request_ms_{0};
};

}  // namespace

Status serve_http(const App& app, const ServerOptions& o, const std::atomic<bool>& stop_requested,
                  const std::function<void()>& on_listening) {
  HttpServer server(app, o);
  return server.run(stop_requested, on_listening);
}

}  // namespace parkd
