// Black-box tests of `parkd job list|show|retry|delete` against a running server sharing
// its database (docs/api.md "Operating jobs"): what each command shows is what the API shows,
// what it changes the worker and the API then see, and each refusal exits 2 and changes
// nothing.
#include "support/api_helpers.h"
#include "support/job_support.h"
#include "support/parkd_process.h"
#include "support/smtp_sink.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::vector<std::string> kApiOnly{"serve", "--no-worker", "--no-scheduler"};

CommandResult job_cli(const ParkdProcess& p, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> full{"job"};
  full.insert(full.end(), args.begin(), args.end());
  return run_parkd(full, env, p.dir(), 60s);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The table rows of `job list` (lines that start with a padded job id), by id.
std::map<std::int64_t, std::string> rows_of(const std::string& output) {
  std::map<std::int64_t, std::string> rows;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::size_t digits = line.find_first_not_of("0123456789");
    // A row's id is padded (the summary line under the table starts with a number too).
    if (digits == 0 || digits + 1 >= line.size() || line.compare(digits, 2, "  ") != 0) continue;
    rows[std::stoll(line.substr(0, digits))] = line;
  }
  return rows;
}

// `--json` output: the JSON document (log lines go to stderr, which the output shares;
// LOG_LEVEL=warn keeps them out).
json json_of(const CommandResult& r) {
  auto start = r.output.find('{');
  return start == std::string::npos ? json() : json::parse(r.output.substr(start), nullptr, false);
}

TEST(JobCli, ListFiltersByStatusAndTypeAndPages) {
  ParkdProcess parkd({}, kApiOnly);  // no worker: what is queued stays queued
  std::vector<std::int64_t> selftests;
  for (int i = 0; i < 3; ++i)
    selftests.push_back(enqueue_job(parkd.dir(), "selftest", json::object()));
  std::int64_t purge = enqueue_job(parkd.dir(), "purge", json::object());

  auto all = job_cli(parkd, {"list"});
  ASSERT_EQ(all.exit_code, 0) << all.output;
  auto rows = rows_of(all.output);
  ASSERT_EQ(rows.size(), 4u) << all.output;
  EXPECT_TRUE(contains(rows[purge], "purge") && contains(rows[purge], "queued")) << rows[purge];
  EXPECT_TRUE(contains(all.output, "LAST ERROR")) << all.output;

  auto only_selftests = job_cli(parkd, {"list", "--type", "selftest"});
  ASSERT_EQ(only_selftests.exit_code, 0) << only_selftests.output;
  rows = rows_of(only_selftests.output);
  EXPECT_EQ(rows.size(), 3u) << only_selftests.output;
  for (std::int64_t id : selftests) EXPECT_TRUE(contains(rows[id], "selftest")) << rows[id];

  auto page = job_cli(parkd, {"list", "--status", "queued", "--type", "selftest", "--limit", "2"});
  ASSERT_EQ(page.exit_code, 0) << page.output;
  EXPECT_EQ(rows_of(page.output).size(), 2u) << page.output;
  EXPECT_TRUE(contains(page.output, "Jobs 1-2 of 3; see more with --offset 2")) << page.output;

  auto dead = job_cli(parkd, {"list", "--status", "dead"});
  ASSERT_EQ(dead.exit_code, 0) << dead.output;
  EXPECT_TRUE(rows_of(dead.output).empty()) << dead.output;

  // --json is the API's answer.
  auto as_json = job_cli(parkd, {"list", "--type", "purge", "--json"}, {{"LOG_LEVEL", "warn"}});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.output;
  auto api = parkd.client().get("/api/admin/jobs?type=purge", parkd.admin_token());
  EXPECT_EQ(json_of(as_json), api.json()) << as_json.output;

  auto bad_status = job_cli(parkd, {"list", "--status", "lost"});
  EXPECT_EQ(bad_status.exit_code, 2) << bad_status.output;
  EXPECT_TRUE(contains(bad_status.output, "--status: must be one of queued")) << bad_status.output;
  auto bad_type = job_cli(parkd, {"list", "--type", "no_such_type"});
  EXPECT_EQ(bad_type.exit_code, 2) << bad_type.output;
  EXPECT_TRUE(contains(bad_type.output, "unknown job type 'no_such_type'")) << bad_type.output;
}

