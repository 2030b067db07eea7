#pragma once
// Login throttling that cannot lock an owner out: failures count per (account, client
// address) and per client address, each with a hard limit in a sliding window (429 with
// Retry-After until the oldest failure leaves it). Failures from other addresses never
// block an account, so someone who knows an email cannot keep its owner out. Kept in
// memory per process: a restart forgets it, and several parkd processes each count
// separately (documented in docs/security.md).

#include "common/time.h"

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace parkd {

class LoginThrottle {
 public:
  // max_per_account limits failures of one account from one address.
  LoginThrottle(int max_per_account, int max_per_address, std::chrono::seconds window)
      : max_account_(max_per_account), max_address_(max_per_address), window_(window) {}

  // Seconds to wait before another attempt is allowed, or nullopt if allowed now.
  std::optional<std::int64_t> retry_after(const std::string& account, const std::string& address,
                                          Timestamp now);
  void record_failure(const std::string& account, const std::string& address, Timestamp now);
  // A success clears that (account, address)'s failures, not the address's.
  void record_success(const std::string& account, const std::string& address);
  // Clears the account's failures from every address.
  void record_success(const std::string& account);

 private:
  using Failures = std::deque<Timestamp>;
  using ByAddress = std::unordered_map<std::string, Failures>;
  std::optional<std::int64_t> blocked_for(Failures& f, int max, Timestamp now);
  void prune(Failures& f, Timestamp now);

  int max_account_;
  int max_address_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, ByAddress> accounts_;  // account -> address -> failures
  std::unordered_map<std::string, Failures> addresses_;
};

}  // namespace parkd
