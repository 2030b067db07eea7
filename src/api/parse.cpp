#include "api/parse.h"

#include "domain/money.h"
#include "domain/validation.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace parkd {

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

Result<nlohmann::json> json_object_body(const Request& req) {
  if (auto ct = req.header("content-type"); ct && !req.body.empty()) {
    std::string type = to_lower(trim(ct->substr(0, ct->find(';'))));
    bool is_json = type == "application/json" || (type.size() > 5 && type.ends_with("+json"));
    if (!is_json && !type.empty()) {
      return Error::of(ErrorKind::unsupported_media, "unsupported_media_type",
                       "Send the body as application/json");
    }
  }
  if (trim(req.body).empty()) return nlohmann::json::object();
  // nlohmann's lexer takes a NUL byte for the end of the input, so `{"a":1}\0garbage`
  // would parse as `{"a":1}`. JSON has no place for a raw NUL (inside a string it must
  // be escaped), so any body holding one is not JSON.
  if (req.body.find('\0') != std::string::npos)
    return Error::bad_request("invalid_json", "The request body is not valid JSON");
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded())
    return Error::bad_request("invalid_json", "The request body is not valid JSON");
  if (!body.is_object())
    return Error::bad_request("invalid_json", "The request body must be a JSON object");
  return body;
}

Result<std::int64_t> path_id(const std::string& segment, const char* what) {
  auto id = parse_int(segment);
  if (!id || *id <= 0) return Error::not_found(std::string(what) + " not found");
  return *id;
}

Result<Paging> paging(const Request& req) {
  Paging p;
  nlohmann::json fields = nlohmann::json::object();
  if (auto v = req.query_param("limit")) {
    auto n = parse_int(*v);
    if (!n || *n < 1 || *n > 10000) {
      fields["limit"] = "must be an integer from 1 to 10000";
    } else {
      p.limit = *n;
    }
  }
  if (auto v = req.query_param("offset")) {
    auto n = parse_int(*v);
    if (!n || *n < 0) {
      fields["offset"] = "must be a non-negative integer";
    } else {
      p.offset = *n;
    }
  }
  if (!fields.empty()) return Error::validation(fields, "Invalid paging parameters");
  return p;
}

void FieldReader::problem(const char* key, std::string what) {
  if (!fields_.contains(key)) fields_[key] = std::move(what);
}

std::optional<std::string> FieldReader::string(const char* key, bool required) {
  if (!has(key)) {
    if (required) problem(key, "is required");
    return std::nullopt;
  }
  const auto& v = body_[key];
  if (!v.is_string()) {
    problem(key, "must be a string");
    return std::nullopt;
  }
  return v.get<std::string>();
}

std::optional<std::int64_t> FieldReader::integer(const char* key, bool required) {
  if (!has(key)) {
    if (required) problem(key, "is required");
    return std::nullopt;
  }
  const auto& v = body_[key];
  // Unsigned first: nlohmann stores every non-negative integer as unsigned and counts it
  // as is_number_integer() too, so get<int64_t> would turn 2^64-1 into -1.
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(u);
    }
    problem(key, "is out of range");
    return std::nullopt;
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    // The range before the cast: converting a double beyond int64 (1e19) is undefined.
    if (std::abs(d) < 1e15 && d == std::trunc(d)) return static_cast<std::int64_t>(d);
  }
  if (v.is_string()) {
    if (auto n = parse_int(trim(v.get<std::string>()))) return n;
  }
  problem(key, "must be an integer");
  return std::nullopt;
}

std::optional<std::int64_t> FieldReader::money(const char* key, bool required) {
  if (!has(key)) {
    if (required) problem(key, "is required");
    return std::nullopt;
  }
  auto cents = parse_money(body_[key]);
  if (!cents) problem(key, "must be a non-negative amount with at most 2 decimals");
  return cents;
}

std::optional<Timestamp> FieldReader::time(const char* key, bool required) {
  auto text = string(key, required);
  if (!text) return std::nullopt;
  auto t = parse_iso8601(*text);
  if (!t) problem(key, "must be an ISO 8601 time with a zone, e.g. 2026-11-24T18:00:00Z");
  return t;
}

}  // namespace parkd
