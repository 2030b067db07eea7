#pragma once
// LiveEvents: what GET /api/events streams, around the fan-out Hub. One watcher thread,
// while any stream is open, reads the lot list once a second (or, after a write in this
// process, at the end of the gap between reads) and publishes `lot` for each lot whose
// rendering changed, and `{"id":N,"deleted":true}` for one that is gone. One read serves
// every stream, and it also sees what another process on the same SQLite file or another
// parkd instance on the same PostgreSQL database committed (there within the gap, told
// by NOTIFY), and reservation windows starting or ending with no request involved. It
// also sends the keep-alive comments.

#include "common/periodic.h"
#include "events/hub.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parkd::events {

class LiveEvents {
 public:
  // Each lot of the list, by id, rendered as in GET /api/lots; none when the read failed.
  using ReadLots = std::function<std::optional<std::map<std::int64_t, std::string>>()>;

  struct Options {
    std::size_t max_streams = 10000;
    std::size_t buffer_limit = std::size_t{1} << 20;  // unsent bytes per stream
    std::chrono::milliseconds poll{1000};
    std::chrono::milliseconds keep_alive{15000};
    // Store::lots_generation(), when the store can tell of changes in other processes
    // (PostgreSQL's NOTIFY): looked at every `news` while streams are open, and a move
    // re-reads the lots at once instead of at the next poll.
    std::function<std::optional<std::uint64_t>()> changes;
    std::chrono::milliseconds news{100};
    // Reads asked for by writes are at least this far apart: under a stream of writes each
    // busy lot goes out once per gap, in one socket write per stream, instead of once per
    // write (with 1 000 streams open, one read per write cost book-release 85 % of its
    // throughput; bench/README.md, 2026-12-06).
    std::chrono::milliseconds gap{100};
    // Past 1 000 streams the gap grows, 0.1 ms per stream, so that those reads cost at
    // most this many socket writes a second (one per stream each), whatever the number of
    // streams: a write cost parkd some 17 µs in a profile, and 10 000 a second, with the
    // client reading them on the same two cores, took 12 % of book-release's throughput
    // in the mean of eight runs (bench/README.md, 2026-12-07 20:54). At MAX_EVENT_STREAMS'
    // default of 10 000, a 0.1 s gap would be 100 000 writes a second: more than a core.
    std::size_t fan_out_per_second = 10000;
  };

  LiveEvents(Options options, ReadLots read_lots);
  ~LiveEvents();
  LiveEvents(const LiveEvents&) = delete;
  LiveEvents& operator=(const LiveEvents&) = delete;

  enum class Refusal { none, full, unavailable };
  // A new stream for `user`, its first bytes `retry: 3000` and the `lots` snapshot.
  // Null with `why` set when MAX_EVENT_STREAMS are open or the lots cannot be read.
  std::shared_ptr<Stream> open(std::int64_t user, bool admin, Refusal& why);
  void close(const std::shared_ptr<Stream>& stream) { hub_.unsubscribe(stream); }

  // Whether a stream is open or being opened. With none, a change needs no event (a stream
  // opened later starts from a fresh snapshot), so writes skip rendering one and waking the
  // watcher: per booking and release that cost book-release 28 % of its
  // throughput with no stream open (bench/README.md, 2026-12-06 22:24).
  bool listening() const { return opening_.load() > 0 || !hub_.empty(); }
  // A write in this process committed: re-read the lots now instead of within a second.
  void lots_changed();
  // `booking_json`: one booking object; goes to its owner and to admins with the next
  // read's lot events (within a gap), in the same socket write: sent at once, it was a
  // write of its own to each of the owner's and every admin's streams per booking write.
  void booking_changed(std::int64_t owner, const std::string& booking_json);
  // Shutdown: every stream ends its response; none is admitted after.
  void close_all();

  Hub& hub() { return hub_; }

 private:
  // One round of the watcher: reads the lots when a second has passed, when poked, or
  // when the store tells of a change; sends the keep-alives.
  Periodic::Next watch(Periodic::Woken why);
  // When the watcher looks next: the next poll, or sooner for the store's news.
  Periodic::Clock::time_point next_wake() const;
  // How far apart reads asked for by writes are: the gap, longer with many streams.
  Periodic::Clock::duration gap() const;
  // Reads the lots and publishes what changed.
  void poll_lots();
  // With lots_mutex_ held: publishes `events` (booking events queued before the read),
  // then the difference between `lots` (the read) and the list last published to every
  // stream, in one batch; keeps `lots` as that list.
  void publish_changes(std::map<std::int64_t, std::string> lots, std::vector<Event> events = {});

  Options o_;
  ReadLots read_lots_;
  Hub hub_;
  // The lots as last published. Held through a read and its publishing, and through a
  // connect's snapshot and subscription, so that no change falls between the two.
  std::mutex lots_mutex_;
  // Streams between the start of open() and their subscription: a write committed while
  // one reads its snapshot still pokes the watcher.
  std::atomic<int> opening_{0};
  // A write asked for a read that has not begun yet: later writes need not poke again.
  std::atomic<bool> read_asked_{false};
  // Booking events (owner, data) waiting for the next read: taken before it, so that each
  // goes out with (or before) the lot numbers its write changed.
  std::mutex bookings_mutex_;
  std::vector<std::pair<std::int64_t, std::string>> bookings_;
  std::map<std::int64_t, std::string> last_;
  bool have_last_ = false;
  // The watcher thread's alone.
  Periodic::Clock::time_point next_poll_;
  Periodic::Clock::time_point next_keep_alive_;
  Periodic::Clock::time_point last_read_;
  bool read_due_ = false;              // a poke or the store's news asked for a read not yet made
  std::optional<std::uint64_t> seen_;  // the store's lots generation at the last look
  Periodic watcher_;                   // last: its rounds use the members above
};

}  // namespace parkd::events
