// RequestGuard (see request_guard.h): http_parser driven one request at a time. The
// parser is paused at the end of each request, so that the guard knows where the next
// one starts and can hand on exactly the whole requests before a refused one.
//
// A request with `Upgrade` (or a CONNECT) is guarded like any other, and so are the bytes
// after it: parkd switches no protocol (it answers such a request with `Connection:
// close`), so they are never another protocol's. http_parser's `upgrade` flag, which
// stays set until the next request's headers end, means nothing here.
#include "http/request_guard.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace parkd {
namespace {

RequestGuard& guard_of(http_parser* p) { return *static_cast<RequestGuard*>(p->data); }

// Enough of a request's first bytes to quote its method.
constexpr std::size_t kHeadBytes = 40;
constexpr std::size_t kMaxMethod = 20;

std::string_view skip_blank_lines(std::string_view head) {
  head.remove_prefix(std::min(head.find_first_not_of("\r\n"), head.size()));
  return head;
}

// What a request line that http_parser refused at its method is, from its first bytes
// (`head`, at most kHeadBytes). An unknown token of capitals followed by a space is a
// method this server does not implement (RFC 9110 §9.1: 501); anything else in its place
// is not a request line at all. The answer never changes as bytes are added to `head`, so
// it does not depend on how the request line arrives.
enum class MethodLine { unknown_method, malformed, undecided };
MethodLine read_method(std::string_view head) {
  std::string_view line = skip_blank_lines(head);
  std::size_t space = line.find(' ');
  std::string_view method = line.substr(0, space);
  bool token = method.size() <= kMaxMethod && std::all_of(method.begin(), method.end(), [](char c) {
                 return (c >= 'A' && c <= 'Z') || c == '-';
               });
  if (!token) return MethodLine::malformed;
  if (space != std::string_view::npos) {
    return method.empty() ? MethodLine::malformed : MethodLine::unknown_method;
  }
  return head.size() < kHeadBytes ? MethodLine::undecided : MethodLine::malformed;
}

}  // namespace

RequestGuard::RequestGuard(RequestLimits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &RequestGuard::on_message_begin;
  settings_.on_url = &RequestGuard::on_url;
  settings_.on_header_field = &RequestGuard::on_header_field;
  settings_.on_header_value = &RequestGuard::on_header_value;
  settings_.on_headers_complete = &RequestGuard::on_headers_complete;
  settings_.on_body = &RequestGuard::on_body;
  settings_.on_message_complete = &RequestGuard::on_message_complete;
}

int RequestGuard::refuse(ErrorKind kind, std::string code, std::string message) {
  own_refusal_ = Error::of(kind, std::move(code), std::move(message));
  return -1;  // stops the parser with HPE_CB_<callback>
}

int RequestGuard::on_message_begin(http_parser* p) {
  RequestGuard& g = guard_of(p);
  g.target_bytes_ = g.field_bytes_ = g.fields_ = 0;
  g.in_field_name_ = false;
  g.body_bytes_ = 0;
  return 0;
}

bool RequestGuard::at_check_point(const char* end) const {
  return end != segment_end_ || segment_aligned_;
}

int RequestGuard::on_url(http_parser* p, const char* at, std::size_t n) {
  RequestGuard& g = guard_of(p);
  g.target_bytes_ += n;
  if (!g.at_check_point(at + n)) return 0;
  if (g.target_bytes_ > g.limits_.max_target) {
    return g.refuse(
        ErrorKind::uri_too_long, "uri_too_long",
        fmt::format("The request target is longer than {} bytes", g.limits_.max_target));
  }
  return 0;
}

// RFC 9110 §5.6.2: a field name is a token; http_parser lets a space before the colon
// through, which RFC 9112 §5.1 says must be refused.
bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

int RequestGuard::on_header_field(http_parser* p, const char* at, std::size_t n) {
  RequestGuard& g = guard_of(p);
  if (!g.in_field_name_) {  // a name may arrive in pieces: count each field once
    g.in_field_name_ = true;
    g.field_bytes_ = 0;
    g.name_malformed_ = false;
    ++g.fields_;
  }
  g.field_bytes_ += n;
  if (!std::all_of(at, at + n, is_token_char)) g.name_malformed_ = true;
  if (!g.at_check_point(at + n)) return 0;
  if (g.name_malformed_) {
    return g.refuse(ErrorKind::bad_request, "bad_request", "A header field name is malformed");
  }
  if (g.fields_ > g.limits_.max_fields) {
    return g.refuse(ErrorKind::headers_too_large, "headers_too_large",
                    fmt::format("More than {} header fields", g.limits_.max_fields));
  }
  if (g.field_bytes_ > g.limits_.max_field) {
    return g.refuse(
        ErrorKind::headers_too_large, "headers_too_large",
        fmt::format("A header field name is longer than {} bytes", g.limits_.max_field));
  }
  return 0;
}

int RequestGuard::on_header_value(http_parser* p, const char* at, std::size_t n) {
  RequestGuard& g = guard_of(p);
  if (g.in_field_name_) {
    g.in_field_name_ = false;
    g.field_bytes_ = 0;
  }
  g.field_bytes_ += n;
  if (!g.at_check_point(at + n)) return 0;
  if (g.field_bytes_ > g.limits_.max_field) {
    return g.refuse(ErrorKind::headers_too_large, "headers_too_large",
                    fmt::format("A header field is longer than {} bytes", g.limits_.max_field));
  }
  return 0;
}

