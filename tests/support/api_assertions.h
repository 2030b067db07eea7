#pragma once
// Assertions for black-box tests that read like the contract (docs/api.md "Conventions").

#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace parkd::test {

// The contract's error shape: the status, then a body
// {"error": "<snake_case_code>", "message": "<human text>", ...}; `code` is checked when
// given.
inline ::testing::AssertionResult IsJsonError(const HttpResult& r, long status,
                                              std::string_view code = {}) {
  auto fail = [&](const std::string& what) {
    return ::testing::AssertionFailure()
           << what << " (status " << r.status << ", body: " << r.body << ")";
  };
  if (r.status != status) return fail("expected status " + std::to_string(status));
  auto body = r.json();
  if (!body.is_object()) return fail("the body is not a JSON object");
  if (!body.contains("error") || !body["error"].is_string()) return fail("no string \"error\"");
  if (!body.contains("message") || !body["message"].is_string() ||
      body["message"].get<std::string>().empty()) {
    return fail("no non-empty string \"message\"");
  }
  const std::string error = body["error"].get<std::string>();
  bool snake = !error.empty() && error.front() >= 'a' && error.front() <= 'z';
  for (char c : error)
    snake = snake && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!snake) return fail("\"error\" is not a snake_case code");
  if (!code.empty() && error != code)
    return fail("expected error code \"" + std::string(code) + "\"");
  if (auto type = r.header("content-type"); !type || type->find("application/json") != 0) {
    return fail("the content type is not application/json");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace parkd::test
