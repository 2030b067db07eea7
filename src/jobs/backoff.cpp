#include "jobs/backoff.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace parkd::jobs {

std::chrono::seconds retry_delay(int attempt, double jitter01) {
  // Doubling 11 times takes 2 s past the 1-hour cap; stopping there avoids overflow.
  int doublings = std::clamp(attempt, 1, 12) - 1;
  std::chrono::seconds backoff = std::min(kRetryFirstBackoff * (1 << doublings), kRetryMaxBackoff);
  double jitter = std::isnan(jitter01) ? 0.0 : std::clamp(jitter01, 0.0, 1.0);
  double half = static_cast<double>(backoff.count()) / 2.0;
  return std::chrono::seconds{std::llround(half + jitter * half)};
}

std::chrono::seconds retry_delay(int attempt) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_real_distribution<double> jitter01{0.0, 1.0};
  return retry_delay(attempt, jitter01(generator));
}

}  // namespace parkd::jobs
