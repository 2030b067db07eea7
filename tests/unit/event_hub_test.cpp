#include "events/hub.h"

#include <gtest/gtest.h>

namespace parkd::events {
namespace {

TEST(EventHub, FormatsOneEventWithIdNameAndData) {
  EXPECT_EQ(format_event(7, "lot", R"({"id":1})"), "id: 7\nevent: lot\ndata: {\"id\":1}\n\n");
}

TEST(EventHub, GreetingIsTheFirstBytesAndWakesTheTransport) {
  Hub hub(10, 1024);
  int wakes = 0;
  auto s = hub.subscribe(1, false, "retry: 3000\n\n", [&] { ++wakes; });
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(s->take(), "retry: 3000\n\n");
  EXPECT_EQ(s->take(), "");
}

TEST(EventHub, OneEventReachesEveryStreamWithTheSameId) {
  Hub hub(10, 1024);
  auto a = hub.subscribe(1, false, "", [] {});
  auto b = hub.subscribe(2, false, "", [] {});
  EXPECT_EQ(hub.publish("lot", "{}", Audience::everyone()), 2u);
  EXPECT_EQ(a->take(), b->take());
}

TEST(EventHub, BookingEventsGoToTheOwnerAndAdminsOnly) {
  Hub hub(10, 1024);
  auto owner = hub.subscribe(1, false, "", [] {});
  auto other = hub.subscribe(2, false, "", [] {});
  auto admin = hub.subscribe(3, true, "", [] {});
  EXPECT_EQ(hub.publish("booking", "{}", Audience::owner_and_admins(1)), 2u);
  EXPECT_NE(owner->take(), "");
  EXPECT_EQ(other->take(), "");
  EXPECT_NE(admin->take(), "");
}

TEST(EventHub, BookingEventsReachEveryStreamOfTheOwnerAndNoneThatLeft) {
  Hub hub(4, 1024);
  auto first = hub.subscribe(1, false, "", [] {});
  auto second = hub.subscribe(1, false, "", [] {});
  auto admin = hub.subscribe(2, true, "", [] {});
  auto other = hub.subscribe(5, false, "", [] {});
  hub.unsubscribe(second);
  EXPECT_EQ(hub.publish("booking", "{}", Audience::owner_and_admins(1)), 2u);
  EXPECT_NE(first->take(), "");
  EXPECT_EQ(second->take(), "");
  EXPECT_NE(admin->take(), "");
  EXPECT_EQ(other->take(), "");

  admin->close();  // the admin's client left: its slot is free again
  EXPECT_EQ(hub.size(), 2u);
  auto again = hub.subscribe(1, false, "", [] {});
  auto fourth = hub.subscribe(7, true, "", [] {});
  ASSERT_NE(again, nullptr);
  ASSERT_NE(fourth, nullptr);
  EXPECT_EQ(hub.subscribe(8, false, "", [] {}), nullptr);
  EXPECT_EQ(hub.publish("booking", "{}", Audience::owner_and_admins(1)), 3u);
  EXPECT_NE(first->take(), "");
  EXPECT_NE(again->take(), "");
  EXPECT_NE(fourth->take(), "");
  EXPECT_EQ(admin->take(), "");
}

TEST(EventHub, AStreamHasNewsWhileBytesWaitOrOnceItIsClosed) {
  Hub hub(10, 1024);
  auto s = hub.subscribe(1, false, "", [] {});
  EXPECT_FALSE(s->has_news());
  hub.publish("lot", "{}", Audience::everyone());
  EXPECT_TRUE(s->has_news());
  s->take();
  EXPECT_FALSE(s->has_news());
  s->close();
  EXPECT_TRUE(s->has_news());
}

TEST(EventHub, WakesOnlyWhenTheBufferTurnsNonEmpty) {
  Hub hub(10, 1024);
  int wakes = 0;
  auto s = hub.subscribe(1, false, "", [&] { ++wakes; });
  wakes = 0;
  hub.publish("lot", "{}", Audience::everyone());
  hub.publish("lot", "{}", Audience::everyone());
  EXPECT_EQ(wakes, 1);  // the transport takes both at once
  s->take();
  hub.publish("lot", "{}", Audience::everyone());
  EXPECT_EQ(wakes, 2);
}

TEST(EventHub, ABatchReachesAnEagerTransportAsOnePieceWithConsecutiveIds) {
  // A transport that writes at every wake (an idle I/O thread) sees each publish() as a
  // socket write of its own, and a publish_all() as one.
  Hub hub(10, 4096);
  std::shared_ptr<Stream> s;
  std::vector<std::string> writes;
  s = hub.subscribe(1, false, "", [&] {
    if (s) writes.push_back(s->take());
  });
  hub.publish("lot", "{}", Audience::everyone());
  hub.publish("lot", "{}", Audience::everyone());
  EXPECT_EQ(writes.size(), 2u);
  writes.clear();
  std::string first = R"({"id":1})", second = R"({"id":2,"deleted":true})";
  EXPECT_EQ(hub.publish_all({{"lot", first}, {"lot", second}}), 2u);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0], format_event(3, "lot", first) + format_event(4, "lot", second));
  EXPECT_EQ(hub.publish_all({}), 0u);
  EXPECT_EQ(writes.size(), 1u);
}

