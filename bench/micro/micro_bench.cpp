// Google Benchmark micro-benchmarks of the hot functions (make bench-micro). Not tests:
// they print timings and never fail on a number.
#include "api/json_writer.h"
#include "api/render.h"
#include "auth/token.h"
#include "common/time.h"
#include "domain/money.h"
#include "http/request_guard.h"
#include "jobs/cron.h"
#include "metrics/metrics.h"

#include <benchmark/benchmark.h>

namespace parkd {
namespace {

std::vector<Lot> ten_lots() {
  std::vector<Lot> lots;
  for (int i = 1; i <= 10; ++i) {
    Lot l;
    l.id = i;
    l.name = "Lot " + std::to_string(i);
    l.address = std::to_string(i) + " Bench Street";
    l.capacity = 100;
    l.occupied_spots = i * 3;
    l.reserved_spots = i % 3;
    l.price_cents = 350 + i * 25;
    l.created_at = from_unix(1767229261 + i);
    lots.push_back(l);
  }
  return lots;
}

// GET /api/lots body: the direct writer used now...
void LotListDirectWriter(benchmark::State& state) {
  auto lots = ten_lots();
  for (auto _ : state) {
    JsonWriter w;
    w.begin_object().key("lots").begin_array();
    for (const auto& l : lots) write_json(w, l);
    w.end_array().key("total").value(10).end_object();
    benchmark::DoNotOptimize(w.take());
  }
}
BENCHMARK(LotListDirectWriter);

// ...and the nlohmann DOM it replaced, for comparison.
void LotListNlohmannDom(benchmark::State& state) {
  auto lots = ten_lots();
  for (auto _ : state) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& l : lots) {
      items.push_back({{"id", l.id},
                       {"name", l.name},
                       {"address", l.address},
                       {"capacity", l.capacity},
                       {"price_per_hour", money_json(l.price_cents)},
                       {"available_spots", l.available_spots()},
                       {"occupied_spots", l.occupied_spots},
                       {"reserved_spots", l.reserved_spots},
                       {"created_at", format_iso8601(l.created_at)}});
    }
    nlohmann::json body = {{"lots", std::move(items)}, {"total", 10}};
    benchmark::DoNotOptimize(body.dump());
  }
}
BENCHMARK(LotListNlohmannDom);

void TokenVerify(benchmark::State& state) {
  TokenSigner signer("bench-secret-key-0123456789abcdef", 86400);
  Timestamp at = from_unix(1767229261);
  std::string token = signer.issue(42, 3, at);
  for (auto _ : state) benchmark::DoNotOptimize(signer.verify(token, at));
}
BENCHMARK(TokenVerify);

void StayCost(benchmark::State& state) {
  std::int64_t seconds = 0;
  for (auto _ : state) benchmark::DoNotOptimize(stay_cost_cents(350, seconds += 37, 60));
}
BENCHMARK(StayCost);

void FormatIso8601(benchmark::State& state) {
  std::int64_t t = 1767229261;
  for (auto _ : state) benchmark::DoNotOptimize(format_iso8601(from_unix(t++)));
}
BENCHMARK(FormatIso8601);

void CronNextFireInBerlin(benchmark::State& state) {
  auto schedule = jobs::parse_cron("0 18 * * *");
  const auto* tz = jobs::find_time_zone("Europe/Berlin");
  Timestamp at = from_unix(1767229261);
  for (auto _ : state) {
    auto next = jobs::next_fire_after(*schedule, at, tz);
    at = next.value_or(at);
    benchmark::DoNotOptimize(next);
  }
}
BENCHMARK(CronNextFireInBerlin);

void MetricsRecordRequest(benchmark::State& state) {
  metrics::RequestMetrics m({{"GET", "/api/lots"}, {"POST", "/api/book"}});
  for (auto _ : state) m.record(std::size_t{0}, 200, std::chrono::microseconds(700));
}
BENCHMARK(MetricsRecordRequest)->Threads(1)->Threads(2);

// The edge's own parse of each request (http/request_guard.h) ahead of RESTinio's: one
// keep-alive connection's guard fed `request` once per iteration, as the server feeds it.
// Its time against the CPU time per request of `bench/run.sh` healthz is the share of
// the second parse in that throughput.
void feed_guard(benchmark::State& state, std::string_view request) {
  RequestGuard guard;
  for (auto _ : state) {
    auto verdict = guard.feed(request);
    benchmark::DoNotOptimize(verdict);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * request.size()));
}

// The request wrk sends in bench/healthz.lua.
void RequestGuardHealthz(benchmark::State& state) {
  feed_guard(state, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:5000\r\n\r\n");
}
BENCHMARK(RequestGuardHealthz);

// A booking as the web UI sends it: ten header fields and a JSON body.
void RequestGuardBook(benchmark::State& state) {
  static const std::string kRequest = [] {
    std::string body = R"({"lot_id":1,"booking_type":"immediate","vehicle_number":"KA01AB1234"})";
    return "POST /api/book HTTP/1.1\r\nHost: parkd.example.com\r\n"
           "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\n"
           "Accept: application/json\r\nAccept-Language: en-GB,en;q=0.9\r\n"
           "Accept-Encoding: gzip, deflate, br\r\nContent-Type: application/json\r\n"
           "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\r\n"
           "Origin: https://parkd.example.com\r\nIdempotency-Key: 7f3c2a\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  feed_guard(state, kRequest);
}
BENCHMARK(RequestGuardBook);

}  // namespace
}  // namespace parkd

BENCHMARK_MAIN();
