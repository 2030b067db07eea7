#pragma once
// `parkd user create|passwd|list|disable|enable|role`: account management from the
// command line, under the rules of services/account_service.h.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace parkd {

struct UserCommands {
  CLI::App* create = nullptr;
  CLI::App* passwd = nullptr;
  CLI::App* list = nullptr;
  CLI::App* disable = nullptr;
  CLI::App* enable = nullptr;
  CLI::App* role = nullptr;
  std::string email;
  std::string name;
  std::string role_name;
  bool admin = false;
};

// Adds `user` and its subcommands to `cli`, binding their arguments to `commands`
// (which must outlive the parse).
void add_user_commands(CLI::App& cli, UserCommands& commands);

// Runs the `user` subcommand that was parsed; nullopt when `user` was not used.
std::optional<int> run_user_command(const UserCommands& commands);

}  // namespace parkd
