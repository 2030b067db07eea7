// `parkd send`: the original's asynctask_demo.py as a subcommand.
#include "support/api_helpers.h"
#include "support/parkd_process.h"
#include "support/test_database.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace parkd::test {
namespace {

std::size_t outbox_files(const std::filesystem::path& dir) {
  auto outbox = dir / "instance" / "outbox";
  if (!std::filesystem::exists(outbox)) return 0;
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(outbox))
    n += e.path().extension() == ".eml";
  return n;
}

TEST(Send, DryRunListsEveryMessageAndSendsNothing) {
  TempDir dir;
  ASSERT_EQ(run_parkd({"db", "seed", "--demo"}, {}, dir.path()).exit_code, 0);
  if (testing_postgres()) {
    // The dry run works on a copy of a SQLite file; on PostgreSQL it says so and stops.
    auto refused = run_parkd({"send", "--all", "--dry-run"}, {}, dir.path());
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.output.find("--dry-run needs the SQLite store"), std::string::npos)
        << refused.output;
    EXPECT_EQ(outbox_files(dir.path()), 0u);
    return;
  }
  auto first = run_parkd({"send", "--all", "--dry-run"}, {}, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("would send: user@parking.com  Need a parking spot?"),
            std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("would send: admin@test.local  parkd monthly report for"),
            std::string::npos);
  EXPECT_NE(first.output.find("would send: admin@test.local  parkd daily report for"),
            std::string::npos);
  EXPECT_NE(first.output.find("would send: admin@test.local  parkd data export: users, lots, "
                              "bookings  [3 attachment(s)]"),
            std::string::npos);
  EXPECT_NE(first.output.find("4 email(s) rendered (dry run, nothing sent)"), std::string::npos);
  EXPECT_EQ(outbox_files(dir.path()), 0u);
  // The log says what happened to each message: nothing was sent.
  EXPECT_NE(first.output.find("to user@parking.com: would send (dry run, nothing sent)"),
            std::string::npos)
      << first.output;
  EXPECT_EQ(first.output.find("sent via"), std::string::npos) << first.output;
  EXPECT_EQ(first.output.find("mail: sent"), std::string::npos) << first.output;
  // Nothing changed: a second dry run finds exactly the same work to do.
  auto second = run_parkd({"send", "--all", "--dry-run"}, {}, dir.path());
  EXPECT_NE(second.output.find("4 email(s) rendered (dry run, nothing sent)"), std::string::npos)
      << second.output;
}

TEST(Send, ReportsAreWrittenToTheOutboxByDefault) {
  TempDir dir;
  ASSERT_EQ(run_parkd({"db", "seed", "--demo"}, {}, dir.path()).exit_code, 0);
  auto sent = run_parkd({"send", "--reports"}, {}, dir.path());
  ASSERT_EQ(sent.exit_code, 0) << sent.output;
  // Written to a file is not sent: neither the listing nor the log says "sent".
  EXPECT_NE(sent.output.find(".eml: admin@test.local  parkd monthly report for"), std::string::npos)
      << sent.output;
  std::string outbox = (dir.path() / "instance" / "outbox").string();
  EXPECT_NE(sent.output.find("written to " + outbox + "/"), std::string::npos) << sent.output;
  EXPECT_NE(
      sent.output.find("2 email(s) written to " + outbox + " (SMTP_HOST is unset: nothing sent)"),
      std::string::npos)
      << sent.output;
  EXPECT_NE(sent.output.find("(not sent: SMTP_HOST is unset)"), std::string::npos) << sent.output;
  EXPECT_EQ(sent.output.find("sent: admin@test.local"), std::string::npos) << sent.output;
  EXPECT_EQ(sent.output.find("mail: sent"), std::string::npos) << sent.output;
  EXPECT_EQ(outbox_files(dir.path()), 2u);
}

TEST(Send, RefusesWithoutAChoice) {
  TempDir dir;
  auto r = run_parkd({"send"}, {}, dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--reminders"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace parkd::test