int RequestGuard::on_headers_complete(http_parser* p) {
  RequestGuard& g = guard_of(p);
  if (p->http_major != 1) {
    return g.refuse(ErrorKind::version_not_supported, "http_version_not_supported",
                    "Only HTTP/1.0 and HTTP/1.1 are served");
  }
  // A Content-Length above the limit is refused before its body is read. ULLONG_MAX
  // means "none" (a chunked body is counted as it arrives, in on_body).
  bool chunked = (p->flags & F_CHUNKED) != 0;
  if (!chunked && p->content_length != ULLONG_MAX && p->content_length > g.limits_.max_body) {
    return g.refuse(ErrorKind::payload_too_large, "payload_too_large",
                    "The request body is larger than 1 MiB");
  }
  return 0;
}

int RequestGuard::on_body(http_parser* p, const char*, std::size_t n) {
  RequestGuard& g = guard_of(p);
  g.body_bytes_ += n;
  if (g.body_bytes_ > g.limits_.max_body) {
    return g.refuse(ErrorKind::payload_too_large, "payload_too_large",
                    "The request body is larger than 1 MiB");
  }
  return 0;
}

int RequestGuard::on_message_complete(http_parser* p) {
  http_parser_pause(p, 1);  // feed() records where the next request starts
  return 0;
}

Error RequestGuard::refusal_for(http_errno err) const {
  auto bad = [](std::string message) {
    return Error::of(ErrorKind::bad_request, "bad_request", std::move(message));
  };
  switch (err) {
    case HPE_INVALID_METHOD:
      if (read_method(head_) == MethodLine::unknown_method) {
        std::string_view line = skip_blank_lines(head_);
        return Error::of(
            ErrorKind::not_implemented, "not_implemented",
            std::string(line.substr(0, line.find(' '))) + " is not a method parkd serves");
      }
      return bad("The request line is malformed");
    case HPE_INVALID_VERSION:
      return Error::of(ErrorKind::version_not_supported, "http_version_not_supported",
                       "Only HTTP/1.0 and HTTP/1.1 are served");
    case HPE_HEADER_OVERFLOW:
      return Error::of(ErrorKind::headers_too_large, "headers_too_large",
                       "The request line and headers are longer than 80 KiB");
    case HPE_INVALID_CONTENT_LENGTH:
    case HPE_UNEXPECTED_CONTENT_LENGTH:
      return bad("Content-Length must be one decimal number, given once");
    case HPE_INVALID_CHUNK_SIZE:
      return bad("The chunked body is malformed");
    case HPE_INVALID_URL:
      return bad("The request target is malformed");
    case HPE_INVALID_HEADER_TOKEN:
      return bad("A header field is malformed");
    default:
      return bad(fmt::format("The request is not valid HTTP/1.1 ({})", http_errno_name(err)));
  }
}

void RequestGuard::keep_head(std::string_view bytes) {
  std::uint64_t next = message_start_ + head_.size();  // head_ holds the bytes from its start
  if (head_.size() >= kHeadBytes || next < offset_ || next - offset_ >= bytes.size()) return;
  head_.append(bytes.substr(static_cast<std::size_t>(next - offset_), kHeadBytes - head_.size()));
}

RequestGuard::Verdict RequestGuard::feed(std::string_view bytes) {
  Verdict v;
  if (done_) return v;
  if (method_pending_) {  // the refused request line goes on: its status may now be known
    keep_head(bytes);
    offset_ += bytes.size();
    if (read_method(head_) == MethodLine::undecided) return v;
    done_ = true;
    v.refusal = refusal_for(HPE_INVALID_METHOD);
    return v;
  }
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    keep_head(bytes);
    // The parser reads in segments that also end at every kCheckStride-th byte of the
    // connection, where the limits are checked (at_check_point).
    std::uint64_t at = offset_ + pos;
    std::size_t len = static_cast<std::size_t>(
        std::min<std::uint64_t>(bytes.size() - pos, kCheckStride - at % kCheckStride));
    segment_end_ = bytes.data() + pos + len;
    segment_aligned_ = (at + len) % kCheckStride == 0;
    std::size_t n = http_parser_execute(&parser_, &settings_, bytes.data() + pos, len);
    auto err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {  // a whole request ends at pos + n
      pos += n;
      message_start_ = offset_ + pos;
      head_.clear();
      http_parser_pause(&parser_, 0);
      continue;
    }
    if (err != HPE_OK) {
      v.pass = message_start_ > offset_ ? static_cast<std::size_t>(message_start_ - offset_) : 0;
      offset_ += bytes.size();
      if (!own_refusal_ && err == HPE_INVALID_METHOD &&
          read_method(head_) == MethodLine::undecided) {
        method_pending_ = true;  // refused, but 501 or 400 only once more bytes come
        return v;
      }
      done_ = true;
      v.refusal = own_refusal_ ? *own_refusal_ : refusal_for(err);
      return v;
    }
    pos += n;
    if (n == 0) break;
  }
  v.pass = bytes.size();
  offset_ += bytes.size();
  return v;
}

}  // namespace parkd
