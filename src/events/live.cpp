// LiveEvents (live.h): the lot watcher and keep-alive thread around the Hub.

#include "events/live.h"

#include "common/threads.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace parkd::events {

LiveEvents::LiveEvents(Options options, ReadLots read_lots)
    : o_(std::move(options)),
      read_lots_(std::move(read_lots)),
      hub_(o_.max_streams, o_.buffer_limit) {
  watcher_ = std::thread([this] {
    name_this_thread("parkd-events");
    watch();
  });
}

LiveEvents::~LiveEvents() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  watcher_.join();
  hub_.close_all();
}

std::shared_ptr<Stream> LiveEvents::open(std::int64_t user, bool admin, Refusal& why) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      why = Refusal::unavailable;
      return nullptr;
    }
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
  std::string greeting = "retry: 3000\n\n" + format_event(hub_.next_id(), "lots", data);
  auto stream = hub_.subscribe(user, admin, std::move(greeting));
  why = stream ? Refusal::none : Refusal::full;
  if (stream && !have_last_) {
    last_ = std::move(*lots);
    have_last_ = true;
  }
  return stream;
}

void LiveEvents::lots_changed() {
  {
    std::lock_guard lock(mutex_);
    poke_ = true;
  }
  cv_.notify_all();
}

void LiveEvents::booking_changed(std::int64_t owner, const std::string& booking_json) {
  hub_.publish("booking", R"({"booking":)" + booking_json + "}", Audience::owner_and_admins(owner));
  lots_changed();
}

void LiveEvents::close_all() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  hub_.close_all();
}

void LiveEvents::watch() {
  using Clock = std::chrono::steady_clock;
  auto next_keep_alive = Clock::now() + o_.keep_alive;
  auto next_poll = Clock::now() + o_.poll;
  std::optional<std::uint64_t> seen;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto wake = o_.changes ? std::min(next_poll, Clock::now() + o_.news) : next_poll;
    cv_.wait_until(lock, wake, [this] { return stopping_ || poke_; });
    if (stopping_) break;
    if (o_.changes && hub_.size() > 0) {
      auto version = o_.changes();
      if (version && seen && version != seen) poke_ = true;
      seen = version;
    }
    if (!poke_ && Clock::now() < next_poll) continue;
    poke_ = false;
    next_poll = Clock::now() + o_.poll;
    lock.unlock();
    if (hub_.size() > 0) {
      poll_lots();
      if (std::chrono::steady_clock::now() >= next_keep_alive) {
        hub_.keep_alive();
        next_keep_alive = std::chrono::steady_clock::now() + o_.keep_alive;
      }
    } else {
      std::lock_guard lots_lock(lots_mutex_);
      have_last_ = false;  // nobody listens: no reads, and the next stream starts afresh
      next_keep_alive = std::chrono::steady_clock::now() + o_.keep_alive;
    }
    lock.lock();
  }
}

// Publishes the difference between this read and the last one.
void LiveEvents::poll_lots() {
  std::lock_guard lots_lock(lots_mutex_);
  auto lots = read_lots_();
  if (!lots) {
    spdlog::warn("events: cannot read the lots; trying again in a second");
    return;
  }
  if (have_last_) {
    for (const auto& [id, json] : *lots) {
      auto it = last_.find(id);
      if (it == last_.end() || it->second != json) hub_.publish("lot", json, Audience::everyone());
    }
    for (const auto& [id, json] : last_) {
      if (!lots->contains(id)) {
        hub_.publish("lot", R"({"id":)" + std::to_string(id) + R"(,"deleted":true})",
                     Audience::everyone());
      }
    }
  }
  last_ = std::move(*lots);
  have_last_ = true;
}

}  // namespace parkd::events
