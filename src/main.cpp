// parkd: the command line. `parkd --help` lists the subcommands.
#include "api/app.h"
#include "auth/admin_password_file.h"
#include "auth/password.h"
#include "cli/boot.h"
#include "cli/job_commands.h"
#include "cli/user_commands.h"
#include "common/log.h"
#include "common/private_files.h"
#include "config/config.h"
#include "http/server.h"
#include "jobs/runtime.h"
#include "mail/message.h"
#include "services/account_service.h"
#include "services/auth_service.h"
#include "services/booking_service.h"
#include "services/job_service.h"
#include "services/lot_service.h"
#include "services/password_reset_service.h"
#include "services/stats_service.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

#include <date/tz.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <malloc.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

namespace parkd {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

struct ServeFlags {
  std::string host;
  int port = 0;
  bool no_worker = false;
  bool no_scheduler = false;
};

// How to log in as the admin. A generated password is shown once and kept in
// instance/admin_password (mode 0600) until the admin changes it.
void print_admin_login(const Config& c, const std::optional<std::string>& generated) {
  std::string file = admin_password_path(c.instance_dir);
  if (generated) {
    Status kept = write_admin_password_file(c.instance_dir, *generated);
    if (!kept) spdlog::warn("could not keep the admin password: {}", kept.error().message);
    print_line(
        stdout,
        fmt::format("Created the admin account. Log in with:\n  email:    {}\n  password: {}\n"
                    "Shown once here{}. Change it with `parkd user passwd {}`,\n"
                    "or set ADMIN_PASSWORD before the first start to choose it yourself.",
                    c.admin_email, *generated,
                    kept ? ", and kept in " + file + " until it is changed" : "", c.admin_email));
    return;
  }
  if (!c.admin_password && std::filesystem::exists(file)) {
    print_line(stdout, fmt::format("Log in as the admin with the email {} and the password in {}.",
                                   c.admin_email, file));
  } else {
    print_line(stdout, fmt::format("Log in as the admin with the email {} and its password "
                                   "(forgotten: parkd user passwd {}).",
                                   c.admin_email, c.admin_email));
  }
}

int cmd_serve(const ServeFlags& flags) {
  const std::string& host_flag = flags.host;
  int port_flag = flags.port;
  auto rt = boot(true);
  if (!rt) return fail(rt.error());
  Config& c = rt->config;
  if (!host_flag.empty()) c.host = host_flag;
  if (port_flag > 0) c.port = port_flag;
  if (Status st = resolve_secret_key(c); !st) return fail(st.error());

  TokenSigner signer(c.secret_key, c.token_max_age);
  LoginThrottle throttle(c.login_max_failures_per_account, c.login_max_failures_per_address,
                         std::chrono::seconds(c.login_window_seconds));
  AuthService auth(*rt->store, signer, throttle);
  AccountService accounts(*rt->store, c.instance_dir, c.admin_email);
  LotService lots(*rt->store);
  BookingService bookings(*rt->store, c.min_charge_minutes, c.job_max_attempts);
  StatsService stats(*rt->store, rt->tz);
  JobService jobs(*rt->store, c.job_max_attempts);
  PasswordResetService password_reset(*rt->store, accounts, throttle, c.job_max_attempts);

  auto background = jobs::BackgroundRuntime::create(c, *rt->store, bookings, rt->tz);
  if (!background) return fail(background.error());

  // Keep-alives at most REQUEST_TIMEOUT apart: each write re-arms the server's request
  // timeout (REQUEST_TIMEOUT + 5 s), which would otherwise end a quiet stream.
  events::LiveEvents::Options live_options;
  live_options.max_streams = static_cast<std::size_t>(c.max_event_streams);
  live_options.buffer_limit = static_cast<std::size_t>(c.event_stream_buffer_kb) * 1024;
  live_options.keep_alive = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(15), std::chrono::seconds(c.request_timeout_seconds));
  live_options.changes = [store = rt->store.get()] { return store->lots_generation(); };
  events::LiveEvents live(live_options, lot_reader(lots));
  App app(
      Services{c, *rt->store, auth, accounts, lots, bookings, stats, jobs, password_reset, &live});
  ServerOptions options{c.host,
                        c.port,
                        c.http_threads,
                        c.handler_threads(),
                        c.max_connections,
                        c.request_timeout_seconds,
                        c.idle_timeout_seconds,
                        [&live] { live.close_all(); }};
  install_signal_handlers();
  // Nothing that outlives a failed start is written before the port is bound (but the
  // database's schema): a start that fails (port busy) must not create the admin and
  // show a password nobody keeps, nor leave a secret key behind.
  std::optional<Error> start_error;
  app.hold_requests();
  Status st = serve_http(app, options, g_stop, [&] {
    Status key_kept = keep_secret_key(c);
    auto admin_password = key_kept ? auth.ensure_admin(c.admin_email, c.admin_password)
                                   : Result<std::optional<std::string>>(key_kept.error());
    if (!admin_password) {
      start_error = admin_password.error();
      g_stop.store(true);
      return;
    }
    if (!flags.no_worker) (*background)->worker().start(/*yield_to_requests=*/true);
    if (!flags.no_scheduler) (*background)->scheduler().start();
    spdlog::info("parkd {} listening on http://{}:{} (database: {})", PARKD_VERSION, c.host, c.port,
                 rt->store->kind());
    print_line(stdout, fmt::format("parkd is listening on http://{}:{}", c.host, c.port));
    print_admin_login(c, *admin_password);
    std::fflush(stdout);
    app.release_requests();  // the admin and its password file exist
    batch_log_lines();       // after the start-up lines, which scripts wait for
  });
  (*background)->scheduler().stop();
  (*background)->worker().stop();
  if (start_error) return fail(*start_error);
  if (!st) return fail(st.error());
  spdlog::info("parkd: stopped cleanly");
  return 0;
}

