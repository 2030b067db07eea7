// Black-box: the durable job queue (docs/openapi.yaml tag jobs and docs/api.md
// "Emails (background jobs)"): retries with backoff, dead jobs, a worker killed mid-job, graceful
// shutdown, schedules fired once by several schedulers, jobs committed with bookings,
// and who may see a job.
#include "common/time.h"
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/job_support.h"
#include "support/parkd_process.h"
#include "support/smtp_sink.h"
#include "support/test_database.h"

#include <gtest/gtest.h>

#include <sched.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace parkd::test {
namespace {

using namespace std::chrono_literals;

// The scheduling policy of each of `pid`'s threads named `name` (field 41 of its stat
// line, counted after the parenthesised command, which may contain spaces).
std::vector<int> policy_of_threads(pid_t pid, const std::string& name) {
  std::vector<int> out;
  std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string thread_name;
    std::getline(comm, thread_name);
    if (thread_name != name) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    if (stat.rfind(')') == std::string::npos) continue;  // the thread has just exited
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 41; ++i) fields >> field;  // the line after ')' starts at field 3
    out.push_back(std::stoi(field));
  }
  return out;
}

TEST(JobThreads, TheWorkerInsideServeRunsOnlyWhenRequestsLeaveACpuIdle) {
  ParkdProcess parkd;
  // The worker starts beside the HTTP side, so its threads may come a moment after the
  // first answer (seconds later under a sanitizer on PostgreSQL).
  std::vector<int> workers;
  ASSERT_TRUE(eventually(
      [&] {
        workers = policy_of_threads(parkd.pid(), "parkd-worker");
        return workers.size() == 2;  // WORKER_CONCURRENCY's default
      },
      20s))
      << "worker threads: " << workers.size() << "\n"
      << parkd.log();
  auto handlers = policy_of_threads(parkd.pid(), "parkd-http");
  auto writer = policy_of_threads(parkd.pid(), "parkd-writer");
  ASSERT_FALSE(handlers.empty());
  for (int h : handlers) EXPECT_EQ(h, SCHED_OTHER);
  for (int w : writer) EXPECT_EQ(w, SCHED_OTHER);  // none on PostgreSQL
  for (int w : workers) EXPECT_EQ(w, SCHED_IDLE);
}

const std::vector<std::string> kApiOnly{"serve", "--no-worker", "--no-scheduler"};

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every test gets its own database in `dir_`; `api_` serves HTTP on it, with or without
// the background side.
class Jobs : public ::testing::Test {
 protected:
  void start_api(std::map<std::string, std::string> env = {},
                 std::vector<std::string> args = {"serve", "--no-scheduler"}) {
    api_ = std::make_unique<ParkdProcess>(std::move(env), std::move(args), dir_.path());
    admin_ = api_->admin_token();
  }
  HttpClient http() const { return api_->client(); }
  std::filesystem::path marker() const { return dir_.path() / "marker.txt"; }
  json selftest(int fail_first, int sleep_ms = 0) const {
    return {{"fail_first", fail_first}, {"sleep_ms", sleep_ms}, {"marker_file", marker().string()}};
  }

  TempDir dir_;
  std::unique_ptr<ParkdProcess> api_;
  std::string admin_;
};

TEST_F(Jobs, AWorkerOnItsOwnRunsAtNormalPriority) {
  BackgroundProcess worker({"worker"}, dir_.path());
  std::vector<int> policies;
  ASSERT_TRUE(eventually(
      [&] {
        policies = policy_of_threads(worker.pid(), "parkd-worker");
        return policies.size() == 2;  // WORKER_CONCURRENCY's default
      },
      10s))
      << worker.log();
  for (int p : policies) EXPECT_EQ(p, SCHED_OTHER);
}

