#pragma once
// Everything the background side needs, built from the configuration in one place:
// the mail transport, templates, task handlers, a worker and a scheduler.

#include "config/config.h"
#include "jobs/scheduler.h"
#include "jobs/tasks.h"
#include "jobs/worker.h"
#include "mail/templates.h"
#include "mail/transport.h"

#include <memory>

namespace parkd::jobs {

class BackgroundRuntime {
 public:
  // `transport` overrides the configured one (dry runs). Errors: a bad schedule.
  static Result<std::unique_ptr<BackgroundRuntime>> create(
      const Config& config, Store& store, BookingService& bookings, const date::time_zone* tz,
      std::unique_ptr<mail::MailTransport> transport = nullptr);

  Worker& worker() { return *worker_; }
  Scheduler& scheduler() { return *scheduler_; }
  mail::MailTransport& transport() { return *transport_; }

 private:
  BackgroundRuntime() = default;
  std::unique_ptr<mail::MailTransport> transport_;
  std::unique_ptr<mail::TemplateRenderer> templates_;
  JobRegistry registry_;
  std::unique_ptr<Worker> worker_;
  std::unique_ptr<Scheduler> scheduler_;
};

// The transport the configuration asks for: SMTP when SMTP_HOST is set, else .eml files.
// Errors: a bad SMTP setting.
Result<std::unique_ptr<mail::MailTransport>> configured_transport(const Config& config);

}  // namespace parkd::jobs