// `parkd worker` / `parkd scheduler`: the background side alone, until SIGINT/SIGTERM.
int cmd_background(bool run_worker, bool run_scheduler) {
  auto rt = boot(true);
  if (!rt) return fail(rt.error());
  BookingService bookings(*rt->store, rt->config.min_charge_minutes, rt->config.job_max_attempts);
  auto background = jobs::BackgroundRuntime::create(rt->config, *rt->store, bookings, rt->tz);
  if (!background) return fail(background.error());
  install_signal_handlers();
  if (run_worker) (*background)->worker().start();
  if (run_scheduler) (*background)->scheduler().start();
  print_line(stdout, fmt::format("parkd {} running (database: {}); stop with Ctrl-C",
                                 run_worker ? "worker" : "scheduler", rt->store->kind()));
  std::fflush(stdout);
  batch_log_lines();
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  spdlog::info("parkd: stopping; a running job finishes first");
  (*background)->scheduler().stop();
  (*background)->worker().stop();
  return 0;
}

// Records what a `parkd send` run did with each message; in a dry run, delivers nothing.
class ReportingTransport final : public mail::MailTransport {
 public:
  ReportingTransport(std::unique_ptr<mail::MailTransport> inner, bool dry_run)
      : inner_(std::move(inner)), dry_run_(dry_run) {}
  Result<std::string> send(const mail::MailMessage& m) override {
    std::string done = "would send (dry run, nothing sent)";
    if (!dry_run_) {
      auto delivered = inner_->send(m);
      if (!delivered) return delivered.error();
      done = std::move(*delivered);
    } else if (auto mime = mail::build_mime(m, now(), "localhost"); !mime) {
      return mime.error();  // a dry run still proves every message renders
    }
    std::string line = m.to + "  " + m.subject;
    if (!m.attachments.empty())
      line += "  [" + std::to_string(m.attachments.size()) + " attachment(s)]";
    // What happened first: "would send: ", "sent via SMTP (...): ", "written to ...: ".
    std::string what = dry_run_ ? "would send" : done.substr(0, done.find(" ("));
    std::lock_guard lock(mutex_);
    lines_.push_back(what + ": " + line);
    return done;
  }
  std::string name() const override { return dry_run_ ? "dry-run" : inner_->name(); }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::unique_ptr<mail::MailTransport> inner_;
  bool dry_run_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

struct SendFlags {
  bool all = false, reminders = false, reports = false, exports = false, confirmations = false,
       dry_run = false;
};

// `parkd send`: the original's asynctask_demo.py. Queues the chosen tasks and runs the
// job queue to completion in this process, then prints what was sent.
int cmd_send(SendFlags f) {
  if (f.all) f.reminders = f.reports = f.exports = f.confirmations = true;
  if (!f.reminders && !f.reports && !f.exports && !f.confirmations) {
    std::fprintf(
        stderr,
        "parkd: choose what to send: --all, --reminders, --reports, --exports, --confirmations\n");
    return 2;
  }
  auto rt = boot(true);
  if (!rt) return fail(rt.error());
  std::string scratch;
  if (f.dry_run) {
    // Work on a copy so that nothing (job rows, "sent" marks) changes in the real data.
    auto path = sqlite_path(rt->config.database_url);
    if (!path) return fail(Error::bad_request("unsupported", "--dry-run needs the SQLite store"));
    scratch = (std::filesystem::temp_directory_path() /
               ("parkd-dry-run-" + std::to_string(::getpid()) + ".db"))
                  .string();
    std::filesystem::remove(scratch);
    if (Status st = copy_sqlite_database(*path, scratch); !st) return fail(st.error());
    rt->store = make_sqlite_store(scratch);
  }
  Config& c = rt->config;
  BookingService bookings(*rt->store, c.min_charge_minutes, c.job_max_attempts);
  JobService jobs(*rt->store, c.job_max_attempts);
  auto configured = jobs::configured_transport(c);
  if (!configured) return fail(configured.error());
  auto transport = std::make_unique<ReportingTransport>(std::move(*configured), f.dry_run);
  ReportingTransport* report = transport.get();
  auto background =
      jobs::BackgroundRuntime::create(c, *rt->store, bookings, rt->tz, std::move(transport));
  if (!background) return fail(background.error());
  std::vector<const char*> types;
  if (f.reminders) types.push_back(job_types::daily_reminder);
  if (f.reports)
    types.insert(types.end(), {job_types::monthly_report, job_types::daily_admin_report});
  if (f.exports) types.push_back(job_types::admin_export);
  for (const char* type : types) {
    if (auto id = jobs.enqueue(type, "{}", std::nullopt); !id) return fail(id.error());
  }
  // Confirmations are already queued with their bookings: running the queue sends them.
  int ran = (*background)->worker().run_due();
  auto lines = report->lines();
  for (const auto& line : lines) std::printf("%s\n", line.c_str());
  auto failed = jobs.list(std::string("failed"), std::nullopt, 1000, 0);
  std::string outcome = "sent via smtp";
  if (f.dry_run) {
    outcome = "rendered (dry run, nothing sent)";
  } else if (c.smtp.host.empty()) {
    outcome = "written to " + c.outbox_dir + " (SMTP_HOST is unset: nothing sent)";
  }
  std::printf("%zu email(s) %s by %d job(s); %lld job(s) waiting to retry (see parkd logs)\n",
              lines.size(), outcome.c_str(), ran,
              failed ? static_cast<long long>(failed->total) : 0LL);
  if (!scratch.empty()) {
    rt->store.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(scratch + suffix);
  }
  return 0;
}

int cmd_migrate() {
  auto rt = boot(true);
  if (!rt) return fail(rt.error());
  std::printf("Database is up to date (%s).\n", rt->store->kind().c_str());
  return 0;
}

int cmd_reset(bool yes) {
  if (!yes) {
    std::fprintf(stderr,
                 "parkd: db reset deletes every user, lot and booking. Run it again with --yes.\n");
    return 2;
  }
  auto rt = boot(false);
  if (!rt) return fail(rt.error());
  if (Status st = rt->store->reset(); !st) return fail(st.error());
  if (Status st = rt->store->migrate(); !st) return fail(st.error());
  // Its admin is gone with the data: a password kept for it would mislead.
  remove_admin_password_file(rt->config.instance_dir);
  std::printf("Database reset: all data deleted, schema recreated.\n");
  return 0;
}

// `parkd db copy`: moves an existing SQLite installation to PostgreSQL, ids and all.
int cmd_copy(const std::string& from, const std::string& to) {
  auto path = sqlite_path(from);
  if (!path || path->empty()) {
    return fail(Error::bad_request("usage", "--from must be a sqlite:///path/to/file.db URL"));
  }
  if (!std::filesystem::exists(*path)) {
    return fail(Error::bad_request("usage", "--from: no SQLite database at " + *path));
  }
  if (to.rfind("postgresql://", 0) != 0 && to.rfind("postgres://", 0) != 0) {
    return fail(
        Error::bad_request("usage", "--to must be a postgresql://user:pass@host:port/db URL"));
  }
  if (Status st = copy_sqlite_to_postgres(*path, to); !st) return fail(st.error());
  std::printf("Copied %s to PostgreSQL. Point DATABASE_URL at it and start parkd.\n",
              path->c_str());
  return 0;
}

int cmd_seed(bool demo) {
  if (!demo) {
    std::fprintf(stderr, "parkd: nothing to seed; use --demo for the sample data\n");
    return 2;
  }
  auto rt = boot(true);
  if (!rt) return fail(rt.error());
  Config& c = rt->config;
  LotService lots(*rt->store);
  // Accounts are created when missing and otherwise left alone: seeding must never
  // reset a password someone chose (the admin's least of all).
  auto seed_account = [&](const std::string& email, const char* name, const std::string& password,
                          const char* shown_password, Role role) -> Status {
    auto created = create_account(*rt->store, {email, std::string(name), password}, role);
    if (!created && created.error().code == "username_taken")
      created = create_account(*rt->store, {email, std::nullopt, password}, role);
    if (created) {
      std::printf("  %-5s %s: created, password %s\n", role == Role::admin ? "admin" : "user",
                  email.c_str(), shown_password);
    } else if (created.error().code == "email_taken") {
      std::printf("  %-5s %s: already there, password unchanged\n",
                  role == Role::admin ? "admin" : "user", email.c_str());
    } else {
      return created.error();
    }
    return ok_status();
  };
  std::optional<User> admin;
  if (Status st = rt->store->read([&](Tx& tx) {
        admin = tx.first_admin();
        return ok_status();
      });
      !st)
    return fail(st.error());
  std::printf("Demo data:\n");
  if (admin) {
    // Any admin will do: a demo admin with a known password must not join a real one.
    std::printf("  admin %s: already there, password unchanged\n", admin->email.c_str());
  } else if (Status st =
                 seed_account(c.admin_email, "admin", c.admin_password.value_or("admin123"),
                              c.admin_password ? "from ADMIN_PASSWORD" : "admin123", Role::admin);
             !st)
    return fail(st.error());
  if (Status st = seed_account("user@parking.com", "Test User", "user1234", "user1234", Role::user);
      !st)
    return fail(st.error());
  auto lot =
      lots.create({std::string("Downtown Parking"), std::string("123 Main Street"), 20, 500});
  if (!lot && lot.error().kind != ErrorKind::conflict) return fail(lot.error());
  std::printf("  lot   Downtown Parking: %s\n",
              lot ? "created, 20 spots at 5.00 per hour" : "already there, unchanged");
  return 0;
}

// CLI11 reports a mistyped subcommand as a missing one ("A subcommand is required"):
// follows the words naming subcommands and, at the first one that names none, says it is
// unknown and lists the valid ones (exit status 2). nullopt: nothing unknown.
std::optional<int> unknown_subcommand(CLI::App& cli, int argc, char** argv) {
  CLI::App* at = &cli;
  std::string path = "parkd";
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.empty() || word[0] == '-') return std::nullopt;  // options: CLI11's to check
    auto subs = at->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return std::nullopt;  // a leaf command's own arguments
    auto found = std::find_if(subs.begin(), subs.end(),
                              [&](CLI::App* sub) { return sub->get_name() == word; });
    if (found == subs.end()) {
      std::string names;
      for (CLI::App* sub : subs) names += (names.empty() ? "" : ", ") + sub->get_name();
      std::fprintf(stderr, "%s: unknown command '%s'; the commands are: %s (see %s --help)\n",
                   path.c_str(), word.c_str(), names.c_str(), path.c_str());
      return 2;
    }
    at = *found;
    path += " " + word;
  }
  return std::nullopt;
}

}  // namespace
}  // namespace parkd

