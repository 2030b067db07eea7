#pragma once
// The storage layer: all SQL lives behind these two interfaces. `Store` runs a unit of
// work in one transaction; `Tx` is what the unit of work may do. SQLite implements both
// (store/sqlite_store); a PostgreSQL implementation satisfies the same contracts.
//
// Tx methods throw StoreError on a database failure (a broken invariant, not an expected
// outcome); Store::write/read roll back, log it, and return an internal Error, so no SQL
// text ever reaches a client. Expected outcomes (not found, taken) are return values.

#include "common/result.h"
#include "domain/models.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace parkd {

// Why a database call failed, decided where the failure arises (from SQLite's result
// code, from PostgreSQL's SQLSTATE), so that what to do next never parses a message.
enum class StoreFailure {
  busy,             // SQLite: another connection or process holds the lock; try again
  conflict,         // PostgreSQL: lost a race (serialization, deadlock, exclusion,
                    // unique); rerunning the whole unit may succeed
  connection_lost,  // PostgreSQL: the session is gone; a new connection may succeed
  constraint,       // a constraint refused the change and another try would not help
  other,
};

class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message, StoreFailure kind = StoreFailure::other)
      : std::runtime_error(message), kind_(kind) {}
  StoreFailure kind() const { return kind_; }

 private:
  StoreFailure kind_;
};

// How often a store tries again, in one place for both backends.
struct RetryPolicy {
  // A unit of work that lost a race on PostgreSQL is rerun, after a short random pause
  // that doubles up to 50 ms; a lot's worth of contenders needs a few reruns.
  static constexpr int kConflictAttempts = 30;
  // SQLite's BEGIN IMMEDIATE while another process writes: each attempt already waits
  // up to the busy timeout, so a few attempts cover a long hold.
  static constexpr int kBusyAttempts = 5;
  // After a lost connection (server restart), the unit is rerun on a new one this often.
  static constexpr int kReconnects = 2;
};

struct NewUser {
  std::string email;
  std::optional<std::string> username;
  std::string password_hash;
  Role role = Role::user;
  Timestamp created_at{};
};

struct LotChanges {
  std::optional<std::string> name;
  std::optional<std::string> address;
  std::optional<std::int64_t> price_cents;
};

struct NewBooking {
  Id user_id = 0;
  Id lot_id = 0;
  std::string lot_name;
  Id spot_id = 0;
  std::int64_t spot_number = 0;
  BookingType type = BookingType::immediate;
  std::optional<std::string> vehicle_number;
  // vehicle_key(vehicle_number) (domain/booking_rules.h): what vehicle_conflict and, on
  // PostgreSQL, the exclusion constraint bookings_vehicle_no_overlap compare.
  std::optional<std::string> vehicle_key;
  Timestamp created_at{};
  Window occupies;  // immediate: {now, open}; reservation: [reserved_start, reserved_end)
  std::int64_t price_cents = 0;
  std::int64_t cost_cents = 0;
};

struct BookingFilter {
  std::optional<Id> user_id;
  std::optional<Id> lot_id;
  std::optional<BookingStatus> status;     // as in force at `now`
  std::optional<Timestamp> from;           // start_time >= from
  std::optional<Timestamp> to;             // start_time < to
  std::optional<std::string> vehicle_key;  // domain vehicle_key() of the plate searched for
  std::int64_t limit = 1000;
  std::int64_t offset = 0;
  bool with_user_email = false;
};

struct UpcomingReservation {
  Id spot_id = 0;
  Window window;
  std::string user_email;
};

// How long the first answer under an Idempotency-Key is replayed (docs/api.md).
inline constexpr std::chrono::hours kIdempotencyLifetime{24};

struct StoredResponse {
  int status = 0;
  std::string body;
  std::string request_hash;
};

struct NewJob {
  std::string type;
  std::string payload;  // JSON text
  std::optional<std::string> dedupe_key;
  Timestamp run_at{};
  int max_attempts = 8;
  std::optional<Id> owner_user_id;
};

struct Job {
  Id id = 0;
  std::string type;
  std::string payload;
  std::string status;  // queued | running | succeeded | failed | dead
  int attempts = 0;
  int max_attempts = 0;
  std::optional<std::string> last_error;
  std::optional<Id> owner_user_id;
  Timestamp created_at{};
  Timestamp run_at{};
  std::optional<Timestamp> lease_until;
  std::optional<Timestamp> finished_at;
  std::optional<Timestamp> started_at;    // of the latest attempt
  std::optional<std::string> request_id;  // of the request that queued it; none from cron or CLI
};

