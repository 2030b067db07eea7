#pragma once
// The strict reading of a connection's bytes, ahead of RESTinio. RESTinio 0.6 answers a
// request it cannot parse by closing the connection without a status, and reads a whole
// body before anyone may refuse it. RequestGuard runs its own http_parser (the parser
// RESTinio uses, so both agree on where each request ends) over the same bytes as they
// arrive and decides, per request, whether it may be handed on or must be refused with
// a status: 400 for a malformed request line, header or body framing (RFC 9112), 501 for
// a method no server of this kind knows, 505 for a version other than HTTP/1.x, 414 for
// a long target, 431 for long or many header fields, and 413 for a body above the limit
// as soon as its Content-Length (or its chunks so far) say so. Plain and socket-free, so
// that unit tests and the fuzz target drive it with bytes.

#include "common/result.h"

#include <http_parser.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parkd {

struct RequestLimits {
  std::size_t max_target = 8 * 1024;     // 414 above
  std::size_t max_field = 16 * 1024;     // one header's name or value; 431 above
  std::size_t max_fields = 100;          // 431 above
  std::uint64_t max_body = 1024 * 1024;  // 413 above (api/parse.h kMaxBodyBytes)
};

class RequestGuard {
 public:
  explicit RequestGuard(RequestLimits limits = {});
  RequestGuard(const RequestGuard&) = delete;
  RequestGuard& operator=(const RequestGuard&) = delete;

  struct Verdict {
    // How many of the bytes fed may be handed on: whole requests before a refused one,
    // or everything when none is refused.
    std::size_t pass = 0;
    // The answer for the first request that broke a rule. The bytes from its start on
    // are never handed on; the connection ends after the answer.
    std::optional<Error> refusal;
  };

  // Reads the connection's next bytes. Once a refusal is given, later calls pass nothing
  // and give no new refusal.
  Verdict feed(std::string_view bytes);

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
  // The refusal for a parser error, reading the request's first bytes for the method.
  Error refusal_for(http_errno err) const;
  int refuse(ErrorKind kind, std::string code, std::string message);

  RequestLimits limits_;
  http_parser parser_{};
  http_parser_settings settings_{};
  bool done_ = false;                // a refusal was given
  bool upgraded_ = false;            // after CONNECT or an Upgrade, the bytes are not HTTP any more
  std::uint64_t offset_ = 0;         // bytes fed before the current call
  std::uint64_t message_start_ = 0;  // where the current request began
  std::string head_;                 // its first bytes, for the method in a refusal
  std::size_t target_bytes_ = 0;
  std::size_t field_bytes_ = 0;
  std::size_t fields_ = 0;
  bool in_field_name_ = false;
  std::uint64_t body_bytes_ = 0;
  std::optional<Error> own_refusal_;  // a limit of ours broken inside a callback
};

}  // namespace parkd
