#include "mail/encoding.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace parkd::mail {
namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kHexUpper = "0123456789ABCDEF";

// RFC 2047 limits: an encoded word is at most 75 characters, a line at most 76.
constexpr std::size_t kEncodedWordOverhead = 12;  // "=?UTF-8?B?" + "?="
constexpr std::size_t kMaxEncodedLine = 76;
constexpr std::size_t kMaxFoldedLine = 78;
constexpr std::size_t kMaxLine = 998;  // RFC 5322 §2.1.1, without the CRLF
constexpr std::size_t kMaxQuotedName = 500;

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void append_hex_escape(std::string& out, char prefix, unsigned char byte) {
  out += prefix;
  out += kHexUpper[byte >> 4];
  out += kHexUpper[byte & 0x0F];
}

bool is_utf8_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a
// UTF-8 sequence (at least one character, so progress is always made).
std::size_t utf8_prefix_length(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t n = max_bytes;
  while (n > 0 && is_utf8_continuation(static_cast<unsigned char>(text[n]))) --n;
  if (n > 0) return n;
  n = 1;  // a single character longer than max_bytes: take it whole
  while (n < text.size() && is_utf8_continuation(static_cast<unsigned char>(text[n]))) ++n;
  return n;
}

// Bytes of input that fit in one encoded word on a line that already holds `used`
// characters (a multiple of 3, so no padding inside the word but at the end).
std::size_t encoded_word_capacity(std::size_t used) {
  std::size_t room = kMaxEncodedLine > used + kEncodedWordOverhead
                         ? kMaxEncodedLine - used - kEncodedWordOverhead
                         : 0;
  std::size_t bytes = room / 4 * 3;
  return bytes < 12 ? 12 : bytes;
}

std::string encode_words(std::string_view text, std::size_t first_line_used) {
  std::string out;
  std::size_t used = first_line_used;
  while (!text.empty()) {
    std::size_t take = utf8_prefix_length(text, encoded_word_capacity(used));
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?";
    out += base64_encode(text.substr(0, take));
    out += "?=";
    text.remove_prefix(take);
    used = 1;  // the folding space of the next line
  }
  return out;
}

// Folds printable ASCII at spaces so that lines stay within 78 characters where a
// space allows it (a longer word is left whole: the hard limit is 998).
std::string fold_ascii(std::string_view text, std::size_t first_line_used) {
  std::string out;
  std::size_t line = first_line_used;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t next_space = text.find(' ', pos + 1);
    std::size_t end = next_space == std::string_view::npos ? text.size() : next_space;
    std::string_view piece = text.substr(pos, end - pos);  // starts with the space, if any
    if (pos > 0 && line + piece.size() > kMaxFoldedLine) {
      out += "\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
    pos = end;
  }
  return out;
}

std::optional<std::string> decode_encoded_word(std::string_view charset, char encoding,
                                               std::string_view payload) {
  (void)charset;  // UTF-8 and US-ASCII both pass through as bytes
  if (encoding == 'B' || encoding == 'b') return base64_decode(payload);
  if (encoding != 'Q' && encoding != 'q') return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    char c = payload[i];
    if (c == '_') {
      out += ' ';
    } else if (c == '=') {
      if (i + 2 >= payload.size()) return std::nullopt;
      int hi = hex_value(payload[i + 1]);
      int lo = hex_value(payload[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(data[i]) << 16 |
                      static_cast<unsigned char>(data[i + 1]) << 8 |
                      static_cast<unsigned char>(data[i + 2]);
    out += kBase64Alphabet[n >> 18 & 63];
    out += kBase64Alphabet[n >> 12 & 63];
    out += kBase64Alphabet[n >> 6 & 63];
    out += kBase64Alphabet[n & 63];
  }
  std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kBase64Alphabet[n >> 18 & 63];
    out += kBase64Alphabet[n >> 12 & 63];
    out += rest == 2 ? kBase64Alphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_encode_lines(std::string_view data, std::size_t line_length) {
  std::string flat = base64_encode(data);
  std::string out;
  out.reserve(flat.size() + flat.size() / line_length * 2 + 2);
  for (std::size_t pos = 0; pos < flat.size(); pos += line_length) {
    out.append(flat, pos, line_length);
    out += "\r\n";
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  int quantum = 0;  // characters of the current 4-character group, padding included
  int padding = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      if (quantum < 2) return std::nullopt;
      ++padding;
      ++quantum;
    } else {
      int v = base64_value(c);
      if (v < 0 || padding > 0) return std::nullopt;
      buffer = buffer << 6 | static_cast<std::uint32_t>(v);
      bits += 6;
      ++quantum;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>(buffer >> bits & 0xFF);
      }
    }
    if (quantum == 4) {
      quantum = 0;
      if (padding > 0) bits = 0;
    }
  }
  if (quantum != 0) return std::nullopt;
  return out;
}

std::string quoted_printable_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t line_length = 0;
  auto append_token = [&](std::string_view token) {
    if (line_length + token.size() > kMaxEncodedLine - 1) {  // leave room for the '='
      out += "=\r\n";
      line_length = 0;
    }
    out += token;
    line_length += token.size();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find_first_of("\r\n", pos);
    std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto byte = static_cast<unsigned char>(line[i]);
      bool last = i + 1 == line.size();
      bool literal =
          (byte >= 33 && byte <= 126 && byte != '=') || ((byte == ' ' || byte == '\t') && !last);
      if (literal) {
        char c = static_cast<char>(byte);
        append_token(std::string_view(&c, 1));
      } else {
        std::string escaped;
        append_hex_escape(escaped, '=', byte);
        append_token(escaped);
      }
    }
    out += "\r\n";
    line_length = 0;
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
    if (text[eol] == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
  }
  return out;
}

