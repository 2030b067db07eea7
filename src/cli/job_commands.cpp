// `parkd job ...`: queue a job, and look after the queue as an operator does in the web
// UI's Jobs page: list with filters, show one job with its last error, retry a dead or
// failed one, delete a dead or succeeded one. Every rule lives in JobService; this file
// only parses, calls and prints.
#include "cli/job_commands.h"

#include "api/render.h"
#include "cli/boot.h"
#include "common/time.h"
#include "services/job_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace parkd {
namespace {

std::string when(std::optional<Timestamp> t) { return t ? format_iso8601(*t) : "-"; }

// The first line of an error, shortened to fit a table cell.
std::string cell(const std::optional<std::string>& error, std::size_t width) {
  if (!error || error->empty()) return "-";
  std::string line = error->substr(0, error->find('\n'));
  if (line.size() > width) line = line.substr(0, width - 3) + "...";
  return line;
}

// A failure about job `id`: "no job with id N" says which id was not found.
int fail_for(Error e, std::int64_t id) {
  if (e.kind == ErrorKind::not_found) e.message = "no job with id " + std::to_string(id);
  return fail(e);
}

void print_json(const nlohmann::json& j) { std::printf("%s\n", j.dump(2).c_str()); }

int cmd_enqueue(Runtime& rt, const JobCommands& c) {
  auto parsed = nlohmann::json::parse(c.payload, nullptr, false);
  if (!parsed.is_object())
    return fail(Error::bad_request("bad_payload", "--payload must be a JSON object"));
  JobService jobs(*rt.store, rt.config.job_max_attempts);
  auto id = jobs.enqueue(c.type, parsed.dump(), std::nullopt);
  if (!id) return fail(id.error());
  std::printf("%lld\n", static_cast<long long>(*id));
  return 0;
}

int cmd_list(JobService& jobs, const JobCommands& c) {
  std::optional<std::string> status, type;
  if (!c.status_filter.empty()) status = c.status_filter;
  if (!c.type_filter.empty()) type = c.type_filter;
  auto page = jobs.list(status, type, c.limit, c.offset);
  if (!page) return fail(page.error());
  if (c.json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& j : page->jobs) items.push_back(to_json(j));
    print_json({{"jobs", std::move(items)}, {"total", page->total}});
    return 0;
  }
  std::size_t type_width = 4;
  for (const auto& j : page->jobs) type_width = std::max(type_width, j.type.size());
  std::printf("%-7s %-*s %-9s %-8s %-20s %-20s %s\n", "ID", static_cast<int>(type_width), "TYPE",
              "STATUS", "ATTEMPTS", "CREATED", "FINISHED", "LAST ERROR");
  for (const auto& j : page->jobs) {
    std::string attempts = fmt::format("{}/{}", j.attempts, j.max_attempts);
    std::printf("%-7lld %-*s %-9s %-8s %-20s %-20s %s\n", static_cast<long long>(j.id),
                static_cast<int>(type_width), j.type.c_str(), j.status.c_str(), attempts.c_str(),
                format_iso8601(j.created_at).c_str(), when(j.finished_at).c_str(),
                cell(j.last_error, 60).c_str());
  }
  // Says when the table is one page of more, and how to see the next.
  std::int64_t shown_to = c.offset + static_cast<std::int64_t>(page->jobs.size());
  if (page->jobs.empty()) {
    fmt::print("No job matches ({} in all with these filters).\n", page->total);
  } else if (c.offset == 0 && shown_to >= page->total) {
    fmt::print("{} job(s).\n", page->total);
  } else {
    fmt::print("Jobs {}-{} of {}{}.\n", c.offset + 1, shown_to, page->total,
               shown_to < page->total ? fmt::format("; see more with --offset {}", shown_to) : "");
  }
  return 0;
}