TEST(EventHub, ABatchGivesEachStreamItsOwnEventsInOnePiece) {
  Hub hub(10, 4096);
  std::shared_ptr<Stream> mine, theirs, admin;
  std::vector<std::string> my_writes;
  mine = hub.subscribe(1, false, "", [&] {
    if (mine) my_writes.push_back(mine->take());
  });
  theirs = hub.subscribe(2, false, "", [] {});
  admin = hub.subscribe(3, true, "", [] {});
  std::string booking = R"({"booking":{"id":9}})", lot = R"({"id":1})";
  // Deliveries: the booking to its owner and the admin, the lot to all three.
  EXPECT_EQ(hub.publish_all({{"booking", booking, Audience::owner_and_admins(1)},
                             {"lot", lot, Audience::everyone()}}),
            5u);
  ASSERT_EQ(my_writes.size(), 1u);
  EXPECT_EQ(my_writes[0], format_event(1, "booking", booking) + format_event(2, "lot", lot));
  EXPECT_EQ(admin->take(), my_writes[0]);
  EXPECT_EQ(theirs->take(), format_event(2, "lot", lot));
}

TEST(EventHub, ASlowStreamPastItsBufferLimitIsClosedAndTheOthersGoOn) {
  Hub hub(10, 100);
  int slow_wakes = 0;
  auto slow = hub.subscribe(1, false, "", [&] { ++slow_wakes; });
  auto fast = hub.subscribe(2, false, "", [] {});
  std::string data(30, 'x');
  for (int i = 0; i < 5; ++i) {
    hub.publish("lot", data, Audience::everyone());
    fast->take();
  }
  EXPECT_TRUE(slow->closed());
  EXPECT_EQ(slow->take(), "");  // nothing partial is written after the close
  EXPECT_EQ(slow_wakes, 3);     // the subscription, the first event, then the close
  EXPECT_FALSE(fast->closed());
  EXPECT_EQ(hub.size(), 1u);
  hub.publish("lot", data, Audience::everyone());
  EXPECT_NE(fast->take(), "");
}

TEST(EventHub, RefusesStreamsBeyondTheMaximum) {
  Hub hub(1, 1024);
  auto a = hub.subscribe(1, false, "", [] {});
  EXPECT_EQ(hub.subscribe(2, false, "", [] {}), nullptr);
  hub.unsubscribe(a);
  EXPECT_NE(hub.subscribe(2, false, "", [] {}), nullptr);
}

TEST(EventHub, KeepAliveAndCloseAll) {
  Hub hub(10, 1024);
  int wakes = 0;
  auto s = hub.subscribe(1, false, "", [&] { ++wakes; });
  s->take();
  hub.keep_alive();
  EXPECT_EQ(s->take(), ": keep-alive\n\n");
  hub.close_all();
  EXPECT_TRUE(s->closed());
  EXPECT_EQ(wakes, 3);
  EXPECT_EQ(hub.size(), 0u);
}

}  // namespace
}  // namespace parkd::events
