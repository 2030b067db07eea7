// Fuzz target: the whole request-to-response path without sockets. The input is a
// connection's bytes: RequestGuard (http/request_guard.h) reads them as the server does,
// and every whole request it hands on (at most kMaxRequests) is parsed with http_parser
// into a Request as RESTinio and http/server do, then answered by App::handle over a
// SQLite store, one after another, a queued write's answer handed back to this thread as
// the server's I/O thread gets it.
//
// The store is a fresh copy, per input, of one made at start-up (so that an input's
// answers depend on it alone): an admin and two users, two lots, an Active booking of
// each user (ids 1 and 3), a reservation of the first user (id 2) and their confirmation
// jobs (ids 1-3). The token secret is fixed, and the placeholders @ADMIN@, @USER@ and
// @OTHER@ in the input are replaced with those accounts' bearer tokens before anything
// reads it, so that the seeds reach the authenticated handlers:
//   Authorization: Bearer @USER@
// The web UI is a small directory of the target's own, beside a file that must never be
// served. Properties, for every request handed to App:
//  - App answers exactly once, within 5 s, and no exception escapes (from App, a queued
//    write's completion or a streamed body);
//  - the status is one parkd answers with, and never 5xx but 501 not_implemented for a
//    method parkd does not serve: every request is a client's, and on a healthy SQLite
//    store a 500 or 503 is a bug;
//  - an answer of 400 or more is a JSON object with string `error` and `message`; every
//    JSON body, and every `data:` line of an event stream, parses; every header has a
//    token for its name and no CR, LF or NUL in its value;
//  - no answer (body, streamed body or events) holds SQLite's words ("SQLITE", "sqlite3",
//    "SELECT ", "constraint failed") unless the input does (a lot named so is echoed), a
//    password hash, the token secret, or a file from outside the web directory or a
//    dotfile in it;
//  - an answer to a user's or an anonymous request (not login, registration or a
//    password change, which answer for whoever the body names) never holds the email or
//    plate of another seeded user, unless the input names it or an admin changed a user
//    before: one user's bookings are never shown to another.
#include "api/app.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "http/request_guard.h"
#include "store/sqlite/sqlite_store.h"

#include <date/tz.h>
#include <http_parser.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace parkd;

constexpr std::size_t kMaxRequests = 16;  // per input: a login costs a password hash
constexpr auto kAnswerWait = std::chrono::seconds(5);
const std::string kSecret = "app-fuzz-secret-0123456789abcdef0123456789abcdef";
const std::string kOutsideMarker = "OUTSIDE-THE-WEB-DIRECTORY";

struct Account {
  std::string placeholder;
  RegisterRequest registration;
  Role role;
  std::string plate;  // of its Active booking; empty for the admin
  std::string token;  // filled in at start-up
};

// What every input starts from; made once.
struct World {
  fs::path dir;
  fs::path template_db;
  fs::path work_db;
  Config config;
  std::unique_ptr<TokenSigner> signer;
  std::vector<Account> accounts;
};

void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The store, services and App of one input, on a fresh copy of the start-up database.
struct Instance {
  static std::unique_ptr<Store> fresh_store(const World& w) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(w.work_db.string() + suffix);
    for (const char* suffix : {"", "-wal"}) {
      fs::path from = w.template_db.string() + suffix;
      if (fs::exists(from)) fs::copy_file(from, w.work_db.string() + suffix);
    }
    return make_sqlite_store(w.work_db.string(), /*durable_commits=*/false);
  }
  explicit Instance(const World& w)
      : store(fresh_store(w)),
        throttle(w.config.login_max_failures_per_account, w.config.login_max_failures_per_address,
                 std::chrono::seconds(w.config.login_window_seconds)),
        auth(*store, *w.signer, throttle),
        accounts(*store, w.config.instance_dir, w.config.admin_email),
        lots(*store),
        bookings(*store, w.config.min_charge_minutes, w.config.job_max_attempts),
        stats(*store, date::locate_zone("UTC")),
        jobs(*store, w.config.job_max_attempts),
        password_reset(*store, accounts, throttle, w.config.job_max_attempts),
        live({}, lot_reader(lots)),  // admits more streams than an input has requests
        app(Services{w.config, *store, auth, accounts, lots, bookings, stats, jobs, password_reset,
                     &live}) {}

  std::unique_ptr<Store> store;
  LoginThrottle throttle;
  AuthService auth;
  AccountService accounts;
  LotService lots;
  BookingService bookings;
  StatsService stats;
  JobService jobs;
  PasswordResetService password_reset;
  events::LiveEvents live;
  App app;
};

