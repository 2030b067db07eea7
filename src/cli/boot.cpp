// Start-up shared by the parkd commands (src/main.cpp, src/cli/*): configuration, time
// zone, store, and the single line a failing command prints.
#include "cli/boot.h"

#include "common/time.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace parkd {

Result<Runtime> boot(bool migrate) {
  auto config = load_config(process_env());
  if (!config) return config.error();
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  if (const char* offset = std::getenv("PARKD_CLOCK_OFFSET")) {
    std::string_view text(offset);
    long long seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Error::bad_request("config_error",
                                "PARKD_CLOCK_OFFSET: must be a whole number of seconds");
    }
    set_clock_offset(std::chrono::seconds{seconds});
  }
  Runtime rt;
  rt.config = std::move(*config);
  try {
    rt.tz = date::locate_zone(rt.config.timezone);
  } catch (const std::exception&) {
    return Error::bad_request(
        "config_error",
        "TIMEZONE: '" + rt.config.timezone + "' is not a known time zone (e.g. Europe/Berlin)");
  }
  auto store = open_store(rt.config.database_url,
                          {rt.config.db_threads, rt.config.sqlite_synchronous == "FULL"});
  if (!store) return store.error();
  rt.store = std::move(*store);
  if (migrate) {
    if (Status st = rt.store->migrate(); !st) return st.error();
  }
  return rt;
}

int fail(const Error& e) {
  // Only here: a log line as well would repeat the message on the same stderr.
  std::fprintf(stderr, "parkd: %s\n", e.message.c_str());
  std::fflush(stderr);
  switch (e.kind) {
    case ErrorKind::internal:
    case ErrorKind::unavailable:
      return 1;
    default:
      return e.code == "config_error" ? 1 : 2;
  }
}

}  // namespace parkd
