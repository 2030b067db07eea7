#pragma once
// Login throttling that cannot lock an owner out. Failures count per (account, client
// address) and per client address, each with a hard limit in a sliding window (429 with
// Retry-After until the oldest failure leaves it). Per account, across addresses, only a
// growing delay: once kFreeAddresses addresses have failed on an account in the window,
// each of them waits 1 s, 2 s, 4 s, ... (doubling with every further failing address, at
// most the window) after the account's latest failure, so an attack spread over many
// addresses gets one guess per new address and no more. An
// address that has not failed on the account, or that has logged into it before, is never
// delayed for the account's sake: the owner still logs in with the right password. The
// delay is answered with 429 at once, never by holding a request. Kept in memory per
// process: a restart forgets it, and several parkd processes each count separately
// (documented in docs/security.md).

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
  // A success clears that (account, address)'s failures, not the address's nor the
  // account's, and exempts the address from the account's delay from then on.
  void record_success(const std::string& account, const std::string& address);

  // Addresses that may fail on one account in the window before the delay starts: its
  // owner's phone, laptop and office. One address alone meets only its own hard limit.
  static constexpr int kFreeAddresses = 3;

 private:
  using Failures = std::deque<Timestamp>;
  struct Pair {
    Failures failures;
    bool trusted = false;  // has logged into the account
  };
  struct Account {
    std::unordered_map<std::string, Pair> by_address;
  };
  std::optional<std::int64_t> blocked_for(Failures& f, int max, Timestamp now);
  std::optional<std::int64_t> delayed_for(Account& account, Timestamp now);
  void prune(Failures& f, Timestamp now);
  void forget_stale(Timestamp now);

  int max_account_;
  int max_address_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, Account> accounts_;
  Timestamp last_cleanup_{};
  std::unordered_map<std::string, Failures> addresses_;
};

}  // namespace parkd
