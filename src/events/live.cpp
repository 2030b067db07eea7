// LiveEvents (live.h): the lot watcher and keep-alive thread around the Hub.

#include "events/live.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace parkd::events {

LiveEvents::LiveEvents(Options options, ReadLots read_lots)
    : o_(std::move(options)),
      read_lots_(std::move(read_lots)),
      hub_(o_.max_streams, o_.buffer_limit),
      next_poll_(Periodic::Clock::now() + o_.poll),
      next_keep_alive_(Periodic::Clock::now() + o_.keep_alive),
      watcher_({.thread_name = "parkd-events", .first = next_wake()},
               [this](Periodic::Woken why) { return watch(why); }) {}

LiveEvents::~LiveEvents() {
  watcher_.stop();
  hub_.close_all();
}

std::shared_ptr<Stream> LiveEvents::open(std::int64_t user, bool admin, Refusal& why) {
  opening_.fetch_add(1);
  struct Opened {
    std::atomic<int>& n;
    ~Opened() { n.fetch_sub(1); }
  } opened{opening_};
  if (watcher_.stopping()) {
    why = Refusal::unavailable;
    return nullptr;
  }
  if (hub_.size() >= o_.max_streams) {  // before the read: a full server reads nothing
    why = Refusal::full;
    return nullptr;
  }
  std::lock_guard lots_lock(lots_mutex_);
  auto lots = read_lots_();
  if (!lots) {
    why = Refusal::unavailable;
    return nullptr;
  }
  std::string data = R"({"lots":[)";
  bool first = true;
  for (const auto& [id, json] : *lots) {
    if (!first) data += ',';
    first = false;
    data += json;
  }
  data += "]}";
  // The streams already open get what this read found changed, and the watcher's next
  // read compares with it: compared with an older list, a change back to that list's
  // numbers would never reach the new stream.
  publish_changes(std::move(*lots));
  std::string greeting = "retry: 3000\n\n" + format_event(hub_.next_id(), "lots", data);
  auto stream = hub_.subscribe(user, admin, std::move(greeting));
  why = stream ? Refusal::none : Refusal::full;
  return stream;
}

void LiveEvents::lots_changed() {
  // One poke per read: the writes after it wait for the read already asked for, instead
  // of waking the watcher each only to learn that the gap has not passed (one context
  // switch per booking write, about 13 000 a second under book-release).
  if (listening() && !read_asked_.exchange(true)) watcher_.poke();
}

void LiveEvents::booking_changed(std::int64_t owner, const std::string& booking_json) {
  if (!listening()) return;  // nobody to tell: nothing queued for a watcher that reads nothing
  {
    std::lock_guard lock(bookings_mutex_);
    bookings_.emplace_back(owner, R"({"booking":)" + booking_json + "}");
  }
  lots_changed();
}

void LiveEvents::close_all() {
  watcher_.request_stop();  // no wait for a read in progress: the streams end now
  hub_.close_all();
}

Periodic::Clock::time_point LiveEvents::next_wake() const {
  return o_.changes ? std::min(next_poll_, Periodic::Clock::now() + o_.news) : next_poll_;
}

Periodic::Clock::duration LiveEvents::gap() const {
  const auto streams = static_cast<std::int64_t>(hub_.size());
  const auto rate = static_cast<std::int64_t>(std::max<std::size_t>(o_.fan_out_per_second, 1));
  const auto stretched = Periodic::Clock::duration(std::chrono::seconds(1)) * streams / rate;
  return std::max<Periodic::Clock::duration>(o_.gap, stretched);
}

Periodic::Next LiveEvents::watch(Periodic::Woken why) {
  using Clock = Periodic::Clock;
  bool poked = why == Periodic::Woken::poked;
  if (o_.changes && !hub_.empty()) {
    auto version = o_.changes();
    if (version && seen_ && version != seen_) poked = true;
    seen_ = version;
  }
  read_due_ = read_due_ || poked;
  if (!read_due_ && Clock::now() < next_poll_) return next_wake();
  if (const auto due = last_read_ + gap(); Clock::now() < due) return std::min(next_wake(), due);
  read_due_ = false;
  read_asked_ = false;  // before the read: a write it may miss asks for the next one
  last_read_ = Clock::now();
  next_poll_ = last_read_ + o_.poll;
  if (!hub_.empty()) {  // O(1): this runs after each poke, with every stream open
    poll_lots();
    if (Clock::now() >= next_keep_alive_) {
      hub_.keep_alive();
      next_keep_alive_ = Clock::now() + o_.keep_alive;
    }
  } else {
    std::lock_guard lots_lock(lots_mutex_);
    // Nobody listens: no reads, and the next stream starts afresh. Looked at again under
    // the lock: a stream that opened meanwhile keeps the list its snapshot came from, or
    // a change between its snapshot and the next read would never reach it.
    if (hub_.empty()) have_last_ = false;
    std::lock_guard lock(bookings_mutex_);
    bookings_.clear();  // queued as the last stream closed: for nobody
    next_keep_alive_ = Clock::now() + o_.keep_alive;
  }
  return next_wake();
}

void LiveEvents::poll_lots() {
  std::lock_guard lots_lock(lots_mutex_);
  std::vector<std::pair<std::int64_t, std::string>> bookings;
  {
    std::lock_guard lock(bookings_mutex_);
    bookings.swap(bookings_);
  }
  std::vector<Event> events;
  events.reserve(bookings.size());
  for (const auto& [owner, data] : bookings) {
    events.push_back({"booking", data, Audience::owner_and_admins(owner)});
  }
  auto lots = read_lots_();
  if (!lots) {
    spdlog::warn("events: cannot read the lots; trying again in a second");
    hub_.publish_all(events);  // the booking events need no read
    return;
  }
  publish_changes(std::move(*lots), std::move(events));
}

void LiveEvents::publish_changes(std::map<std::int64_t, std::string> lots,
                                 std::vector<Event> events) {
  std::vector<std::string> deleted;
  if (have_last_) {
    for (const auto& [id, json] : last_) {
      if (!lots.contains(id))
        deleted.push_back(R"({"id":)" + std::to_string(id) + R"(,"deleted":true})");
    }
    for (const auto& [id, json] : lots) {
      auto it = last_.find(id);
      if (it == last_.end() || it->second != json) events.push_back({"lot", json});
    }
    for (const auto& d : deleted) events.push_back({"lot", d});
  }
  hub_.publish_all(events);
  last_ = std::move(lots);
  have_last_ = true;
}

}  // namespace parkd::events
