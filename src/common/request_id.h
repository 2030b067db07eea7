#pragma once
// Request ids: one per HTTP request, echoed in X-Request-Id and on every log line of the
// request, so an operator can follow one request from the proxy's log into parkd's.

#include <string>
#include <string_view>

namespace parkd {

// A new id, unique within this process and, with high probability, across processes:
// a random prefix chosen once per process and a counter ("5f0c9a2e-1b"). Costs an
// atomic increment and a few characters of formatting.
std::string new_request_id();

// Whether an id received from a proxy may be used as is: 1 to 64 characters of
// [A-Za-z0-9._-], so it can go into headers and log lines unescaped.
bool is_sane_request_id(std::string_view id);

}  // namespace parkd