TEST_F(Jobs, AJobThatFailsTwiceSucceedsOnTheThirdAttempt) {
  start_api();
  std::int64_t id = enqueue_job(dir_.path(), "selftest", selftest(2));

  // Between the attempts the job waits as failed, with the reason.
  json failed = wait_for_job(http(), admin_, id, "failed", 10s);
  ASSERT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_NE(failed["last_error"].get<std::string>().find("failing attempt"), std::string::npos)
      << failed.dump();
  EXPECT_TRUE(failed["finished_at"].is_null());

  // Backoff 1-2 s, then 2-4 s.
  json job = wait_for_job(http(), admin_, id, "succeeded", 15s);
  ASSERT_EQ(job["status"], "succeeded") << job.dump() << "\n" << api_->log();
  EXPECT_EQ(job["attempts"], 3);
  EXPECT_EQ(job["type"], "selftest");
  EXPECT_TRUE(job["finished_at"].is_string());
  // started_at is the last attempt's start: not before the retry a failed attempt waited
  // for, and not after the job finished (ISO 8601 UTC texts compare as times).
  ASSERT_TRUE(job["started_at"].is_string()) << job.dump();
  EXPECT_GE(job["started_at"].get<std::string>(), failed["run_at"].get<std::string>())
      << failed.dump() << "\n"
      << job.dump();
  EXPECT_LE(job["started_at"].get<std::string>(), job["finished_at"].get<std::string>());
  // It recovered: the error of the failed attempts no longer shows.
  EXPECT_TRUE(job["last_error"].is_null()) << job.dump();
  EXPECT_EQ(lines_of(marker()),
            std::vector<std::string>{"job " + std::to_string(id) + " attempt 3"});
}

// Retention: the daily purge deletes succeeded jobs older than JOB_RETENTION_DAYS and keeps
// dead ones (an operator's to look at). The worker runs it with its clock 15 days ahead.
TEST_F(Jobs, ThePurgeDeletesSucceededJobsPastTheRetentionAndKeepsDeadOnes) {
  start_api({{"JOB_MAX_ATTEMPTS", "1"}}, kApiOnly);
  std::int64_t done = enqueue_job(dir_.path(), "selftest", selftest(0));
  std::int64_t dead =
      enqueue_job(dir_.path(), "selftest", selftest(5), {{"JOB_MAX_ATTEMPTS", "1"}});
  {
    BackgroundProcess worker({"worker"}, dir_.path());
    ASSERT_EQ(wait_for_job(http(), admin_, done, "succeeded", 10s)["status"], "succeeded");
    ASSERT_EQ(wait_for_job(http(), admin_, dead, "dead", 10s)["status"], "dead");
  }
  const std::string later = std::to_string(15 * 86400);
  // Kept for 30 days: nothing to delete yet.
  std::int64_t keep = enqueue_job(dir_.path(), "purge", json::object());
  {
    BackgroundProcess worker({"worker"}, dir_.path(),
                             {{"PARKD_CLOCK_OFFSET", later}, {"JOB_RETENTION_DAYS", "30"}});
    ASSERT_EQ(wait_for_job(http(), admin_, keep, "succeeded", 10s)["status"], "succeeded");
  }
  EXPECT_EQ(job_of(http(), admin_, done)["status"], "succeeded");
  // Old schedule runs go too, except each schedule's latest.
  sql_rows(dir_.path(),
           "INSERT INTO schedule_runs (name, due_at, created_at) VALUES ('a', 1000, 1000), "
           "('a', 2000, 2000), ('b', 3000, 3000)");
  // The default 14 days: the succeeded job goes, the dead one stays.
  std::int64_t purge = enqueue_job(dir_.path(), "purge", json::object());
  {
    BackgroundProcess worker({"worker"}, dir_.path(), {{"PARKD_CLOCK_OFFSET", later}});
    ASSERT_EQ(wait_for_job(http(), admin_, purge, "succeeded", 10s)["status"], "succeeded");
  }
  EXPECT_TRUE(job_of(http(), admin_, done).is_null()) << "deleted";
  EXPECT_EQ(sql_rows(dir_.path(), "SELECT name, due_at FROM schedule_runs ORDER BY name"),
            (std::vector<std::vector<std::string>>{{"a", "2000"}, {"b", "3000"}}));
  EXPECT_EQ(job_of(http(), admin_, dead)["status"], "dead");
  EXPECT_EQ(http().get("/api/admin/jobs?status=succeeded", admin_).json()["total"], 2)
      << "the two purge jobs themselves, finished 15 days ahead";
}

