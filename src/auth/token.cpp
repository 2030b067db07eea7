#include "auth/token.h"

#include <fmt/format.h>
#include <sodium/utils.h>
#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <limits>
#include <optional>
#include <vector>

namespace parkd {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url of {"alg":"HS256","typ":"JWT"}; the only header we issue or accept.
const std::string& expected_header() {
  static const std::string h = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  return h;
}

Error invalid_token() { return Error::unauthorized("Invalid or expired token"); }

// nlohmann's SAX interface: reads sub (a decimal string or an integer), iat, exp and ver
// (integers) from a JSON object as it is parsed. Other claims, of any shape, are skipped;
// of a repeated claim the last one counts, and one of the wrong type makes it missing.
class ClaimsReader {
 public:
  std::optional<std::int64_t> sub, iat, exp, ver;

  bool complete() const { return sub && iat && exp && ver; }

  bool null() { return other_value(); }
  bool boolean(bool) { return other_value(); }
  bool number_integer(std::int64_t v) { return integer(v); }
  bool number_unsigned(std::uint64_t v) {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return other_value();
    }
    return integer(static_cast<std::int64_t>(v));
  }
  bool number_float(double, const std::string&) { return other_value(); }
  bool string(std::string& text) {
    if (depth_ != 1 || current_ != &sub) return other_value();
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    sub = ec == std::errc() && end == text.data() + text.size() ? std::optional(id) : std::nullopt;
    return true;
  }
  bool binary(std::vector<std::uint8_t>&) { return other_value(); }
  bool start_object(std::size_t) {
    clear_current_claim();  // at the top level: the payload itself
    ++depth_;
    return true;
  }
  bool key(std::string& name) {
    if (depth_ == 1) current_ = claim_named(name);
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (!other_value()) return false;
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  std::optional<std::int64_t>* claim_named(std::string_view name) {
    if (name == "sub") return &sub;
    if (name == "iat") return &iat;
    if (name == "exp") return &exp;
    if (name == "ver") return &ver;
    return nullptr;
  }
  bool integer(std::int64_t v) {
    if (depth_ == 0) return false;
    if (depth_ == 1 && current_) *current_ = v;
    return true;
  }
  // A value that is no claim's: it clears the claim whose key came just before it.
  // At the top level it is a payload that is not an object.
  bool other_value() {
    if (depth_ == 0) return false;
    clear_current_claim();
    return true;
  }
  void clear_current_claim() {
    if (depth_ == 1 && current_) *current_ = std::nullopt;
  }

  int depth_ = 0;
  std::optional<std::int64_t>* current_ = nullptr;
};

}  // namespace

std::size_t base64url_encoded_size(std::size_t bytes) { return (bytes * 4 + 2) / 3; }

void base64url_encode_into(std::string_view data, char* out) {
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    std::uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                      (static_cast<unsigned char>(data[i + 1]) << 8) |
                      static_cast<unsigned char>(data[i + 2]);
    *out++ = kAlphabet[(n >> 18) & 63];
    *out++ = kAlphabet[(n >> 12) & 63];
    *out++ = kAlphabet[(n >> 6) & 63];
    *out++ = kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    std::uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    *out++ = kAlphabet[(n >> 18) & 63];
    *out++ = kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == data.size()) {
    std::uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                      (static_cast<unsigned char>(data[i + 1]) << 8);
    *out++ = kAlphabet[(n >> 18) & 63];
    *out++ = kAlphabet[(n >> 12) & 63];
    *out++ = kAlphabet[(n >> 6) & 63];
  }
}

std::string base64url_encode(std::string_view data) {
  std::string out(base64url_encoded_size(data.size()), '\0');
  base64url_encode_into(data, out.data());
  return out;
}

std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out,
                                                 std::size_t capacity) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::size_t size = 0;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    else
      return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (size == capacity) return std::nullopt;
      out[size++] = static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return size;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(text.size() * 3 / 4, '\0');
  auto size = base64url_decode_into(text, out.data(), out.size());
  if (!size) return std::nullopt;
  out.resize(*size);
  return out;
}

TokenSigner::TokenSigner(const std::string& secret, std::int64_t max_age_seconds)
    : max_age_(max_age_seconds) {
  crypto_auth_hmacsha256_init(&keyed_, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
}

TokenSigner::Signature TokenSigner::sign(std::string_view signing_input) const {
  crypto_auth_hmacsha256_state state = keyed_;
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  Signature out{};
  base64url_encode_into(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()),
                        out.data());
  return out;
}

std::string TokenSigner::issue(std::int64_t user_id, std::int64_t version, Timestamp now) const {
  std::string payload = fmt::format(R"({{"sub":"{}","iat":{},"exp":{},"ver":{}}})", user_id,
                                    to_unix(now), to_unix(now) + max_age_, version);
  std::string input = expected_header() + "." + base64url_encode(payload);
  Signature signature = sign(input);
  return input + "." + std::string(signature.data(), signature.size());
}

Result<TokenClaims> TokenSigner::verify(std::string_view token, Timestamp now) const {
  auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return invalid_token();
  auto second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return invalid_token();
  }
  // Pinning the exact header rejects alg=none, RS256 and friends before anything else.
  // Ours is byte for byte the header we issue; anything else is decoded and checked.
  if (token.substr(0, first_dot) != expected_header()) {
    auto header = base64url_decode(token.substr(0, first_dot));
    if (!header || header->find('\0') != std::string::npos) return invalid_token();
    auto header_json = nlohmann::json::parse(*header, nullptr, false);
    // Not value("alg", ""): it throws when alg is not a string ({"alg":1}).
    auto alg = header_json.is_object() ? header_json.find("alg") : header_json.end();
    if (alg == header_json.end() || *alg != "HS256") return invalid_token();
  }

  Signature expected = sign(token.substr(0, second_dot));
  std::string_view given = token.substr(second_dot + 1);
  if (given.size() != expected.size() ||
      sodium_memcmp(given.data(), expected.data(), given.size()) != 0) {
    return invalid_token();
  }
  // Every request verifies a token: the payload is decoded on the stack (ours are under
  // 100 bytes) and its claims read as they are parsed, with no JSON tree (bench/README.md).
  std::string_view encoded = token.substr(first_dot + 1, second_dot - first_dot - 1);
  std::array<char, 256> small{};
  std::optional<std::string> large;
  std::string_view payload;
  if (encoded.size() / 4 * 3 + 2 <= small.size()) {
    auto size = base64url_decode_into(encoded, small.data(), small.size());
    if (!size) return invalid_token();
    payload = std::string_view(small.data(), *size);
  } else {
    large = base64url_decode(encoded);
    if (!large) return invalid_token();
    payload = *large;
  }
  // nlohmann takes a NUL byte for the end of the input: `{...}\0anything` must not pass
  // for `{...}`.
  if (payload.find('\0') != std::string_view::npos) return invalid_token();
  ClaimsReader claims;
  if (!nlohmann::json::sax_parse(payload.begin(), payload.end(), &claims) || !claims.complete()) {
    return invalid_token();
  }
  TokenClaims out;
  out.user_id = *claims.sub;
  out.issued_at = from_unix(*claims.iat);
  out.expires_at = from_unix(*claims.exp);
  out.version = *claims.ver;
  if (now >= out.expires_at) return invalid_token();
  return out;
}

}  // namespace parkd
