// The client side of bench/events.sh: many GET /api/events streams read on one epoll
// thread, while this program's main thread makes the timed changes and runs the load.
//
// Opens --streams streams (tokens taken in turn from --tokens, sent as ?access_token=),
// times until each has its `lots` snapshot, then books and releases --lot one at a time:
// book, wait until every stream has the `lot` event with the new available_spots,
// release, wait again, ... (--gap seconds between two changes). Each fan-out is timed
// from just before the request is sent to the arrival of the matching event on each
// stream (individual deliveries) and on the last stream ("all delivered"), which is also
// given from the arrival of the request's HTTP answer (for bookings: the 201). Arrival is
// when the reader thread reads the bytes. Without --load, makes --changes changes. With
// --load (a wrk command whose report.lua prints a RESULT line): runs it once before the
// streams open, then --rounds times: opens the streams, runs it with them open while the
// timed changes go on until it ends, closes them and runs it again; prints the
// throughput without/with the streams. Reads parkd's VmRSS and Threads from
// /proc/<--pid>/status idle, with the streams open and after they close (first round).
// Never fails on a number.
//
// Compiled, not a script: the client shares the cores with parkd and wrk, and a Python
// asyncio reader of 1 000 streams spent 25 µs per socket read (2.9–3.5 CPU seconds per
// 10 s run, bench/README.md), a sixth of the machine taken from what it measures.

#include "events_reader.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using parkd_bench::Clock;
using parkd_bench::Reader;
using parkd_bench::Stream;
using Json = nlohmann::json;
constexpr double kWaitS = 10.0;  // how long one change may take to reach every stream

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Options {
  int port = 0, pid = 0, lot = 0, streams = 0, changes = 0;
  std::string tokens, load, admin_token;
  double gap = 0.05;
  int rounds = 1;
};

// VmRSS in MB and Threads of the process, from /proc.
std::pair<double, int> proc_status(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  double rss = 0;
  int threads = 0;
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stod(line.substr(6)) / 1024;
    if (line.rfind("Threads:", 0) == 0) threads = std::stoi(line.substr(8));
  }
  return {rss, threads};
}

