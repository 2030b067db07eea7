// `parkd user ...`: create accounts, set passwords, roles and the disabled flag, list
// users. Passwords are read from the terminal without echo, or from standard input when
// it is not a terminal (scripts: `printf '%s\n' "$PW" | parkd user passwd EMAIL`), never
// from the command line, where other local users could read them in the process list.
#include "cli/user_commands.h"

#include "cli/boot.h"
#include "domain/validation.h"
#include "services/account_service.h"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace parkd {
namespace {

// The terminal's settings while echo is off, restored if a signal ends the prompt.
struct termios g_saved_terminal;
volatile std::sig_atomic_t g_echo_off = 0;

extern "C" void restore_terminal_and_die(int signal_number) {
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// One line typed with echo off, or nullopt at end of input.
std::optional<std::string> read_hidden_line(const char* prompt) {
  std::fprintf(stderr, "%s", prompt);
  std::fflush(stderr);
  struct termios hidden;
  bool echo_off = ::tcgetattr(STDIN_FILENO, &g_saved_terminal) == 0;
  if (echo_off) {
    hidden = g_saved_terminal;
    hidden.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    hidden.c_lflag |= ECHONL;
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) std::signal(s, restore_terminal_and_die);
    g_echo_off = 1;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (echo_off) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
    g_echo_off = 0;
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) std::signal(s, SIG_DFL);
  }
  if (!got) return std::nullopt;
  return line;
}

// The new password: asked twice on a terminal, else the first line of standard input.
Result<std::string> read_new_password(const std::string& email) {
  if (::isatty(STDIN_FILENO)) {
    std::string prompt = "New password for " + email + ": ";
    auto first = read_hidden_line(prompt.c_str());
    if (!first) return Error::bad_request("no_password", "no password entered");
    auto again = read_hidden_line("Type it again: ");
    if (!again || *again != *first) {
      return Error::bad_request("password_mismatch", "the two passwords differ; nothing changed");
    }
    return *first;
  }
  std::string line;
  if (!std::getline(std::cin, line)) {
    return Error::bad_request("no_password",
                              "no password on standard input (one line expected); nothing "
                              "changed");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

AccountService accounts(Runtime& rt) {
  return AccountService(*rt.store, rt.config.instance_dir, rt.config.admin_email);
}

int cmd_create(Runtime& rt, const UserCommands& u) {
  std::string email = to_lower(trim(u.email));
  if (auto problem = check_email(email)) return fail(Error::validation({{"email", *problem}}));
  auto password = read_new_password(email);
  if (!password) return fail(password.error());
  Role role = u.admin ? Role::admin : Role::user;
  std::optional<std::string> name;
  if (!u.name.empty()) name = u.name;
  auto user = accounts(rt).create(email, name, *password, role);
  if (!user) return fail(user.error());
  std::printf("Created %s %s (id %lld).\n", u.admin ? "admin" : "user", user->email.c_str(),
              static_cast<long long>(user->id));
  return 0;
}

int cmd_list(Runtime& rt) {
  auto users = accounts(rt).list();
  if (!users) return fail(users.error());
  std::size_t width = 5;
  for (const auto& user : *users) width = std::max(width, user.email.size());
  std::printf("%-6s %-*s %-6s %-9s %s\n", "ID", static_cast<int>(width), "EMAIL", "ROLE", "STATUS",
              "NAME");
  for (const auto& user : *users) {
    std::printf("%-6lld %-*s %-6s %-9s %s\n", static_cast<long long>(user.id),
                static_cast<int>(width), user.email.c_str(),
                std::string(role_name(user.role)).c_str(), user.disabled ? "disabled" : "enabled",
                user.username.value_or("").c_str());
  }
  return 0;
}

int cmd_change(Runtime& rt, const UserCommands& u) {
  AccountService service = accounts(rt);
  auto user = service.find(u.email);
  if (!user) return fail(user.error());
  const std::string& email = user->email;
  if (*u.passwd) {
    auto password = read_new_password(email);
    if (!password) return fail(password.error());
    auto changed = service.set_password(user->id, *password);
    if (!changed) return fail(changed.error());
    std::printf("Changed the password of %s; its sessions have ended.\n", email.c_str());
  } else if (*u.disable || *u.enable) {
    bool disable = u.disable->parsed();
    auto changed = service.set_disabled(user->id, disable);
    if (!changed) return fail(changed.error());
    std::printf(disable ? "Disabled %s: it can no longer log in; its sessions have ended.\n"
                        : "Enabled %s: it can log in again.\n",
                email.c_str());
  } else {
    Role role = u.role_name == "admin" ? Role::admin : Role::user;
    auto changed = service.set_role(user->id, role);
    if (!changed) return fail(changed.error());
    std::printf("%s is now %s; its sessions have ended (it logs in again).\n", email.c_str(),
                u.role_name.c_str());
  }
  return 0;
}

}  // namespace

void add_user_commands(CLI::App& cli, UserCommands& u) {
  auto* user = cli.add_subcommand("user",
                                  "Manage accounts: create, passwd, list, disable, "
                                  "enable, role");
  user->require_subcommand(1);
  auto email = [&u](CLI::App* sub) {
    sub->add_option("email", u.email, "The account's email")->required();
  };
  u.create = user->add_subcommand("create",
                                  "Create an account; the password is read as `passwd` reads it");
  email(u.create);
  u.create->add_flag("--admin", u.admin, "Make it an admin (default: a user)");
  u.create->add_option("--name", u.name, "Display name (as \"Your Name\" at registration)");
  u.passwd = user->add_subcommand(
      "passwd",
      "Set a password, read from the terminal without echo (or one line of standard input "
      "when it is not a terminal); ends the user's sessions");
  email(u.passwd);
  u.list = user->add_subcommand("list", "List every account with its role and status");
  u.disable = user->add_subcommand(
      "disable", "Forbid the account to log in and end its sessions (its history stays)");
  email(u.disable);
  u.enable = user->add_subcommand("enable", "Allow a disabled account to log in again");
  email(u.enable);
  u.role = user->add_subcommand("role", "Make the account an admin or a user; ends its sessions");
  email(u.role);
  u.role->add_option("role", u.role_name, "admin or user")->required();
}

std::optional<int> run_user_command(const UserCommands& u) {
  bool chosen = *u.create || *u.passwd || *u.list || *u.disable || *u.enable || *u.role;
  if (!chosen) return std::nullopt;
  // Checked before the database is opened: a typo must not wait for it.
  if (*u.role && u.role_name != "admin" && u.role_name != "user") {
    return fail(Error::bad_request("bad_role",
                                   "the role must be admin or user, not '" + u.role_name + "'"));
  }
  auto rt = boot(true);
  if (!rt) return fail(rt.error());
  if (*u.create) return cmd_create(*rt, u);
  if (*u.list) return cmd_list(*rt);
  return cmd_change(*rt, u);
}

}  // namespace parkd
