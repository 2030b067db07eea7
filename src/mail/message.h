#pragma once
// An email as parkd sends it, and its RFC 5322 / MIME (RFC 2045–2047, 2231) form.
//
// Why we build the MIME text ourselves instead of using libcurl's curl_mime: the
// same bytes then go to every transport (the file outbox writes them to a .eml file,
// SMTP uploads them through CURLOPT_READFUNCTION), a test can parse exactly what would
// be sent without a server, and the encodings are ours to choose: quoted-printable
// text that stays readable in the outbox, base64 attachments, RFC 2047 subjects and
// names, and header-injection checks in one place before anything leaves the process.

#include "common/result.h"
#include "common/time.h"
#include "mail/spool.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parkd::mail {

struct Attachment {
  std::string filename;      // shown to the recipient, e.g. "bookings.csv"
  std::string content_type;  // e.g. "text/csv; charset=utf-8"; empty = application/octet-stream
  std::string data;          // raw bytes, when `file` is null
  // Raw bytes kept on disk instead (flushed before the message is built): exports too
  // large to hold in memory. Read in pieces, so sending takes constant memory.
  std::shared_ptr<const SpoolFile> file = nullptr;
};

struct MailMessage {
  std::string from;       // address, e.g. "parkd@example.com"
  std::string from_name;  // display name, may be empty
  std::string to;
  std::string to_name;
  std::string subject;
  std::string text;  // plain-text body (required)
  std::string html;  // HTML body; empty = a plain-text-only message
  std::vector<Attachment> attachments;
  // The left part of the Message-ID ("job-42.booking_confirmation.1764864000"): the
  // same for every attempt to send the same email, so that a mail system that receives
  // it twice (a crash between the SMTP server's acceptance and the job's record of it)
  // can recognise the copy. Empty = a random one, new for each call.
  std::string message_id_left;
};

// The content type of CSV attachments.
inline constexpr std::string_view kCsvContentType = "text/csv; charset=utf-8";

// Checks an address minimally: local@domain, printable ASCII without white space,
// quotes, angle brackets or other characters that would need quoting in a header; a
// domain of letters, digits, '-' and dots; at most 254 characters.
// Errors: bad_request "header_injection" (CR or LF), bad_request "invalid_address".
Status validate_address(std::string_view address);

// The complete message (headers and body, CRLF line ends) ready for SMTP DATA or a
// .eml file:
//   From, To, Subject, Date (RFC 5322, UTC "+0000"), Message-ID <left@domain> (left =
//   message_id_left, or random when that is empty),
//   MIME-Version: 1.0; body multipart/alternative (text/plain then text/html, both
//   UTF-8 quoted-printable), or text/plain alone when `html` is empty; wrapped in
//   multipart/mixed with each attachment as base64 (Content-Disposition: attachment)
//   when there are attachments. Non-ASCII subjects and display names are RFC 2047
//   encoded words; non-ASCII filenames use RFC 2231.
// `message_id_domain` is the right-hand side of the Message-ID; empty = the domain of
// `from`.
// Errors: bad_request "header_injection" (CR or LF in any header value: from, to,
// names, subject, attachment filename, content type or message_id_left), bad_request
// "invalid_address" (from, to, the Message-ID domain, or a message_id_left that is not a
// dot-atom), bad_request "missing_body" (empty text),
// bad_request "invalid_attachment" (empty filename or malformed content type).
Result<std::string> build_mime(const MailMessage& message, Timestamp date,
                               std::string_view message_id_domain);

// Receives the message text piece by piece, in order; an error stops the writing.
using MimeSink = std::function<Status(std::string_view)>;

// build_mime's bytes handed to `out` in pieces: an attachment kept in a file is
// encoded a piece at a time (at most about 80 KB), so a message of any size takes
// constant memory. Nothing is written when the message is invalid.
// Errors: build_mime's, a file attachment's read error, or the first error of `out`.
Status write_mime(const MailMessage& message, Timestamp date, std::string_view message_id_domain,
                  const MimeSink& out);

// "Tue, 24 Nov 2026 18:00:00 +0000" (RFC 5322 date-time, always UTC, English names).
std::string format_rfc5322_date(Timestamp date);

// The domain part of an address ("example.com" for "a@example.com"), or "".
std::string_view address_domain(std::string_view address);

}  // namespace parkd::mail
