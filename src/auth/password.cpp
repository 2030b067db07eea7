#include "auth/password.h"

#include <sodium.h>

#include <algorithm>
#include <semaphore>
#include <stdexcept>
#include <thread>

namespace parkd {
namespace {

constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = std::size_t{19} * 1024 * 1024;

void init_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)ready;
}

// Each Argon2id run takes 19 MiB. Running more of them than there are cores is no
// faster (they are CPU-bound) but multiplies memory: 32 handler threads logging in at
// once peaked parkd at ~240 MB in the benchmark. So they take turns, a core each.
class HashingSlot {
 public:
  HashingSlot() { slots().acquire(); }
  ~HashingSlot() { slots().release(); }
  HashingSlot(const HashingSlot&) = delete;
  HashingSlot& operator=(const HashingSlot&) = delete;

 private:
  static std::counting_semaphore<>& slots() {
    static std::counting_semaphore<> s(
        static_cast<std::ptrdiff_t>(std::max(2u, std::thread::hardware_concurrency())));
    return s;
  }
};

}  // namespace

std::optional<std::string> hash_password(std::string_view password) {
  init_sodium();
  HashingSlot slot;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return std::nullopt;
  }
  return std::string(out);
}

bool verify_password(const std::string& encoded_hash, std::string_view password) {
  init_sodium();
  if (encoded_hash.size() >= crypto_pwhash_STRBYTES) return false;
  HashingSlot slot;
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace parkd
