// Password reset requests and confirmations (see password_reset_service.h).
#include "services/password_reset_service.h"

#include "auth/reset_token.h"
#include "domain/validation.h"
#include "jobs/backoff.h"
#include "services/job_service.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace parkd {
namespace {

Error too_many_attempts(std::int64_t wait_seconds) {
  Error e = Error::of(ErrorKind::too_many_requests, "too_many_attempts",
                      "Too many password reset attempts; try again later");
  e.retry_after_seconds = static_cast<int>(wait_seconds);
  return e;
}

}  // namespace

Status PasswordResetService::request(const std::string& email_text,
                                     const std::string& client_address) {
  std::string email = to_lower(trim(email_text));
  if (auto problem = check_email(email)) {
    return Error::validation(nlohmann::json{{"email", *problem}});
  }
  std::string account = "reset:" + email;
  std::string address = "reset:" + client_address;
  if (auto wait = throttle_.retry_after(account, address, now())) return too_many_attempts(*wait);
  throttle_.record_failure(account, address, now());
  // The job's payload holds the email only: the token is made by the job and exists in
  // plain text only in the email, never in the jobs table (nor in GET /api/jobs, which
  // does not show payloads anyway).
  Id job_id = 0;
  Status st = store_.write([&](Tx& tx) {
    Timestamp at = now();
    job_id = tx.enqueue_job(
        {job_types::password_reset, nlohmann::json{{"email", email}}.dump(), std::nullopt, at,
         jobs::max_attempts_for(job_types::password_reset, job_max_attempts_), std::nullopt},
        at);
    return ok_status();
  });
  if (!st) return st;
  spdlog::info("auth: password reset asked from {}; job {}", client_address, job_id);
  return ok_status();
}

Result<User> PasswordResetService::confirm(const std::string& token, const std::string& replacement,
                                           const std::string& client_address) {
  std::string token_hash = reset_token_hash(token);
  // Keyed by the hash: the throttle's memory holds no token that might still work.
  std::string account = "reset:token:" + token_hash;
  std::string address = "reset:confirm:" + client_address;
  if (auto wait = throttle_.retry_after(account, address, now())) return too_many_attempts(*wait);
  auto user = accounts_.reset_password(token_hash, replacement);
  if (!user && user.error().code == "invalid_token") {
    throttle_.record_failure(account, address, now());
    spdlog::info("auth: invalid password reset token from {}", client_address);
  }
  return user;
}

}  // namespace parkd
