#include "common/log.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

namespace parkd {
namespace {

// A LineSink writing into a pipe, read without blocking: what a reader of stderr would see.
class LineSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::pipe2(fds_, O_NONBLOCK), 0);
    // Room for more than one batch, since nothing reads while the test logs.
    ASSERT_GE(::fcntl(fds_[1], F_SETPIPE_SZ, 4 * LineSink::kMaxBytes), 0);
    // An age no test reaches, so that a slow machine cannot write a batch early.
    use_sink(std::chrono::hours(1));
  }
  void use_sink(std::chrono::milliseconds max_age) {
    sink_ = std::make_shared<LineSink>(fds_[1], max_age);
    logger_ = std::make_shared<spdlog::logger>("test", sink_);
    logger_->set_pattern("%l %v");
  }
  void TearDown() override {
    logger_.reset();
    sink_.reset();
    ::close(fds_[0]);
    ::close(fds_[1]);
  }

  std::string written() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds_[0], buf, sizeof buf)) > 0;) out.append(buf, n);
    return out;
  }

  int fds_[2] = {-1, -1};
  std::shared_ptr<LineSink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(LineSinkTest, UnbatchedWritesEveryLineAtOnce) {
  logger_->info("one");
  EXPECT_EQ(written(), "info one\n");
  logger_->debug("hidden at the default level");
  logger_->info("two");
  EXPECT_EQ(written(), "info two\n");
}

TEST_F(LineSinkTest, BatchedWritesKeptLinesInOrderWithTheFirstWarning) {
  sink_->batch(true);
  logger_->info("a");
  logger_->info("b");
  EXPECT_EQ(written(), "");
  logger_->warn("c");
  EXPECT_EQ(written(), "info a\ninfo b\nwarning c\n");
  logger_->error("d");
  EXPECT_EQ(written(), "error d\n");
}

TEST_F(LineSinkTest, BatchedWritesOnceTheOldestKeptLineIsOldEnough) {
  use_sink(std::chrono::milliseconds(20));
  sink_->batch(true);
  logger_->info("old");
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  logger_->info("new");
  EXPECT_EQ(written(), "info old\ninfo new\n");
}

TEST_F(LineSinkTest, BatchedWritesWhenTheKeptBytesReachTheLimit) {
  sink_->batch(true);
  std::string line(1000, 'x');
  std::size_t lines = 0;
  while ((lines + 1) * (line.size() + 6) < LineSink::kMaxBytes) {
    logger_->info(line);
    ++lines;
  }
  EXPECT_EQ(written(), "");
  logger_->info(line);
  EXPECT_EQ(written().size(), (lines + 1) * (line.size() + 6));
}

TEST_F(LineSinkTest, FlushAndDestructionWriteWhatIsKept) {
  sink_->batch(true);
  logger_->info("flushed");
  logger_->flush();
  EXPECT_EQ(written(), "info flushed\n");
  logger_->info("at exit");
  logger_.reset();
  sink_.reset();
  EXPECT_EQ(written(), "info at exit\n");
}

TEST_F(LineSinkTest, TurningBatchingOffWritesWhatIsKept) {
  sink_->batch(true);
  logger_->info("kept");
  sink_->batch(false);
  EXPECT_EQ(written(), "info kept\n");
}

// The line formats, through the default logger as parkd uses them.
class LogFormatTest : public LineSinkTest {
 protected:
  void SetUp() override {
    LineSinkTest::SetUp();
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(logger_);
  }
  void TearDown() override {
    spdlog::set_default_logger(previous_);
    LineSinkTest::TearDown();
  }
  void use_format(LogFormat format) { logger_->set_formatter(make_log_formatter(format)); }

  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(LogFormatTest, TextPutsFieldsAndTheRequestIdAfterTheMessage) {
  use_format(LogFormat::text);
  {
    RequestLogScope scope("abc-1");
    const LogField fields[] = {{"client", "203.0.113.7"}, {"status", "200", true, true}};
    log_with_fields(spdlog::level::info, "GET /api/lots 200 1.2ms", fields);
    spdlog::error("something broke");
  }
  spdlog::info("outside");
  std::string out = written();
  EXPECT_NE(out.find(" info GET /api/lots 200 1.2ms client=203.0.113.7 request_id=abc-1\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("status="), std::string::npos) << "said in the message already";
  EXPECT_NE(out.find(" error something broke request_id=abc-1\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" info outside\n"), std::string::npos) << out;
  EXPECT_EQ(out.rfind("2", 0), 0u) << "starts with the time";
}

TEST_F(LogFormatTest, JsonWritesOneObjectPerLineWithTimeLevelMessageAndFields) {
  use_format(LogFormat::json);
  {
    RequestLogScope scope("abc-2");
    const LogField fields[] = {{"client", "2001:db8::1"}, {"status", "404", true, true}};
    log_with_fields(spdlog::level::warn, "GET /\"quoted\"\n\x01 \xff\xc3\xa9 404", fields);
  }
  spdlog::info("plain");
  std::string out = written();
  auto newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos);
  auto first = nlohmann::json::parse(out.substr(0, newline));
  EXPECT_EQ(first["level"], "warning");
  EXPECT_EQ(first["message"], "GET /\"quoted\"\n\x01 \xef\xbf\xbd\xc3\xa9 404")
      << "bytes that are not UTF-8 become U+FFFD";
  EXPECT_EQ(first["client"], "2001:db8::1");
  EXPECT_EQ(first["status"], 404);
  EXPECT_EQ(first["request_id"], "abc-2");
  std::string time = first["time"];
  EXPECT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time.back(), 'Z');
  auto second = nlohmann::json::parse(out.substr(newline + 1));
  EXPECT_EQ(second["message"], "plain");
  EXPECT_FALSE(second.contains("request_id"));
}

}  // namespace
}  // namespace parkd

namespace parkd {
namespace {

// The default logger swapped for one that keeps its lines in memory.
class FailureLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
    auto logger = std::make_shared<spdlog::logger>("failures", sink_);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }
  std::vector<std::string> lines() const { return sink_->last_formatted(); }

  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

TEST_F(FailureLogTest, LogsARepeatedCauseOnceAndItsRecoveryOnce) {
  FailureLog log("database: writes are failing", std::chrono::hours(1));
  for (int i = 0; i < 50; ++i) log.failed("disk is full");
  log.succeeded();
  log.succeeded();
  auto got = lines();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("error database: writes are failing: disk is full"), std::string::npos);
  EXPECT_NE(got[1].find("info database: writes are failing: working again after 50 failures"),
            std::string::npos)
      << got[1];
}

TEST_F(FailureLogTest, LogsANewCauseAtOnceAndRepeatsAfterTheQuietPeriod) {
  FailureLog log("checkpoint", std::chrono::seconds(0));
  log.failed("disk is full");
  log.failed("disk is full");  // the quiet period (none) has passed: reported with its count
  log.failed("read-only file system");
  auto got = lines();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[1].find("disk is full (again 1 times since the last report)"), std::string::npos)
      << got[1];
  EXPECT_NE(got[2].find("checkpoint: read-only file system"), std::string::npos);
}

}  // namespace
}  // namespace parkd