// The start-up database: accounts, lots, bookings; and the tokens.
void seed_database(World& w) {
  auto store = make_sqlite_store(w.template_db.string(), /*durable_commits=*/false);
  FUZZ_CHECK(store->migrate().ok(), "the schema migrates");
  LoginThrottle throttle(5, 20, std::chrono::seconds(60));
  AuthService auth(*store, *w.signer, throttle);
  std::vector<User> users;
  for (auto& a : w.accounts) {
    auto user = create_account(*store, a.registration, a.role);
    FUZZ_CHECK(user.ok(), "a seeded account is created");
    a.token = auth.issue_token(*user);
    users.push_back(*user);
  }
  LotService lots(*store);
  FUZZ_CHECK(lots.create({"Downtown Parking", "1 Main Street", 3, 500}).ok(), "lot 1");
  FUZZ_CHECK(lots.create({"Airport Parking", "Terminal 2", 2, 250}).ok(), "lot 2");
  BookingService bookings(*store, w.config.min_charge_minutes, w.config.job_max_attempts);
  auto book = [&](const User& user, BookRequest req) {
    Status st = store->write([&](Tx& tx) -> Status {
      auto booked = bookings.book(tx, user, req, now());
      if (!booked) return booked.error();
      return ok_status();
    });
    FUZZ_CHECK(st.ok(), "a seeded booking commits");
  };
  book(users[1], {1, std::nullopt, BookingType::immediate, w.accounts[1].plate, {}, {}});
  auto start = parse_iso8601("2099-01-01T10:00:00Z");
  book(users[1], {2, std::nullopt, BookingType::reserved, std::nullopt, start,
                  *start + std::chrono::hours(2)});
  book(users[2], {1, std::nullopt, BookingType::immediate, w.accounts[2].plate, {}, {}});
}

World make_world() {
  spdlog::set_level(spdlog::level::off);
  World w;
  std::string dir = (fs::temp_directory_path() / "parkd-app-fuzz-XXXXXX").string();
  FUZZ_CHECK(mkdtemp(dir.data()) != nullptr, "a temporary directory");
  w.dir = dir;
  w.template_db = w.dir / "template.db";
  w.work_db = w.dir / "work.db";
  Config& c = w.config;
  c.database_url = "sqlite:///" + w.work_db.string();
  c.instance_dir = (w.dir / "instance").string();
  c.outbox_dir = (w.dir / "instance" / "outbox").string();
  c.web_dir = (w.dir / "web").string();
  c.secret_key = kSecret;
  c.token_max_age = std::int64_t{10} * 365 * 86400;
  c.admin_email = "admin@parkd.test";
  c.trusted_proxies = {"127.0.0.1"};  // the peer: forwarding headers are read too
  fs::create_directories(c.instance_dir);
  write_file(w.dir / "web" / "index.html", "<!doctype html><title>parkd</title>");
  write_file(w.dir / "web" / "assets" / "app-1a2b3c.js", "console.log('parkd')");
  write_file(w.dir / "web" / "openapi.json", R"({"openapi":"3.1.0"})");
  write_file(w.dir / "web" / "api-docs" / "index.html", "<!doctype html><title>API</title>");
  write_file(w.dir / "web" / ".env", kOutsideMarker);
  write_file(w.dir / "secret.txt", kOutsideMarker);
  w.signer = std::make_unique<TokenSigner>(kSecret, c.token_max_age);
  auto account = [](std::string placeholder, std::string email, std::string username,
                    std::string password, Role role, std::string plate) {
    return Account{std::move(placeholder),
                   {std::move(email), std::move(username), std::move(password)},
                   role,
                   std::move(plate),
                   ""};
  };
  w.accounts = {
      account("@ADMIN@", "admin@parkd.test", "boss", "Admin-fuzz-pass-1", Role::admin, ""),
      account("@USER@", "user@parkd.test", "driver", "Driver-fuzz-pass-1", Role::user,
              "KA01AB1234"),
      account("@OTHER@", "other@parkd.test", "rider", "Other-fuzz-pass-1", Role::user,
              "MH12CD5678")};
  seed_database(w);
  return w;
}

