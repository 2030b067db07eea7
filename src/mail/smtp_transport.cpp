// SmtpTransport (declared in mail/transport.h): one libcurl easy handle per message.
// A fresh connection per message keeps send() free of shared state (no lock, no stale
// pooled connection after the server restarts); parkd sends few enough emails that
// the extra handshake does not matter.

#include "mail/encoding.h"
#include "mail/transport.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

namespace parkd::mail {
namespace {

struct CurlHandleDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlHandleDeleter>;
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;

// libcurl's global state must be set up once before handles are used from threads.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The message being uploaded: in memory, or in a spool file when it carries
// attachments kept on disk (a large export).
struct Upload {
  std::string_view data;
  const SpoolFile* file = nullptr;
  std::uint64_t offset = 0;
};

// CURLOPT_READFUNCTION: hands libcurl the next piece of the message.
std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  if (upload->file != nullptr) {
    auto n = upload->file->read_at(upload->offset, buffer, size * count);
    if (!n) {
      spdlog::error("mail: {}", n.error().message);
      return CURL_READFUNC_ABORT;
    }
    upload->offset += *n;
    return *n;
  }
  std::size_t n = std::min(size * count, upload->data.size());
  std::memcpy(buffer, upload->data.data(), n);
  upload->data.remove_prefix(n);
  return n;
}

bool has_file_attachment(const MailMessage& message) {
  return std::any_of(message.attachments.begin(), message.attachments.end(),
                     [](const Attachment& a) { return a.file != nullptr; });
}

// The message text to upload, and what holds it.
struct BuiltMessage {
  std::string text;
  std::shared_ptr<SpoolFile> file;
  std::uint64_t size() const { return file ? file->size() : text.size(); }
  Upload upload() const { return file ? Upload{{}, file.get(), 0} : Upload{text, nullptr, 0}; }
};

// In memory as usual; spooled to disk when an attachment is, so that memory stays
// constant however large the export.
Result<BuiltMessage> build_for_upload(const MailMessage& message) {
  if (!has_file_attachment(message)) {
    auto mime = build_mime(message, now(), "");
    if (!mime) return mime.error();
    return BuiltMessage{std::move(*mime), nullptr};
  }
  auto spool = SpoolFile::create();
  if (!spool) return spool.error();
  SpoolFile& file = **spool;
  Status st =
      write_mime(message, now(), "", [&](std::string_view piece) { return file.append(piece); });
  if (st) st = file.flush();
  if (!st) return st.error();
  return BuiltMessage{{}, std::move(*spool)};
}

void replace_all(std::string& text, std::string_view needle, std::string_view replacement) {
  if (needle.empty()) return;
  for (std::size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + replacement.size())) {
    text.replace(pos, needle.size(), replacement);
  }
}

Error smtp_error(std::string message) {
  return Error::of(ErrorKind::unavailable, "smtp_error", std::move(message));
}

std::string smtp_url(const SmtpConfig& config) {
  std::string scheme = config.tls == SmtpTls::tls ? "smtps://" : "smtp://";
  bool ipv6 = config.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + config.host + "]" : config.host;
  return scheme + host + ":" + std::to_string(config.port);
}

// libcurl's messages do not carry credentials today; this keeps it that way should a
// future version (or a server echoing our input) put them there, in any form we send.
std::string without_secrets(const SmtpConfig& config, std::string text) {
  const std::string& password = config.password;
  if (password.empty()) return text;
  replace_all(text, password, "***");
  replace_all(text, base64_encode(password), "***");
  replace_all(text, base64_encode(config.user + '\0' + config.user + '\0' + password), "***");
  replace_all(text, base64_encode(std::string(1, '\0') + config.user + '\0' + password), "***");
  return text;
}

// Server, TLS, timeouts and credentials: everything but the message itself.
void set_connection_options(CURL* h, const SmtpConfig& config, const std::string& url,
                            char* error_buffer) {
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, config.connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, config.timeout_s);
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   config.tls == SmtpTls::none ? long{CURLUSESSL_NONE} : long{CURLUSESSL_ALL});
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config.verify_peer ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config.verify_peer ? 2L : 0L);
  if (!config.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config.ca_file.c_str());
  if (!config.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, config.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config.password.c_str());
  }
}

// What the SMTP conversation got to, seen through libcurl's debug callback: the verb of
// the last command sent and the server's last reply line. Only known verbs are kept:
// the other lines a client sends are AUTH exchanges (credentials).
struct Conversation {
  std::string last_verb;   // "MAIL", "RCPT", "DATA", ...
  std::string last_reply;  // "550 5.1.1 <x@example.com>: no such user"
  bool quitting = false;   // QUIT sent: what follows says nothing about the message
};

