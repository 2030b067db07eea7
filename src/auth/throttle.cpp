// Sliding-window failure counters behind LoginThrottle (see throttle.h).
#include "auth/throttle.h"

#include <algorithm>

namespace parkd {

void LoginThrottle::prune(Failures& f, Timestamp now) {
  while (!f.empty() && f.front() + window_ <= now) f.pop_front();
}

std::optional<std::int64_t> LoginThrottle::blocked_for(Failures& f, int max, Timestamp now) {
  prune(f, now);
  if (static_cast<int>(f.size()) < max) return std::nullopt;
  // Allowed again when enough failures have aged out of the window.
  Timestamp free_at = f[f.size() - static_cast<std::size_t>(max)] + window_;
  return std::max<std::int64_t>(1, (free_at - now).count());
}

std::optional<std::int64_t> LoginThrottle::retry_after(const std::string& account,
                                                       const std::string& address, Timestamp now) {
  std::lock_guard lock(mutex_);
  std::optional<std::int64_t> wait;
  if (auto it = accounts_.find(account); it != accounts_.end()) {
    if (auto pair = it->second.find(address); pair != it->second.end()) {
      wait = blocked_for(pair->second, max_account_, now);
    }
  }
  if (auto it = addresses_.find(address); it != addresses_.end()) {
    if (auto w = blocked_for(it->second, max_address_, now)) wait = std::max(wait.value_or(0), *w);
  }
  return wait;
}

void LoginThrottle::record_failure(const std::string& account, const std::string& address,
                                   Timestamp now) {
  std::lock_guard lock(mutex_);
  // Bound memory under a flood of distinct names: drop stale entries now and then.
  if (accounts_.size() > 100000) {
    for (auto it = accounts_.begin(); it != accounts_.end();) {
      for (auto pair = it->second.begin(); pair != it->second.end();) {
        prune(pair->second, now);
        pair = pair->second.empty() ? it->second.erase(pair) : std::next(pair);
      }
      it = it->second.empty() ? accounts_.erase(it) : std::next(it);
    }
  }
  auto& a = accounts_[account][address];
  prune(a, now);
  a.push_back(now);
  auto& b = addresses_[address];
  prune(b, now);
  b.push_back(now);
}

void LoginThrottle::record_success(const std::string& account, const std::string& address) {
  std::lock_guard lock(mutex_);
  if (auto it = accounts_.find(account); it != accounts_.end()) {
    it->second.erase(address);
    if (it->second.empty()) accounts_.erase(it);
  }
}

void LoginThrottle::record_success(const std::string& account) {
  std::lock_guard lock(mutex_);
  accounts_.erase(account);
}

}  // namespace parkd
