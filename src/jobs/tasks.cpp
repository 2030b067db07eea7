#include "jobs/tasks.h"

#include "auth/reset_token.h"
#include "domain/validation.h"
#include "jobs/backoff.h"
#include "metrics/metrics.h"

#include "reports/exports.h"
#include "services/job_service.h"
#include "services/stats_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

namespace parkd::jobs {
namespace {

using nlohmann::json;

json payload_of(const Job& job) {
  auto p = json::parse(job.payload, nullptr, false);
  return p.is_object() ? p : json::object();
}

Timestamp payload_time(const json& p, const char* key) {
  return parse_iso8601(p.value(key, "")).value_or(Timestamp{});
}

// The moment a report is "as of": the schedule's due time, so a report that runs late
// (a worker was down over midnight) still covers the day or month it was due for.
// Jobs queued by hand (`parkd send`, `job enqueue`) have none and use the present.
Timestamp report_time(const Job& job) {
  auto due = parse_iso8601(payload_of(job).value("due_at", ""));
  return due.value_or(now());
}

mail::Recipient recipient(const User& u) { return {u.email, u.username.value_or("")}; }

// Sends `message` once per job: a retry after a successful send does nothing. Every
// attempt gives it the job's Message-ID.
Status send_once(JobRun& run, mail::MailTransport& transport, Result<mail::MailMessage> message) {
  if (run.done("sent")) return ok_status();
  if (!message) return message.error();
  message->message_id_left = message_id_left_for(run.job());
  auto delivered = transport.send(*message);
  if (!delivered) {
    metrics::mail_counters().failed.fetch_add(1, std::memory_order_relaxed);
    return delivered.error();
  }
  metrics::mail_counters().sent.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("mail: '{}' to {}: {}", message->subject, message->to, *delivered);
  run.mark_done_at_finish("sent");  // sending is each email job's last step
  return ok_status();
}

std::optional<User> load_user(Store& store, Id id) {
  std::optional<User> user;
  (void)store.read([&](Tx& tx) {
    user = tx.user_by_id(id);
    return ok_status();
  });
  return user;
}

// The booking an email job is about, or nullopt when it is gone (deleted since, with
// its owner): nothing to tell anyone then.
Result<std::optional<BookingDetails>> job_booking(JobRun& run, TaskDeps& d) {
  auto details = d.bookings.details(payload_of(run.job()).value("booking_id", Id{0}));
  if (details) return std::optional<BookingDetails>(std::move(*details));
  if (details.error().kind == ErrorKind::not_found) return std::optional<BookingDetails>();
  return details.error();
}

// The reservation's calendar as it stands now; nullopt for an immediate booking, which
// has none.
Result<std::optional<mail::CalendarFile>> calendar_of(const BookingDetails& b, const TaskDeps& d) {
  auto file = mail::reservation_calendar(b.booking, b.lot_address, b.owner,
                                         {d.email.from, d.email.from_name}, now());
  if (file) return std::optional<mail::CalendarFile>(std::move(*file));
  if (file.error().kind == ErrorKind::conflict) return std::optional<mail::CalendarFile>();
  return file.error();
}

// The confirmation after a booking, and again (`extended`) after each extension. It
// shows the booking as it is when sent, so a late one is never out of date.
Status booking_confirmation(JobRun& run, TaskDeps& d, bool extended) {
  auto found = job_booking(run, d);
  if (!found) return found.error();
  if (!*found) return ok_status();
  const Booking& booking = (*found)->booking;
  mail::BookingConfirmation data;
  data.to = recipient((*found)->owner);
  data.booking_id = booking.id;
  data.lot_name = booking.lot_name;
  data.lot_address = (*found)->lot_address;
  data.spot_number = static_cast<int>(booking.spot_number);
  data.kind = booking.type == BookingType::reserved ? mail::BookingKind::reserved
                                                    : mail::BookingKind::immediate;
  data.start = booking.start_time;
  data.reserved_end = booking.reserved_end;
  data.price_per_hour_cents = booking.price_cents;
  if (booking.type == BookingType::reserved) data.total_cost_cents = booking.cost_cents;
  data.vehicle_number = booking.vehicle_number.value_or("");
  auto calendar = calendar_of(**found, d);
  if (!calendar) return calendar.error();
  // Cancelled before this went out: the cancellation email carries the CANCEL.
  if (*calendar && (*calendar)->method == mail::CalendarMethod::request) data.calendar = **calendar;
  data.extended = extended;
  return send_once(run, d.transport, mail::booking_confirmation_email(data, d.email));
}

Status booking_cancelled(JobRun& run, TaskDeps& d) {
  auto found = job_booking(run, d);
  if (!found) return found.error();
  if (!*found) return ok_status();
  const Booking& booking = (*found)->booking;
  if (!booking.reserved_start || !booking.reserved_end) return ok_status();  // not a reservation
  mail::BookingCancellation data;
  data.to = recipient((*found)->owner);
  data.booking_id = booking.id;
  data.lot_name = booking.lot_name;
  data.spot_number = static_cast<int>(booking.spot_number);
  data.reserved_start = *booking.reserved_start;
  data.reserved_end = *booking.reserved_end;
  auto calendar = calendar_of(**found, d);
  if (!calendar) return calendar.error();
  data.calendar = *calendar;
  return send_once(run, d.transport, mail::booking_cancelled_email(data, d.email));
}

// Fan-out: one child job per recipient, deduplicated per parent job so a retried
// parent does not enqueue twice.
Status fan_out(JobRun& run, TaskDeps& d, const std::string& child_type,
               const std::vector<json>& payloads, const std::string& key_of_each) {
  return d.store.write([&](Tx& tx) {
    Timestamp at = now();
    for (const auto& p : payloads) {
      std::string dedupe =
          fmt::format("{}:{}:{}", child_type, run.job().id, p.value(key_of_each, json()).dump());
      tx.enqueue_job({child_type, p.dump(), dedupe, at,
                      max_attempts_for(child_type, d.config.job_max_attempts), std::nullopt},
                     at);
    }
    return ok_status();
  });
}

Status daily_reminder(JobRun& run, TaskDeps& d) {
  std::vector<json> payloads;
  Status st = d.store.read([&](Tx& tx) {
    for (const auto& u :
         tx.inactive_users(now() - std::chrono::hours(24) * d.config.inactive_days)) {
      payloads.push_back({{"user_id", u.id}});
    }
    return ok_status();
  });
  if (!st) return st;
  spdlog::info("jobs: daily reminder for {} inactive user(s)", payloads.size());
  return fan_out(run, d, job_types::daily_reminder_email, payloads, "user_id");
}

Status daily_reminder_email(JobRun& run, TaskDeps& d) {
  auto user = load_user(d.store, payload_of(run.job()).value("user_id", Id{0}));
  if (!user) return ok_status();
  mail::DailyReminder data;
  data.to = recipient(*user);
  Status st = d.store.read([&](Tx& tx) {
    for (const auto& l : tx.lots(now(), 1000, 0)) {
      if (l.available_spots() > 0)
        data.lots.push_back({l.name, l.address, l.available_spots(), l.price_cents});
    }
    return ok_status();
  });
  if (!st) return st;
  return send_once(run, d.transport, mail::daily_reminder_email(data, d.email));
}

Status monthly_report(JobRun& run, TaskDeps& d) {
  Period month = previous_month(report_time(run.job()), d.tz);
  json range = {{"from", format_iso8601(month.start)},
                {"to", format_iso8601(month.end)},
                {"month", month.label}};
  auto for_user = [&range](Id user_id) {
    json p = range;
    p["user_id"] = user_id;
    return p;
  };
  std::vector<json> payloads{for_user(0)};  // 0: the admin report
  Status st = d.store.read([&](Tx& tx) {
    for (Id id : tx.users_with_bookings_between(month.start, month.end)) {
      payloads.push_back(for_user(id));
    }
    return ok_status();
  });
  if (!st) return st;
  spdlog::info("jobs: monthly report for {}: admin + {} user(s)", month.label, payloads.size() - 1);
  return fan_out(run, d, job_types::monthly_report_email, payloads, "user_id");
}

Status monthly_report_email(JobRun& run, TaskDeps& d) {
  json p = payload_of(run.job());
  Timestamp from = payload_time(p, "from"), to = payload_time(p, "to");
  Id user_id = p.value("user_id", Id{0});
  std::string month = p.value("month", "");
  if (user_id == 0) {
    mail::MonthlyAdminReport data;
    data.to = {d.config.admin_email, "Admin"};
    data.month = month;
    Status st = d.store.read([&](Tx& tx) {
      RangeSummary r = tx.range_summary(std::nullopt, from, to);
      data.total_bookings = r.bookings;
      data.completed_bookings = r.completed;
      data.revenue_cents = r.revenue_cents;
      data.parked_time = std::chrono::seconds(r.parked_seconds);
      for (const auto& l : r.lots) data.lots.push_back({l.lot_name, l.bookings, l.revenue_cents});
      if (!r.lots.empty()) data.busiest_lot = r.lots.front().lot_name;
      data.new_users = tx.count_users_created_between(from, to);
      return ok_status();
    });
    if (!st) return st;
    return send_once(run, d.transport, mail::monthly_admin_report_email(data, d.email));
  }
  auto user = load_user(d.store, user_id);
  if (!user) return ok_status();
  mail::MonthlyUserReport data;
  data.to = recipient(*user);
  data.month = month;
  Status st = d.store.read([&](Tx& tx) {
    RangeSummary r = tx.range_summary(user_id, from, to);
    data.bookings = r.bookings;
    data.parked_time = std::chrono::seconds(r.parked_seconds);
    data.spent_cents = r.revenue_cents;
    if (!r.lots.empty()) data.favourite_lot = r.lots.front().lot_name;
    return ok_status();
  });
  if (!st) return st;
  return send_once(run, d.transport, mail::monthly_user_report_email(data, d.email));
}

Status daily_admin_report(JobRun& run, TaskDeps& d) {
  Period day = previous_day(report_time(run.job()), d.tz);
  mail::DailyAdminReport data;
  data.to = {d.config.admin_email, "Admin"};
  data.date = day.label;
  Status st = d.store.read([&](Tx& tx) {
    Timestamp at = now();
    RangeSummary r = tx.range_summary(std::nullopt, day.start, day.end);
    data.bookings = r.bookings;
    data.revenue_cents = r.revenue_cents;
    data.new_users = tx.count_users_created_between(day.start, day.end);
    data.total_spots = tx.total_spots();
    data.occupied_spots = tx.occupied_spots(at);
    for (const auto& l : tx.lots(at, 1000, 0)) {
      mail::LotDayFigures f{l.name, 0, 0, l.occupied_spots, l.capacity};
      for (const auto& a : r.lots) {
        if (a.lot_id == l.id) f.bookings = a.bookings, f.revenue_cents = a.revenue_cents;
      }
      data.lots.push_back(f);
    }
    return ok_status();
  });
  if (!st) return st;
  return send_once(run, d.transport, mail::daily_admin_report_email(data, d.email));
}

// The row sink that appends a CSV export to `file`; a write error is kept by the file
// and reported by its flush().
reports::CsvWriter::Sink spool_sink(mail::SpoolFile& file) {
  return [&file](std::string_view row) { static_cast<void>(file.append(row)); };
}

// `count` new spool files for CSV exports, or the error of the first that failed.
Result<std::vector<std::shared_ptr<mail::SpoolFile>>> new_spools(int count) {
  std::vector<std::shared_ptr<mail::SpoolFile>> files;
  for (int i = 0; i < count; ++i) {
    auto file = mail::SpoolFile::create();
    if (!file) return file.error();
    files.push_back(std::move(*file));
  }
  return files;
}

Status flush_all(const std::vector<std::shared_ptr<mail::SpoolFile>>& files) {
  for (const auto& file : files) {
    if (auto st = file->flush(); !st) return st;
  }
  return ok_status();
}

Status user_export(JobRun& run, TaskDeps& d) {
  auto user = load_user(d.store, payload_of(run.job()).value("user_id", Id{0}));
  if (!user) return ok_status();
  auto files = new_spools(1);
  if (!files) return files.error();
  mail::SpoolFile& bookings = *(*files)[0];
  mail::UserExport data;
  data.to = recipient(*user);
  data.generated_at = now();
  Status st = d.store.read([&](Tx& tx) {
    data.booking_count =
        reports::write_bookings_csv(tx, user->id, data.generated_at, spool_sink(bookings));
    return ok_status();
  });
  if (st) st = flush_all(*files);
  if (!st) return st;
  data.bookings_csv = (*files)[0];
  return send_once(run, d.transport, mail::user_export_email(data, d.email));
}

Status admin_export(JobRun& run, TaskDeps& d) {
  auto files = new_spools(3);
  if (!files) return files.error();
  mail::SpoolFile &users = *(*files)[0], &lots = *(*files)[1], &bookings = *(*files)[2];
  mail::AdminExport data;
  data.to = {d.config.admin_email, "Admin"};
  data.generated_at = now();
  Status st = d.store.read([&](Tx& tx) {
    data.user_count = reports::write_users_csv(tx, spool_sink(users));
    data.lot_count = reports::write_lots_csv(tx, data.generated_at, spool_sink(lots));
    data.booking_count =
        reports::write_bookings_csv(tx, std::nullopt, data.generated_at, spool_sink(bookings));
    return ok_status();
  });
  if (st) st = flush_all(*files);
  if (!st) return st;
  data.users_csv = (*files)[0];
  data.lots_csv = (*files)[1];
  data.bookings_csv = (*files)[2];
  return send_once(run, d.transport, mail::admin_export_email(data, d.email));
}

// The reset link for the enabled account with the payload's email; nothing for an
// unknown or disabled one (the request was answered the same either way). The token is
// made here, not at the request, so that it is never stored in plain text: the payload
// holds only the email, the database only the token's hash, and the token itself is in
// the email alone (never logged). A retry after a failed send makes a new token, which
// replaces the unsent one.
Status password_reset(JobRun& run, TaskDeps& d) {
  if (run.done("sent")) return ok_status();
  json p = payload_of(run.job());
  auto email = p.find("email");
  std::optional<User> user;
  if (email != p.end() && email->is_string()) {
    std::string address = to_lower(trim(email->get<std::string>()));
    Status st = d.store.read([&](Tx& tx) {
      user = tx.user_by_login(address);
      return ok_status();
    });
    if (!st) return st;
    // user_by_login also matches a username, which a queued-by-hand payload could hold.
    if (user && to_lower(user->email) != address) user.reset();
  }
  if (!user || user->disabled) {
    spdlog::info("jobs: password reset job {}: no enabled account has the email; nothing sent",
                 run.job().id);
    return ok_status();
  }
  std::string token = new_reset_token();
  Status st = d.store.write([&](Tx& tx) {
    Timestamp at = now();
    tx.replace_reset_token(user->id, reset_token_hash(token), at, at + kResetTokenLifetime);
    return ok_status();
  });
  if (!st) return st;
  mail::PasswordReset data;
  data.to = recipient(*user);
  data.link = public_url(d.config) + "/reset-password?token=" + token;
  data.valid_minutes = static_cast<int>(kResetTokenLifetime.count() / 60);
  return send_once(run, d.transport, mail::password_reset_email(data, d.email));
}

// Diagnostics for operators and the test suite: fails its first `fail_first` attempts,
// optionally sleeps, and appends a line to `marker_file` when it succeeds.
Status selftest(JobRun& run) {
  json p = payload_of(run.job());
  if (int ms = p.value("sleep_ms", 0); ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  if (run.job().attempts <= p.value("fail_first", 0)) {
    return Error::internal(
        fmt::format("selftest: failing attempt {} on purpose", run.job().attempts));
  }
  if (auto file = p.value("marker_file", std::string()); !file.empty()) {
    std::ofstream out(file, std::ios::app);
    out << "job " << run.job().id << " attempt " << run.job().attempts << "\n";
  }
  return ok_status();
}

}  // namespace

std::string message_id_left_for(const Job& job) {
  return fmt::format("job-{}.{}.{}", job.id, job.type, to_unix(job.created_at));
}

Period previous_day(Timestamp at, const date::time_zone* tz) {
  auto days = day_starts(tz, at, 2);  // [yesterday, today, tomorrow]
  return {days[0].second, days[1].second, days[0].first};
}

Period previous_month(Timestamp at, const date::time_zone* tz) {
  auto months = month_starts(tz, at, 2);  // [last month, this month, next month]
  return {months[0].second, months[1].second, months[0].first};
}

std::vector<std::pair<std::string, std::string>> default_schedules(const Config& c) {
  return {{job_types::daily_reminder, c.cron_daily_reminder},
          {job_types::monthly_report, c.cron_monthly_report},
          {job_types::daily_admin_report, c.cron_daily_admin_report},
          {job_types::complete_reservations, c.cron_complete_reservations},
          {job_types::purge, c.cron_purge}};
}

void register_tasks(JobRegistry& registry, const TaskDeps& deps) {
  auto d = std::make_shared<TaskDeps>(deps);
  auto with = [d](Status (*fn)(JobRun&, TaskDeps&)) {
    return [d, fn](JobRun& run) { return fn(run, *d); };
  };
  registry.add(job_types::booking_confirmation,
               [d](JobRun& run) { return booking_confirmation(run, *d, false); });
  registry.add(job_types::booking_extended,
               [d](JobRun& run) { return booking_confirmation(run, *d, true); });
  registry.add(job_types::booking_cancelled, with(booking_cancelled));
  registry.add(job_types::daily_reminder, with(daily_reminder));
  registry.add(job_types::daily_reminder_email, with(daily_reminder_email));
  registry.add(job_types::monthly_report, with(monthly_report));
  registry.add(job_types::monthly_report_email, with(monthly_report_email));
  registry.add(job_types::daily_admin_report, with(daily_admin_report));
  registry.add(job_types::user_export, with(user_export));
  registry.add(job_types::admin_export, with(admin_export));
  registry.add(job_types::complete_reservations, [d](JobRun& run) -> Status {
    auto n = d->bookings.complete_ended_reservations();
    if (n && *n == 0) run.report_nothing_changed();
    return n ? ok_status() : Status(n.error());
  });
  registry.add(job_types::purge, [d](JobRun&) -> Status {
    auto n = JobService(d->store, d->config.job_max_attempts)
                 .purge_finished(d->config.job_retention_days);
    return n ? ok_status() : Status(n.error());
  });
  registry.add(job_types::password_reset, with(password_reset));
  registry.add(job_types::selftest, selftest);
}

}  // namespace parkd::jobs