TEST(JobCli, ShowPrintsADeadJobsErrorAndRetryRunsItAgain) {
  // A confirmation the mail server refuses for good (550: dead at once), retried from
  // the command line once the mailbox exists.
  parkd::testing::SmtpSink sink;
  ASSERT_TRUE(sink.start());
  ParkdProcess parkd({{"SMTP_HOST", "127.0.0.1"},
                      {"SMTP_PORT", std::to_string(sink.port())},
                      {"SMTP_TLS", "none"},
                      {"MAIL_FROM", "parking@test.local"}},
                     {"serve", "--no-scheduler"});
  std::string admin = parkd.admin_token();
  auto user = make_user(parkd);
  sink.refuse_recipient(user.email, "550 5.1.1 no such user", 1);
  auto lot = create_lot(parkd.client(), admin, 1);
  ASSERT_EQ(book(parkd.client(), user.token, {{"lot_id", lot["id"]}}).status, 201);
  json dead;
  ASSERT_TRUE(eventually(
      [&] {
        auto found = jobs_of_type(parkd.client(), admin, "booking_confirmation");
        if (found.empty()) return false;
        dead = found[0];
        return dead["status"] == "dead";
      },
      20s))
      << dead.dump() << parkd.log();
  std::int64_t id = dead["id"];
  std::string id_text = std::to_string(id);

  auto shown = job_cli(parkd, {"show", id_text});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_TRUE(contains(shown.output, "status:       dead")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "type:         booking_confirmation")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "last_error:   " + dead["last_error"].get<std::string>()))
      << shown.output;
  EXPECT_TRUE(contains(shown.output, "550")) << shown.output;
  auto listed = job_cli(parkd, {"list", "--status", "dead"});
  std::string row = rows_of(listed.output)[id];
  EXPECT_TRUE(contains(row, "dead") && contains(row, "SMTP delivery")) << listed.output;

  auto retried = job_cli(parkd, {"retry", id_text});
  ASSERT_EQ(retried.exit_code, 0) << retried.output;
  EXPECT_TRUE(contains(retried.output, "queued again")) << retried.output;
  json job = wait_for_job(parkd.client(), admin, id, "succeeded", 20s);
  EXPECT_EQ(job["status"], "succeeded") << job.dump() << parkd.log();
  EXPECT_TRUE(sink.wait_for_messages(1, 10s));
  auto after = job_cli(parkd, {"show", id_text});
  EXPECT_TRUE(contains(after.output, "status:       succeeded")) << after.output;
  EXPECT_TRUE(contains(after.output, "last_error:   -")) << after.output;
}

TEST(JobCli, DeleteRemovesDeadAndSucceededJobs) {
  ParkdProcess parkd({}, {"serve", "--no-scheduler"});
  std::string admin = parkd.admin_token();
  std::int64_t done = enqueue_job(parkd.dir(), "selftest", json::object());
  std::int64_t dead =
      enqueue_job(parkd.dir(), "selftest", {{"fail_first", 100}}, {{"JOB_MAX_ATTEMPTS", "1"}});
  ASSERT_EQ(wait_for_job(parkd.client(), admin, done, "succeeded", 10s)["status"], "succeeded");
  ASSERT_EQ(wait_for_job(parkd.client(), admin, dead, "dead", 10s)["status"], "dead");

  for (std::int64_t id : {done, dead}) {
    auto r = job_cli(parkd, {"delete", std::to_string(id)});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "Deleted job " + std::to_string(id))) << r.output;
    EXPECT_EQ(parkd.client().get("/api/jobs/" + std::to_string(id), admin).status, 404);
    EXPECT_EQ(job_cli(parkd, {"show", std::to_string(id)}).exit_code, 2);
  }
  EXPECT_TRUE(rows_of(job_cli(parkd, {"list"}).output).empty());
}

TEST(JobCli, RetryAndDeleteRefuseJobsInOtherStatesAndUnknownIds) {
  ParkdProcess parkd({}, kApiOnly);
  std::string admin = parkd.admin_token();
  std::int64_t queued = enqueue_job(parkd.dir(), "selftest", json::object());
  std::string id = std::to_string(queued);

  auto retry = job_cli(parkd, {"retry", id});
  EXPECT_EQ(retry.exit_code, 2) << retry.output;
  EXPECT_TRUE(
      contains(retry.output, "Only a dead or failed job can be retried; this one is queued"))
      << retry.output;
  auto del = job_cli(parkd, {"delete", id});
  EXPECT_EQ(del.exit_code, 2) << del.output;
  EXPECT_TRUE(contains(del.output, "Only a dead or succeeded job can be deleted")) << del.output;
  auto job = parkd.client().get("/api/jobs/" + id, admin).json()["job"];
  EXPECT_EQ(job["status"], "queued") << "left as it was";
  EXPECT_EQ(job["attempts"], 0);

  for (const char* command : {"show", "retry", "delete"}) {
    auto r = job_cli(parkd, {command, "999999"});
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "parkd: no job with id 999999")) << command << ": " << r.output;
  }
  auto not_a_number = job_cli(parkd, {"show", "first"});
  EXPECT_EQ(not_a_number.exit_code, 2) << not_a_number.output;
}

}  // namespace
}  // namespace parkd::test
