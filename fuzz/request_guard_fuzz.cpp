// Fuzz target: RequestGuard (http/request_guard.h), the check of every byte of a
// connection before RESTinio reads it. The input is the connection's bytes; they are fed
// whole, one byte at a time, in pieces whose sizes come from a hash of the input, and in
// two pieces split at a hashed position, under the default limits and under small ones.
// Properties:
//  - the verdict does not depend on how the bytes are split across reads: the same
//    refusal (kind, code, message) or none, and the same bytes handed on (in pieces, a
//    read before the refusing one has already passed its bytes, so the bytes handed on are
//    those before the refused request or before the refusing read, whichever is later);
//    after a refusal nothing more passes and no second refusal comes;
//  - the guard agrees with an oracle: a plain http_parser over the same bytes that keeps
//    whole targets, header names and values as strings and checks the limits on them. The
//    guard refuses exactly when some request breaks a rule, at the start of the first such
//    request, with a status that rule calls for; everything it hands on is whole requests,
//    each within the limits, that http_parser reads without an error;
//  - a refusal's code and message are printable ASCII (they become a JSON answer).
#include "fuzz_check.h"
#include "http/request_guard.h"

#include <http_parser.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using parkd::ErrorKind;
using parkd::RequestGuard;
using parkd::RequestLimits;

// ---- the oracle ------------------------------------------------------------------------

// The first request that breaks a rule, as the oracle sees it.
struct BadRequest {
  std::size_t start = 0;
  // The statuses the rules it broke call for; empty when http_parser itself refused it
  // (then the status depends on the parser's error: see request_guard.cpp).
  std::set<ErrorKind> kinds;
};

bool is_token(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

class Oracle {
 public:
  explicit Oracle(const RequestLimits& limits) : limits_(limits) {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    http_parser_settings_init(&settings_);
    settings_.on_message_begin = [](http_parser* p) { return self(p).begin(); };
    settings_.on_url = [](http_parser* p, const char* at, std::size_t n) {
      return self(p).url(std::string_view(at, n), at + n != self(p).unchecked_end_);
    };
    settings_.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
      return self(p).field(std::string_view(at, n), at + n != self(p).unchecked_end_);
    };
    settings_.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
      return self(p).value(std::string_view(at, n), at + n != self(p).unchecked_end_);
    };
    settings_.on_headers_complete = [](http_parser* p) { return self(p).headers_complete(); };
    settings_.on_body = [](http_parser* p, const char*, std::size_t n) { return self(p).body(n); };
    settings_.on_message_complete = [](http_parser* p) {
      http_parser_pause(p, 1);  // as RESTinio and the guard do: one request at a time
      return 0;
    };
  }

  // Reads all of `bytes`: the first request that breaks a rule, if any.
  std::optional<BadRequest> run(std::string_view bytes) {
    std::size_t pos = 0;
    std::size_t start = 0;
    const std::size_t stride = RequestGuard::kCheckStride;
    while (pos < bytes.size()) {
      // The guard's contract: the limits of a target or field are checked where it ends
      // and at every kCheckStride-th byte, so a piece that ends only because the bytes do
      // is not checked yet (the element may still end within its limits).
      std::size_t len = std::min(bytes.size() - pos, stride - pos % stride);
      bool last = pos + len == bytes.size() && (pos + len) % stride != 0;
      unchecked_end_ = last ? bytes.data() + bytes.size() : nullptr;
      std::size_t n = http_parser_execute(&parser_, &settings_, bytes.data() + pos, len);
      auto err = HTTP_PARSER_ERRNO(&parser_);
      if (err == HPE_PAUSED) {
        pos += n;
        start = pos;
        http_parser_pause(&parser_, 0);
        continue;
      }
      if (err != HPE_OK) return BadRequest{start, broken_};
      if (n == 0) break;
      pos += n;
    }
    return std::nullopt;
  }

 private:
  static Oracle& self(http_parser* p) { return *static_cast<Oracle*>(p->data); }

  // Stops the parser when a rule is broken (the callbacks' -1).
  int verdict() { return broken_.empty() ? 0 : -1; }

  int begin() {
    url_.clear();
    name_.clear();
    value_.clear();
    in_value_ = true;  // the next name starts a new field
    fields_ = 0;
    body_ = 0;
    return 0;
  }
  // A target's or field's piece; `checked`: whether its limits are checked there.
  int url(std::string_view piece, bool checked) {
    url_.append(piece);
    if (!checked) return 0;
    if (url_.size() > limits_.max_target) broken_.insert(ErrorKind::uri_too_long);
    return verdict();
  }
  int field(std::string_view piece, bool checked) {
    if (in_value_) {
      in_value_ = false;
      name_.clear();
      ++fields_;
    }
    name_.append(piece);
    if (!checked) return 0;
    if (!is_token(name_)) broken_.insert(ErrorKind::bad_request);
    if (fields_ > limits_.max_fields || name_.size() > limits_.max_field) {
      broken_.insert(ErrorKind::headers_too_large);
    }
    return verdict();
  }
  int value(std::string_view piece, bool checked) {
    if (!in_value_) {
      in_value_ = true;
      value_.clear();
    }
    value_.append(piece);
    if (!checked) return 0;
    if (value_.size() > limits_.max_field) broken_.insert(ErrorKind::headers_too_large);
    return verdict();
  }
  int headers_complete() {
    if (parser_.http_major != 1) broken_.insert(ErrorKind::version_not_supported);
    bool chunked = (parser_.flags & F_CHUNKED) != 0;
    if (!chunked && parser_.content_length != ULLONG_MAX &&
        parser_.content_length > limits_.max_body) {
      broken_.insert(ErrorKind::payload_too_large);
    }
    return verdict();
  }
  int body(std::size_t n) {
    body_ += n;
    if (body_ > limits_.max_body) broken_.insert(ErrorKind::payload_too_large);
    return verdict();
  }

  RequestLimits limits_;
  http_parser parser_{};
  http_parser_settings settings_{};
  std::string url_, name_, value_;
  bool in_value_ = true;
  std::size_t fields_ = 0;
  std::uint64_t body_ = 0;
  std::set<ErrorKind> broken_;
  const char* unchecked_end_ = nullptr;  // where the bytes end, unless at a check point
};

