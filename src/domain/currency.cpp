// The ISO 4217 table behind CURRENCY and GET /api/settings.
#include "domain/currency.h"

#include "domain/money.h"

#include <array>
#include <utility>

namespace parkd {
namespace {

// Active ISO 4217 codes (list one, 2024) that name a currency for payments: the
// precious metals (XAU, XAG, XPD, XPT), units of account and funds (XDR, XSU, XUA, XBA..XBD,
// BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) and XTS/XXX are left out.
constexpr std::string_view kCodes =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD "
    "BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN "
    "ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR "
    "ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL "
    "MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN "
    "PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD "
    "SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES "
    "VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL";

// Symbols as the web UI and emails show them; the others show their code.
constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kSymbols{{
    {"AUD", "A$"},  {"BDT", "৳"}, {"BRL", "R$"},  {"CAD", "CA$"}, {"CNY", "¥"},
    {"EUR", "€"},   {"GBP", "£"}, {"HKD", "HK$"}, {"ILS", "₪"},   {"INR", "₹"},
    {"JPY", "¥"},   {"KRW", "₩"}, {"NGN", "₦"},   {"NZD", "NZ$"}, {"PHP", "₱"},
    {"RUB", "₽"}, {"THB", "฿"}, {"TRY", "₺"},   {"USD", "$"},   {"VND", "₫"},
}};

}  // namespace

bool is_known_currency(std::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  for (std::size_t at = 0; at + 3 <= kCodes.size(); at += 4) {
    if (kCodes.substr(at, 3) == code) return true;
  }
  return false;
}

std::string currency_symbol(std::string_view code) {
  for (const auto& [known, symbol] : kSymbols) {
    if (known == code) return std::string(symbol);
  }
  return std::string(code);
}

std::string format_amount(std::int64_t cents, std::string_view code) {
  std::string symbol = currency_symbol(code);
  char last = symbol.empty() ? ' ' : symbol.back();
  bool ends_in_letter = (last >= 'A' && last <= 'Z') || (last >= 'a' && last <= 'z');
  // The sign goes before the symbol, not between it and the digits.
  std::string digits = format_money(cents);
  bool negative = digits.starts_with('-');
  if (negative) digits.erase(0, 1);
  return (negative ? "-" : "") + symbol + (ends_in_letter ? " " : "") + digits;
}

}  // namespace parkd