const World& world() {
  static const World w = make_world();
  // Gone at a normal exit; a crash leaves it for a look.
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(w.dir, ec);
    }
  } cleanup;
  return w;
}

// ---- reading the bytes as the server does ------------------------------------------

// http_parser's callbacks filling a Request as RESTinio's do: the target in pieces, a
// header's name and value in pieces, trailers of a chunked body dropped, the body whole.
struct Reader {
  Request current;
  std::string target;
  std::string field;
  std::vector<std::pair<std::string, std::string>> fields;
  bool last_was_value = true;
  bool headers_done = false;

  static Reader& self(http_parser* p) { return *static_cast<Reader*>(p->data); }
  static http_parser_settings settings() {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_message_begin = [](http_parser* p) {
      self(p) = Reader{};
      return 0;
    };
    s.on_url = [](http_parser* p, const char* at, std::size_t n) {
      self(p).target.append(at, n);
      return 0;
    };
    s.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
      Reader& r = self(p);
      if (r.last_was_value) r.field.clear();
      r.field.append(at, n);
      r.last_was_value = false;
      return 0;
    };
    s.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
      Reader& r = self(p);
      if (!r.headers_done) {
        if (!r.last_was_value) r.fields.emplace_back(r.field, "");
        r.fields.back().second.append(at, n);
      }
      r.last_was_value = true;
      return 0;
    };
    s.on_headers_complete = [](http_parser* p) {
      self(p).headers_done = true;
      return 0;
    };
    s.on_body = [](http_parser* p, const char* at, std::size_t n) {
      self(p).current.body.append(at, n);
      return 0;
    };
    s.on_message_complete = [](http_parser* p) {
      http_parser_pause(p, 1);  // one request at a time, as RESTinio reads them
      return 0;
    };
    return s;
  }

  // The Request as http/server's to_request() makes it.
  Request take(const http_parser& p) {
    Request r = std::move(current);
    r.method = http_method_str(static_cast<http_method>(p.method));
    std::size_t fragment = std::min(target.find('#'), target.size());
    std::size_t query = std::min(target.find('?'), fragment);
    r.path = target.substr(0, query);
    if (query < fragment) r.query = target.substr(query + 1, fragment - query - 1);
    for (auto& [name, value] : fields) {
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto [it, added] = r.headers.emplace(name, value);
      if (!added && (it->first == "x-forwarded-for" || it->first == "forwarded")) {
        it->second += ", " + value;
      }
    }
    r.peer_address = "127.0.0.1";
    return r;
  }
};

// The whole requests RequestGuard hands on from `bytes`, at most kMaxRequests.
std::vector<Request> read_requests(std::string_view bytes) {
  RequestGuard guard;
  std::string_view passed = bytes.substr(0, guard.feed(bytes).pass);
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  static const http_parser_settings settings = Reader::settings();
  Reader reader;
  parser.data = &reader;
  std::vector<Request> requests;
  while (!passed.empty() && requests.size() < kMaxRequests) {
    std::size_t n = http_parser_execute(&parser, &settings, passed.data(), passed.size());
    auto err = HTTP_PARSER_ERRNO(&parser);
    FUZZ_CHECK(err == HPE_OK || err == HPE_PAUSED,
               "http_parser reads what RequestGuard hands on without an error");
    passed.remove_prefix(n);
    if (err == HPE_PAUSED) {
      http_parser_pause(&parser, 0);
      requests.push_back(reader.take(parser));
    } else if (n == 0) {
      break;
    }
  }
  return requests;
}

std::string with_tokens(std::string_view input) {
  std::string text(input);
  for (const auto& a : world().accounts) {
    for (auto at = text.find(a.placeholder); at != std::string::npos;
         at = text.find(a.placeholder, at + a.token.size())) {
      text.replace(at, a.placeholder.size(), a.token);
    }
  }
  return text;
}

// ---- what may be in an answer --------------------------------------------------------

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Letters and digits only, upper-cased: plates compare so ("ka 01-ab1234").
std::string plate_key(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (std::isalnum(static_cast<unsigned char>(ch)))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

void add_json_strings(const nlohmann::json& value, std::string& out) {
  if (value.is_string()) out += value.get_ref<const std::string&>() + "\n";
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      out += key + "\n";
      add_json_strings(member, out);
    }
  }
  if (value.is_array()) {
    for (const auto& member : value) add_json_strings(member, out);
  }
}

