#pragma once
// Black-box support for the job and email tests: `parkd worker` / `parkd scheduler`
// processes on a shared database (they serve no HTTP, so ParkdProcess cannot wait for
// them), queueing jobs with `parkd job enqueue`, reading the database directly where
// the API shows nothing (payloads, schedule_runs), polling, and reading MIME messages
// the way a mail client would.

#include "support/parkd_process.h"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parkd::test {

// `parkd <args>` (e.g. {"worker"}) on the database of `dir`, with the environment that
// ParkdProcess gives (ADMIN_EMAIL, SECRET_KEY, DATABASE_URL=<dir>/parking.db, ...)
// plus `env`. The constructor waits until the process says it is running (fails the
// test if it does not within 30 s); the destructor stops it (SIGTERM, then SIGKILL).
// Its output goes to <dir>/<args[0]>-<n>.log.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& args, const std::filesystem::path& dir,
                    const std::map<std::string, std::string>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Sends `signal_number` and waits up to `timeout_s` for the exit: the exit code, or
  // -signal when a signal ended it, or nullopt when it is still running (or was not).
  std::optional<int> stop(int signal_number, int timeout_s = 30);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string log() const;

 private:
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
};

// `parkd job enqueue TYPE --payload JSON` on the database of `dir`; the new job's id
// (0, with a test failure, when the command fails).
std::int64_t enqueue_job(const std::filesystem::path& dir, const std::string& type,
                         const nlohmann::json& payload,
                         const std::map<std::string, std::string>& env = {});

// The rows of a read-only SQL query on the database of `dir`, each cell as text
// (NULL as ""). Fails the test on an SQL error. `params` bind ?1, ?2, ... as text.
std::vector<std::vector<std::string>> sql_rows(const std::filesystem::path& dir,
                                               const std::string& sql,
                                               const std::vector<std::string>& params = {});
// The first cell of the first row as a number (0 when there is no row).
std::int64_t sql_count(const std::filesystem::path& dir, const std::string& sql,
                       const std::vector<std::string>& params = {});

// Calls `done` every 50 ms until it returns true or `timeout` passes; its last answer.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// GET /api/jobs/{id} as `token`: the job object, or null unless 200.
nlohmann::json job_of(const HttpClient& http, const std::string& token, std::int64_t id);
// Polls the job until its status is `status` (or `timeout` passes); the job last seen.
nlohmann::json wait_for_job(const HttpClient& http, const std::string& token, std::int64_t id,
                            const std::string& status, std::chrono::milliseconds timeout);
// GET /api/admin/jobs (limit 10000) as the admin: the jobs of `type`, newest first.
nlohmann::json jobs_of_type(const HttpClient& http, const std::string& admin_token,
                            const std::string& type);

// ---- MIME ------------------------------------------------------------------------

// One MIME entity (RFC 2045/2046): the whole message or one of its parts.
struct MimeEntity {
  std::map<std::string, std::string> headers;  // lower-case name -> unfolded value
  std::string body;                            // raw, still transfer-encoded
  std::vector<MimeEntity> parts;               // for multipart/*

  std::string header(const std::string& lower_name) const;
  // The content type without parameters, lower-case ("text/plain").
  std::string media_type() const;
  // A parameter of Content-Type or Content-Disposition ("boundary", "filename").
  std::string parameter(const std::string& header_name, const std::string& name) const;
  // The body with the transfer encoding (quoted-printable, base64) undone.
  std::string decoded() const;
  // Every leaf entity, depth first (the entity itself when it is not multipart).
  std::vector<const MimeEntity*> leaves() const;
  // The first leaf of `media_type` that is not an attachment; nullptr when none.
  const MimeEntity* body_part(const std::string& media_type) const;
  // The decoded content of the attachment named `filename`; nullopt when none.
  std::optional<std::string> attachment(const std::string& filename) const;
  // The Subject with RFC 2047 encoded words decoded.
  std::string subject() const;
};

// Parses a message as it went over SMTP DATA or into a .eml file (CRLF line ends).
MimeEntity parse_mime(const std::string& raw);

// Splits CSV text (RFC 4180: quotes, CRLF) into rows of cells.
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace parkd::test