TEST_F(Jobs, AJobThatAlwaysFailsIsDeadAfterMaxAttemptsWithItsLastError) {
  start_api({{"JOB_MAX_ATTEMPTS", "2"}});
  std::int64_t id =
      enqueue_job(dir_.path(), "selftest", selftest(100), {{"JOB_MAX_ATTEMPTS", "2"}});

  json job = wait_for_job(http(), admin_, id, "dead", 10s);
  ASSERT_EQ(job["status"], "dead") << job.dump() << "\n" << api_->log();
  EXPECT_EQ(job["attempts"], 2);
  EXPECT_EQ(job["last_error"], "selftest: failing attempt 2 on purpose");
  EXPECT_TRUE(job["finished_at"].is_string());
  EXPECT_FALSE(std::filesystem::exists(marker()));

  auto dead = http().get("/api/admin/jobs?status=dead", admin_);
  ASSERT_EQ(dead.status, 200) << dead.body;
  EXPECT_EQ(dead.json()["total"], 1);
  EXPECT_EQ(dead.json()["jobs"][0]["id"], id);
  EXPECT_EQ(http().get("/api/admin/jobs?status=succeeded", admin_).json()["total"], 0);
}

TEST_F(Jobs, TheJobOfAKilledWorkerRunsAgainAfterItsLeaseAndFinishesOnce) {
  const std::map<std::string, std::string> lease{{"JOB_LEASE_SECONDS", "5"}};
  start_api(lease, kApiOnly);
  auto first =
      std::make_unique<BackgroundProcess>(std::vector<std::string>{"worker"}, dir_.path(), lease);
  std::int64_t id = enqueue_job(dir_.path(), "selftest", selftest(0, 3000));
  json running = wait_for_job(http(), admin_, id, "running", 10s);
  ASSERT_EQ(running["status"], "running") << running.dump() << "\n" << first->log();
  auto claimed = std::chrono::steady_clock::now();

  EXPECT_EQ(first->stop(SIGKILL), -SIGKILL);
  // Nobody finishes it while its lease holds.
  EXPECT_EQ(job_of(http(), admin_, id)["status"], "running");
  BackgroundProcess second({"worker"}, dir_.path(), lease);

  json job = wait_for_job(http(), admin_, id, "succeeded", 20s);
  ASSERT_EQ(job["status"], "succeeded") << job.dump() << "\n" << second.log();
  EXPECT_EQ(job["attempts"], 2);
  // Not before the 5-second lease ran out, and then the 3 seconds of the job.
  EXPECT_GE(std::chrono::steady_clock::now() - claimed, 7s);
  EXPECT_EQ(lines_of(marker()),
            std::vector<std::string>{"job " + std::to_string(id) + " attempt 2"});
}

TEST_F(Jobs, AWorkerStoppedWithSigtermFinishesItsRunningJobUnderItsLeaseAndExitsZero) {
  // The job outlasts the lease: the stopping worker must keep extending it, or the
  // other worker would take the job over and run it a second time.
  const std::map<std::string, std::string> lease{{"JOB_LEASE_SECONDS", "5"}};
  start_api(lease, kApiOnly);
  auto stopping =
      std::make_unique<BackgroundProcess>(std::vector<std::string>{"worker"}, dir_.path(), lease);
  std::int64_t id = enqueue_job(dir_.path(), "selftest", selftest(0, 7000));
  ASSERT_EQ(wait_for_job(http(), admin_, id, "running", 10s)["status"], "running")
      << stopping->log();
  BackgroundProcess other({"worker"}, dir_.path(), lease);

  EXPECT_EQ(stopping->stop(SIGTERM, 20), 0) << stopping->log();
  json job = job_of(http(), admin_, id);
  EXPECT_EQ(job["status"], "succeeded") << job.dump() << "\n" << stopping->log() << other.log();
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_EQ(lines_of(marker()),
            std::vector<std::string>{"job " + std::to_string(id) + " attempt 1"});
  EXPECT_EQ(stopping->log().find("lease was taken over"), std::string::npos) << stopping->log();
}

