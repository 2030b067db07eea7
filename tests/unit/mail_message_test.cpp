// Builds messages with build_mime and reads them back with a small, independent MIME
// reader: what a mail client would see is what the sender meant.

#include "mail/encoding.h"
#include "mail/message.h"
#include "support/spooled.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace parkd::mail {
namespace {

using parkd::testing::spooled;

struct Entity {
  std::map<std::string, std::string> headers;  // lower-case name -> unfolded value
  std::string body;                            // raw, still transfer-encoded
  std::vector<Entity> parts;                   // for multipart/*

  const std::string& header(const std::string& name) const {
    static const std::string none;
    auto it = headers.find(name);
    return it == headers.end() ? none : it->second;
  }
  // The decoded body (quoted-printable or base64 per Content-Transfer-Encoding).
  std::string decoded() const {
    const std::string& encoding = header("content-transfer-encoding");
    if (encoding == "base64") return base64_decode(body).value_or("<bad base64>");
    if (encoding == "quoted-printable") {
      return quoted_printable_decode(body).value_or("<bad quoted-printable>");
    }
    return body;
  }
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The value of parameter `name` in a header value like `multipart/mixed; boundary="x"`.
std::string parameter(const std::string& value, const std::string& name) {
  std::size_t pos = value.find(name + "=");
  if (pos == std::string::npos) return "";
  pos += name.size() + 1;
  if (value[pos] == '"') return value.substr(pos + 1, value.find('"', pos + 1) - pos - 1);
  return value.substr(pos, value.find(';', pos) - pos);
}

Entity parse_entity(const std::string& raw) {
  Entity entity;
  std::size_t split = raw.find("\r\n\r\n");
  std::string head = raw.substr(0, split);
  entity.body = split == std::string::npos ? "" : raw.substr(split + 4);
  std::string name, value;
  auto flush = [&] {
    if (!name.empty()) entity.headers[lower(name)] = value;
  };
  std::size_t start = 0;
  while (start <= head.size()) {
    std::size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(start, end - start);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      value += line;  // folded continuation: CRLF removed, the white space stays
    } else if (!line.empty()) {
      flush();
      std::size_t colon = line.find(':');
      name = line.substr(0, colon);
      value = line.substr(colon + 2);
    }
    start = end + 2;
  }
  flush();
  if (lower(entity.header("content-type")).starts_with("multipart/")) {
    std::string delimiter = "--" + parameter(entity.header("content-type"), "boundary");
    std::size_t pos = entity.body.find(delimiter + "\r\n");
    while (pos != std::string::npos) {
      std::size_t content = pos + delimiter.size() + 2;
      std::size_t next = entity.body.find("\r\n" + delimiter, content);
      if (next == std::string::npos) break;
      entity.parts.push_back(parse_entity(entity.body.substr(content, next - content)));
      pos = entity.body.compare(next + 2 + delimiter.size(), 2, "--") == 0 ? std::string::npos
                                                                           : next + 2;
    }
  }
  return entity;
}

std::string crlf(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

Timestamp at(std::int64_t unix_seconds) { return from_unix(unix_seconds); }
constexpr std::int64_t kNov24At1800 = 1795543200;  // 2026-11-24T18:00:00Z

MailMessage sample() {
  MailMessage m;
  m.from = "parkd@example.com";
  m.from_name = "parkd";
  m.to = "ann@example.org";
  m.to_name = "Ann Lee";
  m.subject = "Booking confirmed: Downtown Parking, spot 7";
  m.text = "Hello Ann,\nyour booking is confirmed.\n";
  m.html = "<p>Hello Ann,</p><p>your booking is <b>confirmed</b>.</p>";
  return m;
}

Entity build_and_parse(const MailMessage& m) {
  auto mime = build_mime(m, at(kNov24At1800), "example.com");
  EXPECT_TRUE(mime.ok()) << (mime.ok() ? "" : mime.error().message);
  return mime.ok() ? parse_entity(*mime) : Entity{};
}

TEST(BuildMime, WritesTheRequiredHeaders) {
  Entity e = build_and_parse(sample());
  EXPECT_EQ(e.header("from"), "\"parkd\" <parkd@example.com>");
  EXPECT_EQ(e.header("to"), "\"Ann Lee\" <ann@example.org>");
  EXPECT_EQ(e.header("subject"), "Booking confirmed: Downtown Parking, spot 7");
  EXPECT_EQ(e.header("mime-version"), "1.0");
}

TEST(BuildMime, DatesTheMessageInRfc5322Form) {
  Entity e = build_and_parse(sample());
  EXPECT_EQ(e.header("date"), "Tue, 24 Nov 2026 18:00:00 +0000");
}

TEST(BuildMime, GivesEachMessageADifferentMessageIdAtTheDomain) {
  Entity first = build_and_parse(sample());
  Entity second = build_and_parse(sample());
  const std::string& id = first.header("message-id");
  ASSERT_GE(id.size(), 3u);
  EXPECT_EQ(id.front(), '<');
  EXPECT_TRUE(id.ends_with("@example.com>")) << id;
  EXPECT_NE(id, second.header("message-id"));
}

TEST(BuildMime, TakesTheMessageIdDomainFromTheSenderWhenNoneIsGiven) {
  auto mime = build_mime(sample(), at(kNov24At1800), "");
  ASSERT_TRUE(mime.ok());
  EXPECT_TRUE(parse_entity(*mime).header("message-id").ends_with("@example.com>"));
}

TEST(BuildMime, OmitsTheDisplayNameWhenThereIsNone) {
  MailMessage m = sample();
  m.to_name = "";
  EXPECT_EQ(build_and_parse(m).header("to"), "ann@example.org");
}

TEST(BuildMime, UsesCrlfLineEndsAndNoLineLongerThan78) {
  MailMessage m = sample();
  m.text = std::string(500, 'x') + "\n" + std::string(300, 'y');
  m.attachments.push_back({"bookings.csv", std::string(kCsvContentType), std::string(900, 'z')});
  auto mime = build_mime(m, at(kNov24At1800), "example.com");
  ASSERT_TRUE(mime.ok());
  std::size_t start = 0;
  while (start < mime->size()) {
    std::size_t end = mime->find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "the message ends without CRLF";
    std::string line = mime->substr(start, end - start);
    EXPECT_EQ(line.find('\n'), std::string::npos) << "bare LF in: " << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << "bare CR in: " << line;
    EXPECT_LE(line.size(), 78u) << line;
    start = end + 2;
  }
}

TEST(BuildMime, SendsTextThenHtmlAsMultipartAlternative) {
  Entity e = build_and_parse(sample());
  EXPECT_TRUE(e.header("content-type").starts_with("multipart/alternative; boundary="));
  ASSERT_EQ(e.parts.size(), 2u);
  EXPECT_EQ(e.parts[0].header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(e.parts[1].header("content-type"), "text/html; charset=utf-8");
}

TEST(BuildMime, BothBodiesDecodeToWhatWasGiven) {
  MailMessage m = sample();
  m.text = "Grüße aus München,\nline = 2\n" + std::string(120, 'a');
  m.html = "<p>Grüße — " + std::string(150, 'b') + "</p>";
  Entity e = build_and_parse(m);
  ASSERT_EQ(e.parts.size(), 2u);
  EXPECT_EQ(e.parts[0].header("content-transfer-encoding"), "quoted-printable");
  EXPECT_EQ(e.parts[0].decoded(), crlf(m.text));
  EXPECT_EQ(e.parts[1].decoded(), m.html);
}

TEST(BuildMime, SendsPlainTextAloneWhenThereIsNoHtml) {
  MailMessage m = sample();
  m.html.clear();
  Entity e = build_and_parse(m);
  EXPECT_EQ(e.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(e.parts.empty());
  EXPECT_EQ(e.decoded(), crlf(m.text));
}

TEST(BuildMime, WrapsTheBodyInMultipartMixedWithAttachments) {
  MailMessage m = sample();
  m.attachments.push_back({"bookings.csv", std::string(kCsvContentType), "id,lot\r\n1,A\r\n"});
  Entity e = build_and_parse(m);
  EXPECT_TRUE(e.header("content-type").starts_with("multipart/mixed; boundary="));
  ASSERT_EQ(e.parts.size(), 2u);
  EXPECT_TRUE(e.parts[0].header("content-type").starts_with("multipart/alternative"));
  EXPECT_EQ(e.parts[0].parts.size(), 2u);
  const Entity& csv = e.parts[1];
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8; name=\"bookings.csv\"");
  EXPECT_EQ(csv.header("content-disposition"), "attachment; filename=\"bookings.csv\"");
  EXPECT_EQ(csv.header("content-transfer-encoding"), "base64");
  EXPECT_EQ(csv.decoded(), "id,lot\r\n1,A\r\n");
}

TEST(BuildMime, AttachmentsDecodeToTheOriginalBytes) {
  std::string binary;
  for (int round = 0; round < 7; ++round) {
    for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  }
  MailMessage m = sample();
  m.attachments.push_back({"users.csv", std::string(kCsvContentType), "a,b\r\n"});
  m.attachments.push_back({"blob.bin", "", binary});
  Entity e = build_and_parse(m);
  ASSERT_EQ(e.parts.size(), 3u);
  EXPECT_EQ(e.parts[1].decoded(), "a,b\r\n");
  EXPECT_EQ(e.parts[2].header("content-type"), "application/octet-stream; name=\"blob.bin\"");
  EXPECT_EQ(e.parts[2].decoded(), binary);
}

TEST(BuildMime, KeepsAnEmptyAttachment) {
  MailMessage m = sample();
  m.attachments.push_back({"bookings.csv", std::string(kCsvContentType), ""});
  Entity e = build_and_parse(m);
  ASSERT_EQ(e.parts.size(), 2u);
  EXPECT_EQ(e.parts[1].decoded(), "");
}

TEST(BuildMime, EncodesANonAsciiSubjectAsRfc2047) {
  MailMessage m = sample();
  m.subject = "Buchung bestätigt: Parkhaus Österreich, Platz 7 — schöne Grüße aus Zürich";
  Entity e = build_and_parse(m);
  EXPECT_TRUE(e.header("subject").starts_with("=?UTF-8?B?")) << e.header("subject");
  EXPECT_EQ(decode_header_text(e.header("subject")), m.subject);
}

TEST(BuildMime, EncodesNonAsciiDisplayNames) {
  MailMessage m = sample();
  m.to_name = "Zoë Ünal";
  m.from_name = "parkd Café";
  Entity e = build_and_parse(m);
  EXPECT_EQ(decode_header_text(e.header("to")), "Zoë Ünal <ann@example.org>");
  EXPECT_EQ(decode_header_text(e.header("from")), "parkd Café <parkd@example.com>");
}

TEST(BuildMime, EncodesANonAsciiFilenameAsRfc2231) {
  MailMessage m = sample();
  m.attachments.push_back({"Übersicht.csv", std::string(kCsvContentType), "x"});
  Entity e = build_and_parse(m);
  ASSERT_EQ(e.parts.size(), 2u);
  EXPECT_EQ(e.parts[1].header("content-disposition"),
            "attachment; filename*=UTF-8''%C3%9Cbersicht.csv");
}

// Each header a caller controls, with a way to put a value into it.
struct HeaderField {
  const char* name;
  std::function<void(MailMessage&, const std::string&)> set;
};

const std::vector<HeaderField>& header_fields() {
  static const std::vector<HeaderField> fields{
      {"from", [](MailMessage& m, const std::string& v) { m.from = v; }},
      {"from_name", [](MailMessage& m, const std::string& v) { m.from_name = v; }},
      {"to", [](MailMessage& m, const std::string& v) { m.to = v; }},
      {"to_name", [](MailMessage& m, const std::string& v) { m.to_name = v; }},
      {"subject", [](MailMessage& m, const std::string& v) { m.subject = v; }},
      {"attachment filename",
       [](MailMessage& m, const std::string& v) {
         m.attachments.push_back({v, "text/csv", "x"});
       }},
      {"attachment content type",
       [](MailMessage& m, const std::string& v) {
         m.attachments.push_back({"a.csv", "text/csv" + v, "x"});
       }},
  };
  return fields;
}

TEST(BuildMime, RejectsALineBreakInEveryHeaderAsHeaderInjection) {
  for (const auto& field : header_fields()) {
    for (std::string injected :
         {"a@example.com\r\nBcc: x@evil.test", "a@example.com\nBcc: x", "a@example.com\rBcc: x"}) {
      MailMessage m = sample();
      field.set(m, injected);
      auto mime = build_mime(m, at(kNov24At1800), "example.com");
      ASSERT_FALSE(mime.ok()) << field.name << " accepted a line break";
      EXPECT_EQ(mime.error().kind, ErrorKind::bad_request) << field.name;
      EXPECT_EQ(mime.error().code, "header_injection") << field.name;
    }
  }
}

TEST(BuildMime, RejectsALineBreakInTheMessageIdDomain) {
  auto mime = build_mime(sample(), at(kNov24At1800), "example.com\r\nBcc: x@evil.test");
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ(mime.error().code, "header_injection");
}

TEST(BuildMime, RejectsInvalidAddresses) {
  for (std::string address :
       {"", "no-at-sign", "ann@", "@example.com", "ann lee@example.com", "<ann@example.com>",
        "ann@exa mple.com", "ann@example..com", "ann@.example.com", "a\"b@example.com",
        "ann@example.com>", "jürgen@example.com"}) {
    MailMessage m = sample();
    m.to = address;
    auto mime = build_mime(m, at(kNov24At1800), "example.com");
    ASSERT_FALSE(mime.ok()) << address;
    EXPECT_EQ(mime.error().code, "invalid_address") << address;
  }
}

TEST(ValidateAddress, AcceptsOrdinaryAddresses) {
  for (std::string address :
       {"ann@example.com", "ann.lee+parking@mail.example.co.uk", "a_b-c@x-y.example", "1@2.io"}) {
    EXPECT_TRUE(validate_address(address).ok()) << address;
  }
}

TEST(BuildMime, RejectsAMessageWithoutText) {
  MailMessage m = sample();
  m.text.clear();
  auto mime = build_mime(m, at(kNov24At1800), "example.com");
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ(mime.error().code, "missing_body");
}

TEST(BuildMime, RejectsAnAttachmentWithoutAFilenameOrWithABadContentType) {
  MailMessage unnamed = sample();
  unnamed.attachments.push_back({"", "text/csv", "x"});
  EXPECT_EQ(build_mime(unnamed, at(kNov24At1800), "").error().code, "invalid_attachment");
  MailMessage untyped = sample();
  untyped.attachments.push_back({"a.csv", "csv", "x"});
  EXPECT_EQ(build_mime(untyped, at(kNov24At1800), "").error().code, "invalid_attachment");
}

// Bytes that differ from one 57-byte base64 line to the next, over several encoding pieces.
std::string varied_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7919 + i / 57) % 251);
  return bytes;
}

