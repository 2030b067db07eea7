#include "jobs/runtime.h"

#include "mail/settings.h"
#include "services/job_service.h"

#include <spdlog/spdlog.h>

namespace parkd::jobs {

Result<std::unique_ptr<mail::MailTransport>> configured_transport(const Config& c) {
  auto settings = mail::mail_settings_from(c);
  if (!settings) return settings.error();
  return mail::make_transport(*settings);
}

Result<std::unique_ptr<BackgroundRuntime>> BackgroundRuntime::create(
    const Config& c, Store& store, BookingService& bookings, const date::time_zone* tz,
    std::unique_ptr<mail::MailTransport> transport) {
  std::unique_ptr<BackgroundRuntime> rt(new BackgroundRuntime());
  if (transport) {
    rt->transport_ = std::move(transport);
  } else {
    auto configured = configured_transport(c);
    if (!configured) return configured.error();
    rt->transport_ = std::move(*configured);
  }
  rt->templates_ =
      std::make_unique<mail::TemplateRenderer>(mail::shipped_templates(c.template_dir));
  spdlog::info("email templates: {}", rt->templates_->describe());
  mail::EmailContext email{c.mail_from, c.mail_from_name, tz, c.currency, rt->templates_.get()};
  register_tasks(rt->registry_, TaskDeps{store, bookings, *rt->transport_, email, c, tz});
  rt->worker_ = std::make_unique<Worker>(
      store, rt->registry_, WorkerOptions{c.worker_concurrency, c.job_lease_seconds, 1000});
  auto schedules = make_schedules(default_schedules(c));
  if (!schedules) return schedules.error();
  for (auto& entry : *schedules) entry.quiet = entry.name == job_types::complete_reservations;
  rt->scheduler_ =
      std::make_unique<Scheduler>(store, std::move(*schedules), tz, c.job_max_attempts);
  Worker* worker = rt->worker_.get();
  rt->scheduler_->on_enqueued([worker] { worker->wake(); });
  return rt;
}

}  // namespace parkd::jobs