int main(int argc, char** argv) {
  using namespace parkd;
  // Measured under wrk (bench/README.md): glibc's default trim at 128 KiB handed request
  // buffers back to the kernel and faulted them in again thousands of times a second,
  // and its one arena per busy thread (up to 16 here) held ~115 MB after the mixed
  // benchmark. Four arenas and a 2 MiB trim threshold: 65 MB, at no cost in req/s.
  mallopt(M_ARENA_MAX, 4);
  mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
  mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
  log_to_stderr();

  CLI::App cli{
      "parkd: parking-management service (lots, spots, bookings, reports).\n"
      "Configuration comes from environment variables; see README.md."};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", PARKD_VERSION);

  ServeFlags serve_flags;
  auto* serve = cli.add_subcommand(
      "serve", "Run the HTTP API (and, by default, the job worker and scheduler)");
  serve->add_option("--host", serve_flags.host,
                    "Address to listen on (overrides HOST; default 127.0.0.1)");
  serve->add_option("--port", serve_flags.port, "Port to listen on (overrides PORT; default 5000)")
      ->check(CLI::Range(1, 65535));
  serve->add_flag("--no-worker", serve_flags.no_worker,
                  "Do not run background jobs in this process");
  serve->add_flag("--no-scheduler", serve_flags.no_scheduler,
                  "Do not fire cron schedules in this process");

  auto* worker = cli.add_subcommand(
      "worker", "Run background jobs (WORKER_CONCURRENCY threads) until stopped");
  auto* scheduler = cli.add_subcommand(
      "scheduler", "Fire the cron schedules (any number may run at once) until stopped");

  JobCommands job_commands;
  add_job_commands(cli, job_commands);

  SendFlags send_flags;
  auto* send = cli.add_subcommand(
      "send", "Send the background emails now (like the original's asynctask_demo.py)");
  send->add_flag("--all", send_flags.all, "Everything below");
  send->add_flag("--reminders", send_flags.reminders, "Daily reminders to inactive users");
  send->add_flag("--reports", send_flags.reports,
                 "Monthly reports (admin and users) and the daily admin report");
  send->add_flag("--exports", send_flags.exports, "The admin's CSV export (users, lots, bookings)");
  send->add_flag("--confirmations", send_flags.confirmations, "Booking confirmations still queued");
  send->add_flag(
      "--dry-run", send_flags.dry_run,
      "Render every message and list recipients and subjects; send nothing, change nothing");

  auto* db = cli.add_subcommand("db", "Database maintenance");
  db->require_subcommand(1);
  auto* migrate =
      db->add_subcommand("migrate", "Create or upgrade the schema (also done by serve)");
  bool yes = false;
  auto* reset = db->add_subcommand("reset", "Delete ALL data and recreate the schema");
  reset->add_flag("--yes", yes, "Confirm that all data may be deleted");
  bool demo = false;
  auto* seed = db->add_subcommand("seed", "Add sample data");
  seed->add_flag("--demo", demo,
                 "The original's sample data: admin, a test user, Downtown Parking (20 spots)");

  std::string copy_from, copy_to;
  auto* copy = db->add_subcommand(
      "copy", "Copy a SQLite database into an empty PostgreSQL one (moving to PostgreSQL)");
  copy->add_option("--from", copy_from, "sqlite:///path/to/parking.db")->required();
  copy->add_option("--to", copy_to, "postgresql://user:pass@host:port/db (must be empty)")
      ->required();

  UserCommands user_commands;
  add_user_commands(cli, user_commands);

  auto* version = cli.add_subcommand("version", "Print the version");

  if (auto unknown = unknown_subcommand(cli, argc, argv)) return *unknown;
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as the commands' own do.
    return cli.exit(e) == 0 ? 0 : 2;
  }
  if (auto status = run_user_command(user_commands)) return *status;
  if (auto status = run_job_command(job_commands)) return *status;
  if (*serve) return cmd_serve(serve_flags);
  if (*worker) return cmd_background(true, false);
  if (*scheduler) return cmd_background(false, true);
  if (*send) return cmd_send(send_flags);
  if (*migrate) return cmd_migrate();
  if (*reset) return cmd_reset(yes);
  if (*seed) return cmd_seed(demo);
  if (*copy) return cmd_copy(copy_from, copy_to);
  if (*version) {
    std::printf("parkd %s\n", PARKD_VERSION);
    return 0;
  }
  return 0;
}