TEST(BuildMime, AnAttachmentKeptInAFileEncodesLikeTheSameBytesInMemory) {
  std::string bytes = varied_bytes(57 * 1024 * 3 + 1000);  // three full pieces and a partial one
  MailMessage from_memory = sample();
  from_memory.attachments.push_back({"bookings.csv", std::string(kCsvContentType), bytes});
  MailMessage from_file = sample();
  from_file.attachments.push_back({"bookings.csv", std::string(kCsvContentType), ""});
  from_file.attachments[0].file = spooled(bytes);

  Entity memory = build_and_parse(from_memory), file = build_and_parse(from_file);
  ASSERT_EQ(file.parts.size(), 2u);
  EXPECT_EQ(file.parts[1].decoded(), bytes);
  EXPECT_EQ(file.parts[1].body, memory.parts[1].body) << "the pieces must join into the same lines";
}

TEST(WriteMime, HandsOverAFileAttachmentInBoundedPieces) {
  std::string bytes = varied_bytes(2 * 1024 * 1024);
  MailMessage m = sample();
  m.attachments.push_back({"bookings.csv", std::string(kCsvContentType), ""});
  m.attachments[0].file = spooled(bytes);
  std::string whole;
  std::size_t largest = 0;
  auto st = write_mime(m, at(kNov24At1800), "example.com", [&](std::string_view piece) {
    largest = std::max(largest, piece.size());
    whole.append(piece);
    return ok_status();
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_LE(largest, 100u * 1024) << "an attachment must not be encoded in one piece";
  EXPECT_EQ(parse_entity(whole).parts.at(1).decoded(), bytes);
}

TEST(WriteMime, StopsAtTheSinksFirstErrorAndWritesNothingForAnInvalidMessage) {
  MailMessage m = sample();
  m.attachments.push_back({"a.csv", std::string(kCsvContentType), "x"});
  int calls = 0;
  auto failing = write_mime(m, at(kNov24At1800), "example.com", [&](std::string_view) {
    ++calls;
    return Status(Error::internal("disk full"));
  });
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.error().message, "disk full");
  EXPECT_EQ(calls, 1);

  m.to = "not an address";
  calls = 0;
  auto invalid = write_mime(m, at(kNov24At1800), "example.com", [&](std::string_view) {
    ++calls;
    return ok_status();
  });
  EXPECT_EQ(invalid.error().code, "invalid_address");
  EXPECT_EQ(calls, 0);
}

TEST(SpoolFile, ReadsBackWhatWasAppendedInPiecesOfTheAskedSize) {
  auto file = SpoolFile::create();
  ASSERT_TRUE(file.ok()) << file.error().message;
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    std::string row = std::to_string(i) + ",row\r\n";
    ASSERT_TRUE((*file)->append(row).ok());
    expected += row;
  }
  std::string big = varied_bytes(700 * 1024);  // larger than the write buffer
  ASSERT_TRUE((*file)->append(big).ok());
  expected += big;
  ASSERT_TRUE((*file)->flush().ok());
  EXPECT_EQ((*file)->size(), expected.size());

  std::string read;
  std::vector<std::size_t> sizes;
  auto st = (*file)->read(4096, [&](std::string_view piece) {
    sizes.push_back(piece.size());
    read.append(piece);
    return ok_status();
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(read, expected);
  ASSERT_FALSE(sizes.empty());
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], 4096u);
}

TEST(SpoolFile, LeavesNoNameBehindInItsDirectory) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "parkd-spool-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto file = SpoolFile::create(dir);
    ASSERT_TRUE(file.ok()) << file.error().message;
    ASSERT_TRUE((*file)->append("secret rows").ok());
    ASSERT_TRUE((*file)->flush().ok());
    EXPECT_TRUE(std::filesystem::is_empty(dir));
  }
  std::filesystem::remove_all(dir);
}

TEST(SpoolFile, SaysWhereItCouldNotBeCreated) {
  auto file = SpoolFile::create("/nonexistent/parkd-spool");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, "spool_error");
  EXPECT_NE(file.error().message.find("/nonexistent/parkd-spool"), std::string::npos);
}

TEST(FormatRfc5322Date, WritesUtcWithEnglishNames) {
  EXPECT_EQ(format_rfc5322_date(from_unix(0)), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(format_rfc5322_date(from_unix(1772323199)), "Sat, 28 Feb 2026 23:59:59 +0000");
}

}  // namespace
}  // namespace parkd::mail
