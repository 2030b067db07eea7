#pragma once
// Where built messages go: SMTP (libcurl) in production, a directory of .eml files
// (the outbox) by default, so that a fresh checkout sends nothing anywhere.
//
// Transports are called from the job worker only, never on an HTTP I/O thread: a send
// may block for up to the configured SMTP timeouts. Both transports are safe to call
// from several threads at once.

#include "common/result.h"
#include "mail/message.h"

#include <filesystem>
#include <memory>
#include <string>

namespace parkd::mail {

class MailTransport {
 public:
  virtual ~MailTransport() = default;

  // Hands `message` over for delivery (built with build_mime, dated now()). On success,
  // what became of it, for logs and `parkd send`: "sent via SMTP (host:port)", "written
  // to <file> (not sent: SMTP_HOST is unset)", so no log says "sent" for a message that
  // was not.
  // Errors: those of build_mime (bad_request: a bad message, retrying will not help);
  // unavailable (the destination failed; a later retry may succeed).
  virtual Result<std::string> send(const MailMessage& message) = 0;

  // "smtp" or "file", for logs and health output.
  virtual std::string name() const = 0;
};

// Writes each message to `outbox`/<UTC time>-<random>.eml ("20261124T180000Z-
// 9f86d081884c7d65.eml"). The file appears complete or not at all: it is written to a
// hidden temporary file in the same directory, flushed to disk and renamed. The
// directory (and its parents) is created on first use.
class FileTransport final : public MailTransport {
 public:
  explicit FileTransport(std::filesystem::path outbox);

  // Errors: build_mime's; unavailable "outbox_error" (cannot create, write or rename).
  Result<std::string> send(const MailMessage& message) override;
  std::string name() const override { return "file"; }

  const std::filesystem::path& outbox() const { return outbox_; }

 private:
  std::filesystem::path outbox_;
};

enum class SmtpTls {
  starttls,  // smtp://, STARTTLS required (CURLUSESSL_ALL); usually port 587
  tls,       // smtps://, TLS from the first byte; usually port 465
  none,      // smtp:// in clear text: local relays and tests only (AUTH would be in clear)
};

struct SmtpConfig {
  std::string host;  // empty = SMTP not configured
  int port = 587;
  std::string user;      // empty = no AUTH
  std::string password;  // never logged, never in an error message
  SmtpTls tls = SmtpTls::starttls;
  std::string from;  // envelope sender (MAIL FROM); empty = the message's From address
  long connect_timeout_s = 10;
  long timeout_s = 60;      // whole transaction
  bool verify_peer = true;  // check the server certificate and host name
  std::string ca_file;      // CA bundle; empty = the system's
};

// Sends each message over its own SMTP connection with libcurl: EHLO, STARTTLS or
// TLS as configured, AUTH when `user` is set (the mechanism the server offers),
// MAIL FROM, RCPT TO (the message's To), DATA. libcurl does the dot-stuffing.
class SmtpTransport final : public MailTransport {
 public:
  explicit SmtpTransport(SmtpConfig config);

  // Errors: build_mime's; unavailable "smtp_error" with libcurl's description and the
  // server's reply when there is one, e.g. "SMTP delivery via 127.0.0.1:2525 failed:
  // Login denied (server replied 535 5.7.8 Authentication credentials invalid)": a
  // connection refused or timed out, a 4xx reply, and any refusal of the login or of the
  // sender (MAIL FROM; the installation's settings, which an operator can fix while the
  // job waits). bad_request "smtp_rejected" with the same text when the server refused
  // the recipient (RCPT TO) or the message (DATA) with a permanent 5xx reply: sending it
  // again would be refused again. The password never appears in either.
  Result<std::string> send(const MailMessage& message) override;
  std::string name() const override { return "smtp"; }

 private:
  SmtpConfig config_;
};

// What the configuration says about mail (filled from the environment by config/).
struct MailSettings {
  std::string from = "parkd@localhost";  // From address of every email
  std::string from_name = "parkd";
  std::filesystem::path outbox = "instance/outbox";  // FileTransport's directory
  SmtpConfig smtp;                                   // used when smtp.host is set
};

// SmtpTransport when `settings.smtp.host` is set, else FileTransport(settings.outbox).
std::unique_ptr<MailTransport> make_transport(const MailSettings& settings);

}  // namespace parkd::mail
