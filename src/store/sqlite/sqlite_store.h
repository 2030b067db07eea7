#pragma once
// The embedded default store: one SQLite file in WAL mode. Writes are serialised in
// the process (a mutex) and across processes (BEGIN IMMEDIATE with a busy timeout), so
// allocation and its overlap check always see every committed booking.

#include "store/store.h"

#include <memory>

namespace parkd {

std::unique_ptr<Store> make_sqlite_store(const std::string& path, bool durable_commits = true);

// Writes a consistent copy of the database at `from` to the new file `to` (VACUUM
// INTO), e.g. for a dry run that must not change the real data.
Status copy_sqlite_database(const std::string& from, const std::string& to);

}  // namespace parkd
