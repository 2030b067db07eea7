#pragma once
// `parkd job enqueue|list|show|retry|delete`: the operator's job console from the command
// line, under the rules of services/job_service.h (the same as the admin API's).

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace parkd {

struct JobCommands {
  CLI::App* enqueue = nullptr;
  CLI::App* list = nullptr;
  CLI::App* show = nullptr;
  CLI::App* retry = nullptr;
  CLI::App* remove = nullptr;
  std::string type;  // enqueue's job type
  std::string payload = "{}";
  std::string status_filter;
  std::string type_filter;
  std::int64_t limit = 50;
  std::int64_t offset = 0;
  std::int64_t id = 0;
  bool json = false;
};

// Adds `job` and its subcommands to `cli`, binding their arguments to `commands`
// (which must outlive the parse).
void add_job_commands(CLI::App& cli, JobCommands& commands);

// Runs the `job` subcommand that was parsed; nullopt when `job` was not used.
// Exit status as fail() gives it: 2 for an unknown id, type or status and for a job in a
// state that refuses the change, 1 for a database failure.
std::optional<int> run_job_command(const JobCommands& commands);

}  // namespace parkd
