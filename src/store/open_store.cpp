#include "config/config.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

#include <spdlog/spdlog.h>

namespace parkd {

Result<std::unique_ptr<Store>> open_store(const std::string& database_url,
                                          const StoreOptions& options) {
  if (auto path = sqlite_path(database_url)) {
    if (path->empty()) return Error::bad_request("config_error", "DATABASE_URL: no file path");
    return make_sqlite_store(*path, options.durable_commits);
  }
  if (database_url.rfind("postgresql://", 0) == 0 || database_url.rfind("postgres://", 0) == 0) {
    auto store = make_postgres_store(database_url, options);
    // Fail at start-up, with the server's reason, rather than on the first request.
    // The message names host, database and user, never the password. The pool logs a
    // failed connection (useful later, in a running server); here the caller prints the
    // returned error, and the same words twice read as two problems.
    auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::off);
    Status st = store->ping();
    spdlog::set_level(level);
    if (!st) {
      return Error::bad_request("config_error", "DATABASE_URL: " + st.error().message);
    }
    return store;
  }
  return Error::bad_request("config_error",
                            "DATABASE_URL: must start with sqlite:/// or postgresql://");
}

}  // namespace parkd
