#pragma once
// Pure input rules from the contract (docs/openapi.yaml, docs/api.md). Each check returns the
// problem in words, or nullopt when the value is acceptable; callers collect them into `fields`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 128;  // characters; also bounds the hashing cost
inline constexpr std::size_t kMaxUsernameLength = 64;
inline constexpr std::size_t kMaxLotNameLength = 100;
inline constexpr std::size_t kMaxAddressLength = 500;
inline constexpr std::int64_t kMaxCapacity = 10000;
inline constexpr std::int64_t kMaxPriceCents = std::int64_t{100000} * 100;
inline constexpr std::int64_t kMaxReservationSeconds = std::int64_t{30} * 86400;
inline constexpr std::int64_t kReservationStartGraceSeconds = std::int64_t{5} * 60;
inline constexpr std::int64_t kDefaultListLimit = 1000;
inline constexpr std::int64_t kMaxListLimit = 10000;

std::string trim(std::string_view s);
std::string to_lower(std::string_view s);
bool is_valid_utf8(std::string_view s);
// The number of characters (code points) of UTF-8 text: what a user counts, unlike bytes.
std::size_t utf8_length(std::string_view s);

std::optional<std::string> check_email(std::string_view email);
// The one password rule, for every password a user chooses (registration, password change,
// admin and CLI set-password; login never checks it, so older passwords still work):
// 8–128 characters (code points, not bytes), not only white space (Unicode White_Space),
// not one of the 10 000 most common passwords compared ASCII case-insensitively
// (domain/common_passwords.h). `password` is valid UTF-8 (it came from JSON or the CLI).
std::optional<std::string> check_password(std::string_view password);
// `username` already trimmed and non-empty (empty means "none"): valid UTF-8, 1–64
// characters, no '@', no control characters (Unicode Cc) and no format characters (Cf:
// bidi overrides and isolates, zero-width spaces and joiners, soft hyphen, BOM ...), which
// would make one name display as another.
std::optional<std::string> check_username(std::string_view username);

// Returns the normalised (upper-case) plate, or the problem.
struct VehicleCheck {
  std::optional<std::string> normalized;
  std::optional<std::string> problem;
};
VehicleCheck check_vehicle_number(std::string_view vehicle);

std::optional<std::string> check_lot_name(std::string_view name);  // already trimmed
std::optional<std::string> check_address(std::string_view address);
std::optional<std::string> check_capacity(std::int64_t capacity);
std::optional<std::string> check_price_cents(std::int64_t cents);

}  // namespace parkd
