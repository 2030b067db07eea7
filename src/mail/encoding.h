#pragma once
// Byte-level encodings used to build Internet mail (RFC 2045, 2047, 2231, 4648).
// Pure functions over UTF-8 / raw bytes; no allocation beyond the returned strings.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parkd::mail {

// RFC 4648 base64 of `data`, with padding, on one line.
std::string base64_encode(std::string_view data);

// `data` in base64 broken into lines of at most `line_length` characters, each line
// ending in CRLF (the body of a base64 MIME part). Empty input gives "".
// REQUIRES: line_length > 0 and a multiple of 4.
std::string base64_encode_lines(std::string_view data, std::size_t line_length = 76);

// Inverse of the two encoders above: ignores CR, LF, space and tab; nullopt on any
// other character outside the alphabet or on a bad length or padding.
std::optional<std::string> base64_decode(std::string_view text);

// RFC 2045 quoted-printable of a text body. Line breaks in `text` (CRLF, LF or a lone
// CR) become CRLF hard breaks; encoded lines are at most 76 characters (soft breaks
// "=\r\n" inside long lines); '=', control characters, bytes >= 0x7F and white space
// before a line break are encoded. The result ends in CRLF unless `text` is empty.
std::string quoted_printable_encode(std::string_view text);

// Inverse of quoted_printable_encode (soft breaks removed, =XX decoded, CRLF kept);
// nullopt on a malformed escape.
std::optional<std::string> quoted_printable_decode(std::string_view text);

// True when `text` is printable US-ASCII (0x20..0x7E) only.
bool is_printable_ascii(std::string_view text);

// A header phrase (subject, display name) for the header `name` ("Subject"), folded
// so that every line stays within 78 characters where possible. Printable ASCII is
// kept as is unless a word of it is too long for a line of 998 characters; anything
// else becomes RFC 2047 encoded words (=?UTF-8?B?...?=), each at most 75 characters,
// split only between UTF-8 characters.
// REQUIRES: `text` has no CR or LF (callers reject those first).
std::string encode_header_text(std::string_view text, std::size_t first_line_used);

// Decodes RFC 2047 encoded words (B and Q, UTF-8 or US-ASCII) in an unfolded header
// value; white space between adjacent encoded words is dropped as the RFC says.
// nullopt on a malformed encoded word.
std::optional<std::string> decode_header_text(std::string_view value);

// A display name for an address header: a quoted-string for printable ASCII ("Ann
// \"A\" Lee" with quotes and backslashes escaped) of at most 500 characters, else
// encoded words (which fold).
// REQUIRES: no CR or LF.
std::string encode_display_name(std::string_view name);

// A MIME parameter `name=value` (RFC 2045 quoted-string for printable ASCII, else the
// RFC 2231 form name*=UTF-8''percent-encoded).
// REQUIRES: no CR or LF in `value`.
std::string encode_mime_parameter(std::string_view name, std::string_view value);

// `bytes` cryptographically random bytes as lowercase hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);

}  // namespace parkd::mail
