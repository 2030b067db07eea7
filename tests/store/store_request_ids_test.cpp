// The store contract for request ids, run against SQLite and PostgreSQL alike: a job
// records the id of the request it was queued under (RequestLogScope, common/log.h),
// also when SQLite's writer thread runs the unit after the caller's scope has ended;
// what a unit logs carries the id of the request whose write it is; and the worker's
// lines about a job carry the id the job recorded.
#include "common/log.h"
#include "jobs/worker.h"
#include "store_fixture.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <mutex>
#include <stdexcept>

namespace parkd::store_test {
namespace {

NewJob due_job(Timestamp run_at) {
  NewJob j;
  j.type = "email";
  j.payload = "{}";
  j.run_at = run_at;
  j.max_attempts = 3;
  return j;
}

// Keeps each line formatted as it is logged: on the logging thread, whose request id
// the format reads (spdlog's ringbuffer sink formats only when asked, on the asker's).
class LinesSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    lines_.emplace_back(line.data(), line.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

// While it lives, the default logger keeps its lines in memory, in the text format.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("captured", sink_);
    logger->set_formatter(make_log_formatter(LogFormat::text));
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  // The line that has `needle` in it; empty when none does.
  std::string line_with(const std::string& needle) const {
    for (const auto& line : sink_->lines()) {
      if (line.find(needle) != std::string::npos) return line;
    }
    return "";
  }
  std::string all() const {
    std::string out;
    for (const auto& line : sink_->lines()) out += line;
    return out;
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<LinesSink> sink_ = std::make_shared<LinesSink>();
};

TEST_P(StoreContract, AJobRecordsTheRequestItWasQueuedUnderAndNoneOutsideOne) {
  Id by_request = 0;
  {
    RequestLogScope scope("req-7");
    by_request = write([](Tx& tx) { return tx.enqueue_job(due_job(at(0)), at(0)); });
  }
  Id by_cron = write([](Tx& tx) { return tx.enqueue_job(due_job(at(0)), at(0)); });
  auto listed = read([](Tx& tx) { return tx.jobs(std::nullopt, std::nullopt, 10, 0); });
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, by_cron);
  EXPECT_EQ(listed[0].request_id, std::nullopt);
  EXPECT_EQ(listed[1].id, by_request);
  EXPECT_EQ(listed[1].request_id, "req-7");
  auto claimed = write([](Tx& tx) { return tx.claim_job(at(1), at(60)); });
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->id, by_request);
  EXPECT_EQ(claimed->request_id, "req-7");
}

TEST_P(StoreContract, AQueuedWriteKeepsItsRequestIdAfterTheCallersScopeEnded) {
  // On SQLite the writer is held in a unit until the scope, and the text it viewed, are
  // gone. Other stores run write_async on the calling thread: nothing to hold.
  std::promise<void> release;
  std::promise<Id> queued;
  if (store_->queues_writes()) {
    store_->write_async(
        [gate = release.get_future().share()](Tx&) {
          gate.wait();
          return ok_status();
        },
        [](Status) {}, {});
  }
  {
    auto id = std::make_unique<std::string>("req-async-8");
    RequestLogScope scope(*id);
    store_->write_async(
        [&](Tx& tx) {
          queued.set_value(tx.enqueue_job(due_job(at(0)), at(0)));
          return ok_status();
        },
        [](Status st) { EXPECT_TRUE(st.ok()); }, {});
    id->assign("overwritten");
  }
  release.set_value();
  Id job_id = queued.get_future().get();
  // Committed once the writer has answered a later write.
  write([](Tx&) {});
  auto job = read([&](Tx& tx) { return tx.job(job_id); });
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->request_id, "req-async-8");
}

TEST_P(StoreContract, WhatAUnitLogsCarriesTheRequestIdOfItsCaller) {
  CapturedLog log;
  Status st = ok_status();
  {
    RequestLogScope scope("req-9");
    st = store_->write([](Tx&) -> Status { throw std::runtime_error("the unit broke"); });
  }
  EXPECT_FALSE(st.ok());
  std::string line = log.line_with("the unit broke");
  EXPECT_NE(line.find(" request_id=req-9"), std::string::npos) << log.all();
}

TEST_P(StoreContract, TheWorkersLinesAboutAJobCarryTheRequestIdItRecorded) {
  Timestamp due = now();
  Id id = 0;
  {
    RequestLogScope scope("req-10");
    id = write([&](Tx& tx) { return tx.enqueue_job(due_job(due), due); });
  }
  jobs::JobRegistry registry;
  registry.add("email", [](jobs::JobRun&) {
    spdlog::info("handler ran");
    return ok_status();
  });
  jobs::Worker worker(*store_, registry, jobs::WorkerOptions{});
  CapturedLog log;
  EXPECT_EQ(worker.run_due(), 1);
  std::string job = "worker: job " + std::to_string(id) + " (email) ";
  for (const std::string& needle :
       {job + "started", std::string("handler ran"), job + "succeeded"}) {
    std::string line = log.line_with(needle);
    EXPECT_NE(line.find(" request_id=req-10"), std::string::npos) << needle << "\n" << log.all();
  }
  spdlog::info("after the job");
  EXPECT_EQ(log.line_with("after the job").find("request_id"), std::string::npos) << log.all();
}

}  // namespace
}  // namespace parkd::store_test
