#pragma once
// From the validated Config (environment) to the mail module's settings, so that the
// wiring in main/jobs is one call: make_transport(*mail_settings_from(config)).

#include "common/result.h"
#include "config/config.h"
#include "mail/transport.h"

#include <string_view>

namespace parkd::mail {

// "starttls" | "tls" | "none". Errors: bad_request "config_error" naming SMTP_TLS.
Result<SmtpTls> parse_smtp_tls(std::string_view text);

// MAIL_FROM / MAIL_FROM_NAME -> from / from_name, OUTBOX_DIR -> outbox, SMTP_* -> smtp
// (envelope sender = the From address; certificate verification on).
// Errors: parse_smtp_tls's.
Result<MailSettings> mail_settings_from(const Config& config);

}  // namespace parkd::mail
