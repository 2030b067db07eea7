#pragma once
// Retry delays for failed jobs: exponential backoff with jitter, so that jobs that failed
// together (an SMTP outage) do not all retry in the same second; and how many attempts
// each job type gets, so that an email outlives a day-long SMTP outage while other jobs
// give up after JOB_MAX_ATTEMPTS.

#include "common/result.h"

#include <chrono>
#include <string_view>

namespace parkd::jobs {

inline constexpr std::chrono::seconds kRetryFirstBackoff{2};
inline constexpr std::chrono::seconds kRetryMaxBackoff{3600};

// The delay before retry number `attempt` (1 = the first retry) of a failed job. The
// backoff is 2 s for attempt 1 and doubles with each attempt up to 1 hour; the delay is
// backoff/2 + jitter01 * backoff/2 ("equal jitter": at least half the backoff, so retries
// never bunch up near zero), rounded to whole seconds. Attempt 1 waits 1-2 s, attempt 2
// 2-4 s, attempt 11 17-34 min, attempt 12 and later 30-60 min.
// `attempt` below 1 counts as 1; `jitter01` outside [0, 1] is clamped and NaN counts as 0.
std::chrono::seconds retry_delay(int attempt, double jitter01);

// As above, with jitter01 drawn uniformly from [0, 1) by a thread-local generator.
std::chrono::seconds retry_delay(int attempt);

// The least time a job of `max_attempts` attempts spends waiting between its first and
// its last attempt: every retry_delay at its shortest (jitter 0). The attempts' own
// running time comes on top.
std::chrono::seconds shortest_retry_span(int max_attempts);

// How long the retries of an email job wait, at the least, before it is dead: an SMTP
// server down for a day (a weekend's maintenance, an expired certificate found on
// Monday) delays the confirmations but loses none.
inline constexpr std::chrono::hours kEmailRetrySpan{24};

// Whether a job of `type` sends an email (booking confirmations, reminders, reports,
// exports). The fan-out jobs that only queue one email job per recipient are not.
bool sends_email(std::string_view type);

// The attempts a new job of `type` gets: `configured` (JOB_MAX_ATTEMPTS), raised for an
// email job to the fewest whose shortest_retry_span is at least kEmailRetrySpan (59
// attempts). So JOB_MAX_ATTEMPTS can give email jobs more attempts, never fewer.
int max_attempts_for(std::string_view type, int configured);

// Whether a job that failed with `error` should be retried at all. bad_request means
// the job itself is at fault and every retry would fail the same way (a message that
// cannot be built, an SMTP server's permanent 5xx refusal of the recipient or the
// message): such a job is dead at once, its error kept.
bool is_permanent_failure(const Error& error);

}  // namespace parkd::jobs
