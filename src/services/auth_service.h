#pragma once
// Accounts and sessions: register, login (by email or username), token check, logout,
// and the admin account created on first start.

#include "auth/throttle.h"
#include "auth/token.h"
#include "common/result.h"
#include "domain/models.h"
#include "store/store.h"

#include <optional>
#include <string>

namespace parkd {

struct RegisterRequest {
  std::string email;
  std::optional<std::string> username;  // trimmed; empty became nullopt
  std::string password;
};

struct Session {
  User user;
  std::string token;
};

// Validates and creates a user: the one rule for registration, seeding and `parkd user
// create`. Errors: validation (fields), conflict email_taken / username_taken.
Result<User> create_account(Store& store, const RegisterRequest& req, Role role);

class AuthService {
 public:
  AuthService(Store& store, const TokenSigner& signer, LoginThrottle& throttle)
      : store_(store), signer_(signer), throttle_(throttle) {}

  // Validates and creates a user with role `user`. An email_taken answer reveals that the
  // email has an account, so each counts against `client_address` like a failed login
  // (LoginThrottle, apart from login failures); past the limit the address gets
  // too_many_requests until enough of them leave the window. Successes never count.
  // Errors: validation (fields), conflict email_taken / username_taken, too_many_requests
  // too_many_attempts with retry_after_seconds.
  Result<Session> register_user(const RegisterRequest& req, const std::string& client_address);

  // Errors: unauthorized invalid_credentials (the same for an unknown login and a wrong
  // password), too_many_requests with retry_after_seconds, forbidden account_disabled
  // (the right password of a disabled account).
  Result<Session> login(const std::string& login, const std::string& password,
                        const std::string& client_address);

  // The signed-in user's password, asked again before it is changed (POST /auth/password).
  // A wrong one counts against the account and the address like a failed login, so a
  // stolen token cannot be used to guess the password. Errors: unauthorized
  // wrong_password, too_many_requests with retry_after_seconds.
  Status confirm_password(const User& user, const std::string& password,
                          const std::string& client_address);

  // The user a bearer token belongs to. Errors: unauthorized (malformed, bad signature,
  // expired, revoked by a newer token version, user gone or disabled).
  Result<User> authenticate(std::string_view token);

  // A fresh token for `user` at its current token version.
  std::string issue_token(const User& user) const;

  // Revokes every token of the user.
  Status logout(Id user_id);

  // Creates the admin account when none exists. Returns the generated password when one
  // had to be generated (to print once), else nullopt.
  Result<std::optional<std::string>> ensure_admin(const std::string& email,
                                                  const std::optional<std::string>& password);

  // Creates a user directly (seeding). Errors as register_user.
  Result<User> create_user(const RegisterRequest& req, Role role);

 private:
  Store& store_;
  const TokenSigner& signer_;
  LoginThrottle& throttle_;
};

}  // namespace parkd
