#include "config/config.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace parkd {

Result<std::unique_ptr<Store>> open_store(const std::string& database_url, const StoreOptions& options) {
  if (auto path = sqlite_path(database_url)) {
    if (path->empty()) return Error::bad_request("config_error", "DATABASE_URL: no file path");
    return make_sqlite_store(*path, options.durable_commits);
  }
  return Error::bad_request(
      "config_error", "DATABASE_URL: PostgreSQL is not supported by this build yet (issue 7)");
}

}  // namespace parkd
