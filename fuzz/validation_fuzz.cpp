// Fuzz target: the input rules (domain/validation.h, domain/money.h, common/time.h) on the
// input as one field value. Properties: is_valid_utf8 agrees with nlohmann's UTF-8 check
// and utf8_length gives 1-4 bytes a character; an accepted plate is 1-16 upper-case letters,
// digits, spaces and '-'; accepted names hold no control characters; ISO 8601 times, money
// and integers round-trip through their canonical text; nothing throws.
#include "api/parse.h"
#include "domain/money.h"
#include "domain/validation.h"
#include "fuzz_check.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

// nlohmann refuses to render a string that is not UTF-8 (RFC 3629): an independent check.
bool reference_utf8(std::string_view text) {
  try {
    (void)nlohmann::json(std::string(text)).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  bool utf8 = parkd::is_valid_utf8(input);
  FUZZ_CHECK(utf8 == reference_utf8(input), "is_valid_utf8 disagrees with RFC 3629");
  if (utf8) {
    std::size_t chars = parkd::utf8_length(input);
    FUZZ_CHECK(chars <= input.size() && chars * 4 >= input.size(),
               "utf8_length counts outside 1-4 bytes a character");
  }
  std::string trimmed = parkd::trim(input);
  FUZZ_CHECK(parkd::trim(trimmed) == trimmed, "trim is not idempotent");
  FUZZ_CHECK(parkd::to_lower(input).size() == input.size(), "to_lower changed the length");

  (void)parkd::check_email(input);
  (void)parkd::check_password(input);
  if (!trimmed.empty() && !parkd::check_username(trimmed)) {
    FUZZ_CHECK(parkd::is_valid_utf8(trimmed) && !has_control(trimmed) &&
                   trimmed.find('@') == std::string::npos,
               "an accepted username holds a control character, '@' or bad UTF-8");
  }
  auto plate = parkd::check_vehicle_number(input);
  FUZZ_CHECK(plate.normalized.has_value() != plate.problem.has_value(), "plate: both or neither");
  if (plate.normalized) {
    const std::string& p = *plate.normalized;
    FUZZ_CHECK(!p.empty() && p.size() <= 16 &&
                   std::all_of(p.begin(), p.end(),
                               [](char c) {
                                 return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                        c == ' ' || c == '-';
                               }),
               "an accepted plate is not 1-16 upper-case letters, digits, spaces or '-'");
  }
  if (!parkd::check_lot_name(input)) {
    FUZZ_CHECK(!input.empty() && !has_control(input) && utf8, "an accepted lot name");
  }
  if (!parkd::check_address(input)) FUZZ_CHECK(utf8, "an accepted address is not UTF-8");

  if (auto t = parkd::parse_iso8601(input)) {
    FUZZ_CHECK(parkd::parse_iso8601(parkd::format_iso8601(*t)) == t,
               "a time does not round-trip through its ISO 8601 text");
  }
  if (auto cents = parkd::parse_money(nlohmann::json(std::string(input)))) {
    FUZZ_CHECK(
        *cents >= 0 && parkd::parse_money(nlohmann::json(parkd::format_money(*cents))) == cents,
        "an amount does not round-trip through its text");
  }
  if (auto n = parkd::parse_int(input)) {
    FUZZ_CHECK(parkd::parse_int(std::to_string(*n)) == n, "an integer does not round-trip");
  }
  return 0;
}
