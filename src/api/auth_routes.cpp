// /auth/*: see docs/openapi.yaml (tag auth).
#include "api/app.h"
#include "api/parse.h"
#include "api/render.h"
#include "domain/validation.h"

namespace parkd {
namespace {

Response register_user(Call& c, Services& s) {
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  RegisterRequest req;
  req.email = f.string("email", true).value_or("");
  req.password = f.string("password", true).value_or("");
  if (auto name = f.string("username", false)) {
    std::string trimmed = trim(*name);
    if (!trimmed.empty()) req.username = trimmed;
  }
  if (!f.ok()) return error_response(f.error());
  // A `roles` field is ignored on purpose.
  auto session = s.auth.register_user(req, c.req.client_address);
  if (!session) return error_response(session.error());
  return created_json({{"message", "Registration successful"},
                       {"user", to_json(session->user)},
                       {"token", session->token}});
}

Response login(Call& c, Services& s) {
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto login = f.has("email") ? f.string("email", true) : f.string("username", false);
  if (!login) f.problem("email", "is required");
  auto password = f.string("password", true);
  if (!f.ok()) return error_response(f.error());
  auto session = s.auth.login(*login, *password, c.req.client_address);
  if (!session) return error_response(session.error());
  nlohmann::json user = to_json(session->user);
  return ok_json({{"message", "Login successful"},
                  {"token", session->token},
                  {"user", user},
                  {"roles", user["roles"]}});
}

// PATCH /auth/me: {username}, a string or null (none).
Response update_me(Call& c, Services& s) {
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  if (!body->contains("username")) f.problem("username", "is required (null for none)");
  auto name = f.string("username", false);
  if (!f.ok()) return error_response(f.error());
  auto user = s.accounts.set_username(c.user->id, name);
  if (!user) return error_response(user.error());
  return ok_json({{"user", to_json(*user)}});
}

// POST /auth/password: {current_password, new_password}; the answer carries the one token
// that still works.
Response change_password(Call& c, Services& s) {
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto current = f.string("current_password", true);
  auto replacement = f.string("new_password", true);
  if (!f.ok()) return error_response(f.error());
  Status confirmed = s.auth.confirm_password(*c.user, *current, c.req.client_address);
  if (!confirmed) return error_response(confirmed.error());
  auto user = s.accounts.change_own_password(*c.user, *replacement);
  if (!user) return error_response(user.error());
  return ok_json({{"message", "Password changed"}, {"token", s.auth.issue_token(*user)}});
}

// POST /auth/password-reset: {email}. The one answer whether or not an account has the
// email, so that it tells nobody which emails are registered.
Response request_password_reset(Call& c, Services& s) {
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto email = f.string("email", true);
  if (!f.ok()) return error_response(f.error());
  Status st = s.password_reset.request(*email, c.req.client_address);
  if (!st) return error_response(st.error());
  return json_response(202, {{"message",
                              "If an account has this email, a link to reset its password is on "
                              "its way; it works for one hour."}});
}

// POST /auth/password-reset/confirm: {token, new_password}.
Response confirm_password_reset(Call& c, Services& s) {
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  auto token = f.string("token", true);
  auto replacement = f.string("new_password", true);
  if (!f.ok()) return error_response(f.error());
  auto user = s.password_reset.confirm(*token, *replacement, c.req.client_address);
  if (!user) return error_response(user.error());
  return ok_json({{"message", "Password changed; log in with the new password"}});
}

}  // namespace

void add_auth_routes(Router& r, Services& s) {
  r.add("POST", "/auth/register", Access::anyone, [&s](Call& c) { return register_user(c, s); });
  r.add("POST", "/auth/login", Access::anyone, [&s](Call& c) { return login(c, s); });
  r.add("POST", "/auth/logout", Access::user, [&s](Call& c) {
    Status st = s.auth.logout(c.user->id);
    return st ? no_content() : error_response(st.error());
  });
  auto me = [](Call& c) { return ok_json({{"user", to_json(*c.user)}}); };
  r.add("GET", "/auth/me", Access::user, me, Pace::quick);
  r.add("GET", "/auth/verify", Access::user, me, Pace::quick);
  r.add("PATCH", "/auth/me", Access::user, [&s](Call& c) { return update_me(c, s); });
  r.add("POST", "/auth/password", Access::user, [&s](Call& c) { return change_password(c, s); });
  r.add("POST", "/auth/password-reset", Access::anyone,
        [&s](Call& c) { return request_password_reset(c, s); });
  r.add("POST", "/auth/password-reset/confirm", Access::anyone,
        [&s](Call& c) { return confirm_password_reset(c, s); });
}

}  // namespace parkd
