#pragma once
// Writes JSON text directly, for the hottest responses (the lot list). Building an
// nlohmann DOM first (a std::map per object, an allocation per key) cost more than the
// database query behind it. Produces what nlohmann's dump() does: compact, UTF-8 as is,
// the same escapes.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace parkd {

class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& key(std::string_view name) {
    separate();
    append_string(name);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::string_view text) {
    separate();
    append_string(text);
    return *this;
  }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number) {
    separate();
    char buf[24];
    int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(number));
    out_.append(buf, static_cast<std::size_t>(n));
    return *this;
  }
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& null() {
    separate();
    out_ += "null";
    return *this;
  }
  // Money as the contract's JSON number: 5 for 500 cents, 3.5 for 350, 12.25 for 1225.
  JsonWriter& money(std::int64_t cents) {
    separate();
    std::uint64_t a = cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
    char buf[32];
    int n;
    if (a % 100 == 0) {
      n = std::snprintf(buf, sizeof buf, "%s%llu", cents < 0 ? "-" : "",
                        static_cast<unsigned long long>(a / 100));
    } else if (a % 10 == 0) {
      n = std::snprintf(buf, sizeof buf, "%s%llu.%llu", cents < 0 ? "-" : "",
                        static_cast<unsigned long long>(a / 100),
                        static_cast<unsigned long long>(a % 100 / 10));
    } else {
      n = std::snprintf(buf, sizeof buf, "%s%llu.%02llu", cents < 0 ? "-" : "",
                        static_cast<unsigned long long>(a / 100),
                        static_cast<unsigned long long>(a % 100));
    }
    out_.append(buf, static_cast<std::size_t>(n));
    return *this;
  }
  // Text that is already JSON (a value rendered elsewhere).
  JsonWriter& raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
  }

  std::string take() { return std::move(out_); }
  const std::string& text() const { return out_; }

 private:
  JsonWriter& open(char c) {
    separate();
    out_ += c;
    first_ = true;
    return *this;
  }
  JsonWriter& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  // A comma before every element but the first of its container (not after a key).
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  void append_string(std::string_view s) {
    out_ += '"';
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += ch;
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace parkd