struct JobCount {
  std::string type;
  std::string status;
  std::int64_t count = 0;
};

struct CountAndSum {
  std::int64_t count = 0;
  std::int64_t sum_cents = 0;
};

// Aggregates for statistics and reports, computed in SQL.
struct StatusCounts {
  std::int64_t total = 0, reserved = 0, active = 0, completed = 0, cancelled = 0;
  std::int64_t spent_cents = 0;     // Completed only
  std::int64_t billed_seconds = 0;  // Completed stays (end - start)
};

struct LotAggregate {
  Id lot_id = 0;
  std::string lot_name;
  std::int64_t bookings = 0;
  std::int64_t revenue_cents = 0;  // Completed only
};

// Bookings that started in a time range (reports).
struct RangeSummary {
  std::int64_t bookings = 0;
  std::int64_t completed = 0;
  std::int64_t revenue_cents = 0;   // Completed only
  std::int64_t parked_seconds = 0;  // Completed stays
  std::vector<LotAggregate> lots;   // by bookings, most first
};

class Tx {
 public:
  virtual ~Tx() = default;

  // Users.
  virtual Id insert_user(const NewUser& user) = 0;
  virtual std::optional<User> user_by_id(Id id) = 0;
  // By email, or else by username, both ignoring case.
  virtual std::optional<User> user_by_login(const std::string& login) = 0;
  virtual bool email_taken(const std::string& email) = 0;
  virtual bool username_taken(const std::string& username) = 0;
  virtual void bump_token_version(Id user_id) = 0;
  // nullopt: no display name. Tokens stay valid.
  virtual void set_username(Id user_id, const std::optional<std::string>& username) = 0;
  // Each of these also ends every token of the user (token_version + 1).
  virtual void set_password_hash(Id user_id, const std::string& password_hash) = 0;
  virtual void set_role(Id user_id, Role role) = 0;
  virtual void set_disabled(Id user_id, bool disabled) = 0;
  // Admins that may log in: the ones an operator must never lose the last of.
  virtual std::int64_t count_enabled_admins() = 0;
  virtual std::optional<User> first_admin() = 0;
  virtual std::vector<std::pair<User, UserTotals>> users_with_totals(Timestamp now,
                                                                     std::int64_t limit,
                                                                     std::int64_t offset) = 0;
  virtual std::int64_t count_users() = 0;

  // Password reset tokens, kept only as hashes (auth/reset_token.h), at most one per user.
  // Stores the user's new token, valid until `expires_at`; any earlier one of theirs ends.
  virtual void replace_reset_token(Id user_id, const std::string& token_hash, Timestamp created_at,
                                   Timestamp expires_at) = 0;
  // The user whose token has this hash and is still valid at `now`, if any.
  virtual std::optional<Id> reset_token_user(const std::string& token_hash, Timestamp now) = 0;
  // The same, deleting the token: of two transactions consuming one token, one gets it.
  virtual std::optional<Id> consume_reset_token(const std::string& token_hash, Timestamp now) = 0;
  virtual void delete_reset_tokens(Id user_id) = 0;