// User + system CPU seconds of the process (its threads included), from /proc.
double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), {}};
  if (fields.size() < 13) return 0;
  return static_cast<double>(std::stoll(fields[11]) + std::stoll(fields[12])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

double rusage_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

// The p-th percentile (nearest rank) of values, in ms.
double pct(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<long>(std::lround(p / 100 * static_cast<double>(v.size()) + 0.5)) - 1;
  return v[static_cast<std::size_t>(std::clamp(rank, 0L, static_cast<long>(v.size()) - 1))] * 1000;
}

void summary(const char* label, const std::vector<double>& v) {
  double max = v.empty() ? NAN : *std::max_element(v.begin(), v.end()) * 1000;
  std::printf("%-36s p50 %8.2f ms   p99 %8.2f ms   max %8.2f ms   (%zu values)\n", label,
              pct(v, 50), pct(v, 99), max, v.size());
}

struct Answer {
  int status = 0;
  Json body;
};

// One request on its own connection (Connection: close), read to its end.
Answer http(int port, const std::string& method, const std::string& path, const std::string& token,
            const std::string& body = "") {
  Answer a;
  int fd = parkd_bench::connect_local(port);
  if (fd < 0) return a;
  parkd_bench::send_all(
      fd, method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
              "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n" +
              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string raw;
  char buf[16384];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
    raw.append(buf, static_cast<std::size_t>(n));
  close(fd);
  std::size_t cut = raw.find("\r\n\r\n");
  if (cut == std::string::npos || raw.size() < 12) return a;
  a.status = std::atoi(raw.c_str() + 9);
  std::string head = raw.substr(0, cut), rest = raw.substr(cut + 4);
  std::transform(head.begin(), head.end(), head.begin(), ::tolower);
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    std::string unframed;
    for (std::size_t at = 0; at < rest.size();) {
      std::size_t eol = rest.find("\r\n", at);
      if (eol == std::string::npos) break;
      std::size_t size = std::stoul(rest.substr(at, eol - at), nullptr, 16);
      if (size == 0) break;
      unframed += rest.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
    rest = unframed;
  }
  a.body = Json::parse(rest, nullptr, false);
  return a;
}

struct LoadResult {
  std::map<std::string, std::string> fields;        // the RESULT line's
  double parkd = 0, wrk = 0, client = 0, wall = 0;  // CPU seconds, and the run's seconds
  double cycles() const { return fields.count("rps") ? std::stod(fields.at("rps")) / 2 : NAN; }
};

// Runs the load command (wrk with report.lua) to its end: its RESULT fields (none when
// it printed no RESULT line), with the CPU seconds parkd, wrk and this client used.
LoadResult run_load(const std::string& command, int parkd_pid) {
  LoadResult r;
  double parkd0 = cpu_seconds(parkd_pid), wrk0 = rusage_seconds(RUSAGE_CHILDREN);
  double self0 = rusage_seconds(RUSAGE_SELF);
  auto t0 = Clock::now();
  std::string out;
  if (FILE* p = popen((command + " 2>&1").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    pclose(p);
  }
  r.wall = seconds_since(t0);
  r.parkd = cpu_seconds(parkd_pid) - parkd0;
  r.wrk = rusage_seconds(RUSAGE_CHILDREN) - wrk0;
  r.client = rusage_seconds(RUSAGE_SELF) - self0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("RESULT ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    for (std::string w; words >> w;) {
      if (auto eq = w.find('='); eq != std::string::npos)
        r.fields[w.substr(0, eq)] = w.substr(eq + 1);
    }
  }
  if (r.fields.empty()) {
    std::printf("the load gave no RESULT line: %s\n",
                out.substr(out.size() > 3000 ? out.size() - 3000 : 0).c_str());
  }
  return r;
}

void print_load(const LoadResult& r) {
  if (r.fields.empty()) return;
  double requests = std::stod(r.fields.at("requests"));
  std::printf(
      "  %.0f cycles/s, p99 %s ms, %s errors; CPU seconds in %.1f s: parkd %.1f, wrk %.1f, "
      "this client %.1f; parkd %.0f µs of CPU per cycle\n",
      r.cycles(), r.fields.at("p99_ms").c_str(), r.fields.at("errors").c_str(), r.wall, r.parkd,
      r.wrk, r.client, r.parkd / std::max(1.0, std::floor(requests / 2)) * 1e6);
  std::fflush(stdout);
}

// Waits (up to 120 s) until parkd's worker has no job queued: the confirmation emails of
// one load run would otherwise be sent during the next.
void drain_jobs(const Options& o) {
  if (o.admin_token.empty()) return;
  auto t0 = Clock::now();
  long total = -1;
  while (seconds_since(t0) < 120) {
    Answer a = http(o.port, "GET", "/api/admin/jobs?status=queued&limit=1", o.admin_token);
    total = a.body.is_object() ? a.body.value("total", -1L) : -1L;
    if (total == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::printf("  (worker's queue %s after %.1f s)\n",
              total == 0 ? "empty" : ("still " + std::to_string(total) + " jobs").c_str(),
              seconds_since(t0));
  std::fflush(stdout);
}

struct Timings {
  std::vector<double> answers, all, each, after_answer, after_201;
  std::size_t made = 0, mismatched = 0;
  bool ok = false;
};

// Books and releases --lot one at a time, `count` changes or until stop() is true,
// waiting for each one's fan-out.
template <class Stop>
Timings make_changes(const Options& o, const std::vector<std::string>& tokens, Reader& reader,
                     long count, Stop stop) {
  Timings t;
  std::vector<int> expected;
  long booking_id = 0, lost = 0, i = 0;
  // Ends on a release (the lot back to 100 free spots), so that the next round starts
  // from the same numbers.
  for (; (count < 0 || i < count) && (!stop() || i % 2 == 1); ++i) {
    const std::string& token = tokens[static_cast<std::size_t>(i / 2) % tokens.size()];
    auto before = Clock::now();
    Answer a =
        i % 2 == 0
            ? http(o.port, "POST", "/api/book", token, "{\"lot_id\":" + std::to_string(o.lot) + "}")
            : http(o.port, "POST", "/api/release/" + std::to_string(booking_id), token);
    if (i % 2 == 0 && a.body.is_object() && a.body.contains("booking")) {
      booking_id = a.body["booking"].value("id", 0L);
    }
    auto answered = Clock::now();
    double answer_s = std::chrono::duration<double>(answered - before).count();
    t.answers.push_back(answer_s);
    if (a.status != 200 && a.status != 201) {
      std::printf("change %ld: HTTP %d %s; stopping the changes\n", i + 1, a.status,
                  a.body.dump().c_str());
      ++lost;
      break;
    }
    expected.push_back(i % 2 == 0 ? 99 : 100);
    auto index = static_cast<std::size_t>(i);
    if (!reader.wait_for(index, answered + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(kWaitS)))) {
      long missing = reader.locked([&](const std::vector<Stream>& ss) {
        return std::count_if(ss.begin(), ss.end(), [&](const Stream& s) {
          return Reader::good(s) && s.lot_events.size() <= index;
        });
      });
      std::printf("change %ld: %ld streams had no `lot` event after %.0f s\n", i + 1, missing,
                  kWaitS);
      lost += missing;
      break;
    }
    double last = reader.locked([&](const std::vector<Stream>& ss) {
      double m = 0;
      for (const Stream& s : ss) {
        if (!Reader::good(s)) continue;
        double d = std::chrono::duration<double>(s.lot_events[index].first - before).count();
        t.each.push_back(d);
        m = std::max(m, d);
      }
      return m;
    });
    t.all.push_back(last);
    t.after_answer.push_back(last - answer_s);
    if (i % 2 == 0) t.after_201.push_back(last - answer_s);
    std::this_thread::sleep_for(std::chrono::duration<double>(o.gap));
  }
  t.mismatched = reader.locked([&](const std::vector<Stream>& ss) {
    return static_cast<std::size_t>(std::count_if(ss.begin(), ss.end(), [&](const Stream& s) {
      if (!Reader::good(s) || s.lot_events.size() != expected.size()) return Reader::good(s);
      for (std::size_t k = 0; k < expected.size(); ++k) {
        if (s.lot_events[k].second != expected[k]) return true;
      }
      return false;
    }));
  });
  t.made = expected.size();
  t.ok = lost == 0 && t.mismatched == 0 && static_cast<long>(t.made) == i;
  return t;
}

Options parse(int argc, char** argv) {
  std::map<std::string, std::string> a;
  for (int i = 1; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  auto num = [&](const char* k) { return a.count(k) ? std::stoi(a[k]) : 0; };
  Options o{num("--port"),
            num("--pid"),
            num("--lot"),
            num("--streams"),
            num("--changes"),
            a["--tokens"],
            a["--load"],
            a["--admin-token"],
            a.count("--gap") ? std::stod(a["--gap"]) : 0.05,
            a.count("--rounds") ? std::stoi(a["--rounds"]) : 1};
  if (o.port == 0 || o.pid == 0 || o.lot == 0 || o.streams <= 0 || o.tokens.empty()) {
    throw std::invalid_argument("needs --port --pid --lot --streams --tokens");
  }
  return o;
}

// One round's streams: opened (and timed), then the timed changes, with the load when
// there is one. Adds the round's timings to `all`; true when no event was lost.
struct Round {
  LoadResult load;
  double opened_s = 0, open_rss = 0, loaded_rss = 0, after_rss = 0;
  int open_threads = 0, loaded_threads = 0, after_threads = 0;
  long good = 0;
  Timings t;
};

Round run_round(const Options& o, const std::vector<std::string>& tokens, bool print_streams) {
  Round r;
  auto t0 = Clock::now();
  Reader reader(o.port, o.lot, o.streams, tokens);
  reader.wait_opened();
  r.opened_s = seconds_since(t0);
  auto [good, errors] = reader.locked([](const std::vector<Stream>& ss) {
    std::map<std::string, int> errors;
    long good = 0;
    for (const Stream& s : ss) {
      good += Reader::good(s) ? 1 : 0;
      if (!s.error.empty()) ++errors[s.error];
      if (s.error.empty() && !s.snapshot) ++errors["no snapshot within 30 s"];
    }
    return std::make_pair(good, errors);
  });
  r.good = good;
  std::printf("opened %ld of %d streams (each with its `lots` snapshot) in %.2f s\n", good,
              o.streams, r.opened_s);
  for (const auto& [e, n] : errors) std::printf("  %d streams failed: %s\n", n, e.c_str());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::tie(r.open_rss, r.open_threads) = proc_status(o.pid);

  auto totals = [&] {
    return reader.locked([](const std::vector<Stream>& ss) {
      std::uint64_t events = 0, bytes = 0;
      for (const Stream& s : ss) {
        if (!Reader::good(s)) continue;
        events += s.events;
        bytes += s.bytes;
      }
      return std::make_pair(events, bytes);
    });
  };
  if (!o.load.empty()) {
    drain_jobs(o);
    std::puts(
        "book-release with the streams open, timed changes of the streams' lot meanwhile ...");
    std::fflush(stdout);
    auto [events0, bytes0] = totals();
    auto t_load = Clock::now();
    auto load = std::async(std::launch::async, [&] { return run_load(o.load, o.pid); });
    std::this_thread::sleep_for(std::chrono::seconds(1));  // wrk connected and at speed
    r.t = make_changes(o, tokens, reader, -1, [&] {
      return load.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
    r.load = load.get();
    print_load(r.load);
    double span = seconds_since(t_load);
    auto [events1, bytes1] = totals();
    double per = static_cast<double>(std::max(1L, good)) * span;
    if (print_streams) {
      std::printf("  each stream received %.0f events/s (%.0f KB/s), mostly the load's lots\n",
                  static_cast<double>(events1 - events0) / per,
                  static_cast<double>(bytes1 - bytes0) / per / 1024);
    }
  } else {
    r.t = make_changes(o, tokens, reader, o.changes, [] { return false; });
  }
  std::tie(r.loaded_rss, r.loaded_threads) = proc_status(o.pid);
  if (r.t.ok && good == o.streams) {
    std::printf(
        "  no lost events: every one of the %ld streams received all %zu changes, in order\n", good,
        r.t.made);
  } else {
    std::printf(
        "  LOST OR WRONG EVENTS: %ld streams not opened, %zu streams whose lot events differ "
        "from the %zu changes made\n",
        o.streams - good, r.t.mismatched, r.t.made);
  }
  long still_open = reader.locked([](const std::vector<Stream>& ss) {
    return std::count_if(ss.begin(), ss.end(),
                         [](const Stream& s) { return Reader::good(s) && !s.closed; });
  });
  std::printf("  streams still open at the end: %ld of %ld\n", still_open, good);
  reader.stop();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::tie(r.after_rss, r.after_threads) = proc_status(o.pid);
  return r;
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? NAN : sum / static_cast<double>(v.size());
}

int run(const Options& o) {
  std::vector<std::string> tokens;
  {
    std::ifstream f(o.tokens);
    for (std::string t; f >> t;) tokens.push_back(t);
  }
  if (tokens.empty()) throw std::invalid_argument("no token in " + o.tokens);
  const bool loaded = !o.load.empty();
  const int rounds = loaded ? std::max(1, o.rounds) : 1;
  auto [idle_rss, idle_threads] = proc_status(o.pid);
  // Without and with the streams, alternated: W S W S ... W. One 10 s run of book-release
  // differs from the next by up to 20 % on this machine (parkd's CPU per cycle, the same
  // work, moves that much), more than the cost measured, so each with-streams run is
  // compared with the runs on either side of it.
  std::vector<double> without, with;
  auto run_without = [&] {
    drain_jobs(o);
    std::printf("book-release without streams (%zu of %d) ...\n", without.size() + 1, rounds + 1);
    LoadResult w = run_load(o.load, o.pid);
    print_load(w);
    without.push_back(w.cycles());
  };
  if (loaded) run_without();
  double loaded_rss = proc_status(o.pid).first;

  std::vector<Round> done;
  Timings all;
  for (int k = 0; k < rounds; ++k) {
    if (rounds > 1) std::printf("round %d of %d: ", k + 1, rounds);
    done.push_back(run_round(o, tokens, k == 0));
    const Timings& t = done.back().t;
    for (auto [to, from] : {std::pair{&all.answers, &t.answers},
                            {&all.all, &t.all},
                            {&all.each, &t.each},
                            {&all.after_answer, &t.after_answer},
                            {&all.after_201, &t.after_201}}) {
      to->insert(to->end(), from->begin(), from->end());
    }
    if (loaded) {
      with.push_back(done.back().load.cycles());
      run_without();
    }
  }
  const Round& first = done.front();
  std::puts("");
  summary("booking/release HTTP answer", all.answers);
  summary(("all " + std::to_string(first.good) + " streams delivered").c_str(), all.all);
  summary("individual deliveries", all.each);
  summary("all delivered, from the HTTP answer", all.after_answer);
  summary("  bookings only, from the 201", all.after_201);
  std::puts(
      "  (timed from just before each request is sent unless said; arrival = read by this client)");
  std::puts("");
  bool none_lost = std::all_of(done.begin(), done.end(),
                               [&](const Round& r) { return r.t.ok && r.good == o.streams; });
  std::printf("%s\n", none_lost ? "no lost events in any round"
                                : "LOST OR WRONG EVENTS (see the rounds above)");
  std::printf(
      "parkd RSS: idle %.1f MB, %ld streams open %.1f MB (%.1f KB per stream), after closing "
      "%.1f MB\n",
      idle_rss, first.good, first.open_rss,
      (first.open_rss - idle_rss) * 1024 / static_cast<double>(std::max(1L, first.good)),
      first.after_rss);
  std::printf("parkd threads: idle %d, %ld streams open %d, after closing %d\n", idle_threads,
              first.good, first.open_threads, first.after_threads);
  if (loaded) {
    std::printf(
        "parkd RSS under load: after book-release without streams %.1f MB, streams open %.1f "
        "MB, after book-release with them %.1f MB (+%.1f MB for the streams and the second "
        "run); threads %d\n",
        loaded_rss, first.open_rss, first.loaded_rss, first.loaded_rss - loaded_rss,
        first.loaded_threads);
    auto list = [](const std::vector<double>& v, const char* format, const char* sep) {
      std::string out;
      for (double x : v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, format, x);
        out += (out.empty() ? "" : sep) + std::string(buf);
      }
      return out;
    };
    std::vector<double> each;
    for (std::size_t k = 0; k < with.size(); ++k) {
      each.push_back((1 - with[k] / ((without[k] + without[k + 1]) / 2)) * 100);
    }
    std::string ws = list(without, "%.0f", " "), ss = list(with, "%.0f", " ");
    std::string drops = list(each, "%.1f", ", ");
    std::sort(each.begin(), each.end());
    std::printf(
        "book-release cycles/s: without streams %s (mean %.0f), with %ld streams %s (mean %.0f)\n"
        "drop %.1f %% (mean against mean); each with-streams run against the two around it: %s "
        "%% (median %.1f %%)\n",
        ws.c_str(), mean(without), first.good, ss.c_str(), mean(with),
        (1 - mean(with) / mean(without)) * 100, drops.c_str(), each[each.size() / 2]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "events_client: %s\n", e.what());
    return 2;
  }
}
