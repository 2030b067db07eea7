#pragma once
// Times are UTC `Timestamp`s (whole seconds since the epoch) inside parkd; they are
// converted only at the edges (ISO 8601 in JSON) and in reports (TIMEZONE).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

using Timestamp = std::chrono::sys_seconds;

// The current time. Tests and the benchmark may shift it with PARKD_CLOCK_OFFSET
// (seconds), so that time-driven behaviour can be exercised black-box.
Timestamp now();
void set_clock_offset(std::chrono::seconds offset);

inline std::int64_t to_unix(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp from_unix(std::int64_t s) { return Timestamp{std::chrono::seconds{s}}; }

// "2026-11-24T18:00:00Z".
std::string format_iso8601(Timestamp t);
// The same into `out`, which must hold kIso8601Size characters; returns the length
// written (longer only for years outside 0000-9999).
inline constexpr std::size_t kIso8601Size = 32;
std::size_t format_iso8601_into(Timestamp t, char* out);

// Accepts "YYYY-MM-DDTHH:MM[:SS[.fraction]]" followed by "Z" or "+HH:MM"/"-HH:MM"
// (also "+HHMM"); a space may stand for "T". A time without a zone is rejected
// (nullopt), as are out-of-range fields and times whose UTC year is outside 0000-9999
// (format_iso8601 could not write them back in this form). Fractions of a second are
// truncated.
std::optional<Timestamp> parse_iso8601(std::string_view text);

}  // namespace parkd
