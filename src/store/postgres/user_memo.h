#pragma once
// UserMemo: the users that token checks read, kept between reads by the PostgreSQL
// store, so that an authenticated request costs no round trip for its token check
// (GET /api/lots, answered from a kept lot list, then costs none at all). An entry is
// used only while the store's users generation is the one it was read at: a commit
// here that changes a user (token version, password, role, disabled, name) moves it
// before the write returns, and another process's commit moves it when its NOTIFY
// arrives. An entry also lives at most kLifetime, so that a change made past parkd
// (SQL by hand), or news from another process still on its way, is seen within that.

#include "domain/models.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace parkd::pg {

class UserMemo {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kLifetime = std::chrono::seconds(1);

  // The user as read at `generation` less than kLifetime ago; none otherwise.
  std::optional<User> find(std::uint64_t generation, Id id) {
    std::lock_guard lock(mutex_);
    if (generation != generation_) return std::nullopt;
    auto it = users_.find(id);
    if (it == users_.end() || Clock::now() - it->second.read_at >= kLifetime) {
      return std::nullopt;
    }
    return it->second.user;
  }

  // `user` as read at `generation` (taken before the read began).
  void keep(std::uint64_t generation, const User& user) {
    std::lock_guard lock(mutex_);
    if (generation != generation_) {
      if (generation < generation_) return;  // older than what is kept
      users_.clear();
      generation_ = generation;
    }
    if (users_.size() >= kMaxUsers) users_.clear();  // bounded: many users, few kept
    users_.insert_or_assign(user.id, Entry{user, Clock::now()});
  }

 private:
  static constexpr std::size_t kMaxUsers = 100000;
  struct Entry {
    User user;
    Clock::time_point read_at;
  };
  std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::unordered_map<Id, Entry> users_;
};

}  // namespace parkd::pg