// ---- feeding the guard -----------------------------------------------------------------

struct Outcome {
  std::uint64_t passed = 0;             // bytes handed on, over every read
  std::optional<parkd::Error> refusal;  // the one refusal, if any
  bool held = false;                    // bytes were held back (refused or not yet)
  std::size_t held_at = 0;              // offset of the first read that held bytes back
};

// Feeds `bytes` to a new guard in pieces of the sizes `sizes` gives (each >= 1).
template <class NextSize>
Outcome feed(std::string_view bytes, const RequestLimits& limits, NextSize next_size) {
  RequestGuard guard(limits);
  Outcome out;
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    std::size_t n = std::min(next_size(), bytes.size() - offset);
    auto v = guard.feed(bytes.substr(offset, n));
    FUZZ_CHECK(v.pass <= n, "a read passed more bytes than it was given");
    if (out.refusal) {
      FUZZ_CHECK(v.pass == 0 && !v.refusal, "bytes passed or a refusal came after a refusal");
    } else if (out.held) {
      // Held bytes belong to a refused request line whose status is not known yet.
      FUZZ_CHECK(v.pass == 0, "bytes passed after bytes were held back");
    }
    if (v.refusal) out.refusal = v.refusal;
    if ((v.refusal || v.pass < n) && !out.held) {
      out.held = true;
      out.held_at = offset;
    }
    out.passed += v.pass;
    offset += n;
  }
  return out;
}

bool printable(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool same_refusal(const std::optional<parkd::Error>& a, const std::optional<parkd::Error>& b) {
  if (!a || !b) return !a && !b;
  return a->kind == b->kind && a->code == b->code && a->message == b->message;
}

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

void check(std::string_view bytes, const RequestLimits& limits) {
  Outcome whole = feed(bytes, limits, [&] { return bytes.size(); });

  // The oracle's reading of the same bytes.
  Oracle oracle(limits);
  auto bad = oracle.run(bytes);
  if (!bad) {
    FUZZ_CHECK(!whole.refusal, "a refusal for bytes that break no rule");
    FUZZ_CHECK(!whole.held && whole.passed == bytes.size(), "bytes held back without a rule");
  } else {
    FUZZ_CHECK(whole.held, "a request that breaks a rule was handed on");
    FUZZ_CHECK(whole.passed == bad->start,
               "the bytes handed on are not exactly the requests before the refused one");
    // Without a refusal yet, only a request line refused at its method is held: its
    // status needs bytes that have not come.
    FUZZ_CHECK(whole.refusal || bad->kinds.empty(), "a broken limit held without a refusal");
  }
  if (bad && whole.refusal) {
    ErrorKind kind = whole.refusal->kind;
    if (bad->kinds.empty()) {
      FUZZ_CHECK(kind == ErrorKind::bad_request || kind == ErrorKind::not_implemented ||
                     kind == ErrorKind::version_not_supported ||
                     kind == ErrorKind::headers_too_large,
                 "a parser error refused with an unexpected status");
    } else {
      FUZZ_CHECK(bad->kinds.contains(kind), "a refusal's status is not the broken rule's");
    }
  }
  if (whole.refusal) {
    FUZZ_CHECK(printable(whole.refusal->code) && printable(whole.refusal->message),
               "a refusal's code or message is empty or not printable ASCII");
  }

  // The same bytes in other pieces: the same verdict.
  auto check_pieces = [&](const Outcome& pieces, const char* what) {
    if (!same_refusal(pieces.refusal, whole.refusal)) {
      FUZZ_CHECK(false, what);
    }
    FUZZ_CHECK(pieces.held == whole.held, "bytes held back depending on how they were split");
    std::uint64_t expected =
        whole.held ? std::max<std::uint64_t>(whole.passed, pieces.held_at) : bytes.size();
    FUZZ_CHECK(pieces.passed == expected, "the bytes handed on depend on how they were split");
  };
  check_pieces(feed(bytes, limits, [] { return std::size_t{1}; }),
               "the verdict differs when the bytes arrive one at a time");
  std::uint64_t state = fnv1a(bytes) | 1;
  check_pieces(feed(bytes, limits,
                    [&] {
                      state = state * 6364136223846793005ull + 1442695040888963407ull;
                      return std::size_t{1} + (state >> 59);  // 1..32 bytes
                    }),
               "the verdict differs when the bytes arrive in pieces");
  std::size_t split = bytes.empty() ? 0 : fnv1a(bytes) % bytes.size();
  bool first = true;
  check_pieces(feed(bytes, limits,
                    [&] {
                      std::size_t n = first ? std::max<std::size_t>(split, 1) : bytes.size();
                      first = false;
                      return n;
                    }),
               "the verdict differs when the bytes arrive in two pieces");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check(bytes, RequestLimits{});
  // Limits small enough for short inputs to reach them.
  RequestLimits small;
  small.max_target = 40;
  small.max_field = 48;
  small.max_fields = 6;
  small.max_body = 64;
  check(bytes, small);
  return 0;
}