  // Lots and spots. Deleted lots are invisible to every lot query.
  virtual std::vector<Lot> lots(Timestamp now, std::int64_t limit, std::int64_t offset) = 0;
  virtual std::int64_t count_lots() = 0;
  virtual std::optional<Lot> lot(Id id, Timestamp now) = 0;
  // The lot as stored, without the occupancy counts (zero here): cheaper, for bookings,
  // which need only its name and price. Keeps the lot from changing (PostgreSQL: a lock
  // that bookings share and lot() in a write waits for).
  virtual std::optional<Lot> lot_record(Id id) = 0;
  virtual bool lot_name_taken(const std::string& name, std::optional<Id> except) = 0;
  virtual Id insert_lot(const std::string& name, const std::string& address,
                        std::int64_t price_cents, Timestamp created_at) = 0;
  virtual void update_lot(Id id, const LotChanges& changes) = 0;
  // Adds spots numbered after the highest; keeps lots.capacity in step.
  virtual void add_spots(Id lot_id, std::int64_t count) = 0;
  // Ids of the `count` highest-numbered spots that are free at `now` and have no
  // upcoming reservation; fewer when there are not that many.
  virtual std::vector<Id> removable_spots(Id lot_id, std::int64_t count, Timestamp now) = 0;
  // Deletes spots (bookings keep their spot_number) and lowers lots.capacity.
  virtual void delete_spots(Id lot_id, const std::vector<Id>& spot_ids) = 0;
  virtual void soft_delete_lot(Id lot_id, Timestamp at) = 0;
  // Bookings in force at `now` or upcoming, on the lot or the spot.
  virtual std::int64_t lot_bookings_in_force(Id lot_id, Timestamp now) = 0;
  virtual std::int64_t spot_bookings_in_force(Id spot_id, Timestamp now) = 0;
  virtual std::vector<Spot> spots(Id lot_id, Timestamp now) = 0;
  virtual std::optional<Spot> spot(Id lot_id, Id spot_id, Timestamp now) = 0;
  virtual std::vector<UpcomingReservation> upcoming_reservations(Id lot_id, Timestamp now) = 0;

  // Bookings.
  // The lowest-numbered spot of the lot free for the whole window.
  virtual std::optional<Spot> lowest_free_spot(Id lot_id, const Window& window) = 0;
  // The first booking in force on the spot that overlaps the window, if any.
  virtual std::optional<Window> spot_conflict(Id spot_id, const Window& window) = 0;
  // The first booking in force of the vehicle (by vehicle_key) that overlaps the window.
  virtual std::optional<Window> vehicle_conflict(const std::string& vehicle_key,
                                                 const Window& window) = 0;
  // The booking as stored. The three writes after it answer the booking as they leave
  // it, or nullopt when there is no such booking (extend: no such reservation).
  virtual Booking insert_booking(const NewBooking& booking) = 0;
  // insert_booking on the spot lowest_free_spot would give, with the name and price of
  // the lot as lot_record reads and locks it (booking.spot_id, spot_number, lot_name and
  // price_cents are ignored), in one statement; nullopt when the lot is gone or no spot
  // is free. On PostgreSQL it passes over spots that bookings in flight hold instead of
  // waiting for them: on nullopt, lot_record and lowest_free_spot decide.
  virtual std::optional<Booking> insert_booking_on_a_free_spot(const NewBooking& booking) = 0;
  virtual std::optional<Booking> booking(Id id) = 0;
  // The booking in force on the spot at `now`, with the user's email.
  virtual std::optional<Booking> current_booking_on_spot(Id spot_id, Timestamp now) = 0;
  virtual std::optional<Booking> complete_booking(Id id, Timestamp ended_at,
                                                  std::int64_t cost_cents) = 0;
  virtual std::optional<Booking> cancel_booking(Id id) = 0;
  // complete_booking and cancel_booking of a booking this write unit read with booking(),
  // which locked it: the write cannot miss the row, so the store may send it with the
  // unit's next statement (PostgreSQL: with its COMMIT, no round trip of its own) and
  // answer the booking as the write leaves it (rows::completed, rows::cancelled).
  virtual Booking complete_locked_booking(const Booking& locked, Timestamp ended_at,
                                          std::int64_t cost_cents) {
    return complete_booking(locked.id, ended_at, cost_cents).value();
  }
  virtual Booking cancel_locked_booking(const Booking& locked) {
    return cancel_booking(locked.id).value();
  }
  // Moves a reservation's end (reserved_end and the time it holds its spot) to
  // `reserved_end` and sets its cost. The caller has checked the added time is free; on
  // PostgreSQL a concurrent booking of it fails the exclusion constraint, and write()
  // reruns the unit.
  virtual std::optional<Booking> extend_reservation(Id id, Timestamp reserved_end,
                                                    std::int64_t cost_cents) = 0;
  virtual std::vector<Booking> bookings(const BookingFilter& filter, Timestamp now) = 0;
  virtual std::int64_t count_bookings(const BookingFilter& filter, Timestamp now) = 0;
  // Completes reservations whose window ended before `now`; returns how many.
  virtual std::int64_t complete_ended_reservations(Timestamp now) = 0;

  // Idempotency keys (per user).
  virtual std::optional<StoredResponse> idempotent_response(Id user_id, const std::string& key,
                                                            Timestamp not_before) = 0;
  virtual void store_idempotent_response(Id user_id, const std::string& key,
                                         const StoredResponse& response, Timestamp at) = 0;
  virtual void purge_idempotency_keys(Timestamp before) = 0;

