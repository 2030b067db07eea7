#pragma once
// Retry delays for failed jobs: exponential backoff with jitter, so that jobs that failed
// together (an SMTP outage) do not all retry in the same second.

#include <chrono>

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

}  // namespace parkd::jobs
