// Fuzz target: the whole request-to-response path without sockets. The input is a
// connection's bytes: RequestGuard (http/request_guard.h) reads them as the server does,
// and every whole request it hands on (at most kMaxRequests) is parsed with http_parser
// into a Request as RESTinio and http/server do, then answered by App::handle over a
// SQLite store, one after another, a queued write's answer handed back to this thread as
// the server's I/O thread gets it.
//
// The store is a fresh copy, per input, of one made at start-up (app_world.h), so that an
// input's answers depend on it alone: an admin and two users, two lots, an Active booking
// of each user (ids 1 and 3), a reservation of the first user (id 2) and their
// confirmation jobs (ids 1-3). The token secret is fixed, and the placeholders @ADMIN@,
// @USER@ and @OTHER@ in the input are replaced with those accounts' bearer tokens before
// anything reads it, so that the seeds reach the authenticated handlers:
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
// And in the database an input leaves, the booking rules hold: no two bookings in force
// hold one spot, or one vehicle, at overlapping times; no lot has more spots taken than
// it has.
#include "api/app.h"
#include "app_world.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "http/request_guard.h"

#include <http_parser.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace parkd;
using namespace parkd::app_fuzz;

constexpr std::size_t kMaxRequests = 16;  // per input: a login costs a password hash
constexpr auto kAnswerWait = std::chrono::seconds(5);

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

// ---- what the input left --------------------------------------------------------------

// The window a booking in force occupies (docs/api.md "Bookings"): a reservation its
// [reserved_start, reserved_end), an immediate booking [start_time, open).
Window occupied(const Booking& b) {
  if (b.type == BookingType::reserved && b.reserved_start && b.reserved_end)
    return {*b.reserved_start, b.reserved_end};
  return {b.start_time, std::nullopt};
}

bool overlap(const Window& a, const Window& b) {
  return (!b.end || a.start < *b.end) && (!a.end || b.start < *a.end);
}

// A plate as the one-vehicle rule compares it: spaces and '-' dropped, upper-cased.
std::string vehicle(const Booking& b) {
  std::string key;
  for (char ch : b.vehicle_number.value_or("")) {
    if (ch != ' ' && ch != '-')
      key += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return key;
}

// The booking rules hold in the database the input left: no two bookings in force share
// a spot, or a vehicle, at overlapping times, and no lot has more spots taken than it has.
void check_bookings(Instance& in) {
  auto page = in.bookings.list(BookingFilter{});
  FUZZ_CHECK(page.ok(), "the bookings can be listed");
  std::vector<const Booking*> in_force;
  for (const auto& b : page->bookings) {
    if (b.stored_status == BookingStatus::reserved || b.stored_status == BookingStatus::active)
      in_force.push_back(&b);
  }
  for (std::size_t i = 0; i < in_force.size(); ++i) {
    for (std::size_t j = i + 1; j < in_force.size(); ++j) {
      const Booking& a = *in_force[i];
      const Booking& b = *in_force[j];
      if (!overlap(occupied(a), occupied(b))) continue;
      FUZZ_CHECK(!a.spot_id || a.spot_id != b.spot_id,
                 "no two bookings in force hold one spot at overlapping times");
      FUZZ_CHECK(vehicle(a).empty() || vehicle(a) != vehicle(b),
                 "no vehicle is in two bookings in force at overlapping times");
    }
  }
  auto lots = in.lots.list(1000, 0);
  FUZZ_CHECK(lots.ok(), "the lots can be listed");
  for (const auto& lot : lots->lots) {
    FUZZ_CHECK(lot.occupied_spots <= lot.capacity, "no lot has more spots taken than it has");
  }
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
  check_bookings(instance);
  return 0;
}
