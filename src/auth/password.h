#pragma once
// Argon2id password hashes (libsodium), OWASP's first choice: m = 19 MiB, t = 2, p = 1.
// The encoded hash carries its own parameters, so they can be raised later.

#include <optional>
#include <string>
#include <string_view>

namespace parkd {

// nullopt only when the system is out of memory.
std::optional<std::string> hash_password(std::string_view password);
// Constant-time with respect to the stored hash; false for a malformed hash.
bool verify_password(const std::string& encoded_hash, std::string_view password);

}  // namespace parkd