TEST_F(Jobs, AServeProcessStoppedWithSigtermFinishesItsRunningJobAndExitsZero) {
  start_api();
  std::int64_t id = enqueue_job(dir_.path(), "selftest", selftest(0, 2000));
  ASSERT_EQ(wait_for_job(http(), admin_, id, "running", 10s)["status"], "running") << api_->log();

  EXPECT_EQ(api_->stop(SIGTERM, 20), 0) << api_->log();
  auto job = sql_rows(dir_.path(), "SELECT status, attempts FROM jobs WHERE id = ?1",
                      {std::to_string(id)});
  ASSERT_EQ(job.size(), 1u);
  EXPECT_EQ(job[0], (std::vector<std::string>{"succeeded", "1"})) << api_->log();
  EXPECT_EQ(lines_of(marker()).size(), 1u);
}

// The offset that puts parkd's clock `lead` seconds before a minute boundary now.
std::int64_t offset_before_minute(std::int64_t lead) {
  std::int64_t boundary = unix_now() + lead;
  return (60 - boundary % 60) % 60;
}

TEST_F(Jobs, TwoSchedulersFireEachDueTimeOnce) {
  start_api({}, kApiOnly);
  // parkd's minute boundary comes 4 s from now: after both have started (a schedule
  // that never fired on this database does not backfill).
  std::int64_t offset = offset_before_minute(4);
  std::int64_t due = unix_now() + 4 + offset;
  due -= due % 60;
  const std::map<std::string, std::string> env{{"PARKD_CLOCK_OFFSET", std::to_string(offset)},
                                               {"CRON_DAILY_ADMIN_REPORT", "* * * * *"}};
  BackgroundProcess a({"scheduler"}, dir_.path(), env);
  BackgroundProcess b({"scheduler"}, dir_.path(), env);
  ASSERT_LT(unix_now() + offset, due) << "the schedulers took too long to start";

  ASSERT_TRUE(
      eventually([&] { return !jobs_of_type(http(), admin_, "daily_admin_report").empty(); }, 10s))
      << a.log() << b.log();
  // Both schedulers wake within about a second of the due time; give the slower one
  // time to try (and fail) to claim it too.
  while (unix_now() + offset < due + 3) std::this_thread::sleep_for(100ms);

  auto reports = jobs_of_type(http(), admin_, "daily_admin_report");
  EXPECT_EQ(reports.size(), 1u) << reports.dump();
  // The every-minute reservation sweep, due at the same minute, also fired once.
  EXPECT_EQ(jobs_of_type(http(), admin_, "complete_reservations").size(), 1u);
  auto runs = sql_rows(dir_.path(),
                       "SELECT r.name, r.due_at, j.payload FROM "
                       "schedule_runs r JOIN jobs j ON j.id = r.job_id ORDER BY r.name");
  ASSERT_EQ(runs.size(), 2u);
  for (auto& run : runs) run[2] = json::parse(run[2]).value("due_at", "");
  EXPECT_EQ(runs[0], (std::vector<std::string>{"complete_reservations", std::to_string(due),
                                               format_iso8601(from_unix(due))}));
  EXPECT_EQ(runs[1], (std::vector<std::string>{"daily_admin_report", std::to_string(due),
                                               format_iso8601(from_unix(due))}));
  EXPECT_TRUE(a.running() && b.running());
}

