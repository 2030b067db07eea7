#pragma once
// Accounts as an operator manages them (parkd user ...; PUT /api/users/{id} follows the
// same rules): create, list, set a password, a role, disabled. Every change but
// creation ends the user's tokens. The last enabled admin can be neither demoted nor
// disabled, so that some admin can always log in.

#include "common/result.h"
#include "domain/models.h"
#include "store/store.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parkd {

class AccountService {
 public:
  // `instance_dir` and `admin_email` locate the generated admin password's file
  // (auth/admin_password_file.h), forgotten when that admin's password changes.
  AccountService(Store& store, std::string instance_dir, std::string admin_email)
      : store_(store),
        instance_dir_(std::move(instance_dir)),
        admin_email_(std::move(admin_email)) {}

  // Errors: validation (fields), conflict email_taken / username_taken.
  Result<User> create(const std::string& email, const std::optional<std::string>& username,
                      const std::string& password, Role role);

  Result<std::vector<User>> list();

  // The user with this email. Errors: validation (not an email), not_found unknown_user.
  Result<User> find(const std::string& email);

  // `password` must pass check_password (admin and CLI set-password). Ends every token of
  // the user. Errors: validation (fields.password), not_found.
  Result<User> set_password(Id user_id, const std::string& password);
  // The user's own change (POST /auth/password, once AuthService::confirm_password has
  // checked the current one): `replacement` must pass check_password. Ends every
  // token of the user; the returned User has the new token version. Errors: validation
  // (fields.password), not_found.
  Result<User> change_own_password(const User& user, const std::string& replacement);
  // A forgotten password replaced by proof of a reset token (POST
  // /auth/password-reset/confirm): `token_hash` (auth/reset_token.h) must name a token
  // valid now, of an enabled user; `replacement` must pass check_password. The token
  // is consumed with the change, in one transaction, so it works once; a replacement that
  // is refused leaves it usable, so that the user can choose again. Ends every token of
  // the user. Errors: bad_request invalid_token (unknown, used, expired, or the account is
  // disabled), validation (fields.password; checked only for a valid token).
  Result<User> reset_password(const std::string& token_hash, const std::string& replacement);
  // Errors: not_found, conflict last_admin (the last enabled admin would be lost).
  Result<User> set_role(Id user_id, Role role);
  Result<User> set_disabled(Id user_id, bool disabled);

  // The user's own display name (PATCH /auth/me), by the rules of registration: trimmed;
  // empty or nullopt means none. Tokens stay valid. Errors: validation (fields.username),
  // not_found, conflict username_taken (another user has it, ignoring case).
  Result<User> set_username(Id user_id, const std::optional<std::string>& username);

  // An admin's change to a user (PUT /api/users/{id}): the role and/or the disabled flag,
  // in one transaction. Only what differs is written, so an unchanged account keeps its
  // tokens. Errors: not_found, conflict self_lockout (`admin_id` would disable or demote
  // themself), conflict last_admin.
  Result<User> update_by_admin(Id admin_id, Id user_id, std::optional<Role> role,
                               std::optional<bool> disabled);

 private:
  // Applies `change` to the user's row in one write transaction, refusing it when no
  // enabled admin would remain.
  Result<User> change(Id user_id, const std::function<void(Tx&, const User&)>& change);
  // Hashes and stores an already validated password.
  Result<User> store_password(Id user_id, const std::string& password);
  // Logs the change and forgets the generated admin password once it no longer works.
  void password_changed(const User& user);

  Store& store_;
  std::string instance_dir_;
  std::string admin_email_;
};

}  // namespace parkd
