#pragma once
// The embedded default store: one SQLite file in WAL mode. Writes are serialised in
// the process (a mutex) and across processes (BEGIN IMMEDIATE with a busy timeout), so
// allocation and its overlap check always see every committed booking.

#include "store/store.h"

#include <memory>

namespace parkd {

std::unique_ptr<Store> make_sqlite_store(const std::string& path);

}  // namespace parkd
