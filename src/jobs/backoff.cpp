#include "jobs/backoff.h"

#include "services/job_service.h"

#include <algorithm>
#include <array>
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

std::chrono::seconds shortest_retry_span(int max_attempts) {
  std::chrono::seconds span{0};
  // A job of n attempts waits n - 1 times: after attempts 1 .. n-1.
  for (int attempt = 1; attempt < max_attempts; ++attempt) span += retry_delay(attempt, 0.0);
  return span;
}

bool sends_email(std::string_view type) {
  static constexpr std::array<std::string_view, 9> kEmailTypes{
      job_types::booking_confirmation, job_types::booking_extended,
      job_types::booking_cancelled,    job_types::daily_reminder_email,
      job_types::monthly_report_email, job_types::daily_admin_report,
      job_types::user_export,          job_types::admin_export,
      job_types::password_reset};
  return std::find(kEmailTypes.begin(), kEmailTypes.end(), type) != kEmailTypes.end();
}

int max_attempts_for(std::string_view type, int configured) {
  if (!sends_email(type)) return configured;
  static const int kEmailAttempts = [] {
    int attempts = 1;
    while (shortest_retry_span(attempts) < kEmailRetrySpan) ++attempts;
    return attempts;
  }();
  return std::max(configured, kEmailAttempts);
}

bool is_permanent_failure(const Error& error) { return error.kind == ErrorKind::bad_request; }

}  // namespace parkd::jobs