constexpr std::size_t kMaxReplyShown = 300;

void keep_last_reply(Conversation& conversation, std::string_view text) {
  // A multi-line reply ("250-...", "250 ...") arrives whole or line by line; the last
  // line with a reply code is the one that counts.
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
        std::isdigit(static_cast<unsigned char>(line[1])) &&
        std::isdigit(static_cast<unsigned char>(line[2]))) {
      conversation.last_reply = std::string(line.substr(0, kMaxReplyShown));
    }
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
}

void keep_last_verb(Conversation& conversation, std::string_view text) {
  static constexpr std::array<std::string_view, 9> kVerbs{
      "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP"};
  std::string_view verb = text.substr(0, text.find_first_of(" \r\n"));
  if (verb == "QUIT") conversation.quitting = true;
  for (std::string_view known : kVerbs) {
    if (verb == known) conversation.last_verb = std::string(known);
  }
}

// CURLOPT_DEBUGFUNCTION: reads the protocol lines (never the message, never logs).
int watch_conversation(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* conversation = static_cast<Conversation*>(user);
  if (conversation->quitting) return 0;
  if (type == CURLINFO_HEADER_IN) keep_last_reply(*conversation, {data, size});
  if (type == CURLINFO_HEADER_OUT) keep_last_verb(*conversation, {data, size});
  return 0;
}

// A 5xx reply to the recipient or to the message itself is about this message alone
// and final (RFC 5321 4.2.1). A refused login or sender is about the installation: every
// message would fail alike until an operator fixes the settings, so those stay retried.
bool refused_for_good(const Conversation& conversation, long reply) {
  return reply >= 500 && reply <= 599 &&
         (conversation.last_verb == "RCPT" || conversation.last_verb == "DATA");
}

// The error for a failed transfer, with every form of the password removed.
Error failure(const SmtpConfig& config, CURLcode code, const char* detail, long reply,
              const Conversation& conversation) {
  std::string text = "SMTP delivery via " + config.host + ":" + std::to_string(config.port) +
                     " failed: " + curl_easy_strerror(code);
  if (detail[0] != '\0') text += std::string(" (") + detail + ")";
  if (!conversation.last_reply.empty() &&
      conversation.last_reply.starts_with(std::to_string(reply))) {
    text += " (server replied " + conversation.last_reply + ")";
  } else if (reply >= 400) {
    text += " (server replied " + std::to_string(reply) + ")";
  }
  text = without_secrets(config, std::move(text));
  if (refused_for_good(conversation, reply)) {
    return Error::bad_request("smtp_rejected", std::move(text));
  }
  return smtp_error(std::move(text));
}

}  // namespace

SmtpTransport::SmtpTransport(SmtpConfig config) : config_(std::move(config)) {
  init_curl_once();
  bool loopback =
      config_.host == "localhost" || config_.host == "::1" || config_.host.starts_with("127.");
  if (config_.tls == SmtpTls::none && !config_.user.empty() && !loopback) {
    spdlog::warn("SMTP AUTH to {} without TLS: the password crosses the network in clear",
                 config_.host);
  }
}

Result<std::string> SmtpTransport::send(const MailMessage& message) {
  auto built = build_for_upload(message);
  if (!built) return built.error();
  const std::string& envelope_from = config_.from.empty() ? message.from : config_.from;
  if (auto valid = validate_address(envelope_from); !valid) return valid.error();

  CurlHandle curl{curl_easy_init()};
  if (!curl) return smtp_error("SMTP delivery failed: cannot create a libcurl handle");
  CURL* h = curl.get();
  char detail[CURL_ERROR_SIZE] = {0};
  std::string target = smtp_url(config_);
  set_connection_options(h, config_, target, detail);

  std::string mail_from = "<" + envelope_from + ">";
  std::string rcpt_to = "<" + message.to + ">";
  CurlList recipients{curl_slist_append(nullptr, rcpt_to.c_str())};
  Upload upload = built->upload();
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(built->size()));
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  Conversation conversation;
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, watch_conversation);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &conversation);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);  // the debug function is only called so

  CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK)
    return "sent via SMTP (" + config_.host + ":" + std::to_string(config_.port) + ")";
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  return failure(config_, code, detail, reply, conversation);
}

}  // namespace parkd::mail
