// Periodic (common/periodic.h): the shared background loop's timing, wake-ups and stop.

#include "common/periodic.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parkd {
namespace {

using namespace std::chrono_literals;
using Clock = Periodic::Clock;

// What the steps did, for the test thread to wait on and read.
class Runs {
 public:
  void record(Periodic::Woken why) {
    std::lock_guard lock(mutex_);
    times_.push_back(Clock::now());
    woken_.push_back(why);
    cv_.notify_all();
  }
  // Waits up to `limit` for `n` runs in all; whether they happened.
  bool wait_for(std::size_t n, Clock::duration limit = 5s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return times_.size() >= n; });
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return times_.size();
  }
  std::vector<Clock::time_point> times() {
    std::lock_guard lock(mutex_);
    return times_;
  }
  std::vector<Periodic::Woken> woken() {
    std::lock_guard lock(mutex_);
    return woken_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> times_;
  std::vector<Periodic::Woken> woken_;
};

TEST(Periodic, RunsTheStepAgainAndAgainAtItsInterval) {
  Runs runs;
  auto started = Clock::now();
  Periodic p({.thread_name = "test-periodic", .first = 30ms}, [&](Periodic::Woken why) {
    runs.record(why);
    return 30ms;
  });
  ASSERT_TRUE(runs.wait_for(4));
  p.stop();
  auto times = runs.times();
  EXPECT_GE(times[0] - started, 30ms);
  for (std::size_t i = 1; i < times.size(); ++i) EXPECT_GE(times[i] - times[i - 1], 30ms) << i;
  for (auto why : runs.woken()) EXPECT_EQ(why, Periodic::Woken::on_time);
}

TEST(Periodic, WaitsAsLongAsEachStepAsksThenForAnyTimeItNames) {
  Runs runs;
  std::atomic<Clock::time_point> named{};
  Periodic p({.thread_name = "test-periodic"}, [&](Periodic::Woken why) -> Periodic::Next {
    runs.record(why);
    switch (runs.count()) {
      case 1:
        return 10ms;
      case 2:
        return 150ms;
      case 3:
        named = Clock::now() + 100ms;
        return named.load();
      default:
        return 1h;
    }
  });
  ASSERT_TRUE(runs.wait_for(4));
  auto times = runs.times();
  EXPECT_GE(times[1] - times[0], 10ms);
  EXPECT_GE(times[2] - times[1], 150ms);
  EXPECT_GE(times[3], named.load());
  EXPECT_FALSE(runs.wait_for(5, 100ms)) << "the last step asked for an hour";
}

TEST(Periodic, APokeRunsTheStepAtOnceThoughItsWaitIsLong) {
  Runs runs;
  Periodic p({.thread_name = "test-periodic", .first = 1h}, [&](Periodic::Woken why) {
    runs.record(why);
    return 1h;
  });
  EXPECT_FALSE(runs.wait_for(1, 50ms));
  auto poked = Clock::now();
  p.poke();
  ASSERT_TRUE(runs.wait_for(1));
  EXPECT_LT(runs.times()[0] - poked, 500ms);
  EXPECT_EQ(runs.woken()[0], Periodic::Woken::poked);
}

TEST(Periodic, APokeWhileTheStepRunsRunsItOnceMoreRightAfter) {
  Runs runs;
  std::atomic<bool> in_step{false};
  std::atomic<bool> release{false};
  Periodic p({.thread_name = "test-periodic"}, [&](Periodic::Woken why) {
    in_step = true;
    while (runs.count() == 0 && !release) std::this_thread::sleep_for(1ms);
    runs.record(why);
    return 1h;
  });
  while (!in_step) std::this_thread::sleep_for(1ms);
  p.poke();
  p.poke();  // pokes before the next run count as one
  release = true;
  ASSERT_TRUE(runs.wait_for(2));
  EXPECT_EQ(runs.woken()[1], Periodic::Woken::poked);
  EXPECT_FALSE(runs.wait_for(3, 100ms));
}

TEST(Periodic, AStepThatWaitsForAPokeRunsOnlyWhenPoked) {
  Runs runs;
  Periodic p({.thread_name = "test-periodic", .first = Periodic::Next::when_poked()},
             [&](Periodic::Woken why) {
               runs.record(why);
               return Periodic::Next::when_poked();
             });
  EXPECT_FALSE(runs.wait_for(1, 100ms));
  p.poke();
  ASSERT_TRUE(runs.wait_for(1));
  EXPECT_FALSE(runs.wait_for(2, 100ms));
  p.poke();
  EXPECT_TRUE(runs.wait_for(2));
}

TEST(Periodic, StopReturnsPromptlyWhileTheWaitIsAnHour) {
  Runs runs;
  Periodic p({.thread_name = "test-periodic"}, [&](Periodic::Woken why) {
    runs.record(why);
    return 1h;
  });
  ASSERT_TRUE(runs.wait_for(1));
  auto asked = Clock::now();
  p.stop();
  EXPECT_LT(Clock::now() - asked, 500ms);
  EXPECT_TRUE(p.stopping());
}

TEST(Periodic, NoStepRunsOnceStopHasReturned) {
  std::atomic<int> runs{0};
  std::atomic<bool> in_step{false};
  Periodic p({.thread_name = "test-periodic"}, [&](Periodic::Woken) {
    in_step = true;
    std::this_thread::sleep_for(50ms);
    ++runs;
    in_step = false;
    return 0ms;  // at once again
  });
  while (runs == 0 || !in_step) std::this_thread::sleep_for(1ms);
  p.stop();  // the step that runs now finishes first
  EXPECT_FALSE(in_step);
  int after_stop = runs;
  p.poke();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(runs, after_stop);
}

TEST(Periodic, RequestStopStartsNoFurtherStepWithoutWaitingForTheOneRunning) {
  std::atomic<int> runs{0};
  std::atomic<bool> in_step{false};
  std::atomic<bool> release{false};
  Periodic p({.thread_name = "test-periodic"}, [&](Periodic::Woken) {
    in_step = true;
    while (!release) std::this_thread::sleep_for(1ms);
    ++runs;
    return 0ms;
  });
  while (!in_step) std::this_thread::sleep_for(1ms);
  p.request_stop();  // returns though the step is held
  EXPECT_TRUE(p.stopping());
  release = true;
  p.stop();
  EXPECT_EQ(runs, 1);
}

TEST(Periodic, TheDestructorStopsTheThread) {
  std::atomic<int> runs{0};
  {
    Periodic p({.thread_name = "test-periodic"}, [&](Periodic::Woken) {
      ++runs;
      return 1ms;
    });
    while (runs < 2) std::this_thread::sleep_for(1ms);
  }
  int after = runs;
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(runs, after);
}

TEST(Periodic, TheStepRunsOnAThreadOfTheGivenName) {
  Runs runs;
  std::string name;
  Periodic p({.thread_name = "parkd-test"}, [&](Periodic::Woken why) {
    char buffer[16] = {};
    pthread_getname_np(pthread_self(), buffer, sizeof buffer);
    name = buffer;
    runs.record(why);
    return 1h;
  });
  ASSERT_TRUE(runs.wait_for(1));
  EXPECT_EQ(name, "parkd-test");
}

}  // namespace
}  // namespace parkd
