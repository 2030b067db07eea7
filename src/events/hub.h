#pragma once
// The live-event hub behind GET /api/events: each change is rendered once as SSE bytes
// and appended to the buffer of every subscriber it is meant for (fan-out). A stream's
// transport takes the buffered bytes when its socket is ready, so no thread or database
// connection is held per stream; a stream whose unsent bytes pass the buffer limit is
// closed (its client reconnects and gets a fresh snapshot).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parkd::events {

// One SSE event: `id:`, `event:` and one `data:` line. `data` must be one line (compact
// JSON is).
std::string format_event(std::uint64_t id, std::string_view name, std::string_view data);
// The comment that keeps idle proxies from closing a quiet stream.
inline constexpr std::string_view kKeepAlive = ": keep-alive\n\n";

// Who an event is for: everyone, or one user and the admins.
struct Audience {
  std::optional<std::int64_t> user_id;  // none: every subscriber
  static Audience everyone() { return {}; }
  static Audience owner_and_admins(std::int64_t user) { return {user}; }
};

// One event of a batch (Hub::publish_all); the views must outlive the call.
struct Event {
  std::string_view name;
  std::string_view data;
  Audience audience = Audience::everyone();
};

class Hub;

// One open stream. Its transport calls take() when it can write, and is told through
// the wake function (called with no lock held) that bytes are waiting or that the
// stream was closed.
class Stream {
 public:
  // Bytes waiting to be written; empty when none. Moves them out.
  std::string take();
  bool closed() const;
  // Bytes waiting, or closed: what a transport that was busy must still act on.
  bool has_news() const;
  // The transport's end (the client left): the hub drops the stream.
  void close();
  std::int64_t user_id() const { return user_id_; }
  bool admin() const { return admin_; }
  // Sets the wake function (the transport exists only after the stream was admitted),
  // and calls it once.
  void attach(std::function<void()> wake);

 private:
  friend class Hub;
  Stream(std::int64_t user, bool admin) : user_id_(user), admin_(admin) {}
  void wake();
  const std::int64_t user_id_;
  const bool admin_;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  std::string pending_;
  // Set with mutex_ held; read without it, so that the hub's sweeps over every stream
  // take no lock per stream.
  std::atomic<bool> closed_ = false;
};

class Hub {
 public:
  Hub(std::size_t max_streams, std::size_t buffer_limit)
      : max_streams_(max_streams), buffer_limit_(buffer_limit) {}

  // A new stream whose first bytes are `greeting` (retry and snapshot); none when
  // max_streams are open already. `wake` may be empty and set later (Stream::attach).
  std::shared_ptr<Stream> subscribe(std::int64_t user, bool admin, std::string greeting,
                                    std::function<void()> wake = {});
  // The stream left (client gone, or closed here): it gets nothing more.
  void unsubscribe(const std::shared_ptr<Stream>& stream);
  // Renders the event once (with the next id) and appends it to each stream in
  // `audience`; returns how many streams got it.
  std::size_t publish(std::string_view name, std::string_view data, Audience audience) {
    return publish_all({{name, data, audience}});
  }
  // The same for several events (consecutive ids), each to its own audience; each stream
  // is woken once, after all are appended, so that it gets the whole batch in mostly one
  // socket write instead of one per event (what one round of the watcher sends: the
  // booking events since the last round and the lots that changed). Returns the number
  // of deliveries (a stream that gets two events counts twice).
  std::size_t publish_all(const std::vector<Event>& events);
  // A keep-alive comment to every stream.
  void keep_alive();
  // Closes every stream (shutdown): each is woken once more to end its response.
  void close_all();

  std::size_t size() const;
  // No stream at all, not even one closed and not yet dropped: O(1), unlike size().
  bool empty() const;
  std::uint64_t next_id();

 private:
  void append(const std::shared_ptr<Stream>& s, std::string_view bytes,
              std::vector<std::shared_ptr<Stream>>& woken);
  // Drops closed streams from every list (the hub's lock held).
  void sweep();

  const std::size_t max_streams_;
  const std::size_t buffer_limit_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Stream>> streams_;
  // The same streams by audience: a booking event goes to its owner's streams and the
  // admins' without a look at the other streams (with 1 000 streams open, a look at
  // each for every booking write cost more than the write's own event).
  std::vector<std::shared_ptr<Stream>> admins_;
  std::unordered_map<std::int64_t, std::vector<std::shared_ptr<Stream>>> by_user_;
  std::uint64_t last_id_ = 0;
};

}  // namespace parkd::events
