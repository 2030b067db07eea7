// Sliding-window failure counters and the growing per-account delay behind LoginThrottle
// (see throttle.h).
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

std::optional<std::int64_t> LoginThrottle::delayed_for(Account& account, Timestamp now) {
  int failing = 0;
  Timestamp latest{};
  for (auto& [address, pair] : account.by_address) {
    prune(pair.failures, now);
    if (pair.failures.empty()) continue;
    ++failing;
    latest = std::max(latest, pair.failures.back());
  }
  if (failing < kFreeAddresses) return std::nullopt;
  // 2^20 s is far beyond any window: the shift never overflows.
  int doublings = std::min(failing - kFreeAddresses, 20);
  std::int64_t delay = std::min<std::int64_t>(std::int64_t{1} << doublings, window_.count());
  Timestamp free_at = latest + std::chrono::seconds(delay);
  if (free_at <= now) return std::nullopt;
  return std::max<std::int64_t>(1, (free_at - now).count());
}

std::optional<std::int64_t> LoginThrottle::retry_after(const std::string& account,
                                                       const std::string& address, Timestamp now) {
  std::lock_guard lock(mutex_);
  std::optional<std::int64_t> wait;
  auto keep_longest = [&wait](std::optional<std::int64_t> w) {
    if (w) wait = std::max(wait.value_or(0), *w);
  };
  if (auto it = accounts_.find(account); it != accounts_.end()) {
    if (auto pair = it->second.by_address.find(address); pair != it->second.by_address.end()) {
      keep_longest(blocked_for(pair->second.failures, max_account_, now));
      if (!pair->second.trusted && !pair->second.failures.empty()) {
        keep_longest(delayed_for(it->second, now));
      }
    }
  }
  if (auto it = addresses_.find(address); it != addresses_.end()) {
    keep_longest(blocked_for(it->second, max_address_, now));
  }
  return wait;
}

// Bounds memory under a flood of distinct names: drops what has aged out.
void LoginThrottle::forget_stale(Timestamp now) {
  for (auto it = accounts_.begin(); it != accounts_.end();) {
    auto& by_address = it->second.by_address;
    for (auto pair = by_address.begin(); pair != by_address.end();) {
      prune(pair->second.failures, now);
      bool empty = pair->second.failures.empty() && !pair->second.trusted;
      pair = empty ? by_address.erase(pair) : std::next(pair);
    }
    it = by_address.empty() ? accounts_.erase(it) : std::next(it);
  }
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    prune(it->second, now);
    it = it->second.empty() ? addresses_.erase(it) : std::next(it);
  }
}

void LoginThrottle::record_failure(const std::string& account, const std::string& address,
                                   Timestamp now) {
  std::lock_guard lock(mutex_);
  if ((accounts_.size() > 100000 || addresses_.size() > 100000) && now - last_cleanup_ >= window_) {
    forget_stale(now);
    last_cleanup_ = now;
  }
  Account& acc = accounts_[account];
  for (Failures* f : {&acc.by_address[address].failures, &addresses_[address]}) {
    prune(*f, now);
    f->push_back(now);
  }
}

void LoginThrottle::record_success(const std::string& account, const std::string& address) {
  std::lock_guard lock(mutex_);
  // Only an account with failures on record needs to know its owner's addresses; the
  // map does not grow with every login.
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return;
  Pair& pair = it->second.by_address[address];
  pair.failures.clear();
  pair.trusted = true;
}

}  // namespace parkd
