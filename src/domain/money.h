#pragma once
// Money is integer cents (int64) from the edge inward; JSON carries major units.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

// A JSON number (or numeric string, which HTML number inputs send) in major units with at
// most two decimals, as cents. nullopt for anything else (NaN, 3 decimals, text, bool).
std::optional<std::int64_t> parse_money(const nlohmann::json& value);

// Cents as a JSON number in major units (1250 -> 12.5).
nlohmann::json money_json(std::int64_t cents);

// Cents as text with two decimals (1250 -> "12.50").
std::string format_money(std::int64_t cents);

// The charge for `billed_seconds` at `price_cents` per hour, at least
// `min_charge_minutes` long, rounded half-up to the cent in integer arithmetic.
std::int64_t stay_cost_cents(std::int64_t price_cents, std::int64_t billed_seconds,
                             int min_charge_minutes);

}  // namespace parkd