std::optional<std::string> quoted_printable_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '=') {
      out += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\n') {  // soft break, bare LF
      i += 1;
      continue;
    }
    if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {  // soft break
      i += 2;
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool is_printable_ascii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Whether folding at spaces keeps every line of `text` within RFC 5322's hard limit of 998
// characters: a longer word stays whole on a line of its own (the first after the name).
bool foldable_at_spaces(std::string_view text, std::size_t first_line_used) {
  std::size_t used = first_line_used;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = std::min(text.find(' ', pos + 1), text.size());
    if (used + (end - pos) > kMaxLine) return false;
    used = 0;
    pos = end;
  }
  return true;
}

std::string encode_header_text(std::string_view text, std::size_t first_line_used) {
  // A word too long for a line becomes encoded words, which may be split anywhere.
  if (is_printable_ascii(text) && foldable_at_spaces(text, first_line_used)) {
    return fold_ascii(text, first_line_used);
  }
  return encode_words(text, first_line_used);
}

std::optional<std::string> decode_header_text(std::string_view value) {
  std::string out;
  bool after_word = false;
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t start = value.find("=?", pos);
    if (start == std::string_view::npos) start = value.size();
    std::string_view between = value.substr(pos, start - pos);
    bool only_space = between.find_first_not_of(" \t\r\n") == std::string_view::npos;
    // White space between two adjacent encoded words is not part of the text.
    if (!(after_word && only_space && start < value.size())) out += between;
    if (start == value.size()) break;
    // =?charset?E?payload?=
    std::size_t q1 = value.find('?', start + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= value.size() || value[q1 + 2] != '?') {
      return std::nullopt;
    }
    std::size_t end = value.find("?=", q1 + 3);
    if (end == std::string_view::npos) return std::nullopt;
    auto decoded = decode_encoded_word(value.substr(start + 2, q1 - start - 2), value[q1 + 1],
                                       value.substr(q1 + 3, end - q1 - 3));
    if (!decoded) return std::nullopt;
    out += *decoded;
    after_word = true;
    pos = end + 2;
  }
  return out;
}

std::string encode_display_name(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  // A quoted-string is one unfoldable piece: a long one, with the header's name and the
  // address (at most 254) beside it, could pass RFC 5322's line limit of 998.
  if (!is_printable_ascii(name) || out.size() > kMaxQuotedName) {
    return encode_words(name, 6);  // after "From: "
  }
  return out;
}

std::string encode_mime_parameter(std::string_view name, std::string_view value) {
  bool plain = is_printable_ascii(value) && value.find_first_of("\"\\") == std::string_view::npos;
  std::string out(name);
  if (plain) {
    out += "=\"";
    out += value;
    out += '"';
    return out;
  }
  out += "*=UTF-8''";
  constexpr std::string_view kAttributeChars = "!#$&+-.^_`|~";
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    bool alnum = (byte >= '0' && byte <= '9') || (byte >= 'A' && byte <= 'Z') ||
                 (byte >= 'a' && byte <= 'z');
    if (alnum || kAttributeChars.find(c) != std::string_view::npos) {
      out += c;
    } else {
      append_hex_escape(out, '%', byte);
    }
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed: the system has no randomness source");
  }
  std::string out;
  out.reserve(bytes * 2);
  constexpr std::string_view kHexLower = "0123456789abcdef";
  for (char c : raw) {
    auto byte = static_cast<unsigned char>(c);
    out += kHexLower[byte >> 4];
    out += kHexLower[byte & 0x0F];
  }
  return out;
}

}  // namespace parkd::mail
