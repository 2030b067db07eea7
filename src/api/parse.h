#pragma once
// Defensive parsing at the edge: request bodies, path ids, paging, typed fields.
// Every problem becomes a 400 with `fields` (or 404 for a malformed id in the path).

#include "api/http_types.h"
#include "common/result.h"
#include "common/time.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace parkd {

inline constexpr std::size_t kMaxBodyBytes = std::size_t{1024} * 1024;

// The body as a JSON object. An empty body is an empty object. Errors: 415 for a
// declared non-JSON content type, 400 invalid_json for malformed JSON or a non-object.
Result<nlohmann::json> json_object_body(const Request& req);

// A positive integer id from a path segment; anything else is not found.
Result<std::int64_t> path_id(const std::string& segment, const char* what);

struct Paging {
  std::int64_t limit = 1000;
  std::int64_t offset = 0;
};
Result<Paging> paging(const Request& req);

// Collects field problems while reading a JSON object.
class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& body) : body_(body) {}

  bool has(const char* key) const { return body_.contains(key) && !body_[key].is_null(); }
  std::optional<std::string> string(const char* key, bool required);
  // An integer, or a string of digits (HTML forms send those).
  std::optional<std::int64_t> integer(const char* key, bool required);
  std::optional<std::int64_t> money(const char* key, bool required);
  std::optional<Timestamp> time(const char* key, bool required);
  void problem(const char* key, std::string what);

  bool ok() const { return fields_.empty(); }
  Error error() const { return Error::validation(fields_); }

 private:
  const nlohmann::json& body_;
  nlohmann::json fields_ = nlohmann::json::object();
};

std::optional<std::int64_t> parse_int(std::string_view text);

}  // namespace parkd
