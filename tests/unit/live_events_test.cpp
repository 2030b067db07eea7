// LiveEvents (src/events/live.h) around a lot list kept here: which reads the writes ask
// for, and what the streams get from them.
#include "events/live.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>

namespace parkd::events {
namespace {

using namespace std::chrono_literals;

// The lot list: lot 1 with `available` free spots. A read can be held at its start
// until released, to make a write fall while it runs.
class Lots {
 public:
  LiveEvents::ReadLots reader() {
    return [this]() -> std::optional<std::map<std::int64_t, std::string>> {
      std::unique_lock lock(mutex_);
      int seen = available_;  // what the read's snapshot holds, whatever comes later
      ++reads_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hold_; });
      return std::map<std::int64_t, std::string>{
          {1, R"({"id":1,"available_spots":)" + std::to_string(seen) + "}"}};
    };
  }
  void set(int available) {
    std::lock_guard lock(mutex_);
    available_ = available;
  }
  void hold(bool on) {
    std::lock_guard lock(mutex_);
    hold_ = on;
    cv_.notify_all();
  }
  int reads() {
    std::lock_guard lock(mutex_);
    return reads_;
  }
  // Waits until more than `n` reads have begun.
  bool wait_for_reads(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 5s, [&] { return reads_ > n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int available_ = 10;
  int reads_ = 0;
  bool hold_ = false;
};

// What the stream has received, until `want` is in it or 5 s passed.
std::string received_until(Stream& s, const std::string& want, std::string& so_far) {
  for (auto until = std::chrono::steady_clock::now() + 5s;
       so_far.find(want) == std::string::npos && std::chrono::steady_clock::now() < until;) {
    so_far += s.take();
    std::this_thread::sleep_for(5ms);
  }
  return so_far;
}

LiveEvents::Options quiet() {  // no periodic read within a test: only the writes ask
  LiveEvents::Options o;
  o.poll = 60s;
  o.keep_alive = 60s;
  o.gap = 20ms;
  return o;
}

TEST(LiveEvents, AWriteDuringAReadIsSentByTheNextRead) {
  Lots lots;
  LiveEvents live(quiet(), lots.reader());
  LiveEvents::Refusal why{};
  auto stream = live.open(7, false, why);
  ASSERT_NE(stream, nullptr);
  std::string got;
  received_until(*stream, R"("available_spots":10)", got);

  lots.hold(true);
  lots.set(9);
  int before = lots.reads();
  live.lots_changed();
  ASSERT_TRUE(lots.wait_for_reads(before));  // the read has begun, and waits
  lots.set(8);                               // a write it may miss
  live.lots_changed();
  lots.hold(false);

  // The read that was held sends 9; the write during it must bring 8 without waiting
  // for the minute's poll.
  EXPECT_NE(received_until(*stream, R"("available_spots":8)", got).find(R"("available_spots":8)"),
            std::string::npos)
      << got;
}

TEST(LiveEvents, ABurstOfWritesIsReadOnceAGapAndSendsItsLastState) {
  Lots lots;
  auto options = quiet();
  options.gap = 200ms;
  LiveEvents live(options, lots.reader());
  LiveEvents::Refusal why{};
  auto stream = live.open(7, false, why);
  ASSERT_NE(stream, nullptr);
  std::string got;
  received_until(*stream, R"("available_spots":10)", got);

  int before = lots.reads();
  for (int i = 0; i < 1000; ++i) {
    lots.set(i % 7);
    live.lots_changed();
  }
  lots.set(3);
  live.lots_changed();
  received_until(*stream, R"("available_spots":3)", got);
  EXPECT_NE(got.find(R"("available_spots":3)"), std::string::npos) << got;
  // 1 001 writes within one gap or two: a few reads, not one each.
  EXPECT_LE(lots.reads() - before, 4);
}

TEST(LiveEvents, AStreamOpenedWhileTheWatcherFoundNoneGetsTheNextChange) {
  Lots lots;
  LiveEvents live(quiet(), lots.reader());
  lots.hold(true);
  std::shared_ptr<Stream> stream;
  std::thread opener([&] {
    LiveEvents::Refusal why{};
    stream = live.open(7, false, why);
  });
  ASSERT_TRUE(lots.wait_for_reads(0));  // the snapshot's read has begun, and waits
  // A write while the stream is being opened: the watcher finds no stream subscribed yet
  // and waits for the lot list, which the opening holds until it has subscribed.
  live.lots_changed();
  std::this_thread::sleep_for(100ms);
  lots.hold(false);
  opener.join();
  ASSERT_NE(stream, nullptr);
  std::this_thread::sleep_for(50ms);

  lots.set(4);
  live.lots_changed();
  std::string got;
  received_until(*stream, R"("available_spots":4)", got);
  EXPECT_NE(got.find(R"("available_spots":4)"), std::string::npos) << got;
}

TEST(LiveEvents, AChangeBackAfterAStreamOpensReachesIt) {
  Lots lots;
  LiveEvents live(quiet(), lots.reader());
  LiveEvents::Refusal why{};
  auto first = live.open(7, false, why);
  ASSERT_NE(first, nullptr);
  std::string got_first;
  received_until(*first, R"("available_spots":10)", got_first);

  lots.set(9);  // committed, not read yet (another process's write, say)
  auto second = live.open(8, false, why);
  ASSERT_NE(second, nullptr);
  std::string got_second;
  received_until(*second, R"("available_spots":9)", got_second);
  // The first stream is told of what the second one's snapshot found.
  EXPECT_NE(
      received_until(*first, R"("available_spots":9)", got_first).find(R"("available_spots":9)"),
      std::string::npos)
      << got_first;

  lots.set(10);  // back to what the first snapshot had
  live.lots_changed();
  received_until(*second, R"("available_spots":10)", got_second);
  EXPECT_NE(got_second.find(R"("available_spots":10)"), std::string::npos) << got_second;
  // And the first one after its 9.
  std::string after_nine;
  received_until(*first, R"("available_spots":10)", after_nine);
  EXPECT_NE(after_nine.find(R"("available_spots":10)"), std::string::npos) << got_first;
}

TEST(LiveEvents, WithNoStreamOpenAWriteReadsNothing) {
  Lots lots;
  LiveEvents live(quiet(), lots.reader());
  EXPECT_FALSE(live.listening());
  for (int i = 0; i < 10; ++i) live.lots_changed();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(lots.reads(), 0);
}

}  // namespace
}  // namespace parkd::events
