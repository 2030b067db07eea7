// Fuzz target: bearer tokens (auth/token.h). The input is tried as a token as it stands,
// and as "header JSON\npayload JSON" signed with the key, as a client holding the key
// would. Properties: a token verifies only if its signature is the key's HMAC of its first
// two parts, in the one canonical base64url spelling (checked here with libsodium directly,
// not with TokenSigner); a signed token verifies exactly when its header names HS256 and its
// payload is one JSON object with integer iat, exp, ver, a decimal sub, and exp in the
// future, and then gives those claims; base64url round-trips; nothing throws.
#include "auth/token.h"
#include "fuzz_check.h"

#include <sodium/crypto_auth_hmacsha256.h>
#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace {

const std::string kKey = "fuzzing-key-0123456789abcdef0123456789";
const parkd::Timestamp kNow = parkd::from_unix(1'800'000'000);

std::string reference_signature(std::string_view signing_input) {
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(kKey.data()),
                              kKey.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return parkd::base64url_encode(std::string_view(reinterpret_cast<char*>(mac.data()), mac.size()));
}

// A claim as the contract reads it: an integer that fits int64 (for sub, also a string of
// one); anything else is no claim.
std::optional<std::int64_t> claim(const nlohmann::json& payload, const char* name) {
  if (!payload.contains(name)) return std::nullopt;
  const auto& v = payload[name];
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return {};
    return static_cast<std::int64_t>(u);
  }
  if (v.is_string() && std::string_view(name) == "sub") {
    const auto& text = v.get_ref<const std::string&>();
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec == std::errc() && end == text.data() + text.size()) return id;
  }
  return std::nullopt;
}

bool header_accepted(const std::string& header) {
  if (header == R"({"alg":"HS256","typ":"JWT"})") return true;
  if (header.find('\0') != std::string::npos) return false;
  auto json = nlohmann::json::parse(header, nullptr, false);
  return json.is_object() && json.contains("alg") && json["alg"] == "HS256";
}

void check_signed(const parkd::TokenSigner& signer, std::string_view input) {
  std::string header = R"({"alg":"HS256","typ":"JWT"})";
  std::string payload(input);
  if (auto newline = input.find('\n'); newline != std::string_view::npos) {
    header = input.substr(0, newline);
    payload = input.substr(newline + 1);
  }
  std::string signing_input =
      parkd::base64url_encode(header) + "." + parkd::base64url_encode(payload);
  std::string signature = reference_signature(signing_input);
  auto verified = signer.verify(signing_input + "." + signature, kNow);

  nlohmann::json claims;
  if (payload.find('\0') == std::string::npos)
    claims = nlohmann::json::parse(payload, nullptr, false);
  std::optional<std::int64_t> sub, iat, exp, ver;
  if (claims.is_object()) {
    sub = claim(claims, "sub");
    iat = claim(claims, "iat");
    exp = claim(claims, "exp");
    ver = claim(claims, "ver");
  }
  bool expected =
      header_accepted(header) && sub && iat && exp && ver && kNow < parkd::from_unix(*exp);
  FUZZ_CHECK(verified.ok() == expected, expected ? "a well-formed signed token was refused"
                                                 : "a token the contract refuses verified");
  if (verified) {
    FUZZ_CHECK(verified->user_id == *sub && verified->version == *ver &&
                   parkd::to_unix(verified->issued_at) == *iat &&
                   parkd::to_unix(verified->expires_at) == *exp,
               "the claims differ from the payload's");
  }
  // Any other spelling of the signature (another last character, the standard base64
  // alphabet, padding) is a different token.
  std::string altered = signature;
  altered.back() = altered.back() == 'A' ? 'Q' : 'A';
  FUZZ_CHECK(!signer.verify(signing_input + "." + altered, kNow), "an altered signature verified");
  FUZZ_CHECK(!signer.verify(signing_input + "." + signature + "=", kNow), "padding verified");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const parkd::TokenSigner signer(kKey, 3600);
  static const parkd::TokenSigner other_signer(kKey + "x", 3600);
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto decoded = parkd::base64url_decode(parkd::base64url_encode(input));
  FUZZ_CHECK(decoded && *decoded == input, "base64url does not round-trip");
  std::array<char, 8> small{};
  if (auto n = parkd::base64url_decode_into(input, small.data(), small.size())) {
    FUZZ_CHECK(*n <= small.size(), "decoded past the buffer");
  }

  if (auto verified = signer.verify(input, kNow)) {
    auto last_dot = input.rfind('.');
    FUZZ_CHECK(last_dot != std::string_view::npos &&
                   input.substr(last_dot + 1) == reference_signature(input.substr(0, last_dot)),
               "a token verified without the key's signature");
    FUZZ_CHECK(!other_signer.verify(input, kNow), "a token verified under two keys");
  }
  check_signed(signer, input);
  return 0;
}