TEST_F(Jobs, TheEveryMinuteSweepLogsAtInfoOnlyWhenItCompletesAReservation) {
  auto sweep_jobs_succeeded = [&](std::size_t n) {
    return eventually(
        [&] {
          auto jobs = jobs_of_type(http(), admin_, "complete_reservations");
          std::size_t done = 0;
          for (const auto& j : jobs) done += j["status"] == "succeeded";
          return done >= n;
        },
        20s);
  };
  // A sweep that finds nothing to do: neither its firing nor its success is logged.
  std::int64_t offset = offset_before_minute(6);
  std::int64_t due = unix_now() + 6 + offset;
  due -= due % 60;
  start_api({{"PARKD_CLOCK_OFFSET", std::to_string(offset)}}, {"serve"});
  ASSERT_TRUE(sweep_jobs_succeeded(1)) << api_->log();
  std::this_thread::sleep_for(1500ms);  // info lines are written within a second
  EXPECT_EQ(api_->log().find("complete_reservations fired"), std::string::npos) << api_->log();
  EXPECT_EQ(api_->log().find("(complete_reservations) succeeded"), std::string::npos)
      << api_->log();
  api_.reset();

  // A reservation that ended an hour ago (booked with parkd's clock two hours back).
  start_api({{"PARKD_CLOCK_OFFSET", "-7200"}}, kApiOnly);
  auto lot = create_lot(http(), admin_, 1);
  auto user = make_user(*api_);
  ASSERT_EQ(book(http(), user.token, reservation(lot["id"].get<std::int64_t>(), -7200 + 120, -3600))
                .status,
            201);
  api_.reset();

  // The next minute's sweep completes it, and says so at info.
  offset = due + 60 - 6 - unix_now();
  start_api({{"PARKD_CLOCK_OFFSET", std::to_string(offset)}}, {"serve"});
  ASSERT_TRUE(sweep_jobs_succeeded(2)) << api_->log();
  bool completed_line = eventually(
      [&] { return api_->log().find("(complete_reservations) succeeded") != std::string::npos; },
      5s);
  EXPECT_TRUE(completed_line) << api_->log();
  EXPECT_NE(api_->log().find("booking: completed 1 ended reservation(s)"), std::string::npos)
      << api_->log();
}

TEST_F(Jobs, ADueTimeMissedWhileNothingRanFiresOnceAtStartUp) {
  start_api({}, kApiOnly);
  std::int64_t offset = offset_before_minute(4);
  std::int64_t due = unix_now() + 4 + offset;
  due -= due % 60;
  std::map<std::string, std::string> env{{"PARKD_CLOCK_OFFSET", std::to_string(offset)},
                                         {"CRON_DAILY_ADMIN_REPORT", "* * * * *"}};
  {
    BackgroundProcess scheduler({"scheduler"}, dir_.path(), env);
    ASSERT_TRUE(eventually(
        [&] { return jobs_of_type(http(), admin_, "daily_admin_report").size() == 1; }, 10s))
        << scheduler.log();
  }
  // Ten minutes later (for parkd): ten due times were missed; only the latest fires, once,
  // even with two schedulers starting together.
  env["PARKD_CLOCK_OFFSET"] = std::to_string(offset + 600);
  BackgroundProcess a({"scheduler"}, dir_.path(), env);
  BackgroundProcess b({"scheduler"}, dir_.path(), env);
  ASSERT_TRUE(eventually(
      [&] { return jobs_of_type(http(), admin_, "daily_admin_report").size() >= 2; }, 10s))
      << a.log() << b.log();
  std::this_thread::sleep_for(1s);  // the other scheduler's start-up claim, if any
  auto due_times = sql_rows(
      dir_.path(),
      "SELECT due_at FROM schedule_runs WHERE name = 'daily_admin_report' ORDER BY due_at");
  ASSERT_EQ(due_times.size(), 2u);
  EXPECT_EQ(due_times[0][0], std::to_string(due));
  // parkd's clock is now a few seconds past due + 600 s: that is the latest due time.
  EXPECT_EQ(due_times[1][0], std::to_string(due + 600));
  EXPECT_EQ(jobs_of_type(http(), admin_, "daily_admin_report").size(), 2u);
}

