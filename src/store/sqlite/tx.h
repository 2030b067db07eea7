#pragma once
// SqliteTx: the Tx interface (store/store.h) on one SQLite connection, inside a
// transaction its caller opened. The writer's connection runs write units; a pooled
// ReadConnection runs reads and keeps the lot list between them (LotListMemo).
// The methods are defined by concern: tx_accounts.cpp, tx_lots.cpp, tx_bookings.cpp,
// tx_jobs.cpp and tx_reports.cpp. The SQL fragments more than one of them uses are here.

#include "store/lot_list_memo.h"
#include "store/sqlite/connection.h"
#include "store/statements.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parkd::sqlite {

inline constexpr const char* kLotSelect =
    "SELECT l.id, l.name, l.address, l.price_cents, l.capacity, l.created_at, "
    // COUNT, not COUNT(DISTINCT): bookings in force on one spot never overlap, so at
    // most one per spot holds it now. Both counts read only the covering index
    // bookings_in_force_by_lot_start (the lot list was 3x slower without it).
    "(SELECT COUNT(b.spot_id) FROM bookings b WHERE b.lot_id = l.id "
    "  AND " PARKD_SQL_IN_FORCE " AND " PARKD_SQL_HOLDS_AT("?1") "), "
    "(SELECT COUNT(DISTINCT b.spot_id) FROM bookings b WHERE b.lot_id = l.id "
    "  AND " PARKD_SQL_IN_FORCE " AND b.status = 'Reserved' AND b.starts_at > ?1) "
    "FROM lots l WHERE l.deleted_at IS NULL ";

// The WHERE clause for a BookingFilter; parameters ?1 = now, then ?2.. as listed (?6 and
// ?7 are the page's LIMIT and OFFSET).
struct FilterSql {
  std::string where;
};

inline FilterSql filter_sql(const BookingFilter& f) {
  // Always true, but it mentions ?1 (now) so that every form binds the same way:
  // SQLite refuses to bind an index past the highest one in the text.
  std::string w = " WHERE ?1 IS NOT NULL";
  if (f.user_id) w += " AND b.user_id = ?2";
  if (f.lot_id) w += " AND b.lot_id = ?3";
  if (f.from) w += " AND b.starts_at >= ?4";
  if (f.to) w += " AND b.starts_at < ?5";
  if (f.vehicle_key) w += " AND b.vehicle_key = ?8";
  if (f.status) {
    switch (*f.status) {
      case BookingStatus::reserved:
        w += " AND " + sql::shows_reserved("?1");
        break;
      case BookingStatus::active:
        w += " AND " + sql::shows_active("?1");
        break;
      case BookingStatus::completed:
        w += " AND b.status = 'Completed'";
        break;
      case BookingStatus::cancelled:
        w += " AND b.status = 'Cancelled'";
        break;
    }
  }
  return {w};
}

inline void bind_filter(Statement& s, const BookingFilter& f, Timestamp now) {
  s.bind(1, now);  // filter_sql always mentions ?1
  if (f.user_id) s.bind(2, *f.user_id);
  if (f.lot_id) s.bind(3, *f.lot_id);
  if (f.from) s.bind(4, *f.from);
  if (f.to) s.bind(5, *f.to);
  if (f.vehicle_key) s.bind(8, *f.vehicle_key);
}

// A connection of the read pool, with what its reads remember between transactions.
struct ReadConnection final : Connection {
  using Connection::Connection;
  LotListMemo lot_list;
};

