// RequestGuard: which bytes of a connection reach RESTinio, and what a broken rule answers.
#include "http/request_guard.h"

#include <gtest/gtest.h>

namespace parkd {
namespace {

const std::string kGet = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(RequestGuard, PassesWholeRequestsFedInAnyPieces) {
  RequestGuard g;
  std::string two = kGet + "POST /auth/login HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
  std::size_t passed = 0;
  for (char c : two) {
    auto v = g.feed(std::string_view(&c, 1));
    ASSERT_FALSE(v.refusal);
    passed += v.pass;
  }
  EXPECT_EQ(passed, two.size());
}

TEST(RequestGuard, PassesOnlyTheRequestsBeforeARefusedOne) {
  RequestGuard g;
  auto v = g.feed(kGet + kGet + "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n" + kGet);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.refusal->kind, ErrorKind::bad_request);
  EXPECT_EQ(v.pass, 2 * kGet.size());
  auto after = g.feed(kGet);
  EXPECT_EQ(after.pass, 0U);
  EXPECT_FALSE(after.refusal) << "one refusal per connection";
}

TEST(RequestGuard, ARefusalInsideARequestStartedInAnEarlierPiecePassesNothingMore) {
  RequestGuard g;
  EXPECT_EQ(g.feed("GET /healthz HTTP/1.1\r\nHo").pass, 25U);
  auto v = g.feed("st : x\r\n\r\n");
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(v.pass, 0U);
}

TEST(RequestGuard, RefusesALongTargetManyFieldsAndALargeAnnouncedBody) {
  RequestLimits limits;
  limits.max_target = 10;
  limits.max_fields = 2;
  limits.max_body = 5;
  {
    RequestGuard g(limits);
    auto v = g.feed("GET /0123456789 HTTP/1.1\r\n\r\n");
    ASSERT_TRUE(v.refusal);
    EXPECT_EQ(v.refusal->kind, ErrorKind::uri_too_long);
  }
  {
    RequestGuard g(limits);
    auto v = g.feed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
    ASSERT_TRUE(v.refusal);
    EXPECT_EQ(v.refusal->kind, ErrorKind::headers_too_large);
  }
  {
    RequestGuard g(limits);
    auto v = g.feed("POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n");  // no body sent yet
    ASSERT_TRUE(v.refusal);
    EXPECT_EQ(v.refusal->kind, ErrorKind::payload_too_large);
  }
  {
    RequestGuard g(limits);
    auto v =
        g.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n");
    ASSERT_TRUE(v.refusal);
    EXPECT_EQ(v.refusal->kind, ErrorKind::payload_too_large);
  }
}

TEST(RequestGuard, TellsAnUnknownMethodFromARequestLineThatIsNotOne) {
  RequestGuard a;
  EXPECT_EQ(a.feed("FOO / HTTP/1.1\r\n\r\n").refusal->kind, ErrorKind::not_implemented);
  RequestGuard b;
  EXPECT_EQ(b.feed("get / HTTP/1.1\r\n\r\n").refusal->kind, ErrorKind::bad_request);
  RequestGuard c;
  EXPECT_EQ(c.feed("GET / HTTP/2.0\r\n\r\n").refusal->kind, ErrorKind::version_not_supported);
}

}  // namespace
}  // namespace parkd
