// Start-up shared by the parkd commands (src/main.cpp, src/cli/*): configuration, time
// zone, store, and the single line a failing command prints.
#include "cli/boot.h"

#include "common/log.h"
#include "common/private_files.h"
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
  set_log_format(config->log_format == "json" ? LogFormat::json : LogFormat::text);
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
  // It will hold the secret key, the outbox and (by default) the database: owner only.
  if (auto ec = create_private_directories(rt.config.instance_dir)) {
    spdlog::warn("cannot create INSTANCE_DIR {}: {}", rt.config.instance_dir, ec.message());
  }
  auto store = open_store(rt.config.database_url,
                          {rt.config.db_pool_size(), rt.config.sqlite_synchronous == "FULL"});
  if (!store) return store.error();
  rt.store = std::move(*store);
  if (migrate) {
    if (Status st = rt.store->migrate(); !st) return st.error();
  }
  return rt;
}

namespace {

// What went wrong in words: a validation error's `fields` ("email: is not a valid
// address; ...") say more than its generic message ("Invalid input").
std::string described(const Error& e) {
  if (!e.fields.is_object() || e.fields.empty()) return e.message;
  std::string text;
  for (const auto& [field, problem] : e.fields.items()) {
    if (!text.empty()) text += "; ";
    text += field + ": " + (problem.is_string() ? problem.get<std::string>() : problem.dump());
  }
  return text;
}

}  // namespace

int fail(const Error& e) {
  std::string text = described(e);
  // Said once: as a line for a terminal or a unit's status, or, with LOG_FORMAT=json,
  // as a log line only (stderr must then hold nothing but JSON).
  if (log_format() == LogFormat::json) {
    spdlog::error("{}", text);
    spdlog::default_logger()->flush();
  } else {
    std::fprintf(stderr, "parkd: %s\n", text.c_str());
    std::fflush(stderr);
  }
  switch (e.kind) {
    case ErrorKind::internal:
    case ErrorKind::unavailable:
      return 1;
    default:
      return e.code == "config_error" ? 1 : 2;
  }
}

}  // namespace parkd
