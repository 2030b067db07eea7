#pragma once
// Expected failures as values (LevelDB's Status, std::expected-style). Exceptions are
// for bugs and broken invariants only. Each ErrorKind maps to one HTTP status in
// http/errors (api/errors.h), so no handler picks status codes by hand.

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <variant>

namespace parkd {

enum class ErrorKind {
  bad_request,            // 400
  unauthorized,           // 401
  forbidden,              // 403
  not_found,              // 404
  method_not_allowed,     // 405
  conflict,               // 409
  payload_too_large,      // 413
  uri_too_long,           // 414
  unsupported_media,      // 415
  headers_too_large,      // 431
  too_many_requests,      // 429
  internal,               // 500
  not_implemented,        // 501
  unavailable,            // 503
  version_not_supported,  // 505
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string code;             // snake_case, e.g. "lot_full"
  std::string message;          // human text, safe to show to the client
  nlohmann::json fields;        // validation: {"field": "what is wrong"}, else null
  nlohmann::json extra;         // extra members merged into the error body, else null
  int retry_after_seconds = 0;  // for too_many_requests

  // An error of any kind with no fields, extra members or retry delay.
  static Error of(ErrorKind kind, std::string code, std::string message) {
    Error e;
    e.kind = kind;
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
  }
  static Error validation(nlohmann::json fields, std::string message = "Invalid input") {
    return {
        ErrorKind::bad_request, "validation_error", std::move(message), std::move(fields), {}, 0};
  }
  static Error bad_request(std::string code, std::string message) {
    return of(ErrorKind::bad_request, std::move(code), std::move(message));
  }
  static Error not_found(std::string message) {
    return of(ErrorKind::not_found, "not_found", std::move(message));
  }
  static Error conflict(std::string code, std::string message) {
    return of(ErrorKind::conflict, std::move(code), std::move(message));
  }
  static Error unauthorized(std::string message) {
    return of(ErrorKind::unauthorized, "unauthorized", std::move(message));
  }
  static Error forbidden(std::string message) {
    return of(ErrorKind::forbidden, "forbidden", std::move(message));
  }
  static Error internal(std::string message = "Internal server error") {
    return of(ErrorKind::internal, "internal_error", std::move(message));
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
// Result<void> equivalent: success carries nothing.
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace parkd
