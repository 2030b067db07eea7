// Users: accounts, logins, roles and the admin's user list.

#include "store/bucketing.h"
#include "store/rows.h"
#include "store/sqlite/tx.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::sqlite {

using rows::kUserColumns;
using rows::read_user;

Id SqliteTx::insert_user(const NewUser& u) {
  db_.prepare(
         "INSERT INTO users (email, username, password_hash, role, token_version, created_at) "
         "VALUES (?1, ?2, ?3, ?4, 0, ?5)")
      .bind_all(u.email, u.username, u.password_hash, std::string(role_name(u.role)), u.created_at)
      .run();
  return db_.last_insert_id();
}

std::optional<User> SqliteTx::user_by_id(Id id) {
  static const std::string sql = fmt::format(sql::kUserById, kUserColumns);
  auto s = db_.prepare(sql);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<User> SqliteTx::user_by_login(const std::string& login) {
  {
    auto s = db_.prepare(
        fmt::format("SELECT {} FROM users u WHERE email = ?1 COLLATE NOCASE", kUserColumns));
    s.bind(1, login);
    if (s.step()) return read_user(s);
  }
  auto s = db_.prepare(
      fmt::format("SELECT {} FROM users u WHERE username = ?1 COLLATE NOCASE", kUserColumns));
  s.bind(1, login);
  if (s.step()) return read_user(s);
  return std::nullopt;
}

bool SqliteTx::email_taken(const std::string& email) {
  auto s = db_.prepare("SELECT 1 FROM users u WHERE email = ?1 COLLATE NOCASE");
  s.bind(1, email);
  return s.step();
}

bool SqliteTx::username_taken(const std::string& username) {
  auto s = db_.prepare("SELECT 1 FROM users u WHERE username = ?1 COLLATE NOCASE");
  s.bind(1, username);
  return s.step();
}

void SqliteTx::bump_token_version(Id user_id) {
  db_.prepare(sql::kBumpTokenVersion).bind(1, user_id).run();
}

void SqliteTx::set_username(Id user_id, const std::optional<std::string>& username) {
  db_.prepare(sql::kSetUsername).bind_all(user_id, username).run();
}

void SqliteTx::set_password_hash(Id user_id, const std::string& password_hash) {
  db_.prepare(sql::kSetPasswordHash).bind_all(user_id, password_hash).run();
}

void SqliteTx::set_role(Id user_id, Role role) {
  db_.prepare(sql::kSetRole).bind_all(user_id, std::string(role_name(role))).run();
}

void SqliteTx::set_disabled(Id user_id, bool disabled) {
  db_.prepare(sql::kSetDisabled).bind_all(user_id, std::int64_t{disabled ? 1 : 0}).run();
}

std::int64_t SqliteTx::count_enabled_admins() { return scalar(sql::kCountEnabledAdmins); }

std::optional<User> SqliteTx::first_admin() {
  auto s = db_.prepare(fmt::format(sql::kFirstAdmin, kUserColumns));
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::vector<std::pair<User, UserTotals>> SqliteTx::users_with_totals(Timestamp now,
                                                                     std::int64_t limit,
                                                                     std::int64_t offset) {
  auto s = db_.prepare(fmt::format(sql::kUsersWithTotals, kUserColumns, sql::shows_active("?1")));
  s.bind_all(now, limit, offset);
  std::vector<std::pair<User, UserTotals>> out;
  while (s.step()) {
    UserTotals t;
    t.total_bookings = s.int64(8);
    t.active_bookings = s.int64(9);
    t.total_spent_cents = s.int64(10);
    t.last_booking_at = s.opt_time(11);
    out.emplace_back(read_user(s), t);
  }
  return out;
}

std::int64_t SqliteTx::count_users() { return scalar(sql::kCountUsers); }

void SqliteTx::replace_reset_token(Id user_id, const std::string& token_hash, Timestamp created_at,
                                   Timestamp expires_at) {
  delete_reset_tokens(user_id);
  db_.prepare(sql::kInsertResetToken).bind_all(token_hash, user_id, created_at, expires_at).run();
}

std::optional<Id> SqliteTx::reset_token_user(const std::string& token_hash, Timestamp now) {
  auto s = db_.prepare(sql::kResetTokenUser);
  s.bind_all(token_hash, now);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

std::optional<Id> SqliteTx::consume_reset_token(const std::string& token_hash, Timestamp now) {
  auto s = db_.prepare(sql::kConsumeResetToken);
  s.bind_all(token_hash, now);
  // SQLite makes every change of a RETURNING statement in its first step.
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

void SqliteTx::delete_reset_tokens(Id user_id) {
  db_.prepare(sql::kDeleteResetTokens).bind(1, user_id).run();
}

std::int64_t SqliteTx::scalar(const char* sql) {
  auto s = db_.prepare(sql);
  s.step();
  return s.int64(0);
}

}  // namespace parkd::sqlite
