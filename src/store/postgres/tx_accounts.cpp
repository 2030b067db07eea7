// Users: accounts, logins, roles and the admin's user list.

#include "store/bucketing.h"
#include "store/postgres/tx.h"
#include "store/rows.h"
#include "store/statements.h"

#include <fmt/format.h>

namespace parkd::pg {

using rows::kUserColumns;
using rows::read_user;

Id PgTx::insert_user(const NewUser& u) {
  return db_
      .query(
          "INSERT INTO users (email, username, password_hash, role, token_version, created_at) "
          "VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
          u.email, u.username, u.password_hash, std::string(role_name(u.role)), u.created_at)
      .int64(0, 0);
}

std::optional<User> PgTx::user_by_id(Id id) {
  if (users_ != nullptr) {
    if (auto kept = users_->find(users_generation_, id)) return kept;
  }
  // Not locked: each change to a user row is one atomic UPDATE.
  auto r = db_.query(fmt::format(sql::kUserById, kUserColumns), id);
  if (r.empty()) return std::nullopt;
  User user = read_user(r.row(0));
  if (users_ != nullptr) users_->keep(users_generation_, user);
  return user;
}

std::optional<User> PgTx::user_by_login(const std::string& login) {
  // lower() on both sides so that the unique indexes on lower(email)/lower(username)
  // serve the lookups.
  auto r = db_.query(
      fmt::format("SELECT {} FROM users u WHERE lower(u.email) = lower($1)", kUserColumns), login);
  if (!r.empty()) return read_user(r.row(0));
  r = db_.query(
      fmt::format("SELECT {} FROM users u WHERE lower(u.username) = lower($1)", kUserColumns),
      login);
  if (!r.empty()) return read_user(r.row(0));
  return std::nullopt;
}

bool PgTx::email_taken(const std::string& email) {
  return !db_.query("SELECT 1 FROM users WHERE lower(email) = lower($1)", email).empty();
}

bool PgTx::username_taken(const std::string& username) {
  return !db_.query("SELECT 1 FROM users WHERE lower(username) = lower($1)", username).empty();
}

void PgTx::bump_token_version(Id user_id) {
  db_.query(sql::kBumpTokenVersion, user_id);
  db_.mark(kUsersSignal);
}

void PgTx::set_username(Id user_id, const std::optional<std::string>& username) {
  db_.query(sql::kSetUsername, user_id, username);
  db_.mark(kUsersSignal);
}

void PgTx::set_password_hash(Id user_id, const std::string& password_hash) {
  db_.query(sql::kSetPasswordHash, user_id, password_hash);
  db_.mark(kUsersSignal);
}

void PgTx::set_role(Id user_id, Role role) {
  db_.query(sql::kSetRole, user_id, std::string(role_name(role)));
  db_.mark(kUsersSignal);
}

void PgTx::set_disabled(Id user_id, bool disabled) {
  db_.query(sql::kSetDisabled, user_id, std::int64_t{disabled ? 1 : 0});
  db_.mark(kUsersSignal);
}

std::int64_t PgTx::count_enabled_admins() { return scalar(sql::kCountEnabledAdmins); }

std::optional<User> PgTx::first_admin() {
  auto r = db_.query(fmt::format(sql::kFirstAdmin, kUserColumns));
  if (r.empty()) return std::nullopt;
  return read_user(r.row(0));
}

std::vector<std::pair<User, UserTotals>> PgTx::users_with_totals(Timestamp now, std::int64_t limit,
                                                                 std::int64_t offset) {
  auto r = db_.query(fmt::format(sql::kUsersWithTotals, kUserColumns, sql::shows_active("?1")), now,
                     limit, offset);
  std::vector<std::pair<User, UserTotals>> out;
  for (int i = 0; i < r.size(); ++i) {
    UserTotals t;
    t.total_bookings = r.int64(i, 8);
    t.active_bookings = r.int64(i, 9);
    t.total_spent_cents = r.int64(i, 10);
    t.last_booking_at = r.opt_time(i, 11);
    out.emplace_back(read_user(r.row(i)), t);
  }
  return out;
}

std::int64_t PgTx::count_users() { return scalar(sql::kCountUsers); }

void PgTx::replace_reset_token(Id user_id, const std::string& token_hash, Timestamp created_at,
                               Timestamp expires_at) {
  delete_reset_tokens(user_id);
  db_.query(sql::kInsertResetToken, token_hash, user_id, created_at, expires_at);
}

std::optional<Id> PgTx::reset_token_user(const std::string& token_hash, Timestamp now) {
  auto r = db_.query(sql::kResetTokenUser, token_hash, now);
  if (r.empty()) return std::nullopt;
  return r.int64(0, 0);
}

std::optional<Id> PgTx::consume_reset_token(const std::string& token_hash, Timestamp now) {
  auto r = db_.query(sql::kConsumeResetToken, token_hash, now);
  if (r.empty()) return std::nullopt;
  return r.int64(0, 0);
}

void PgTx::delete_reset_tokens(Id user_id) { db_.query(sql::kDeleteResetTokens, user_id); }

std::int64_t PgTx::scalar(const char* sql) { return db_.query(sql).int64(0, 0); }

}  // namespace parkd::pg