class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(Connection& db, LotListMemo* lot_list = nullptr)
      : db_(db), lot_list_(lot_list) {}
  Id insert_user(const NewUser& u) override;
  std::optional<User> user_by_id(Id id) override;
  std::optional<User> user_by_login(const std::string& login) override;
  bool email_taken(const std::string& email) override;
  bool username_taken(const std::string& username) override;
  void bump_token_version(Id user_id) override;
  void set_username(Id user_id, const std::optional<std::string>& username) override;
  void set_password_hash(Id user_id, const std::string& password_hash) override;
  void set_role(Id user_id, Role role) override;
  void set_disabled(Id user_id, bool disabled) override;
  std::int64_t count_enabled_admins() override;
  std::optional<User> first_admin() override;
  std::vector<std::pair<User, UserTotals>> users_with_totals(Timestamp now, std::int64_t limit,
                                                             std::int64_t offset) override;
  std::int64_t count_users() override;
  void replace_reset_token(Id user_id, const std::string& token_hash, Timestamp created_at,
                           Timestamp expires_at) override;
  std::optional<Id> reset_token_user(const std::string& token_hash, Timestamp now) override;
  std::optional<Id> consume_reset_token(const std::string& token_hash, Timestamp now) override;
  void delete_reset_tokens(Id user_id) override;
  std::vector<Lot> lots(Timestamp now, std::int64_t limit, std::int64_t offset) override;
  std::int64_t count_lots() override;
  std::optional<Lot> lot(Id id, Timestamp now) override;
  std::optional<Lot> lot_record(Id id) override;
  bool lot_name_taken(const std::string& name, std::optional<Id> except) override;
  Id insert_lot(const std::string& name, const std::string& address, std::int64_t price_cents,
                Timestamp created_at) override;
  void update_lot(Id id, const LotChanges& c) override;
  void add_spots(Id lot_id, std::int64_t count) override;
  std::vector<Id> removable_spots(Id lot_id, std::int64_t count, Timestamp now) override;
  void delete_spots(Id lot_id, const std::vector<Id>& spot_ids) override;
  void soft_delete_lot(Id lot_id, Timestamp at) override;
  std::int64_t lot_bookings_in_force(Id lot_id, Timestamp now) override;
  std::int64_t spot_bookings_in_force(Id spot_id, Timestamp now) override;
  std::vector<Spot> spots(Id lot_id, Timestamp now) override;
  std::optional<Spot> spot(Id lot_id, Id spot_id, Timestamp now) override;
  std::vector<UpcomingReservation> upcoming_reservations(Id lot_id, Timestamp now) override;
  std::optional<Spot> lowest_free_spot(Id lot_id, const Window& w) override;
  std::optional<Window> spot_conflict(Id spot_id, const Window& w) override;
  std::optional<Window> vehicle_conflict(const std::string& vehicle_key, const Window& w) override;
  Booking insert_booking(const NewBooking& b) override;
  std::optional<Booking> insert_booking_on_a_free_spot(const NewBooking& b) override;
  std::optional<Booking> booking(Id id) override;
  std::optional<Booking> current_booking_on_spot(Id spot_id, Timestamp now) override;
  std::optional<Booking> complete_booking(Id id, Timestamp ended_at,
                                          std::int64_t cost_cents) override;
  std::optional<Booking> cancel_booking(Id id) override;
  std::optional<Booking> extend_reservation(Id id, Timestamp reserved_end,
                                            std::int64_t cost_cents) override;
  std::vector<Booking> bookings(const BookingFilter& f, Timestamp now) override;
  std::int64_t count_bookings(const BookingFilter& f, Timestamp now) override;
  std::int64_t complete_ended_reservations(Timestamp now) override;
  std::optional<StoredResponse> idempotent_response(Id user_id, const std::string& key,
                                                    Timestamp not_before) override;
  void store_idempotent_response(Id user_id, const std::string& key, const StoredResponse& r,
                                 Timestamp at) override;
  void purge_idempotency_keys(Timestamp before) override;
  Id enqueue_job(const NewJob& j, Timestamp now) override;
  std::optional<Job> job(Id id) override;
  std::vector<Job> jobs(const std::optional<std::string>& status,
                        const std::optional<std::string>& type, std::int64_t limit,
                        std::int64_t offset) override;
  std::int64_t count_jobs(const std::optional<std::string>& status,
                          const std::optional<std::string>& type) override;
  bool requeue_job(Id job_id, Timestamp now) override;
  bool delete_finished_job(Id job_id) override;
  std::vector<JobCount> job_counts() override;
  std::int64_t purge_finished_jobs(Timestamp before) override;
  std::int64_t purge_schedule_runs(Timestamp before) override;
  std::optional<Job> claim_job(Timestamp now, Timestamp lease_until) override;
  std::optional<Timestamp> next_job_due() override;
  bool extend_lease(Id job_id, int attempt, Timestamp lease_until) override;
  bool finish_job(Id job_id, int attempt, Timestamp at) override;
  bool fail_job(Id job_id, int attempt, const std::string& error, std::optional<Timestamp> retry_at,
                Timestamp at) override;
  std::string job_progress(Id job_id) override;
  void set_job_progress(Id job_id, const std::string& progress) override;
  bool claim_schedule_run(const std::string& name, Timestamp due_at, const NewJob& job,
                          Timestamp now) override;
  std::optional<Timestamp> last_schedule_run(const std::string& name) override;
  std::vector<User> inactive_users(Timestamp since) override;
  std::vector<Id> users_with_bookings_between(Timestamp from, Timestamp to) override;
  RangeSummary range_summary(std::optional<Id> user_id, Timestamp from, Timestamp to) override;
  void for_each_booking(std::optional<Id> user_id,
                        const std::function<void(const Booking&)>& fn) override;
  void for_each_user(const std::function<void(const User&)>& fn) override;
  StatusCounts booking_counts(std::optional<Id> user_id, Timestamp now) override;
  std::vector<LotAggregate> per_lot(std::optional<Id> user_id) override;
  std::vector<CountAndSum> bucket_totals(std::optional<Id> user_id,
                                         const std::vector<Timestamp>& boundaries) override;
  std::int64_t count_users_created_between(Timestamp from, Timestamp to) override;
  std::int64_t total_spots() override;
  std::int64_t occupied_spots(Timestamp now) override;

 private:
  std::vector<Lot> query_lots(Timestamp now, std::int64_t limit, std::int64_t offset);
  std::int64_t query_count_lots();
  std::int64_t next_booking_start_or_end(Timestamp now);
  // The version of the database this transaction reads; starts the read if nothing has.
  unsigned data_version();
  std::int64_t scalar(const char* sql);
  Connection& db_;
  LotListMemo* lot_list_;  // null on the writer's connection
};

}  // namespace parkd::sqlite
