#include "services/auth_service.h"

#include "auth/password.h"
#include "domain/validation.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

namespace parkd {
namespace {

Error invalid_credentials() {
  return Error::of(ErrorKind::unauthorized, "invalid_credentials", "Invalid email or password");
}

Error too_many_attempts(std::int64_t wait_seconds) {
  Error e = Error::of(ErrorKind::too_many_requests, "too_many_attempts",
                      "Too many failed password attempts; try again later");
  e.retry_after_seconds = static_cast<int>(wait_seconds);
  return e;
}

// Verifying against a real hash when the account does not exist keeps the response
// time the same, so timing does not reveal which emails are registered.
const std::string& dummy_hash() {
  static const std::string h = hash_password("not-a-real-password").value_or("");
  return h;
}

std::string random_password() {
  unsigned char raw[12];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return b64;
}

}  // namespace

Result<User> create_account(Store& store, const RegisterRequest& req, Role role) {
  nlohmann::json fields = nlohmann::json::object();
  std::string email = to_lower(trim(req.email));
  if (auto p = check_email(email)) fields["email"] = *p;
  if (req.username) {
    if (auto p = check_username(*req.username)) fields["username"] = *p;
  }
  if (auto p = check_password(req.password)) fields["password"] = *p;
  if (!fields.empty()) return Error::validation(fields);

  // Hash outside the write transaction: it takes ~20 ms and must not hold the writer.
  auto hash = hash_password(req.password);
  if (!hash) return Error::internal("Could not hash the password");

  User created;
  Status st = store.write([&](Tx& tx) -> Status {
    if (tx.email_taken(email)) {
      return Error::conflict("email_taken", "An account with this email already exists");
    }
    if (req.username && tx.username_taken(*req.username)) {
      return Error::conflict("username_taken", "This username is already taken");
    }
    Id id = tx.insert_user({email, req.username, *hash, role, now()});
    created = *tx.user_by_id(id);
    return ok_status();
  });
  if (!st) return st.error();
  return created;
}

Result<User> AuthService::create_user(const RegisterRequest& req, Role role) {
  return create_account(store_, req, role);
}

Result<Session> AuthService::register_user(const RegisterRequest& req,
                                           const std::string& client_address) {
  // email_taken tells whether an email has an account, so those answers count per client
  // address like failed logins. Under keys of their own ("register", "register:<address>"):
  // probes never count against logins from the address, nor failed logins against probes.
  static const std::string kProbes = "register";
  const std::string address = "register:" + client_address;
  if (auto wait = throttle_.retry_after(kProbes, address, now())) {
    Error e = Error::of(ErrorKind::too_many_requests, "too_many_attempts",
                        "Too many registrations of emails that already have an account; try "
                        "again later");
    e.retry_after_seconds = static_cast<int>(*wait);
    return e;
  }
  auto user = create_user(req, Role::user);
  if (!user) {
    if (user.error().code == "email_taken") {
      throttle_.record_failure(kProbes, address, now());
      spdlog::info("auth: registration of an existing email from {}", client_address);
    }
    return user.error();
  }
  spdlog::info("auth: registered user {} ({})", user->id, user->email);
  return Session{*user, signer_.issue(user->id, user->token_version, now())};
}

Result<Session> AuthService::login(const std::string& login_name, const std::string& password,
                                   const std::string& client_address) {
  std::string login = to_lower(trim(login_name));
  std::optional<User> user;
  if (!login.empty()) {
    Status st = store_.read([&](Tx& tx) {
      user = tx.user_by_login(login);
      return ok_status();
    });
    if (!st) return st.error();
  }
  // Failures count per account, whichever of its names (email or username) was typed;
  // an unknown name counts as an account of its own.
  std::string account = user ? "user:" + std::to_string(user->id) : "login:" + login;
  if (auto wait = throttle_.retry_after(account, client_address, now())) {
    return too_many_attempts(*wait);
  }
  bool ok = user ? verify_password(user->password_hash, password)
                 : (verify_password(dummy_hash(), password), false);
  if (!ok) {
    throttle_.record_failure(account, client_address, now());
    spdlog::info("auth: failed login for '{}' from {}", login, client_address);
    return invalid_credentials();
  }
  throttle_.record_success(account, client_address);
  // Only after the password matched: a disabled account is no secret from its owner.
  if (user->disabled) {
    return Error::of(ErrorKind::forbidden, "account_disabled", "This account is disabled");
  }
  return Session{*user, signer_.issue(user->id, user->token_version, now())};
}

Status AuthService::confirm_password(const User& user, const std::string& password,
                                     const std::string& client_address) {
  std::string account = "user:" + std::to_string(user.id);  // the key login counts under
  if (auto wait = throttle_.retry_after(account, client_address, now())) {
    return too_many_attempts(*wait);
  }
  if (!verify_password(user.password_hash, password)) {
    throttle_.record_failure(account, client_address, now());
    spdlog::info("auth: wrong current password for user {} from {}", user.id, client_address);
    return Error::of(ErrorKind::unauthorized, "wrong_password", "The current password is wrong");
  }
  throttle_.record_success(account, client_address);
  return ok_status();
}

Result<User> AuthService::authenticate(std::string_view token) {
  auto claims = signer_.verify(token, now());
  if (!claims) return claims.error();
  std::optional<User> user;
  Status st = store_.read_single([&](Tx& tx) {
    user = tx.user_by_id(claims->user_id);
    return ok_status();
  });
  if (!st) return st.error();
  if (!user || user->token_version != claims->version || user->disabled) {
    return Error::unauthorized("Invalid or expired token");
  }
  return *user;
}

std::string AuthService::issue_token(const User& user) const {
  return signer_.issue(user.id, user.token_version, now());
}

Status AuthService::logout(Id user_id) {
  return store_.write([&](Tx& tx) {
    tx.bump_token_version(user_id);
    return ok_status();
  });
}

Result<std::optional<std::string>> AuthService::ensure_admin(
    const std::string& email, const std::optional<std::string>& password) {
  std::optional<User> admin;
  Status st = store_.read([&](Tx& tx) {
    admin = tx.first_admin();
    return ok_status();
  });
  if (!st) return st.error();
  if (admin) return std::optional<std::string>{};
  std::optional<std::string> generated;
  std::string pw = password ? *password : *(generated = random_password());
  auto created = create_user({email, std::string("admin"), pw}, Role::admin);
  if (!created) {
    // The name "admin" may belong to a user already; an admin needs no display name.
    if (created.error().code == "username_taken")
      created = create_user({email, std::nullopt, pw}, Role::admin);
  }
  if (!created) {
    // Several processes starting at once on a new database: another one won the race.
    std::optional<User> raced;
    (void)store_.read([&](Tx& tx) {
      raced = tx.first_admin();
      return ok_status();
    });
    if (raced) return std::optional<std::string>{};
    return created.error();
  }
  spdlog::info("auth: created the admin account {}", email);
  return generated;
}

}  // namespace parkd