  // Jobs.
  // Inserts the job; when dedupe_key is already taken returns the existing job's id.
  // The job records the request id of the RequestLogScope open where the unit of work
  // was started (common/log.h), so that its worker's log lines name the request.
  virtual Id enqueue_job(const NewJob& job, Timestamp now) = 0;
  // enqueue_job for a caller that needs no id: the store may send the insert with the
  // unit's next statement (PostgreSQL: with its COMMIT, no round trip of its own).
  virtual void enqueue_job_deferred(const NewJob& job, Timestamp now) { enqueue_job(job, now); }
  virtual std::optional<Job> job(Id id) = 0;
  // Newest first; `status` and `type` filter when set.
  virtual std::vector<Job> jobs(const std::optional<std::string>& status,
                                const std::optional<std::string>& type, std::int64_t limit,
                                std::int64_t offset) = 0;
  virtual std::int64_t count_jobs(const std::optional<std::string>& status,
                                  const std::optional<std::string>& type) = 0;
  // An operator's retry: a dead or failed job queued again to run at `now`, its attempts
  // reset (its last_error stays until it succeeds). False when the job is in any other
  // state (or missing).
  virtual bool requeue_job(Id job_id, Timestamp now) = 0;
  // Deletes a dead or succeeded job; false when it is in any other state (or missing).
  virtual bool delete_finished_job(Id job_id) = 0;
  // Jobs by (type, status), for /metrics.
  virtual std::vector<JobCount> job_counts() = 0;
  // Retention: deletes succeeded jobs that finished before `before` (dead ones stay for
  // an operator to look at), and schedule runs due before it except each schedule's
  // latest (which tells the scheduler what it last fired). Returns the rows deleted.
  virtual std::int64_t purge_finished_jobs(Timestamp before) = 0;
  virtual std::int64_t purge_schedule_runs(Timestamp before) = 0;

  // Claims the next runnable job (queued, or failed with run_at <= now, or running with
  // a lease that ran out): marks it running, counts the attempt, leases it until
  // `lease_until`. nullopt when nothing is due.
  virtual std::optional<Job> claim_job(Timestamp now, Timestamp lease_until) = 0;
  // The next run_at of a waiting job, to sleep until then.
  virtual std::optional<Timestamp> next_job_due() = 0;
  // These three apply only while the job is still running under `attempt` (so a worker
  // whose lease lapsed and was taken over cannot overwrite the new owner's outcome).
  virtual bool extend_lease(Id job_id, int attempt, Timestamp lease_until) = 0;
  // Status succeeded; the error of an earlier failed attempt is cleared, so a job that
  // recovered does not look as if it still failed.
  virtual bool finish_job(Id job_id, int attempt, Timestamp at) = 0;
  // retry_at set: status failed, runs again then; nullopt: status dead.
  virtual bool fail_job(Id job_id, int attempt, const std::string& error,
                        std::optional<Timestamp> retry_at, Timestamp at) = 0;
  // A JSON object a handler keeps across attempts (e.g. "email sent"), for idempotency.
  virtual std::string job_progress(Id job_id) = 0;
  virtual void set_job_progress(Id job_id, const std::string& progress) = 0;

  // Schedules: records that `name` fired for `due_at` and enqueues `job`, or does
  // nothing and returns false when that due time was already claimed.
  virtual bool claim_schedule_run(const std::string& name, Timestamp due_at, const NewJob& job,
                                  Timestamp now) = 0;
  virtual std::optional<Timestamp> last_schedule_run(const std::string& name) = 0;

  // Reports.
  // Enabled users with role `user` and no booking created since `since`.
  virtual std::vector<User> inactive_users(Timestamp since) = 0;
  // Users with a booking that started in [from, to).
  virtual std::vector<Id> users_with_bookings_between(Timestamp from, Timestamp to) = 0;
  virtual RangeSummary range_summary(std::optional<Id> user_id, Timestamp from, Timestamp to) = 0;
  // Streams rows in id order without loading them all (exports).
  virtual void for_each_booking(std::optional<Id> user_id,
                                const std::function<void(const Booking&)>& fn) = 0;
  virtual void for_each_user(const std::function<void(const User&)>& fn) = 0;

