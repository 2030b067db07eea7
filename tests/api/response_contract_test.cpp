// An answer docs/openapi.yaml does not describe fails the test that received it
// (support/response_contract.h). The tests run this binary again on probe tests that
// receive made-up answers, and read what GoogleTest said about each probe.
#include "support/response_contract.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace parkd::test {
namespace {

// The probes receive their answers only in the run that run_probes starts.
bool probing() { return std::getenv("PARKD_CONTRACT_PROBE") != nullptr; }

HttpResult health_answer(long status, const std::string& body) {
  HttpResult r;
  r.status = status;
  r.body = body;
  r.headers["content-type"] = "application/json";
  return r;
}

const std::string kUndocumentedField = R"({"status":"ok","debug":1})";

struct ProbeRun {
  int exit_code = -1;
  std::string output;
};

// Runs the probes `filter` picks in a new process of this binary, with a validator of its
// own: the made-up answers are not the suite's, so the run's validator never sees them.
ProbeRun run_probes(const std::string& filter) {
  std::string command = "env -u PARKD_RESPONSE_VALIDATOR PARKD_CONTRACT_PROBE=1 '" +
                        std::filesystem::read_symlink("/proc/self/exe").string() +
                        "' --gtest_filter='" + filter + "' 2>&1";
  ProbeRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) run.output.append(buffer, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

bool says(const ProbeRun& run, const std::string& text) {
  return run.output.find(text) != std::string::npos;
}

// The probes' output for a failure message, its skip markers reworded: CTest takes a test
// whose output holds GoogleTest's for skipped, whatever its exit status.
std::string shown(const ProbeRun& run) {
  std::string text = run.output;
  const std::string marker = "[  SKIPPED ]";
  for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
    text.replace(at, marker.size(), "[ (skipped) ]");
  }
  return text;
}

}  // namespace

TEST(ResponseContractProbe, ReceivesAnUndocumentedField) {
  if (probing()) check_response_contract("GET", "/healthz", health_answer(200, kUndocumentedField));
}

TEST(ResponseContractProbe, ReceivesAnUndocumentedStatus) {
  if (probing()) check_response_contract("GET", "/healthz", health_answer(418, "{}"));
}

TEST(ResponseContractProbe, ReceivesADocumentedAnswerAndOneOfAPathTheDocumentLacks) {
  if (!probing()) return;
  check_response_contract("GET", "/healthz", health_answer(200, R"({"status":"ok"})"));
  check_response_contract("GET", "/no/such/path", health_answer(200, kUndocumentedField));
}

class ResponseContractSetUpProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (probing())
      check_response_contract("GET", "/healthz", health_answer(200, kUndocumentedField));
  }
};

TEST_F(ResponseContractSetUpProbe, RunsAfterItsSuiteReceivedAWrongAnswer) {}

// Any failure of a suite's set-up (support/failed_suite_setup.cpp), not only a wrong answer.
class FailedSetUpProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (probing()) ADD_FAILURE() << "parkd did not start (made up)";
  }
};

TEST_F(FailedSetUpProbe, RunsAfterItsSuitesSetUpFailed) {}

TEST(ResponseContract, AFailedSuiteSetUpFailsItsTestsInsteadOfSkippingThem) {
  auto run = run_probes("FailedSetUpProbe.*");
  EXPECT_EQ(run.exit_code, 1) << shown(run);
  EXPECT_TRUE(says(run, "not run: the set-up of FailedSetUpProbe failed")) << shown(run);
  EXPECT_TRUE(says(run, "[  FAILED  ] FailedSetUpProbe.RunsAfterItsSuitesSetUpFailed"))
      << shown(run);
  EXPECT_FALSE(says(run, "SKIPPED")) << shown(run);
}

TEST(ResponseContract, AWrongAnswerFailsTheTestThatReceivedItNamingRouteStatusAndPath) {
  auto run = run_probes("ResponseContractProbe.*");
  EXPECT_EQ(run.exit_code, 1) << shown(run);
  EXPECT_TRUE(says(run, "[  FAILED  ] ResponseContractProbe.ReceivesAnUndocumentedField "))
      << shown(run);
  EXPECT_TRUE(says(run,
                   "GET /healthz was answered 200, which docs/openapi.yaml does not describe:\n"
                   "  GET /healthz 200: /debug is not in the document\n"))
      << shown(run);
  EXPECT_TRUE(says(run, "[  FAILED  ] ResponseContractProbe.ReceivesAnUndocumentedStatus "))
      << shown(run);
  EXPECT_TRUE(says(run, "  GET /healthz 418: status 418 is not in the document for this operation"))
      << shown(run);
  EXPECT_TRUE(
      says(run, "[       OK ] ResponseContractProbe.ReceivesADocumentedAnswerAndOneOfAPathTheDocu"))
      << shown(run);
}

// GoogleTest skips the tests of a suite whose set-up failed, and CTest counts a skip as no
// failure: the set-up's wrong answer must fail a test instead.
TEST(ResponseContract, AWrongAnswerOfASuitesSetUpFailsItsTestAndSkipsNothing) {
  auto run = run_probes("ResponseContractSetUpProbe.*");
  EXPECT_EQ(run.exit_code, 1) << shown(run);
  EXPECT_TRUE(says(run, "[  FAILED  ] ResponseContractSetUpProbe.RunsAfterItsSuiteReceivedA"))
      << shown(run);
  EXPECT_TRUE(says(run, "GET /healthz, received in ") &&
              says(run, "ResponseContractSetUpProbe's set-up or tear-down, was answered 200"))
      << shown(run);
  EXPECT_FALSE(says(run, "SKIPPED")) << shown(run);
}

}  // namespace parkd::test
