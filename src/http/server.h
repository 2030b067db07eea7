#pragma once
// The network edge: RESTinio (Boost.Asio) accepts connections on a few I/O threads and
// hands each request to a bounded pool of handler threads, where App runs (database
// queries and password hashing never block the I/O threads). This is the only module
// that includes RESTinio headers.

#include "api/app.h"

#include <atomic>
#include <functional>

namespace parkd {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;
  int io_threads = 2;
  int handler_threads = 8;
  int max_connections = 1024;
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 10;  // a connection's wait for (and read of) its next request
  // Called when shutdown begins: ends the open event streams.
  std::function<void()> on_drain;
};

// Serves until `stop_requested` returns true (polled) — e.g. after SIGINT/SIGTERM —
// then stops accepting connections, still answers requests that arrive on open ones
// (closing each such connection after its answer), waits until nothing is in flight
// and no request came for 300 ms (at most 20 s; work not started by then is
// dropped), and returns.
// `on_listening` is called once the socket is bound. Errors: bind failure.
Status serve_http(const App& app, const ServerOptions& options,
                  const std::atomic<bool>& stop_requested,
                  const std::function<void()>& on_listening);

}  // namespace parkd
