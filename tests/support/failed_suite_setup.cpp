// A suite whose set-up failed (parkd did not start, say) has GoogleTest skip each of its
// tests and print "[  SKIPPED ]", which CTest reads as a skip whatever the exit status:
// the run would pass with none of the suite's tests run. This listener fails each such
// test as it starts instead, so that CTest counts it as failed and shows why.
#include <gtest/gtest.h>

namespace parkd::test {
namespace {

class FailTestsOfAFailedSuiteSetUp : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override {
    const auto* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    if (suite != nullptr && suite->ad_hoc_test_result().Failed()) {
      ADD_FAILURE() << "not run: the set-up of " << suite->name()
                    << " failed (its failure is printed above)";
    }
  }
};

// Registered before main(): the suites run on gtest_main.
[[maybe_unused]] const bool kRegistered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new FailTestsOfAFailedSuiteSetUp);
  return true;
}();

}  // namespace
}  // namespace parkd::test