// What the input allows an answer to hold: what it may echo of the input (its bytes, and
// each request's decoded target and JSON strings: a lot named "SELECT \u002a" comes back
// as "SELECT *"), and whether the seeded accounts still have their roles.
struct Allowed {
  std::string text;
  std::string lowered;
  std::string plates;
  // Until an admin changes a user (PUT /api/users/{id}): a user made admin sees all.
  bool seeded_roles = true;

  Allowed(std::string_view input, const std::vector<Request>& requests) : text(input) {
    for (const auto& r : requests) {
      text += percent_decode(r.path, false) + "\n" + percent_decode(r.query, true) + "\n";
      auto body = nlohmann::json::parse(r.body, nullptr, false);
      if (!body.is_discarded()) add_json_strings(body, text);
    }
    lowered = lower(text);
    plates = plate_key(text);
  }
};

// The seeded account whose token the request carries (after "Bearer ", or as the event
// stream's ?access_token=); none for another or no token.
const Account* requester(const Request& req) {
  auto auth = req.header("authorization");
  std::string token = auth ? (auth->size() > 7 ? auth->substr(7) : "")
                           : req.query_param("access_token").value_or("");
  for (const auto& a : world().accounts) {
    if (token == a.token) return &a;
  }
  return nullptr;
}

// Routes that answer for the account their body names, not for the token's.
bool answers_for_body(const Request& req) {
  return req.path == "/auth/login" || req.path == "/auth/register" ||
         req.path.starts_with("/auth/password");
}

bool is_valid_status(int status) {
  for (int known : {200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 415, 429, 501}) {
    if (status == known) return true;
  }
  return false;
}

// The properties of any text sent back for `req` (a body, streamed bytes, events).
void check_text(const Request& req, std::string_view text, const Allowed& allowed) {
  // Each may come back when the input holds it (a lot named so is echoed).
  auto shown = [&](std::string_view word) {
    return text.find(word) != std::string_view::npos &&
           allowed.text.find(word) == std::string::npos;
  };
  for (std::string_view word : {"SQLITE", "sqlite3", "SELECT ", "constraint failed"}) {
    FUZZ_CHECK(!shown(word), "no answer shows SQL or SQLite's words");
  }
  FUZZ_CHECK(!shown("$argon2"), "no answer holds a password hash");
  FUZZ_CHECK(!shown(kSecret), "no answer holds the token secret");
  FUZZ_CHECK(!shown(kOutsideMarker),
             "no file outside the web directory, nor a dotfile in it, is served");
  const Account* who = requester(req);
  if ((who != nullptr && who->role == Role::admin) || answers_for_body(req) ||
      !allowed.seeded_roles)
    return;
  std::string lowered = lower(text);
  std::string plates = plate_key(text);
  for (const auto& a : world().accounts) {
    if (&a == who || a.role == Role::admin) continue;
    const std::string& email = a.registration.email;
    FUZZ_CHECK(lowered.find(email) == std::string::npos ||
                   allowed.lowered.find(email) != std::string::npos,
               "no answer shows another user's email");
    FUZZ_CHECK(plates.find(a.plate) == std::string::npos ||
                   allowed.plates.find(a.plate) != std::string::npos,
               "no answer shows another user's plate");
  }
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
  });
}