  // Statistics.
  virtual StatusCounts booking_counts(std::optional<Id> user_id, Timestamp now) = 0;
  virtual std::vector<LotAggregate> per_lot(std::optional<Id> user_id) = 0;
  // For each [boundaries[i], boundaries[i+1]): bookings started in it (any status) and
  // the Completed ones' cost.
  virtual std::vector<CountAndSum> bucket_totals(std::optional<Id> user_id,
                                                 const std::vector<Timestamp>& boundaries) = 0;
  virtual std::int64_t count_users_created_between(Timestamp from, Timestamp to) = 0;
  virtual std::int64_t total_spots() = 0;
  virtual std::int64_t occupied_spots(Timestamp now) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  using Work = std::function<Status(Tx&)>;
  // Runs `work` in one write transaction: committed when it returns ok, rolled back when
  // it returns an error or throws. Retries on lock contention (SQLITE_BUSY).
  virtual Status write(const Work& work) = 0;
  // Where the completion of a queued write runs, e.g. posted to the HTTP server's I/O
  // threads. Empty: on the thread that finished the write (SQLite: the writer, so the
  // completion must be short and must not wait for another write).
  using Handoff = std::function<void(std::function<void()>)>;
  using WriteDone = std::function<void(Status)>;
  // Like write(), without waiting for it: `done` gets the outcome, through `handoff`,
  // once the write is durable (or failed). Stores whose writes do not queue in process
  // (see queues_writes()) run it on the calling thread and call `done` there.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): overrides keep them past the call
  virtual void write_async(Work work, WriteDone done, const Handoff& handoff) {
    (void)handoff;
    done(write(work));
  }
  // Whether write_async() returns before the write runs (SQLite's writer thread): then a
  // request whose work is one write need not hold a thread while it waits.
  virtual bool queues_writes() const { return false; }
  // Runs `work` against a consistent snapshot; no writes.
  virtual Status read(const Work& work) = 0;
  // Like read(), for a unit that runs one statement, which is its own snapshot: no
  // transaction around it (PostgreSQL: one round trip instead of three). A second
  // statement would see another snapshot.
  virtual Status read_single(const Work& work) { return read(work); }
  // Runs `body`; the reads it makes on this thread share one snapshot where that is
  // cheaper (SQLite: one read transaction for a request's token check and its answer,
  // instead of one each, whose locks cost more than the short queries in them). A
  // write() on this thread ends the shared snapshot, so that later reads see it.
  virtual void share_reads(const std::function<void()>& body) { body(); }
  // A number that moves whenever what a lot list shows may have changed, by a write in
  // this process or (told by the database) in another; nullopt when the store cannot
  // tell. PostgreSQL's reads keep the lot list while it stays (store/lot_list_memo.h).
  virtual std::optional<std::uint64_t> lots_generation() { return std::nullopt; }
  // Applies pending migrations; records each in schema_migrations.
  virtual Status migrate() = 0;
  // Drops everything parkd created.
  virtual Status reset() = 0;
  virtual Status ping() = 0;
  virtual std::string kind() const = 0;  // "sqlite" | "postgresql"
  // Whether a read is answered in this process (SQLite: memory and local disk) rather
  // than over a network: then a short one may run on an HTTP I/O thread.
  virtual bool reads_in_process() const { return false; }

  // Connections handed out now, and open in all (the pool), for /metrics.
  struct PoolUsage {
    int in_use = 0;
    int open = 0;
  };
  virtual PoolUsage pool_usage() = 0;

  // Cross-process job wake-ups (PostgreSQL: LISTEN/NOTIFY on every enqueue). When
  // signals_jobs() is false, workers find new jobs by polling next_job_due().
  virtual bool signals_jobs() const { return false; }
  // Blocks until another process (or this one) enqueued a job, or `timeout` passed;
  // true when a signal arrived. Called from one thread at a time.
  virtual bool wait_for_job_signal(std::chrono::milliseconds timeout) {
    (void)timeout;
    return false;
  }
};

// Opens the store named by DATABASE_URL.
struct StoreOptions {
  int max_connections = 8;
  bool durable_commits =
      true;  // SQLite: synchronous=FULL (else NORMAL: may lose the last commits on power loss)
};
Result<std::unique_ptr<Store>> open_store(const std::string& database_url,
                                          const StoreOptions& options);

}  // namespace parkd