TEST_F(Jobs, ABookingCommitsWithExactlyOneConfirmationJobAndAFailedOneWithNone) {
  start_api({}, kApiOnly);
  auto lot = create_lot(http(), admin_, 2);
  auto users = make_users(*api_, 5, 5);
  auto results = run_together(5, [&](int i) {
    return book(http(), users[static_cast<std::size_t>(i)].token, {{"lot_id", lot["id"]}});
  });
  std::set<std::string> booking_ids;
  int full = 0;
  for (const auto& r : results) {
    if (r.status == 201) {
      booking_ids.insert(r.json()["booking"]["id"].dump());
    } else {
      EXPECT_TRUE(IsJsonError(r, 409, "lot_full"));
      ++full;
    }
  }
  EXPECT_EQ(booking_ids.size(), 2u);
  EXPECT_EQ(full, 3);

  auto jobs = jobs_of_type(http(), admin_, "booking_confirmation");
  EXPECT_EQ(jobs.size(), 2u) << jobs.dump();
  std::set<std::string> confirmed;
  for (const auto& row :
       sql_rows(dir_.path(), "SELECT payload FROM jobs WHERE type = 'booking_confirmation'")) {
    confirmed.insert(json::parse(row[0])["booking_id"].dump());
  }
  EXPECT_EQ(confirmed, booking_ids);

  // One more failed booking still adds nothing.
  EXPECT_TRUE(IsJsonError(book(http(), users[0].token, {{"lot_id", lot["id"]}}), 409, "lot_full"));
  EXPECT_EQ(jobs_of_type(http(), admin_, "booking_confirmation").size(), 2u);
  EXPECT_EQ(sql_count(dir_.path(), "SELECT COUNT(*) FROM jobs"), 2);
}

TEST_F(Jobs, AJobIsVisibleToItsOwnerAndAdminsAndNotFoundForOthers) {
  start_api({}, kApiOnly);
  auto owner = make_user(*api_);
  auto other = make_user(*api_);
  auto r = http().get("/api/export", owner.token);
  ASSERT_EQ(r.status, 202) << r.body;
  auto accepted = r.json();
  std::int64_t id = accepted["job_id"].get<std::int64_t>();
  EXPECT_EQ(accepted["task_id"], std::to_string(id));
  EXPECT_EQ(accepted["status"], "queued");
  EXPECT_TRUE(accepted["message"].is_string());

  json seen = job_of(http(), owner.token, id);
  ASSERT_TRUE(seen.is_object());
  EXPECT_EQ(seen["id"], id);
  EXPECT_EQ(seen["type"], "user_export");
  EXPECT_EQ(seen["status"], "queued");
  EXPECT_EQ(seen["attempts"], 0);
  EXPECT_TRUE(seen["last_error"].is_null());
  EXPECT_TRUE(seen["created_at"].is_string());
  EXPECT_TRUE(seen["finished_at"].is_null());
  EXPECT_TRUE(seen["started_at"].is_null());  // not claimed yet
  EXPECT_EQ(job_of(http(), admin_, id), seen);

  EXPECT_TRUE(IsJsonError(http().get("/api/jobs/" + std::to_string(id), other.token), 404));
  EXPECT_TRUE(IsJsonError(http().get("/api/jobs/999999", owner.token), 404));
  EXPECT_TRUE(IsJsonError(http().get("/api/jobs/" + std::to_string(id)), 401));
  EXPECT_TRUE(IsJsonError(http().get("/api/admin/jobs", owner.token), 403));
  EXPECT_TRUE(IsJsonError(http().get("/api/admin/jobs?status=stuck", admin_), 400));
  auto queued = http().get("/api/admin/jobs?status=queued", admin_);
  ASSERT_EQ(queued.status, 200) << queued.body;
  EXPECT_EQ(queued.json()["total"], 1);
}

}  // namespace
}  // namespace parkd::test

