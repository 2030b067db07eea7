#include "mail/message.h"

#include "mail/encoding.h"

#include <date/date.h>

#include <array>
#include <cstdio>

namespace parkd::mail {
namespace {

constexpr std::size_t kMaxAddressLength = 254;

Error header_injection(std::string_view header) {
  return Error::bad_request("header_injection",
                            std::string(header) + " must not contain line breaks");
}

bool has_line_break(std::string_view value) {
  return value.find_first_of("\r\n") != std::string_view::npos;
}

// Every header value of `message` with the name reported when it holds a line break.
Status check_header_values(const MailMessage& message) {
  const std::array<std::pair<std::string_view, const std::string*>, 5> headers{{
      {"From", &message.from},
      {"From name", &message.from_name},
      {"To", &message.to},
      {"To name", &message.to_name},
      {"Subject", &message.subject},
  }};
  for (const auto& [name, value] : headers) {
    if (has_line_break(*value)) return header_injection(name);
  }
  for (const auto& attachment : message.attachments) {
    if (has_line_break(attachment.filename)) return header_injection("Attachment filename");
    if (has_line_break(attachment.content_type)) {
      return header_injection("Attachment content type");
    }
  }
  return ok_status();
}

bool is_token_char(char c) {
  constexpr std::string_view kTokenSpecials = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         kTokenSpecials.find(c) != std::string_view::npos;
}

bool is_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253 || domain.front() == '.' || domain.back() == '.') {
    return false;
  }
  char previous = '\0';
  for (char c : domain) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '-' || c == '.';
    if (!ok || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

// "type/subtype" optionally followed by "; parameters" in printable ASCII.
bool is_content_type(std::string_view value) {
  if (!is_printable_ascii(value)) return false;
  std::size_t end = value.find(';');
  std::string_view type = value.substr(0, end);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::size_t slash = type.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (i != slash && !is_token_char(type[i])) return false;
  }
  return true;
}

// RFC 5322 dot-atom-text: atext runs separated by single dots (an id-left).
bool is_dot_atom(std::string_view text) {
  constexpr std::string_view kAtextSpecials = "!#$%&'*+-/=?^_`{|}~";
  if (text.empty() || text.size() > 200 || text.front() == '.' || text.back() == '.') return false;
  char previous = '\0';
  for (char c : text) {
    bool atext = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 kAtextSpecials.find(c) != std::string_view::npos;
    if (!atext && c != '.') return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

std::string address_header(std::string_view address, std::string_view display_name) {
  if (display_name.empty()) return std::string(address);
  return encode_display_name(display_name) + " <" + std::string(address) + ">";
}

std::string text_part(std::string_view subtype, std::string_view body) {
  std::string part = "Content-Type: text/";
  part += subtype;
  part += "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  part += quoted_printable_encode(body);
  return part;
}

// Input bytes per encoded piece: a multiple of 57 (one 76-character base64 line), so
// the pieces join into the same lines as encoding the whole at once.
constexpr std::size_t kAttachmentPiece = std::size_t{57} * 1024;

Status write_attachment_part(const Attachment& attachment, const MimeSink& out) {
  std::string headers = "Content-Type: ";
  headers += attachment.content_type.empty() ? "application/octet-stream" : attachment.content_type;
  headers += "; " + encode_mime_parameter("name", attachment.filename);
  headers += "\r\nContent-Disposition: attachment; ";
  headers += encode_mime_parameter("filename", attachment.filename);
  headers += "\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  if (auto st = out(headers); !st) return st;
  if (!attachment.file) return out(base64_encode_lines(attachment.data));
  return attachment.file->read(
      kAttachmentPiece, [&](std::string_view piece) { return out(base64_encode_lines(piece)); });
}

// A boundary that cannot occur in quoted-printable or base64 output ("=_" never
// does), so no part needs to be scanned for it.
std::string new_boundary() { return "=_parkd_" + random_hex(16); }

// The Content-Type header line of a multipart entity and the blank line after it.
std::string multipart_header(std::string_view subtype, const std::string& boundary) {
  std::string out = "Content-Type: multipart/";
  out += subtype;
  out += ";\r\n boundary=\"" + boundary + "\"\r\n\r\n";  // folded: the line stays short
  return out;
}

// The text (and HTML) content: a single part, or multipart/alternative.
std::string content_entity(const MailMessage& message) {
  if (message.html.empty()) return text_part("plain", message.text);
  std::string boundary = new_boundary();
  std::string out = multipart_header("alternative", boundary);
  for (std::string_view subtype : {"plain", "html"}) {
    out += "--" + boundary + "\r\n";
    out += text_part(subtype, subtype == "plain" ? message.text : message.html);
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

// The body entity (its own Content-Type headers included): the content alone, or
// multipart/mixed with the attachments after it.
Status write_body_entity(const MailMessage& message, const MimeSink& out) {
  if (message.attachments.empty()) return out(content_entity(message));
  std::string boundary = new_boundary();
  std::string delimiter = "--" + boundary + "\r\n";
  if (auto st = out(multipart_header("mixed", boundary) + delimiter); !st) return st;
  if (auto st = out(content_entity(message)); !st) return st;
  for (const auto& attachment : message.attachments) {
    if (auto st = out(delimiter); !st) return st;
    if (auto st = write_attachment_part(attachment, out); !st) return st;
  }
  return out("--" + boundary + "--\r\n");
}

Status check_attachments(const std::vector<Attachment>& attachments) {
  for (const auto& attachment : attachments) {
    if (attachment.filename.empty()) {
      return Error::bad_request("invalid_attachment", "An attachment needs a filename");
    }
    if (!attachment.content_type.empty() && !is_content_type(attachment.content_type)) {
      return Error::bad_request("invalid_attachment",
                                "Attachment content type is not type/subtype");
    }
  }
  return ok_status();
}

}  // namespace

Status validate_address(std::string_view address) {
  if (has_line_break(address)) return header_injection("Address");
  auto invalid = [] { return Error::bad_request("invalid_address", "Invalid email address"); };
  if (address.size() > kMaxAddressLength) return invalid();
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) return invalid();
  std::string_view local = address.substr(0, at);
  constexpr std::string_view kForbiddenInLocal = "@<>()[]\\,;:\" ";
  if (!is_printable_ascii(local) ||
      local.find_first_of(kForbiddenInLocal) != std::string_view::npos) {
    return invalid();
  }
  if (!is_domain(address.substr(at + 1))) return invalid();
  return ok_status();
}

std::string_view address_domain(std::string_view address) {
  std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

std::string format_rfc5322_date(Timestamp date) {
  static constexpr std::array<std::string_view, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed",
                                                             "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = date::floor<date::days>(date);
  date::year_month_day ymd{day};
  date::weekday weekday{day};
  date::hh_mm_ss<std::chrono::seconds> time{date - day};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                kWeekdays[weekday.c_encoding()].data(), static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1].data(),
                static_cast<int>(ymd.year()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return buffer;
}

Status write_mime(const MailMessage& message, Timestamp date, std::string_view message_id_domain,
                  const MimeSink& out) {
  if (auto checked = check_header_values(message); !checked) return checked.error();
  if (auto from = validate_address(message.from); !from) return from.error();
  if (auto to = validate_address(message.to); !to) return to.error();
  if (message_id_domain.empty()) message_id_domain = address_domain(message.from);
  if (has_line_break(message_id_domain)) return header_injection("Message-ID domain");
  if (!is_domain(message_id_domain)) {
    return Error::bad_request("invalid_address", "Invalid Message-ID domain");
  }
  if (has_line_break(message.message_id_left)) return header_injection("Message-ID");
  if (!message.message_id_left.empty() && !is_dot_atom(message.message_id_left)) {
    return Error::bad_request("invalid_address", "Invalid Message-ID");
  }
  if (message.text.empty()) {
    return Error::bad_request("missing_body", "A message needs a plain-text body");
  }
  if (auto attachments = check_attachments(message.attachments); !attachments) {
    return attachments.error();
  }

  std::string headers;
  headers += "From: " + address_header(message.from, message.from_name) + "\r\n";
  headers += "To: " + address_header(message.to, message.to_name) + "\r\n";
  headers += "Subject: " + encode_header_text(message.subject, 9) + "\r\n";
  headers += "Date: " + format_rfc5322_date(date) + "\r\n";
  std::string id_left = message.message_id_left.empty()
                            ? random_hex(16) + "." + std::to_string(to_unix(date))
                            : message.message_id_left;
  headers += "Message-ID: <" + id_left + "@" + std::string(message_id_domain) + ">\r\n";
  headers += "MIME-Version: 1.0\r\n";
  if (auto st = out(headers); !st) return st;
  return write_body_entity(message, out);
}

Result<std::string> build_mime(const MailMessage& message, Timestamp date,
                               std::string_view message_id_domain) {
  std::string text;
  auto written = write_mime(message, date, message_id_domain, [&](std::string_view piece) {
    text.append(piece);
    return ok_status();
  });
  if (!written) return written.error();
  return text;
}

}  // namespace parkd::mail
