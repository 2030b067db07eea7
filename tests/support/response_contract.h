#pragma once
// The HTTP contract inside the black-box suite: every answer HttpClient receives is checked
// against docs/openapi.yaml (scripts/response-contract.mjs), and an answer the document
// does not describe fails the test that received it.

#include "support/parkd_process.h"

#include <string>

namespace parkd::test {

// Checks the answer `result` to `method` `path` against the schema docs/openapi.yaml gives
// its route and status, the schemas closed (a field the document does not list fails like
// a wrong type). When the answer departs from the document (an undocumented field or
// status, a wrong type or content type), the running test fails, with a GoogleTest failure
// naming the request and, for each problem, the method, route, status and the place in
// the body (a JSON pointer) with what is wrong there, e.g.
//   GET /api/lots/{id} 200: /lot/price_per_hour must be number
// Answers are checked when the running test ends (a listener's OnTestEnd, so the failure
// is still the test's): those of a suite's set-up with its first test, those of its
// tear-down as it ends, those outside any suite at once. Not checked:
// requests that got no answer, HEAD and OPTIONS, paths the document does not describe,
// bodies over 256 KiB (their status and content type still are).
//
// The validator, scripts/check-responses.mjs, is reached on first use: under CTest the one
// listening on the Unix socket that PARKD_RESPONSE_VALIDATOR names (started by
// contract.responses.start); otherwise a child `node scripts/check-responses.mjs --serve`
// of this process, ended at exit. When it cannot be reached or stops answering, each test
// that received an answer fails, saying why. Callable from any thread.
void check_response_contract(const std::string& method, const std::string& path,
                             const HttpResult& result);

}  // namespace parkd::test