int cmd_show(JobService& jobs, const JobCommands& c) {
  auto job = jobs.find(c.id);
  if (!job) return fail_for(job.error(), c.id);
  if (c.json) {
    print_json({{"job", to_json(*job)}});
    return 0;
  }
  const Job& j = *job;
  std::printf("id:           %lld\n", static_cast<long long>(j.id));
  std::printf("type:         %s\n", j.type.c_str());
  std::printf("status:       %s\n", j.status.c_str());
  std::printf("attempts:     %d of %d\n", j.attempts, j.max_attempts);
  std::printf("created_at:   %s\n", format_iso8601(j.created_at).c_str());
  std::printf("run_at:       %s\n", format_iso8601(j.run_at).c_str());
  std::printf("lease_until:  %s\n", when(j.lease_until).c_str());
  std::printf("finished_at:  %s\n", when(j.finished_at).c_str());
  std::printf("owner:        %s\n",
              j.owner_user_id ? ("user " + std::to_string(*j.owner_user_id)).c_str() : "-");
  std::printf("request_id:   %s\n", j.request_id ? j.request_id->c_str() : "-");
  std::printf("payload:      %s\n", j.payload.c_str());
  std::printf("last_error:   %s\n", j.last_error ? j.last_error->c_str() : "-");
  return 0;
}

int cmd_retry(JobService& jobs, const JobCommands& c) {
  auto job = jobs.retry(c.id);
  if (!job) return fail_for(job.error(), c.id);
  if (c.json) {
    print_json({{"job", to_json(*job)}});
    return 0;
  }
  std::printf("Job %lld (%s) is queued again with its attempts reset; a worker runs it next.\n",
              static_cast<long long>(job->id), job->type.c_str());
  return 0;
}

int cmd_delete(JobService& jobs, const JobCommands& c) {
  if (Status st = jobs.remove(c.id); !st) return fail_for(st.error(), c.id);
  std::printf("Deleted job %lld.\n", static_cast<long long>(c.id));
  return 0;
}

}  // namespace

void add_job_commands(CLI::App& cli, JobCommands& c) {
  auto* job = cli.add_subcommand("job", "Background jobs: enqueue, list, show, retry, delete");
  job->require_subcommand(1);
  c.enqueue =
      job->add_subcommand("enqueue", "Queue a job (e.g. selftest, daily_reminder); prints its id");
  c.enqueue->add_option("type", c.type, "Job type")->required();
  c.enqueue->add_option("--payload", c.payload, "JSON object handed to the job");

  auto id = [&c](CLI::App* sub) {
    sub->add_option("id", c.id, "The job's id (from `parkd job list`)")->required();
  };
  auto json = [&c](CLI::App* sub) {
    sub->add_flag("--json", c.json, "Print the API's JSON instead of text");
  };
  c.list = job->add_subcommand("list", "List jobs, newest first, with their last error");
  c.list->add_option("--status", c.status_filter,
                     "Only jobs in this state: queued, running, succeeded, failed or dead");
  c.list->add_option("--type", c.type_filter, "Only jobs of this type (e.g. booking_confirmation)");
  c.list->add_option("--limit", c.limit, "At most this many jobs (default 50)")
      ->check(CLI::Range(1, 10000));
  c.list->add_option("--offset", c.offset, "Skip this many jobs first (paging)")
      ->check(CLI::NonNegativeNumber);
  json(c.list);
  c.show = job->add_subcommand("show", "Show one job: state, attempts, payload, last error");
  id(c.show);
  json(c.show);
  c.retry = job->add_subcommand(
      "retry", "Queue a dead or failed job again, its attempts reset (it runs at once)");
  id(c.retry);
  json(c.retry);
  c.remove = job->add_subcommand("delete", "Delete a dead or succeeded job");
  id(c.remove);
}

std::optional<int> run_job_command(const JobCommands& c) {
  bool chosen = *c.enqueue || *c.list || *c.show || *c.retry || *c.remove;
  if (!chosen) return std::nullopt;
  // Checked before the database is opened: a typo must not wait for it.
  if (*c.list && !c.status_filter.empty() && !is_job_status(c.status_filter)) {
    return fail(Error::validation({{"--status", job_status_problem()}}));
  }
  if (*c.list && !c.type_filter.empty() && !is_known_job_type(c.type_filter)) {
    return fail(Error::validation({{"--type", unknown_job_type_message(c.type_filter)}}));
  }
  auto rt = boot(true);
  if (!rt) return fail(rt.error());
  if (*c.enqueue) return cmd_enqueue(*rt, c);
  JobService jobs(*rt->store, rt->config.job_max_attempts);
  if (*c.list) return cmd_list(jobs, c);
  if (*c.show) return cmd_show(jobs, c);
  if (*c.retry) return cmd_retry(jobs, c);
  return cmd_delete(jobs, c);
}

}  // namespace parkd
