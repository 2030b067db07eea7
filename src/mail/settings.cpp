#include "mail/settings.h"

#include <string>

namespace parkd::mail {

Result<SmtpTls> parse_smtp_tls(std::string_view text) {
  if (text == "starttls") return SmtpTls::starttls;
  if (text == "tls") return SmtpTls::tls;
  if (text == "none") return SmtpTls::none;
  return Error::bad_request(
      "config_error", "SMTP_TLS: '" + std::string(text) + "' is not one of starttls, tls, none");
}

Result<MailSettings> mail_settings_from(const Config& config) {
  auto tls = parse_smtp_tls(config.smtp.tls);
  if (!tls) return tls.error();
  MailSettings settings;
  settings.from = config.mail_from;
  settings.from_name = config.mail_from_name;
  settings.outbox = config.outbox_dir;
  settings.smtp.host = config.smtp.host;
  settings.smtp.port = config.smtp.port;
  settings.smtp.user = config.smtp.user;
  settings.smtp.password = config.smtp.password;
  settings.smtp.tls = *tls;
  settings.smtp.from = config.mail_from;
  settings.smtp.timeout_s = config.smtp.timeout_seconds;
  return settings;
}

}  // namespace parkd::mail
