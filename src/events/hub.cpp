// The live-event hub (hub.h): fan-out of rendered SSE bytes to per-stream buffers.

#include "events/hub.h"

#include <algorithm>
#include <utility>

namespace parkd::events {

std::string format_event(std::uint64_t id, std::string_view name, std::string_view data) {
  std::string out;
  out.reserve(name.size() + data.size() + 40);
  out += "id: ";
  out += std::to_string(id);
  out += "\nevent: ";
  out += name;
  out += "\ndata: ";
  out += data;
  out += "\n\n";
  return out;
}

std::string Stream::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

void Stream::attach(std::function<void()> wake) {
  {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
  }
  this->wake();
}

void Stream::wake() {
  std::function<void()> w;
  {
    std::lock_guard lock(mutex_);
    w = wake_;
  }
  if (w) w();
}

void Stream::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  pending_.clear();
}

bool Stream::closed() const { return closed_.load(); }

bool Stream::has_news() const {
  std::lock_guard lock(mutex_);
  return closed_ || !pending_.empty();
}

std::shared_ptr<Stream> Hub::subscribe(std::int64_t user, bool admin, std::string greeting,
                                       std::function<void()> wake) {
  std::shared_ptr<Stream> s(new Stream(user, admin));
  s->pending_ = std::move(greeting);
  s->wake_ = std::move(wake);
  {
    std::lock_guard lock(mutex_);
    sweep();
    if (streams_.size() >= max_streams_) return nullptr;
    streams_.push_back(s);
    (admin ? admins_ : by_user_[user]).push_back(s);
  }
  s->wake();
  return s;
}

void Hub::unsubscribe(const std::shared_ptr<Stream>& stream) {
  std::lock_guard lock(mutex_);
  std::erase(streams_, stream);
  if (stream->admin()) {
    std::erase(admins_, stream);
  } else if (auto it = by_user_.find(stream->user_id()); it != by_user_.end()) {
    std::erase(it->second, stream);
    if (it->second.empty()) by_user_.erase(it);
  }
}

void Hub::sweep() {
  auto closed = [](const auto& s) { return s->closed_.load(); };
  if (std::none_of(streams_.begin(), streams_.end(), closed)) return;
  std::erase_if(streams_, closed);
  std::erase_if(admins_, closed);
  for (auto it = by_user_.begin(); it != by_user_.end();) {
    std::erase_if(it->second, closed);
    it = it->second.empty() ? by_user_.erase(it) : std::next(it);
  }
}

// With the hub's lock held: a stream over its limit is closed and dropped from the hub,
// so that one slow client costs neither memory nor the others' time.
void Hub::append(const std::shared_ptr<Stream>& s, std::string_view bytes,
                 std::vector<std::shared_ptr<Stream>>& woken) {
  bool was_empty = false;
  {
    std::lock_guard lock(s->mutex_);
    if (s->closed_) return;
    if (s->pending_.size() + bytes.size() > buffer_limit_) {
      s->closed_ = true;
      s->pending_.clear();
      was_empty = true;
    } else {
      was_empty = s->pending_.empty();
      s->pending_.append(bytes);
    }
  }
  if (was_empty) woken.push_back(s);
}

std::size_t Hub::publish_all(const std::vector<Event>& events) {
  std::vector<std::shared_ptr<Stream>> woken;
  std::size_t sent = 0;
  {
    std::lock_guard lock(mutex_);
    bool to_everyone = false;
    // Consecutive events for the same audience are appended to a stream as one piece.
    for (auto e = events.begin(); e != events.end();) {
      auto run_end = std::find_if(e, events.end(), [&](const Event& x) {
        return x.audience.user_id != e->audience.user_id;
      });
      std::string bytes;
      for (auto x = e; x != run_end; ++x) bytes += format_event(++last_id_, x->name, x->data);
      const auto n = static_cast<std::size_t>(run_end - e);
      auto to = [&](const std::vector<std::shared_ptr<Stream>>& streams) {
        for (const auto& s : streams) {
          append(s, bytes, woken);
          sent += n;
        }
      };
      if (e->audience.user_id) {  // the closed ones wait for the next sweep
        to(admins_);
        if (auto it = by_user_.find(*e->audience.user_id); it != by_user_.end()) to(it->second);
      } else {
        to(streams_);
        to_everyone = true;
      }
      e = run_end;
    }
    if (to_everyone) sweep();
  }
  for (const auto& s : woken) s->wake();
  return sent;
}

void Hub::keep_alive() {
  std::vector<std::shared_ptr<Stream>> woken;
  {
    std::lock_guard lock(mutex_);
    for (const auto& s : streams_) append(s, kKeepAlive, woken);
    sweep();
  }
  for (const auto& s : woken) s->wake();
}

void Hub::close_all() {
  std::vector<std::shared_ptr<Stream>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(streams_);
    admins_.clear();
    by_user_.clear();
  }
  for (const auto& s : all) {
    {
      std::lock_guard lock(s->mutex_);
      s->closed_ = true;
    }
    s->wake();
  }
}

std::size_t Hub::size() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(streams_.begin(), streams_.end(),
                                                [](const auto& s) { return !s->closed_.load(); }));
}

bool Hub::empty() const {
  std::lock_guard lock(mutex_);
  return streams_.empty();
}

std::uint64_t Hub::next_id() {
  std::lock_guard lock(mutex_);
  return ++last_id_;
}

}  // namespace parkd::events
