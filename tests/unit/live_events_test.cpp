// LiveEvents (src/events/live.h) around a lot list kept here: which reads the writes ask
// for, and what the streams get from them.
#include "events/live.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

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

// Whether the stream receives lot 1 with `available` free spots within 5 s. What it
// received (from the start or after `got`) is appended to `got`; only what comes after
// `from` in it counts.
bool receives(Stream& s, int available, std::string& got, std::size_t from = 0) {
  const std::string want = R"("available_spots":)" + std::to_string(available) + "}";
  for (auto until = std::chrono::steady_clock::now() + 5s;
       got.find(want, from) == std::string::npos && std::chrono::steady_clock::now() < until;) {
    got += s.take();
    std::this_thread::sleep_for(5ms);
  }
  return got.find(want, from) != std::string::npos;
}

// A stream for `user`, once it has had its snapshot (lot 1 with `available` free
// spots); null when refused. What it received goes to `got`.
std::shared_ptr<Stream> opened(LiveEvents& live, std::int64_t user, int available,
                               std::string& got) {
  LiveEvents::Refusal why{};
  auto stream = live.open(user, false, why);
  if (stream) receives(*stream, available, got);
  return stream;
}

LiveEvents::Options quiet() {  // no periodic read within a test: only the writes ask
  LiveEvents::Options o;
  o.poll = 60s;
  o.keep_alive = 60s;
  o.gap = 20ms;
  return o;
}

// Lot 1's list (`lots`) and the events around it (`live`), with no periodic read.
class LiveEventsWatcher : public testing::Test {
 protected:
  Lots lots;
  LiveEvents live{quiet(), lots.reader()};  // after `lots`: stopped before it goes
};

TEST_F(LiveEventsWatcher, AWriteDuringAReadIsSentByTheNextRead) {
  std::string got;
  auto stream = opened(live, 7, 10, got);
  ASSERT_NE(stream, nullptr);

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
  EXPECT_TRUE(receives(*stream, 8, got)) << got;
}

TEST_F(LiveEventsWatcher, ABurstOfWritesIsReadOnceAGapAndSendsItsLastState) {
  auto options = quiet();
  options.gap = 200ms;  // a watcher of its own on the same lots, with a longer gap
  LiveEvents slow(options, lots.reader());
  std::string got;
  auto stream = opened(slow, 7, 10, got);
  ASSERT_NE(stream, nullptr);

  int before = lots.reads();
  for (int i = 0; i < 1000; ++i) {
    lots.set(i % 7);
    slow.lots_changed();
  }
  lots.set(3);
  slow.lots_changed();
  EXPECT_TRUE(receives(*stream, 3, got)) << got;
  // 1 001 writes within one gap or two: a few reads, not one each.
  EXPECT_LE(lots.reads() - before, 4);
}

TEST_F(LiveEventsWatcher, WithManyStreamsTheReadsForWritesAreFurtherApart) {
  auto options = quiet();  // a gap of 20 ms, but 10 stream writes a second at most
  options.fan_out_per_second = 10;
  LiveEvents busy(options, lots.reader());
  std::vector<std::string> got(3);
  std::vector<std::shared_ptr<Stream>> streams;
  for (auto& g : got) streams.push_back(opened(busy, 7, 10, g));
  for (const auto& s : streams) ASSERT_NE(s, nullptr);

  lots.set(9);
  busy.lots_changed();  // the first read for a write: at once
  ASSERT_TRUE(receives(*streams[0], 9, got[0])) << got[0];
  const auto first = std::chrono::steady_clock::now();
  lots.set(8);
  busy.lots_changed();
  ASSERT_TRUE(receives(*streams[0], 8, got[0])) << got[0];
  // Three streams at 10 writes a second: reads 300 ms apart, not the 20 ms gap.
  EXPECT_GE(std::chrono::steady_clock::now() - first, 250ms);
  for (std::size_t i = 1; i < streams.size(); ++i) EXPECT_TRUE(receives(*streams[i], 8, got[i]));
}

TEST_F(LiveEventsWatcher, AStreamOpenedWhileTheWatcherFoundNoneGetsTheNextChange) {
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
  EXPECT_TRUE(receives(*stream, 4, got)) << got;
}

TEST_F(LiveEventsWatcher, AChangeBackAfterAStreamOpensReachesIt) {
  std::string got_first;
  auto first = opened(live, 7, 10, got_first);
  ASSERT_NE(first, nullptr);

  lots.set(9);  // committed, not read yet (another process's write, say)
  std::string got_second;
  auto second = opened(live, 8, 9, got_second);
  ASSERT_NE(second, nullptr);
  // The first stream is told of what the second one's snapshot found.
  EXPECT_TRUE(receives(*first, 9, got_first)) << got_first;

  lots.set(10);  // back to what the first snapshot had
  live.lots_changed();
  EXPECT_TRUE(receives(*second, 10, got_second)) << got_second;
  // And the first one, after its 9.
  EXPECT_TRUE(receives(*first, 10, got_first, got_first.find(R"("available_spots":9})")))
      << got_first;
}

TEST_F(LiveEventsWatcher, ABookingEventReachesItsOwnerWithItsLotChangeInOneWrite) {
  std::string got, other_got;
  auto owner = opened(live, 7, 10, got);
  auto other = opened(live, 8, 10, other_got);
  ASSERT_NE(owner, nullptr);
  ASSERT_NE(other, nullptr);
  // An eager transport: one socket write per wake, of what the stream then holds.
  std::mutex mutex;
  std::vector<std::string> writes;
  owner->attach([&] {
    std::lock_guard lock(mutex);
    if (auto bytes = owner->take(); !bytes.empty()) writes.push_back(bytes);
  });

  lots.set(9);
  live.booking_changed(7, R"({"id":5,"status":"Active"})");
  std::string other_sees;
  EXPECT_TRUE(receives(*other, 9, other_sees)) << other_sees;
  EXPECT_EQ(other_sees.find("event: booking"), std::string::npos) << other_sees;
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(writes.size(), 1u);
    const std::string& w = writes[0];
    auto booking = w.find("event: booking\ndata: {\"booking\":{\"id\":5,\"status\":\"Active\"}}");
    auto lot = w.find(R"("available_spots":9)");
    EXPECT_NE(booking, std::string::npos) << w;
    EXPECT_NE(lot, std::string::npos) << w;
    EXPECT_LT(booking, lot) << w;  // the booking, then the numbers it changed
  }
  owner->attach({});  // `writes` goes before `live`
}

TEST_F(LiveEventsWatcher, WithNoStreamOpenAWriteReadsNothing) {
  EXPECT_FALSE(live.listening());
  for (int i = 0; i < 10; ++i) live.lots_changed();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(lots.reads(), 0);
}

}  // namespace
}  // namespace parkd::events
