#include "jobs/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <cmath>
#include <limits>
#include <set>

namespace parkd::jobs {
namespace {

using std::chrono::seconds;

TEST(RetryDelay, WaitsOneToTwoSecondsBeforeTheFirstRetry) {
  EXPECT_EQ(retry_delay(1, 0.0), seconds{1});
  EXPECT_EQ(retry_delay(1, 0.999), seconds{2});
}

TEST(RetryDelay, DoublesWithEachAttempt) {
  for (int attempt = 1; attempt <= 10; ++attempt) {  // 11 -> 12 hits the cap
    EXPECT_EQ(retry_delay(attempt + 1, 0.0), 2 * retry_delay(attempt, 0.0)) << attempt;
  }
}

TEST(RetryDelay, SpreadsTheJitterOverTheUpperHalfOfTheBackoff) {
  // Attempt 10: a backoff of 1024 s, so delays from 512 s to 1024 s.
  EXPECT_EQ(retry_delay(10, 0.0), seconds{512});
  EXPECT_EQ(retry_delay(10, 0.25), seconds{640});
  EXPECT_EQ(retry_delay(10, 0.5), seconds{768});
  EXPECT_EQ(retry_delay(10, 0.999999), seconds{1024});
}

TEST(RetryDelay, IsCappedAtOneHour) {
  EXPECT_EQ(retry_delay(12, 0.0), seconds{1800});
  EXPECT_EQ(retry_delay(12, 0.999999), seconds{3600});
  EXPECT_EQ(retry_delay(50, 0.999999), seconds{3600});
}

TEST(RetryDelay, HandlesHugeAttemptNumbersWithoutOverflow) {
  EXPECT_EQ(retry_delay(INT_MAX, 0.0), seconds{1800});
}

TEST(RetryDelay, StaysBetweenHalfTheBackoffAndTheBackoff) {
  for (int attempt = 1; attempt <= 20; ++attempt) {
    seconds backoff = std::min(seconds{2} * (1 << std::min(attempt - 1, 20)), seconds{3600});
    for (double jitter = 0.0; jitter < 1.0; jitter += 0.01) {
      auto delay = retry_delay(attempt, jitter);
      EXPECT_GE(delay, backoff / 2) << attempt << " " << jitter;
      EXPECT_LE(delay, backoff) << attempt << " " << jitter;
    }
  }
}

TEST(RetryDelay, TreatsAttemptsBelowOneAsTheFirst) {
  EXPECT_EQ(retry_delay(0, 0.5), retry_delay(1, 0.5));
  EXPECT_EQ(retry_delay(-7, 0.5), retry_delay(1, 0.5));
}

TEST(RetryDelay, ClampsJitterOutsideZeroToOne) {
  EXPECT_EQ(retry_delay(5, -1.0), retry_delay(5, 0.0));
  EXPECT_EQ(retry_delay(5, 2.0), seconds{32});
  EXPECT_EQ(retry_delay(5, std::numeric_limits<double>::quiet_NaN()), retry_delay(5, 0.0));
}

TEST(RetryDelay, RandomJitterStaysWithinTheBounds) {
  for (int i = 0; i < 1000; ++i) {
    auto delay = retry_delay(5);  // backoff 32 s
    EXPECT_GE(delay, seconds{16});
    EXPECT_LE(delay, seconds{32});
  }
}

TEST(RetryDelay, RandomJitterSpreadsRetriesApart) {
  std::set<seconds::rep> delays;
  for (int i = 0; i < 200; ++i) delays.insert(retry_delay(12).count());
  EXPECT_GT(delays.size(), 10u);
}

// ---- attempts per job type ----------------------------------------------------------

constexpr const char* kEmailJobTypes[] = {"booking_confirmation", "daily_reminder_email",
                                          "monthly_report_email", "daily_admin_report",
                                          "user_export",          "admin_export"};

TEST(RetrySpan, AddsTheShortestDelayBeforeEachRetry) {
  EXPECT_EQ(shortest_retry_span(1), seconds{0});      // one attempt never waits
  EXPECT_EQ(shortest_retry_span(3), seconds{1 + 2});  // after attempts 1 and 2
  // JOB_MAX_ATTEMPTS' default: all eight attempts within about four minutes.
  EXPECT_EQ(shortest_retry_span(8), seconds{1 + 2 + 4 + 8 + 16 + 32 + 64});
}

TEST(RetrySpan, AnEmailJobOutlivesADayLongSmtpOutageEvenWithTheShortestDelays) {
  for (const char* type : kEmailJobTypes) {
    int attempts = max_attempts_for(type, 8);
    EXPECT_GE(shortest_retry_span(attempts), std::chrono::hours{24}) << type;
    // And no more attempts than that takes.
    EXPECT_LT(shortest_retry_span(attempts - 1), std::chrono::hours{24}) << type;
    EXPECT_EQ(attempts, 59) << type;
  }
}

TEST(RetrySpan, OtherJobsKeepJobMaxAttempts) {
  for (const char* type : {"complete_reservations", "purge", "selftest", "daily_reminder",
                           "monthly_report", "no_such_type"}) {
    EXPECT_EQ(max_attempts_for(type, 8), 8) << type;
    EXPECT_EQ(max_attempts_for(type, 1), 1) << type;
  }
}

TEST(RetrySpan, JobMaxAttemptsAboveTheEmailMinimumGivesEmailJobsMore) {
  EXPECT_EQ(max_attempts_for("booking_confirmation", 100), 100);
  EXPECT_EQ(max_attempts_for("booking_confirmation", 1), 59);
}

TEST(PermanentFailure, OnlyAFaultOfTheJobItselfIsNotRetried) {
  EXPECT_TRUE(is_permanent_failure(Error::bad_request("smtp_rejected", "550 no such user")));
  EXPECT_TRUE(is_permanent_failure(Error::bad_request("invalid_address", "bad address")));
  EXPECT_FALSE(is_permanent_failure(Error{ErrorKind::unavailable, "smtp_error", "451", {}, {}, 0}));
  EXPECT_FALSE(is_permanent_failure(Error::internal("database is locked")));
}

}  // namespace
}  // namespace parkd::jobs
