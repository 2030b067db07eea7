// Operator-side account changes: the rules shared by `parkd user` and the admin API.
#include "services/account_service.h"

#include "auth/admin_password_file.h"
#include "auth/password.h"
#include "domain/validation.h"
#include "services/auth_service.h"

#include <spdlog/spdlog.h>

namespace parkd {
namespace {

Error unknown_user(const std::string& what) {
  return Error::of(ErrorKind::not_found, "unknown_user", "no user " + what);
}

Error invalid_reset_token() {
  return Error::bad_request("invalid_token",
                            "This reset link is invalid, used or expired; ask for a new one");
}

}  // namespace

Result<User> AccountService::create(const std::string& email,
                                    const std::optional<std::string>& username,
                                    const std::string& password, Role role) {
  std::optional<std::string> name;
  if (username) {
    std::string trimmed = trim(*username);
    if (!trimmed.empty()) name = trimmed;
  }
  auto user = create_account(store_, {email, name, password}, role);
  if (user) spdlog::info("accounts: created {} {} ({})", role_name(role), user->id, user->email);
  return user;
}

Result<std::vector<User>> AccountService::list() {
  std::vector<User> users;
  Status st = store_.read([&](Tx& tx) {
    tx.for_each_user([&](const User& u) { users.push_back(u); });
    return ok_status();
  });
  if (!st) return st.error();
  return users;
}

Result<User> AccountService::find(const std::string& email_text) {
  std::string email = to_lower(trim(email_text));
  if (auto problem = check_email(email)) {
    return Error::validation(nlohmann::json{{"email", *problem}});
  }
  std::optional<User> user;
  Status st = store_.read([&](Tx& tx) {
    // Display names never contain '@', so a valid email finds only the account's email.
    user = tx.user_by_login(email);
    return ok_status();
  });
  if (!st) return st.error();
  if (!user) return unknown_user("has the email " + email);
  return *user;
}

Result<User> AccountService::change(Id user_id,
                                    const std::function<void(Tx&, const User&)>& change) {
  User changed;
  Status st = store_.write([&](Tx& tx) -> Status {
    auto user = tx.user_by_id(user_id);
    if (!user) return unknown_user("has the id " + std::to_string(user_id));
    bool was_enabled_admin = user->role == Role::admin && !user->disabled;
    change(tx, *user);
    changed = *tx.user_by_id(user_id);
    bool is_enabled_admin = changed.role == Role::admin && !changed.disabled;
    if (was_enabled_admin && !is_enabled_admin && tx.count_enabled_admins() == 0) {
      // Returning an error rolls the change back.
      return Error::conflict("last_admin", user->email +
                                               " is the last admin who can log in; make another "
                                               "user admin first");
    }
    return ok_status();
  });
  if (!st) return st.error();
  return changed;
}

Result<User> AccountService::set_password(Id user_id, const std::string& password) {
  if (auto problem = check_password(password)) {
    return Error::validation(nlohmann::json{{"password", *problem}});
  }
  return store_password(user_id, password);
}

Result<User> AccountService::change_own_password(const User& user, const std::string& replacement) {
  return set_password(user.id, replacement);
}

Result<User> AccountService::store_password(Id user_id, const std::string& password) {
  // Hashing takes ~20 ms: outside the write transaction, as at registration.
  auto hash = hash_password(password);
  if (!hash) return Error::internal("Could not hash the password");
  auto user = change(user_id, [&](Tx& tx, const User&) { tx.set_password_hash(user_id, *hash); });
  if (user) password_changed(*user);
  return user;
}

void AccountService::password_changed(const User& user) {
  spdlog::info("accounts: password of user {} changed; its tokens end", user.id);
  if (to_lower(user.email) == to_lower(trim(admin_email_)) &&
      remove_admin_password_file(instance_dir_)) {
    spdlog::info("accounts: removed {}, no longer the admin's password",
                 admin_password_path(instance_dir_));
  }
}

Result<User> AccountService::reset_password(const std::string& token_hash,
                                            const std::string& replacement) {
  // The token first: a bad one answers invalid_token whatever the password, and a weak
  // password is reported only to the holder of a valid token.
  std::optional<Id> holder;
  Status st = store_.read([&](Tx& tx) {
    holder = tx.reset_token_user(token_hash, now());
    return ok_status();
  });
  if (!st) return st.error();
  if (!holder) return invalid_reset_token();
  if (auto problem = check_password(replacement)) {
    return Error::validation(nlohmann::json{{"password", *problem}});
  }
  auto hash = hash_password(replacement);  // ~20 ms: outside the write transaction
  if (!hash) return Error::internal("Could not hash the password");
  User changed;
  st = store_.write([&](Tx& tx) -> Status {
    // Consumed here, not at the read above: of two requests with one token, one wins.
    auto user_id = tx.consume_reset_token(token_hash, now());
    if (!user_id) return invalid_reset_token();
    auto user = tx.user_by_id(*user_id);
    // Returning an error rolls the consumption back; the token stays useless while the
    // account is disabled, and the email that would carry a new one is not sent either.
    if (!user || user->disabled) return invalid_reset_token();
    tx.set_password_hash(*user_id, *hash);
    changed = *tx.user_by_id(*user_id);
    return ok_status();
  });
  if (!st) return st.error();
  password_changed(changed);
  return changed;
}

Result<User> AccountService::set_role(Id user_id, Role role) {
  auto user = change(user_id, [&](Tx& tx, const User&) { tx.set_role(user_id, role); });
  if (user) spdlog::info("accounts: user {} is now {}; its tokens end", user_id, role_name(role));
  return user;
}

Result<User> AccountService::set_disabled(Id user_id, bool disabled) {
  auto user = change(user_id, [&](Tx& tx, const User&) { tx.set_disabled(user_id, disabled); });
  if (user) {
    spdlog::info("accounts: user {} {}; its tokens end", user_id,
                 disabled ? "disabled" : "enabled");
  }
  return user;
}

Result<User> AccountService::set_username(Id user_id, const std::optional<std::string>& username) {
  std::optional<std::string> name;
  if (username) {
    std::string trimmed = trim(*username);
    if (!trimmed.empty()) name = trimmed;
  }
  if (name) {
    if (auto problem = check_username(*name)) {
      return Error::validation(nlohmann::json{{"username", *problem}});
    }
  }
  User changed;
  Status st = store_.write([&](Tx& tx) -> Status {
    if (!tx.user_by_id(user_id)) return unknown_user("has the id " + std::to_string(user_id));
    // A username never contains '@', so this finds the user who has it, if any.
    if (auto holder = name ? tx.user_by_login(*name) : std::nullopt;
        holder && holder->id != user_id) {
      return Error::conflict("username_taken", "This username is already taken");
    }
    tx.set_username(user_id, name);
    changed = *tx.user_by_id(user_id);
    return ok_status();
  });
  if (!st) return st.error();
  return changed;
}

Result<User> AccountService::update_by_admin(Id admin_id, Id user_id, std::optional<Role> role,
                                             std::optional<bool> disabled) {
  if (admin_id == user_id && ((role && *role != Role::admin) || (disabled && *disabled))) {
    // Checked before reading the user: the caller is an enabled admin, so either change
    // would lock them out.
    return Error::conflict("self_lockout",
                           "An admin cannot disable or demote themself; ask another admin");
  }
  auto user = change(user_id, [&](Tx& tx, const User& before) {
    if (role && *role != before.role) tx.set_role(user_id, *role);
    if (disabled && *disabled != before.disabled) tx.set_disabled(user_id, *disabled);
  });
  if (user) {
    spdlog::info("accounts: admin {} set user {} to {}, {}", admin_id, user_id,
                 role_name(user->role), user->disabled ? "disabled" : "enabled");
  }
  return user;
}

}  // namespace parkd
