#pragma once
// Password reset tokens (POST /auth/password-reset): random, sent only in the email, and
// kept in the database only as a hash, so that a copy of the database (a backup, a
// read-only leak) holds no usable token.

#include <chrono>
#include <string>
#include <string_view>

namespace parkd {

// How long a reset token works after it was made (docs/api.md "Password reset").
inline constexpr std::chrono::seconds kResetTokenLifetime{3600};

// 32 random bytes (libsodium randombytes), base64url without padding: 43 characters, safe
// in a URL's query as they are.
std::string new_reset_token();

// The hex SHA-256 of the token: what the database stores and looks a token up by. A
// plain hash suffices (no salt, no slow hash): the token carries 256 random bits.
std::string reset_token_hash(std::string_view token);

}  // namespace parkd
