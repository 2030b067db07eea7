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
  std::size_t max_target = std::size_t{8} * 1024;       // 414 above
  std::size_t max_field = std::size_t{16} * 1024;       // one header's name or value; 431 above
  std::size_t max_fields = 100;                         // 431 above
  std::uint64_t max_body = std::uint64_t{1024} * 1024;  // 413 above (api/parse.h kMaxBodyBytes)
};

class RequestGuard {
 public:
  // The limits on a target and on a header field's name and value are checked where the
  // element ends and at every kCheckStride-th byte of the connection, never merely where
  // a read ends: so a request that is both too long and malformed gets the same answer
  // however its bytes arrive, and an element that never ends is refused within
  // kCheckStride bytes of its limit.
  static constexpr std::uint64_t kCheckStride = 1024;

  explicit RequestGuard(RequestLimits limits = {});
  RequestGuard(const RequestGuard&) = delete;
  RequestGuard& operator=(const RequestGuard&) = delete;

  struct Verdict {
    // How many of the bytes fed may be handed on: whole requests before a refused (or
    // held) one, or everything when none is.
    std::size_t pass = 0;
    // The answer for the first request that broke a rule. The bytes from its start on
    // are never handed on; the connection ends after the answer.
    std::optional<Error> refusal;
  };

  // Reads the connection's next bytes. Once a refusal is given, later calls pass nothing
  // and give no new refusal. A verdict may hold bytes back without a refusal: a request
  // line refused at its method whose status (501 for an unknown method, else 400) needs
  // the bytes up to the method's end; it is given by a later call, and the held bytes are
  // never handed on. The verdicts do not depend on how the bytes are split into calls.
  Verdict feed(std::string_view bytes);

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
  // Adds to head_ what `bytes` (fed at offset_) holds of the current request's first
  // bytes, wherever the reads and the parser's segments end.
  void keep_head(std::string_view bytes);
  // The refusal for a parser error, reading the request's first bytes for the method.
  Error refusal_for(http_errno err) const;
  int refuse(ErrorKind kind, std::string code, std::string message);
  // Whether a piece of a target or header field ending at `end` is where its limits are
  // checked: not when http_parser hands it over only because a read ended there.
  bool at_check_point(const char* end) const;

  RequestLimits limits_;
  http_parser parser_{};
  http_parser_settings settings_{};
  bool done_ = false;                // a refusal was given
  bool method_pending_ = false;      // refused at the method; 501 or 400 not yet known
  std::uint64_t offset_ = 0;         // bytes fed before the current call
  std::uint64_t message_start_ = 0;  // where the current request began
  std::string head_;                 // its first bytes, for the method in a refusal
  std::size_t target_bytes_ = 0;
  std::size_t field_bytes_ = 0;
  std::size_t fields_ = 0;
  bool in_field_name_ = false;
  bool name_malformed_ = false;  // the current field name holds a byte that is not a token's
  std::uint64_t body_bytes_ = 0;
  std::optional<Error> own_refusal_;   // a limit of ours broken inside a callback
  const char* segment_end_ = nullptr;  // the end of the bytes http_parser is reading
  bool segment_aligned_ = false;       // ... which is a multiple of kCheckStride
};

}  // namespace parkd
