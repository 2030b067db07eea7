#pragma once
// JWTs signed with HS256 (libsodium's HMAC-SHA-256, keyed once). The algorithm is pinned: a token
// whose header names anything else (including "none") is rejected before any other check. Claims:
// sub (user id, a string), iat, exp, ver (the user's token version: bumping it on logout revokes
// every earlier token).

#include "common/result.h"
#include "common/time.h"

#include <sodium/crypto_auth_hmacsha256.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

struct TokenClaims {
  std::int64_t user_id = 0;
  std::int64_t version = 0;
  Timestamp issued_at{};
  Timestamp expires_at{};
};

class TokenSigner {
 public:
  TokenSigner(const std::string& secret, std::int64_t max_age_seconds);

  std::string issue(std::int64_t user_id, std::int64_t version, Timestamp now) const;

  // Errors (all unauthorized): malformed, wrong algorithm, bad signature, expired.
  // The caller still has to compare `version` with the user's current one.
  Result<TokenClaims> verify(std::string_view token, Timestamp now) const;

  std::int64_t max_age() const { return max_age_; }

 private:
  // base64url of the 32-byte HMAC, without padding.
  using Signature = std::array<char, 43>;
  static_assert(crypto_auth_hmacsha256_BYTES == 32, "43 base64url characters hold 32 bytes");
  Signature sign(std::string_view signing_input) const;
  // HMAC's inner and outer hashes after the key: each signature copies this instead of
  // hashing the key again.
  crypto_auth_hmacsha256_state keyed_{};
  std::int64_t max_age_;
};

std::string base64url_encode(std::string_view data);
// The encoding of `bytes` bytes is this long; base64url_encode_into writes exactly that.
std::size_t base64url_encoded_size(std::size_t bytes);
void base64url_encode_into(std::string_view data, char* out);
// nullopt for characters outside the URL-safe alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);
// The same into `out`: the decoded size, or nullopt also when it exceeds `capacity`.
std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out,
                                                 std::size_t capacity);

}  // namespace parkd
