#pragma once
// The scale-out store: PostgreSQL through libpq, for any number of parkd processes on
// any number of machines. It satisfies the same Tx contracts as the SQLite store; what
// SQLite gets from running one writer at a time, this store gets from the database:
//  - allocation: an exclusion constraint on bookings (no two bookings in force on one
//    spot share a moment), a row lock on the spot taken (concurrent bookings skip it)
//    and a share lock on its lot (a change to the lot waits for them); a unit that
//    loses a race is rolled back and rerun (write() retries on serialization failure,
//    deadlock, exclusion and unique violations);
//  - check-then-act on one row (release, cancel, lot changes): the row is read
//    FOR NO KEY UPDATE inside write transactions;
//  - idempotency keys: a transaction-scoped advisory lock per (user, key); bookings of
//    one vehicle likewise take turns on an advisory lock per vehicle_key (the exclusion
//    constraint bookings_vehicle_no_overlap stays the guarantee);
//  - jobs: claimed with FOR UPDATE SKIP LOCKED; a commit that queued one, or changed
//    what lot lists show, is told to every process by NOTIFY (notify.h).

#include "store/store.h"

#include <memory>
#include <string>

namespace parkd {

// A store on the database named by `url` (postgresql://user:pass@host:port/db?options),
// with a pool of up to options.max_connections connections. Connects lazily: call
// ping() to find out whether the server is reachable.
std::unique_ptr<Store> make_postgres_store(const std::string& url, const StoreOptions& options);

// Copies a parkd SQLite database into the PostgreSQL database at `pg_url`: migrates the
// target, refuses when it already has users, then copies every table with its ids in
// one transaction and moves each id sequence past the highest id. Logs row counts.
Status copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& pg_url);

}  // namespace parkd
