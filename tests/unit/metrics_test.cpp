#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

namespace parkd::metrics {
namespace {

AllowList allow(const std::vector<std::string>& entries) {
  auto list = AllowList::parse(entries);
  EXPECT_TRUE(list.has_value());
  return list.value_or(AllowList{});
}

TEST(MetricsAllowList, LoopbackByDefaultAndNothingElse) {
  auto list = allow({"127.0.0.0/8", "::1"});
  EXPECT_TRUE(list.allows("127.0.0.1"));
  EXPECT_TRUE(list.allows("127.3.2.1"));
  EXPECT_TRUE(list.allows("::1"));
  EXPECT_TRUE(list.allows("::ffff:127.0.0.1")) << "IPv4 seen through a dual-stack socket";
  EXPECT_FALSE(list.allows("10.0.0.1"));
  EXPECT_FALSE(list.allows("::2"));
  EXPECT_FALSE(list.allows("not an address"));
}

TEST(MetricsAllowList, MatchesCidrBlocksOnAnyBitBoundary) {
  auto list = allow({"10.1.0.0/20", "192.168.5.7", "fd00:ab::/33"});
  EXPECT_TRUE(list.allows("10.1.15.255"));
  EXPECT_FALSE(list.allows("10.1.16.0"));
  EXPECT_TRUE(list.allows("192.168.5.7"));
  EXPECT_FALSE(list.allows("192.168.5.8"));
  EXPECT_TRUE(list.allows("fd00:ab:7fff::1"));
  EXPECT_FALSE(list.allows("fd00:ab:8000::1"));
}

TEST(MetricsAllowList, StarAllowsEveryone) { EXPECT_TRUE(allow({"*"}).allows("203.0.113.9")); }

TEST(MetricsAllowList, RejectsWhatItCannotRead) {
  for (const std::string bad :
       {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "1.2.3.4/x", "300.1.1.1"}) {
    std::string which;
    EXPECT_FALSE(AllowList::parse({"127.0.0.1", bad}, &which).has_value()) << bad;
    EXPECT_EQ(which, bad);
  }
}

TEST(RequestMetrics, CountsByRouteAndStatusAndKeepsEachRoutesHistogramCumulative) {
  RequestMetrics m({{"GET", "/api/lots"}, {"POST", "/api/book"}});
  using std::chrono::microseconds;
  m.record(0, 200, microseconds(300));
  m.record(0, 200, microseconds(7000));
  m.record(1, 409, microseconds(40000));
  m.record(std::nullopt, 404, microseconds(100));
  m.record(1, 418, microseconds(9000000));  // past the last bucket; counted as 4xx
  std::string out;
  m.render(out);
  EXPECT_NE(out.find(R"(parkd_http_requests_total{method="GET",route="/api/lots",status="200"} 2)"),
            std::string::npos)
      << out;
  EXPECT_NE(
      out.find(R"(parkd_http_requests_total{method="POST",route="/api/book",status="409"} 1)"),
      std::string::npos);
  EXPECT_NE(out.find(R"({method="other",route="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_EQ(out.find(R"(method="")"), std::string::npos) << "every series names its method";
  EXPECT_NE(out.find(R"(route="/api/book",status="4xx"} 1)"), std::string::npos);
  const std::string lots =
      R"(parkd_http_request_duration_seconds_bucket{method="GET",route="/api/lots",)";
  EXPECT_NE(out.find(lots + "le=\"0.0005\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find(lots + "le=\"0.01\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find(lots + "le=\"+Inf\"} 2\n"), std::string::npos);
  const std::string book =
      R"(parkd_http_request_duration_seconds_bucket{method="POST",route="/api/book",)";
  EXPECT_NE(out.find(book + "le=\"0.01\"} 0\n"), std::string::npos);
  EXPECT_NE(out.find(book + "le=\"5\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find(book + "le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(
      out.find(R"(parkd_http_request_duration_seconds_count{method="POST",route="/api/book"} 2)"),
      std::string::npos);
  EXPECT_NE(
      out.find(R"(parkd_http_request_duration_seconds_sum{method="POST",route="/api/book"} 9.04)"),
      std::string::npos)
      << out;
}

TEST(ProcessMetrics, ReportTheStandardSeriesOfThisProcess) {
  std::string out;
  render_process(out);
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_virtual_memory_bytes ", "process_start_time_seconds ",
                           "process_open_fds ", "process_max_fds "}) {
    EXPECT_NE(out.find(std::string("\n") + name), std::string::npos) << name << "\n" << out;
  }
  auto value = [&out](const std::string& name) {
    auto at = out.find("\n" + name + " ");
    return std::stod(out.substr(at + name.size() + 2));
  };
  EXPECT_GT(value("process_resident_memory_bytes"), 1e6);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_LE(value("process_start_time_seconds"), static_cast<double>(now) + 1);
  EXPECT_GT(value("process_start_time_seconds"), static_cast<double>(now) - 3600);
  EXPECT_GE(value("process_open_fds"), 3);
}

TEST(RequestMetrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace parkd::metrics