namespace parkd::test {
namespace {

using parkd::testing::SmtpSink;

// The operator's job console: filter, retry and delete (docs/api.md "Operating jobs").
TEST_F(Jobs, AnOperatorRetriesADeadJobWhichThenSucceeds) {
  // A confirmation the mail server refuses for good (550: dead at once), retried by an
  // operator once the mailbox exists.
  SmtpSink sink;
  ASSERT_TRUE(sink.start());
  start_api({{"SMTP_HOST", "127.0.0.1"},
             {"SMTP_PORT", std::to_string(sink.port())},
             {"SMTP_TLS", "none"},
             {"MAIL_FROM", "parking@test.local"}});
  auto user = make_user(*api_);
  sink.refuse_recipient(user.email, "550 5.1.1 no such user", 1);
  auto lot = create_lot(http(), admin_, 1);
  ASSERT_EQ(book(http(), user.token, {{"lot_id", lot["id"]}}).status, 201);
  json dead;
  ASSERT_TRUE(eventually(
      [&] {
        auto found = jobs_of_type(http(), admin_, "booking_confirmation");
        if (found.empty()) return false;
        dead = found[0];
        return dead["status"] == "dead";
      },
      20s))
      << dead.dump() << api_->log();
  auto id = dead["id"].get<std::int64_t>();

  auto retried =
      http().post("/api/admin/jobs/" + std::to_string(id) + "/retry", json::object(), admin_);
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(retried.json()["job"]["id"], id);
  EXPECT_EQ(retried.json()["job"]["attempts"], 0) << "attempts reset";
  json job = wait_for_job(http(), admin_, id, "succeeded", 20s);
  EXPECT_EQ(job["status"], "succeeded") << job.dump() << api_->log();
  EXPECT_TRUE(job["last_error"].is_null()) << job.dump();
  EXPECT_TRUE(sink.wait_for_messages(1, 10s));
}

TEST_F(Jobs, OnlyDeadOrFailedJobsAreRetriedAndOnlyDeadOrSucceededOnesDeleted) {
  start_api({}, kApiOnly);  // no worker: what is queued stays queued
  std::int64_t queued = enqueue_job(dir_.path(), "selftest", selftest(0));
  auto path = "/api/admin/jobs/" + std::to_string(queued);

  auto retry = http().post(path + "/retry", json::object(), admin_);
  EXPECT_TRUE(IsJsonError(retry, 409, "job_not_retryable")) << retry.status << retry.body;
  auto del = http().del(path, admin_);
  EXPECT_TRUE(IsJsonError(del, 409, "job_not_deletable")) << del.status << del.body;
  EXPECT_EQ(job_of(http(), admin_, queued)["status"], "queued") << "left as it was";

  EXPECT_TRUE(IsJsonError(http().post("/api/admin/jobs/999999/retry", json::object(), admin_), 404,
                          "not_found"));
  EXPECT_TRUE(IsJsonError(http().del("/api/admin/jobs/999999", admin_), 404, "not_found"));
  auto user = make_user(*api_);
  EXPECT_EQ(http().del(path, user.token).status, 403);

  // Once the worker has run it, the succeeded job can go.
  BackgroundProcess worker({"worker"}, dir_.path());
  ASSERT_EQ(wait_for_job(http(), admin_, queued, "succeeded", 10s)["status"], "succeeded");
  auto deleted = http().del(path, admin_);
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(job_of(http(), admin_, queued).is_null());
}

TEST_F(Jobs, TheAdminListFiltersByTypeAndStatusAndPages) {
  start_api({}, kApiOnly);
  for (int i = 0; i < 3; ++i) enqueue_job(dir_.path(), "selftest", selftest(0));
  enqueue_job(dir_.path(), "purge", json::object());

  auto selftests = http().get("/api/admin/jobs?type=selftest", admin_).json();
  EXPECT_EQ(selftests["total"], 3);
  for (const auto& j : selftests["jobs"]) EXPECT_EQ(j["type"], "selftest");
  auto page = http().get("/api/admin/jobs?type=selftest&status=queued&limit=2&offset=2", admin_);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.json()["total"], 3);
  EXPECT_EQ(page.json()["jobs"].size(), 1u);
  EXPECT_EQ(http().get("/api/admin/jobs?type=purge", admin_).json()["total"], 1);
  auto bad = http().get("/api/admin/jobs?type=bogus", admin_);
  EXPECT_TRUE(IsJsonError(bad, 400, "validation_error")) << bad.body;
}

TEST_F(Jobs, AnUnknownJobTypeIsRefusedAtEnqueueWithExitStatusTwo) {
  start_api({}, kApiOnly);
  auto r = run_parkd({"job", "enqueue", "no_such_type"},
                     {{"DATABASE_URL", database_url_for(dir_.path())}}, dir_.path());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown job type 'no_such_type'"), std::string::npos) << r.output;
  // By type, not by total: the every-minute sweep may queue its own job meanwhile.
  const json jobs = http().get("/api/admin/jobs?limit=100", admin_).json()["jobs"];
  for (const auto& j : jobs) {
    EXPECT_NE(j["type"], "no_such_type") << "nothing was queued";
  }
}

}  // namespace
}  // namespace parkd::test
