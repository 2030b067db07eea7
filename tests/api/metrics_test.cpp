// GET /metrics: what operators scrape. Loopback only by default (METRICS_ALLOW).
#include "support/api_assertions.h"
#include "support/api_helpers.h"
#include "support/job_support.h"
#include "support/parkd_process.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace parkd::test {
namespace {

// "name{labels} value" lines -> value, keyed by "name{labels}".
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::map<std::string, double> scrape(const HttpClient& http) {
  auto r = http.get("/metrics");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type").value_or("").rfind("text/plain; version=0.0.4", 0), 0u);
  return samples(r.body);
}

TEST(Metrics, CountRequestsByRoutePatternAndStatusWithAConsistentHistogram) {
  ParkdProcess parkd;
  auto http = parkd.client();
  auto user = make_user(parkd);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http.get("/api/lots", user.token).status, 200);
  ASSERT_EQ(http.get("/api/lots/999999", user.token).status, 404);
  ASSERT_EQ(http.get("/api/no/such/thing").status, 404);

  auto m = scrape(http);
  EXPECT_EQ((m[R"(parkd_http_requests_total{method="GET",route="/api/lots",status="200"})"]), 3);
  EXPECT_EQ((m[R"(parkd_http_requests_total{method="GET",route="/api/lots/{id}",status="404"})"]),
            1)
      << "counted under the route pattern, not the raw path";
  EXPECT_GE((m[R"(parkd_http_requests_total{method="other",route="unmatched",status="404"})"]), 1);
  const std::string lots = R"(method="GET",route="/api/lots")";
  double previous = 0;
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2.5", "5", "+Inf"}) {
    double bucket = m["parkd_http_request_duration_seconds_bucket{" + lots + ",le=\"" + le + "\"}"];
    EXPECT_GE(bucket, previous) << "buckets are cumulative: le=" << le;
    previous = bucket;
  }
  EXPECT_EQ(previous, 3) << "the three lists, in their route's own histogram";
  EXPECT_EQ(previous, m["parkd_http_request_duration_seconds_count{" + lots + "}"]);
  EXPECT_GT(m["parkd_http_request_duration_seconds_sum{" + lots + "}"], 0);
  EXPECT_GT(m["process_resident_memory_bytes"], 1e6);
  EXPECT_GT(m["process_start_time_seconds"], 1.7e9);
  EXPECT_GE(m["parkd_db_connections_open"], 1);
  EXPECT_EQ(m["parkd_db_up"], 1);
}

TEST(Metrics, StaticFilesPreflightsAndMissesHaveLabelsOfTheirOwn) {
  ParkdProcess parkd(Env{{"CORS_ORIGINS", "http://ui.example"}});
  auto http = parkd.client();
  // A build without npm (the ASan build) has no UI: / is then an unmatched path.
  bool has_ui = http.request("GET", "/", "", {"Accept: text/html"}).status == 200;
  ASSERT_EQ(http.request("OPTIONS", "/api/lots", "",
                         {"Origin: http://ui.example", "Access-Control-Request-Method: GET"})
                .status,
            204);
  ASSERT_EQ(http.get("/api/no/such/thing").status, 404);
  auto text = http.get("/metrics").body;
  auto m = samples(text);
  if (has_ui) {
    EXPECT_EQ((m[R"(parkd_http_requests_total{method="GET",route="static",status="200"})"]), 1);
  }
  EXPECT_EQ((m[R"(parkd_http_requests_total{method="OPTIONS",route="preflight",status="204"})"]),
            1);
  EXPECT_EQ((m[R"(parkd_http_requests_total{method="other",route="unmatched",status="404"})"]),
            has_ui ? 1 : 2);
  EXPECT_EQ(text.find(R"(method="")"), std::string::npos) << text;
}

TEST(Metrics, ShowJobsByTypeAndStatusAndEmailsSent) {
  ParkdProcess parkd;
  auto http = parkd.client();
  auto user = make_user(parkd);
  auto lot = create_lot(http, parkd.admin_token(), 2);
  ASSERT_EQ(book(http, user.token, {{"lot_id", lot["id"]}}).status, 201);
  // The worker sends the confirmation (to the outbox by default) and the job succeeds.
  // The job counts come from the database and the attempt counters from the worker
  // once its finish committed: a scrape in between may show the one but not the other.
  std::map<std::string, double> m;
  bool sent = eventually(
      [&] {
        m = scrape(http);
        return m[R"(parkd_jobs{type="booking_confirmation",status="succeeded"})"] == 1 &&
               m["parkd_emails_sent_total"] >= 1 &&
               m[R"(parkd_job_attempts_total{type="booking_confirmation",outcome="succeeded"})"] ==
                   1 &&
               m[R"(parkd_job_run_seconds_count{type="booking_confirmation"})"] == 1;
      },
      std::chrono::seconds(20));
  EXPECT_TRUE(sent) << http.get("/metrics").body;
  EXPECT_EQ(m["parkd_emails_failed_total"], 0);
}

TEST(Metrics, ClientsOutsideMetricsAllowGetAJson403) {
  ParkdProcess parkd(Env{{"METRICS_ALLOW", "10.0.0.0/8, fd00::/8"}});
  auto r = parkd.client().get("/metrics");
  EXPECT_TRUE(IsJsonError(r, 403, "forbidden")) << r.status << " " << r.body;
  EXPECT_EQ(r.body.find("parkd_http_requests_total"), std::string::npos);
}

}  // namespace
}  // namespace parkd::test
