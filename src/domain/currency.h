#pragma once
// Currencies for display (CURRENCY, GET /api/settings): which ISO 4217 codes parkd
// accepts and the symbol shown with amounts. Amounts themselves stay integer cents.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

// Whether `code` is an active ISO 4217 currency: three upper-case letters naming a
// currency people pay with (not a precious metal, a fund code or XXX/XTS).
bool is_known_currency(std::string_view code);

// The symbol shown with amounts in `code` (INR: "₹", USD: "$", EUR: "€", ...); a known
// currency without a symbol of its own in parkd's table shows its code.
std::string currency_symbol(std::string_view code);

// `cents` as people read an amount in `code`, the one format of every email: the sign,
// the symbol, then the amount with two decimals ("₹5.00", "€12.50", "-$3.00"). A symbol
// that ends in a letter (a currency shown by its code) is set apart by a space
// ("CHF 12.50", "-CHF 0.05"). The web UI follows the same rule (web/src/money.js).
std::string format_amount(std::int64_t cents, std::string_view code);

}  // namespace parkd