// A header value that cannot end its line early or smuggle another header in.
bool is_single_line(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void check_answer(const Request& req, const Response& res, const std::string& body,
                  const Allowed& allowed) {
  FUZZ_CHECK(is_valid_status(res.status), "the status is one parkd answers with");
  FUZZ_CHECK(is_single_line(res.content_type), "the content type is one line");
  for (const auto& [name, value] : res.headers) {
    FUZZ_CHECK(is_token(name) && is_single_line(value),
               "every header is a token name and a value without CR, LF or NUL");
  }
  bool json = res.content_type.starts_with("application/json");
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  FUZZ_CHECK(!json || body.empty() || !parsed.is_discarded(), "a JSON body parses");
  if (res.status >= 400) {
    FUZZ_CHECK(json && parsed.is_object() && parsed.contains("error") &&
                   parsed["error"].is_string() && parsed.contains("message") &&
                   parsed["message"].is_string(),
               "an error answer is a JSON object with string error and message");
  }
  if (res.status >= 500) {
    static const std::array<std::string_view, 5> kServed = {"GET", "POST", "PUT", "PATCH",
                                                            "DELETE"};
    bool served = std::find(kServed.begin(), kServed.end(), req.method) != kServed.end() ||
                  req.method == "HEAD" || req.method == "OPTIONS";
    FUZZ_CHECK(res.status == 501 && parsed["error"] == "not_implemented" && !served,
               "no 5xx but 501 for a method parkd does not serve");
  }
  check_text(req, body, allowed);
}

// The event stream's bytes: each `data:` line is JSON; the text rules hold.
void check_events(const Request& req, const std::string& bytes, const Allowed& allowed) {
  for (const auto& line : split(bytes, '\n')) {
    if (!line.starts_with("data:")) continue;
    FUZZ_CHECK(!nlohmann::json::parse(line.substr(5), nullptr, false).is_discarded(),
               "an event's data is JSON");
  }
  check_text(req, bytes, allowed);
}

// ---- answering -------------------------------------------------------------------------

// One request's answer, and the completions handed back to this thread meanwhile.
struct Exchange {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::function<void()>> handed_off;
  std::vector<Response> answers;
};

Response answer(const App& app, Request req) {
  auto ex = std::make_shared<Exchange>();
  Respond respond = [ex](Response res) {
    std::lock_guard lock(ex->mutex);
    ex->answers.push_back(std::move(res));
    ex->changed.notify_all();
  };
  Handoff to_this_thread = [ex](std::function<void()> task) {
    std::lock_guard lock(ex->mutex);
    ex->handed_off.push_back(std::move(task));
    ex->changed.notify_all();
  };
  try {
    app.handle(req, respond, to_this_thread);
  } catch (...) {
    FUZZ_CHECK(false, "no exception escapes App::handle");
  }
  std::unique_lock lock(ex->mutex);
  auto deadline = std::chrono::steady_clock::now() + kAnswerWait;
  while (ex->answers.empty() || !ex->handed_off.empty()) {
    if (!ex->handed_off.empty()) {
      auto task = std::move(ex->handed_off.front());
      ex->handed_off.pop_front();
      lock.unlock();
      try {
        task();
      } catch (...) {
        FUZZ_CHECK(false, "no exception escapes a queued write's completion");
      }
      lock.lock();
      continue;
    }
    FUZZ_CHECK(ex->changed.wait_until(lock, deadline) == std::cv_status::no_timeout ||
                   !ex->answers.empty(),
               "App answers within 5 s");
  }
  FUZZ_CHECK(ex->answers.size() == 1, "App answers exactly once");
  return std::move(ex->answers.front());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input = with_tokens(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<Request> requests = read_requests(input);
  if (requests.empty()) return 0;
  Allowed allowed(input, requests);
  Instance instance(world());
  static const bool trace = std::getenv("PARKD_APP_FUZZ_TRACE") != nullptr;
  std::vector<std::pair<const Request*, std::shared_ptr<events::Stream>>> streams;
  for (auto& req : requests) {
    Request sent = req;  // App fills in who sent it; `req` stays as read
    Response res = answer(instance.app, std::move(sent));
    std::string body = res.body;
    if (res.stream) {
      FUZZ_CHECK(body.empty(), "a streamed answer has no body besides");
      try {
        res.stream([&body](std::string_view chunk) { body.append(chunk); });
      } catch (...) {
        FUZZ_CHECK(false, "no exception escapes a streamed body");
      }
    }
    if (res.live) {
      FUZZ_CHECK(res.status == 200 && res.content_type == "text/event-stream",
                 "an event stream is a 200 text/event-stream");
      check_events(req, res.live->take(), allowed);
      streams.emplace_back(&req, res.live);
    }
    if (trace) {
      std::fprintf(stderr, "%s %s -> %d %s\n", req.method.c_str(), req.path.c_str(), res.status,
                   body.substr(0, 300).c_str());
      for (const auto& [name, value] : res.headers)
        std::fprintf(stderr, "  %s: %s\n", name.c_str(), value.c_str());
    }
    check_answer(req, res, body, allowed);
    if (req.method == "PUT" && req.path.starts_with("/api/users/") && res.status == 200)
      allowed.seeded_roles = false;
  }
  // What the streams got from the requests after them.
  for (auto& [req, stream] : streams) {
    check_events(*req, stream->take(), allowed);
    instance.live.close(stream);
  }
  return 0;
}
