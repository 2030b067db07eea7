#include "jobs/runtime.h"

#include <unistd.h>

namespace parkd::jobs {

std::vector<std::filesystem::path> template_search_path(const Config& config) {
  std::vector<std::filesystem::path> dirs;
  if (!config.template_dir.empty()) dirs.emplace_back(config.template_dir);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path() / "templates");
  dirs.emplace_back(std::filesystem::path(PARKD_SOURCE_DIR) / "src/mail/templates");
  return dirs;
}

std::unique_ptr<mail::MailTransport> configured_transport(const Config& c) {
  mail::MailSettings settings;
  settings.from = c.mail_from;
  settings.from_name = c.mail_from_name;
  settings.outbox = c.outbox_dir;
  settings.smtp.host = c.smtp.host;
  settings.smtp.port = c.smtp.port;
  settings.smtp.user = c.smtp.user;
  settings.smtp.password = c.smtp.password;
  settings.smtp.tls = c.smtp.tls == "tls"    ? mail::SmtpTls::tls
                      : c.smtp.tls == "none" ? mail::SmtpTls::none
                                             : mail::SmtpTls::starttls;
  settings.smtp.timeout_s = c.smtp.timeout_seconds;
  settings.smtp.from = c.mail_from;
  return mail::make_transport(settings);
}

Result<std::unique_ptr<BackgroundRuntime>> BackgroundRuntime::create(
    const Config& c, Store& store, BookingService& bookings, const date::time_zone* tz,
    std::unique_ptr<mail::MailTransport> transport) {
  std::unique_ptr<BackgroundRuntime> rt(new BackgroundRuntime());
  rt->transport_ = transport ? std::move(transport) : configured_transport(c);
  rt->templates_ = std::make_unique<mail::TemplateRenderer>(template_search_path(c));
  mail::EmailContext email{c.mail_from, c.mail_from_name, tz, rt->templates_.get()};
  register_tasks(rt->registry_, TaskDeps{store, bookings, *rt->transport_, email, c, tz});
  rt->worker_ = std::make_unique<Worker>(store, rt->registry_,
                                         WorkerOptions{c.worker_concurrency, c.job_lease_seconds, 1000});
  auto schedules = make_schedules(default_schedules(c));
  if (!schedules) return schedules.error();
  rt->scheduler_ = std::make_unique<Scheduler>(store, std::move(*schedules), tz, c.job_max_attempts);
  Worker* worker = rt->worker_.get();
  rt->scheduler_->on_enqueued([worker] { worker->wake(); });
  return rt;
}

}  // namespace parkd::jobs
