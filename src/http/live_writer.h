#pragma once
// The writing side of live event streams (GET /api/events) in the network edge: the
// gate from other threads onto the I/O threads, and the writer that moves a stream's
// buffered events (events/hub.h) onto its connection. Only http/*.cpp include this.

#include "events/hub.h"
#include "http/guarded_socket.h"

#include <restinio/all.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace parkd {

class LiveWriter;

// The way from other threads onto the I/O threads. Closed at shutdown: a task that
// comes later is dropped (its connection is gone) instead of reaching a destroyed
// context.
struct IoGate {
  std::mutex mutex;
  restinio::asio_ns::io_context* io = nullptr;
  // Event streams woken since the I/O side last pumped: one fan-out wakes up to
  // MAX_EVENT_STREAMS of them at once, and one I/O task pumps them all instead of one
  // task each (a post and two locks of `mutex` per stream and event batch, measured in
  // bench/README.md 2026-12-07).
  std::mutex ready_mutex;
  std::vector<std::shared_ptr<LiveWriter>> ready;
  bool closed = false;

  void post(std::function<void()> task);
  // Drops the writers queued (they hold the gate: no cycle outlives the server).
  void close();
};

// Writes `stream` to the response `b` whose head is not yet sent (http/live_writer.cpp
// LiveWriter); `tap`, when there is one, is the connection's (GuardedSocket). The writer
// lives until the stream ends.
void start_live_writer(restinio::response_builder_t<restinio::chunked_output_t> b,
                       std::shared_ptr<events::Stream> stream, std::shared_ptr<IoGate> gate,
                       std::shared_ptr<SocketTap> tap);

}  // namespace parkd
