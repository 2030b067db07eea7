// Users, statistics, jobs and the email/export triggers: see docs/openapi.yaml (tags
// users, jobs).
#include "api/app.h"
#include "api/parse.h"
#include "api/render.h"

#include <fmt/format.h>

namespace parkd {
namespace {

Response list_users(Call& c, Services& s) {
  auto page = paging(c.req);
  if (!page) return error_response(page.error());
  auto users = s.stats.users(page->limit, page->offset);
  if (!users) return error_response(users.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& u : users->users) items.push_back(to_json(u));
  return ok_json({{"users", std::move(items)}, {"total", users->total}});
}

// PUT /api/users/{id}: any of {roles, disabled}. `roles` has the shape the User object
// shows (["admin"] or ["user"]); a list naming admin makes an admin.
Response update_user(Call& c, Services& s) {
  auto id = path_id(c.params[0], "User");
  if (!id) return error_response(id.error());
  auto body = json_object_body(c.req);
  if (!body) return error_response(body.error());
  FieldReader f(*body);
  std::optional<Role> role;
  if (body->contains("roles")) {
    const auto& roles = (*body)["roles"];
    bool valid = roles.is_array() && !roles.empty();
    for (const auto& name : roles) {
      auto parsed = name.is_string() ? parse_role(name.get<std::string>()) : std::nullopt;
      if (!parsed) {
        valid = false;
      } else if (!role || *parsed == Role::admin) {
        role = parsed;
      }
    }
    if (!valid) f.problem("roles", R"(must be a list of roles: ["admin"] or ["user"])");
  }
  std::optional<bool> disabled;
  if (body->contains("disabled")) {
    if ((*body)["disabled"].is_boolean()) {
      disabled = (*body)["disabled"].get<bool>();
    } else {
      f.problem("disabled", "must be true or false");
    }
  }
  if (f.ok() && !body->contains("roles") && !body->contains("disabled")) {
    f.problem("roles", "give roles, disabled or both");
    f.problem("disabled", "give roles, disabled or both");
  }
  if (!f.ok()) return error_response(f.error());
  auto user = s.accounts.update_by_admin(c.user->id, *id, role, disabled);
  if (!user) return error_response(user.error());
  return ok_json({{"user", to_json(*user)}});
}

Response admin_stats(Call&, Services& s) {
  auto stats = s.stats.admin_stats();
  if (!stats) return error_response(stats.error());
  return ok_json(admin_stats_json(*stats));
}

Response accepted(Services& s, const char* type, const std::string& payload,
                  std::optional<Id> owner, const char* message) {
  auto id = s.jobs.enqueue(type, payload, owner);
  if (!id) return error_response(id.error());
  return json_response(202, {{"job_id", *id},
                             {"task_id", std::to_string(*id)},
                             {"status", "queued"},
                             {"message", message}});
}

Response get_job(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Job");
  if (!id) return error_response(id.error());
  auto job = s.jobs.get(*c.user, *id);
  if (!job) return error_response(job.error());
  return ok_json({{"job", to_json(*job)}});
}

Response list_jobs(Call& c, Services& s) {
  auto page = paging(c.req);
  if (!page) return error_response(page.error());
  // Passed on as pointers into the request: g++ 12 reports a copied optional<string>
  // as maybe-uninitialized here (a false positive, like GCC bug 105651).
  std::optional<std::string> status_param = c.req.query_param("status");
  const std::string* status = status_param && !status_param->empty() ? &*status_param : nullptr;
  if (status && !is_job_status(*status)) {
    return error_response(Error::validation({{"status", job_status_problem()}}));
  }
  std::optional<std::string> type_param = c.req.query_param("type");
  const std::string* type = type_param && !type_param->empty() ? &*type_param : nullptr;
  if (type && !is_known_job_type(*type)) {
    return error_response(Error::validation({{"type", "is not a job type parkd runs"}}));
  }
  auto jobs = s.jobs.list(status ? std::optional<std::string>(*status) : std::nullopt,
                          type ? std::optional<std::string>(*type) : std::nullopt, page->limit,
                          page->offset);
  if (!jobs) return error_response(jobs.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& j : jobs->jobs) items.push_back(to_json(j));
  return ok_json({{"jobs", std::move(items)}, {"total", jobs->total}});
}

// POST /api/admin/jobs/{id}/retry
Response retry_job(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Job");
  if (!id) return error_response(id.error());
  auto job = s.jobs.retry(*id);
  if (!job) return error_response(job.error());
  return ok_json({{"job", to_json(*job)}});
}

// DELETE /api/admin/jobs/{id}
Response delete_job(Call& c, Services& s) {
  auto id = path_id(c.params[0], "Job");
  if (!id) return error_response(id.error());
  if (Status st = s.jobs.remove(*id); !st) return error_response(st.error());
  return no_content();
}

}  // namespace

void add_admin_routes(Router& r, Services& s) {
  r.add("GET", "/api/users", Access::admin, [&s](Call& c) { return list_users(c, s); });
  r.add("PUT", "/api/users/{id}", Access::admin, [&s](Call& c) { return update_user(c, s); });
  r.add("GET", "/api/stats/admin", Access::admin, [&s](Call& c) { return admin_stats(c, s); });
  r.add("GET", "/api/jobs/{id}", Access::user, [&s](Call& c) { return get_job(c, s); });
  r.add("GET", "/api/admin/jobs", Access::admin, [&s](Call& c) { return list_jobs(c, s); });
  r.add("POST", "/api/admin/jobs/{id}/retry", Access::admin,
        [&s](Call& c) { return retry_job(c, s); });
  r.add("DELETE", "/api/admin/jobs/{id}", Access::admin,
        [&s](Call& c) { return delete_job(c, s); });
  r.add("GET", "/api/export", Access::user, [&s](Call& c) {
    return accepted(s, job_types::user_export, fmt::format(R"({{"user_id":{}}})", c.user->id),
                    c.user->id, "Your bookings export will be emailed to you");
  });
  auto trigger = [&s](const char* type, const char* message) {
    return [&s, type, message](Call& c) { return accepted(s, type, "{}", c.user->id, message); };
  };
  r.add("POST", "/api/admin/send-daily-reminder", Access::admin,
        trigger(job_types::daily_reminder, "Daily reminders queued"));
  r.add("POST", "/api/admin/send-monthly-report", Access::admin,
        trigger(job_types::monthly_report, "Monthly reports queued"));
  r.add("POST", "/api/admin/send-daily-admin-report", Access::admin,
        trigger(job_types::daily_admin_report, "Daily admin report queued"));
  r.add("POST", "/api/admin/export-all-data", Access::admin,
        trigger(job_types::admin_export, "The data export will be emailed to the admin"));
  r.add("POST", "/api/admin/export-all", Access::admin,
        trigger(job_types::admin_export, "The data export will be emailed to the admin"));
}

}  // namespace parkd
