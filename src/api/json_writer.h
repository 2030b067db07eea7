#pragma once
// Writes JSON text directly, for the hottest responses (the lot list). Building an
// nlohmann DOM first (a std::map per object, an allocation per key) cost more than the
// database query behind it. Produces what nlohmann's dump() does: compact, UTF-8 as is,
// the same escapes.

#include "common/time.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace parkd {

class JsonWriter {
 public:
  // Room for a booking or a small object without growing the text several times.
  JsonWriter() { out_.reserve(512); }

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
    append_number(number);
    return *this;
  }
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  // A time as the contract's ISO 8601 string ("2026-11-24T18:00:00Z").
  JsonWriter& time(Timestamp t) {
    separate();
    char buf[kIso8601Size];
    out_ += '"';
    out_.append(buf, format_iso8601_into(t, buf));
    out_ += '"';
    return *this;
  }
  JsonWriter& null() {
    separate();
    out_ += "null";
    return *this;
  }
  // Money as the contract's JSON number: 5 for 500 cents, 3.5 for 350, 12.25 for 1225.
  JsonWriter& money(std::int64_t cents) {
    separate();
    if (cents < 0) out_ += '-';
    std::uint64_t a =
        cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
    append_number(a / 100);
    if (std::uint64_t fraction = a % 100; fraction != 0) {
      out_ += '.';
      out_ += static_cast<char>('0' + fraction / 10);
      if (fraction % 10 != 0) out_ += static_cast<char>('0' + fraction % 10);
    }
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
  template <class Number>
  void append_number(Number n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, static_cast<std::size_t>(end - buf));
  }

  void append_string(std::string_view s) {
    out_ += '"';
    std::size_t plain = 0;  // bytes copied in runs: most text needs no escaping
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out_ += buf;
      }
    }
    out_.append(s.data() + plain, s.size() - plain);
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace parkd
