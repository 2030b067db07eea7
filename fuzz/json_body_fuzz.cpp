// Fuzz target: a request body as the handlers read it, json_object_body (api/parse.h) and
// then FieldReader on every member. Properties: a body is accepted exactly when it is
// blank or one JSON object and nothing else (no NUL, no trailing bytes); what is accepted
// renders and reads back to the same value; typed fields that are read round-trip through
// their canonical text (times, money); nothing throws.
#include "api/http_types.h"
#include "api/parse.h"
#include "domain/money.h"
#include "domain/validation.h"
#include "fuzz_check.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using parkd::FieldReader;

void read_fields(const nlohmann::json& body) {
  std::vector<std::string> keys = {"lot_id", "price", "starts_at", "name", "capacity"};
  for (const auto& [key, value] : body.items()) {
    if (keys.size() >= 16) break;
    // FieldReader takes the C-string keys handlers write; "a\u0000b" is not one of them.
    if (key.find('\0') == std::string::npos) keys.push_back(key);
  }
  for (const auto& key : keys) {
    FieldReader reader(body);
    const auto& value = body.contains(key) ? body[key] : nlohmann::json();
    if (auto text = reader.string(key.c_str(), false)) {
      FUZZ_CHECK(value.is_string() && *text == value.get<std::string>(), "string field");
    }
    if (auto n = reader.integer(key.c_str(), false)) {
      // An integer read from a JSON number is that number, whatever its JSON type.
      if (value.is_number_unsigned()) {
        FUZZ_CHECK(*n >= 0 && static_cast<std::uint64_t>(*n) == value.get<std::uint64_t>(),
                   "an unsigned integer field changed its value");
      } else if (value.is_number_integer()) {
        FUZZ_CHECK(*n == value.get<std::int64_t>(), "an integer field changed its value");
      } else if (value.is_number_float()) {
        FUZZ_CHECK(static_cast<double>(*n) == value.get<double>(), "a float field changed");
      }
    }
    if (auto cents = reader.money(key.c_str(), false)) {
      FUZZ_CHECK(*cents >= 0, "a negative amount was accepted");
      auto again = parkd::parse_money(nlohmann::json(parkd::format_money(*cents)));
      FUZZ_CHECK(again == cents, "an amount does not round-trip through its text");
      FUZZ_CHECK(parkd::parse_money(parkd::money_json(*cents)) == cents,
                 "an amount does not round-trip through its JSON number");
    }
    if (auto time = reader.time(key.c_str(), false)) {
      FUZZ_CHECK(parkd::parse_iso8601(parkd::format_iso8601(*time)) == time,
                 "a time does not round-trip through its ISO 8601 text");
    }
    if (!reader.ok()) FUZZ_CHECK(reader.error().fields.contains(key), "problem not named");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parkd::Request req;
  req.method = "POST";
  req.headers["content-type"] = "application/json";
  req.body.assign(reinterpret_cast<const char*>(data), size);

  // The reference: RFC 8259's one JSON text, with nothing before or after it.
  bool blank = parkd::trim(req.body).empty();
  bool has_nul = req.body.find('\0') != std::string::npos;
  nlohmann::json reference = nlohmann::json::parse(req.body, nullptr, false);
  bool one_object = !has_nul && !reference.is_discarded() && reference.is_object();

  auto body = parkd::json_object_body(req);
  if (!body) {
    FUZZ_CHECK(!blank && !one_object, "a blank body or one JSON object was rejected");
    FUZZ_CHECK(body.error().kind == parkd::ErrorKind::bad_request, "rejected, but not as 400");
    return 0;
  }
  FUZZ_CHECK(blank || one_object, "a body that is not exactly one JSON object was accepted");
  FUZZ_CHECK(body->is_object(), "an accepted body is not an object");
  if (!blank) FUZZ_CHECK(*body == reference, "the body parsed to another value");

  std::string rendered = body->dump();
  FUZZ_CHECK(nlohmann::json::parse(rendered, nullptr, false) == *body,
             "a body does not read back from its rendering");
  read_fields(*body);
  return 0;
}
