#pragma once
// Password reset for a user who forgot theirs (docs/api.md "Password reset"): asking for a
// link by email, and setting a new password with the link's token. Both are throttled in
// the login throttle under keys of their own ("reset:..."), so they never count against
// logins or the other way round.

#include "auth/throttle.h"
#include "common/result.h"
#include "domain/models.h"
#include "services/account_service.h"
#include "store/store.h"

#include <string>

namespace parkd {

class PasswordResetService {
 public:
  PasswordResetService(Store& store, AccountService& accounts, LoginThrottle& throttle,
                       int job_max_attempts)
      : store_(store),
        accounts_(accounts),
        throttle_(throttle),
        job_max_attempts_(job_max_attempts) {}

  // POST /auth/password-reset: queues a password_reset job for `email` whether or not an
  // account has it, so that the answer and the work done before it are the same either
  // way; the job sends the link only to an enabled account (jobs/tasks.cpp). Every request
  // counts against the (email, address) pair and the address, as a failed login does.
  // Errors: validation (fields.email: not an email), too_many_requests with
  // retry_after_seconds.
  Status request(const std::string& email, const std::string& client_address);

  // POST /auth/password-reset/confirm: sets `replacement` as the password of the token's
  // user (AccountService::reset_password). A token refused counts against the token and
  // the address, so that tokens cannot be guessed at speed. Errors: bad_request
  // invalid_token, validation (fields.password; the token stays usable),
  // too_many_requests with retry_after_seconds.
  Result<User> confirm(const std::string& token, const std::string& replacement,
                       const std::string& client_address);

 private:
  Store& store_;
  AccountService& accounts_;
  LoginThrottle& throttle_;
  int job_max_attempts_;
};

}  // namespace parkd
