// The input rules of domain/validation.h.
#include "domain/validation.h"

#include "domain/common_passwords.h"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>

namespace parkd {

std::string trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c >> 5) == 0x6 && c >= 0xC2) {
      extra = 1;
    } else if ((c >> 4) == 0xE) {
      extra = 2;
    } else if ((c >> 3) == 0x1E && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    // The second byte's range rules out overlong forms, UTF-16 surrogates (U+D800..DFFF)
    // and code points past U+10FFFF (RFC 3629, section 4).
    auto second = static_cast<unsigned char>(extra > 0 ? s[i + 1] : 0);
    if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) ||
        (c == 0xF0 && second < 0x90) || (c == 0xF4 && second > 0x8F)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::optional<std::string> check_email(std::string_view email) {
  if (email.empty()) return "is required";
  if (email.size() > 254) return "is too long (at most 254 characters)";
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 ||
      email.find('@', at + 1) != std::string_view::npos) {
    return "is not a valid email address";
  }
  auto domain = email.substr(at + 1);
  auto dot = domain.find('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || domain.back() == '.') {
    return "is not a valid email address";
  }
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '"') {
      return "is not a valid email address";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_password(std::string_view password) {
  std::size_t chars = utf8_length(password);
  if (chars < kMinPasswordLength || chars > kMaxPasswordLength) {
    return "must be 8 to 128 characters";
  }
  bool only_space = true;
  for (std::int32_t i = 0, n = static_cast<std::int32_t>(password.size()); i < n && only_space;) {
    UChar32 c;
    U8_NEXT(password.data(), i, n, c);
    only_space = c >= 0 && u_isUWhiteSpace(c);
  }
  if (only_space) return "must not be only white space";
  if (is_common_password(password)) {
    return "is too common: it is one of the 10 000 most common passwords";
  }
  return std::nullopt;
}

std::optional<std::string> check_username(std::string_view username) {
  if (!is_valid_utf8(username)) return "must be valid UTF-8";
  for (std::int32_t i = 0, n = static_cast<std::int32_t>(username.size()); i < n;) {
    UChar32 c;
    U8_NEXT(username.data(), i, n, c);
    auto type = u_charType(c);
    // C0 controls, DEL and the C1 controls U+0080..U+009F.
    if (type == U_CONTROL_CHAR) return "must not contain control characters";
    if (type == U_FORMAT_CHAR) {
      return "must not contain invisible formatting characters (such as bidi overrides or "
             "zero-width spaces)";
    }
    if (c == '@') return "must not contain '@'";
  }
  std::size_t chars = utf8_length(username);
  if (chars < 1 || chars > kMaxUsernameLength) return "must be 1 to 64 characters";
  return std::nullopt;
}

VehicleCheck check_vehicle_number(std::string_view vehicle) {
  std::string v = trim(vehicle);
  if (v.empty() || v.size() > 16) return {std::nullopt, "must be 1 to 16 characters"};
  for (char& c : v) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != ' ' && c != '-') {
      return {std::nullopt, "may contain only letters, digits, spaces and '-'"};
    }
    c = static_cast<char>(std::toupper(u));
  }
  return {v, std::nullopt};
}

std::optional<std::string> check_lot_name(std::string_view name) {
  if (name.empty()) return "is required";
  if (!is_valid_utf8(name)) return "must be valid UTF-8";
  if (utf8_length(name) > kMaxLotNameLength) return "must be at most 100 characters";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return "must not contain control characters";
  }
  return std::nullopt;
}

std::optional<std::string> check_address(std::string_view address) {
  if (!is_valid_utf8(address)) return "must be valid UTF-8";
  if (utf8_length(address) > kMaxAddressLength) return "must be at most 500 characters";
  return std::nullopt;
}

std::optional<std::string> check_capacity(std::int64_t capacity) {
  if (capacity < 1 || capacity > kMaxCapacity) return "must be an integer from 1 to 10000";
  return std::nullopt;
}

std::optional<std::string> check_price_cents(std::int64_t cents) {
  if (cents <= 0 || cents > kMaxPriceCents) return "must be more than 0 and at most 100000";
  return std::nullopt;
}

}  // namespace parkd
