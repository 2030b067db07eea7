#include "common/client_address.h"

#include "api/http_types.h"
#include "common/request_id.h"

#include <gtest/gtest.h>

#include <set>

namespace parkd {
namespace {

AddressSet set_of(const std::vector<std::string>& entries) {
  auto set = AddressSet::parse(entries);
  EXPECT_TRUE(set.has_value());
  return set.value_or(AddressSet{});
}

TEST(IpAddress, ReadsIpv4AndIpv6AndWritesTheCanonicalForm) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->to_string(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("2001:DB8:0:0::1")->to_string(), "2001:db8::1");
  EXPECT_EQ(IpAddress::parse("::ffff:192.0.2.1")->to_string(), "192.0.2.1")
      << "an IPv4 client seen through a dual-stack socket is that IPv4 client";
  for (const char* bad :
       {"", "localhost", "192.0.2", "192.0.2.1:80", "[::1]", "256.0.0.1", "::1%eth0", "1.2.3.4 "}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

// inet_pton reads up to a NUL; the address must be the whole text (found by
// fuzz/client_address_fuzz.cpp).
TEST(IpAddress, RejectsTextWithANulByte) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(IpAddress::parse("192.0.2.1\0junk"sv));
  EXPECT_FALSE(IpAddress::parse("::1\0"sv));
  EXPECT_EQ(parse_forwarded_node("10.0.0.1\0:80"sv).kind, ForwardedNode::Kind::invalid);
}

TEST(AddressSet, MatchesIpv4BlocksFromSlash0ToSlash32) {
  EXPECT_TRUE(set_of({"0.0.0.0/0"}).contains("203.0.113.9"));
  EXPECT_FALSE(set_of({"0.0.0.0/0"}).contains("2001:db8::1")) << "IPv4 blocks hold no IPv6";
  auto s = set_of({"10.1.0.0/20", "192.168.5.7/32", "172.16.0.0/12", "198.51.100.128/25"});
  EXPECT_TRUE(s.contains("10.1.15.255"));
  EXPECT_FALSE(s.contains("10.1.16.0"));
  EXPECT_TRUE(s.contains("192.168.5.7"));
  EXPECT_FALSE(s.contains("192.168.5.8"));
  EXPECT_TRUE(s.contains("172.31.255.255"));
  EXPECT_FALSE(s.contains("172.32.0.0"));
  EXPECT_TRUE(s.contains("198.51.100.200"));
  EXPECT_FALSE(s.contains("198.51.100.127"));
  EXPECT_TRUE(s.contains("::ffff:10.1.0.1"));
  EXPECT_TRUE(set_of({"10.1.2.3/8"}).contains("10.200.0.1")) << "host bits are ignored";
}

TEST(AddressSet, MatchesIpv6BlocksUpToSlash128) {
  auto s = set_of({"fd00:ab::/33", "2001:db8::1/128", "::1"});
  EXPECT_TRUE(s.contains("fd00:ab:7fff::1"));
  EXPECT_FALSE(s.contains("fd00:ab:8000::1"));
  EXPECT_TRUE(s.contains("2001:db8::1"));
  EXPECT_FALSE(s.contains("2001:db8::2"));
  EXPECT_TRUE(s.contains("::1"));
  EXPECT_FALSE(s.contains("127.0.0.1")) << "::1 is not IPv4 loopback";
  EXPECT_TRUE(set_of({"::/0"}).contains("2001:db8::2"));
  EXPECT_FALSE(set_of({"::/0"}).contains("192.0.2.1"));
}

TEST(AddressSet, AnEmptySetHoldsNothing) {
  auto s = set_of({});
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.contains("127.0.0.1"));
}

TEST(AddressSet, RejectsMalformedEntriesNamingThem) {
  for (const std::string bad :
       {"localhost", "*", "10.0.0.0/33", "::1/129", "10.0.0.0/", "1.2.3.4/x", "1.2.3.4/-1",
        "300.1.1.1", "10.0.0.1:80", "[::1]", "::ffff:10.0.0.0/104", "/8", ""}) {
    std::string which;
    EXPECT_FALSE(AddressSet::parse({"127.0.0.1", bad}, &which).has_value()) << bad;
    EXPECT_EQ(which, bad);
  }
}

ForwardedNode::Kind kind_of(std::string_view text) { return parse_forwarded_node(text).kind; }

TEST(ForwardedNode, ReadsAddressesWithAndWithoutPorts) {
  EXPECT_EQ(parse_forwarded_node("192.0.2.43").text, "192.0.2.43");
  EXPECT_EQ(parse_forwarded_node(" 192.0.2.43:47011 ").text, "192.0.2.43");
  EXPECT_EQ(parse_forwarded_node("[2001:db8:cafe::17]").text, "2001:db8:cafe::17");
  EXPECT_EQ(parse_forwarded_node("[2001:db8:cafe::17]:4711").text, "2001:db8:cafe::17");
  EXPECT_EQ(parse_forwarded_node("2001:DB8::1").text, "2001:db8::1") << "X-Forwarded-For style";
  EXPECT_EQ(kind_of("192.0.2.43:_port"), ForwardedNode::Kind::address);
}

TEST(ForwardedNode, KnowsObfuscatedAndUnknownNodes) {
  EXPECT_EQ(kind_of("unknown"), ForwardedNode::Kind::unknown);
  EXPECT_EQ(kind_of("UNKNOWN"), ForwardedNode::Kind::unknown);
  auto hidden = parse_forwarded_node("_hidden");
  EXPECT_EQ(hidden.kind, ForwardedNode::Kind::obfuscated);
  EXPECT_EQ(hidden.text, "_hidden");
  EXPECT_EQ(parse_forwarded_node("_SEVKISEK:_port").text, "_SEVKISEK");
}

TEST(ForwardedNode, RejectsWhatIsNotANode) {
  for (const char* bad :
       {"", "_", "proxy.example", "192.0.2.43:99999", "192.0.2.43:", "[2001:db8::1",
        "[2001:db8::1]x", "[192.0.2.1]", "2001:db8::1:80]", "_bad/char", "1.2.3.4 5.6.7.8"}) {
    EXPECT_EQ(kind_of(bad), ForwardedNode::Kind::invalid) << bad;
  }
}

std::vector<std::string> texts(const std::vector<ForwardedNode>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n.text);
  return out;
}

TEST(ForwardedHeader, ReadsTheForOfEachElement) {
  auto nodes =
      forwarded_for_nodes(R"(for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8::1]:4711", )"
                          R"(proto=https, for=_hidden;host="a,b;c", for=unknown)");
  EXPECT_EQ(texts(nodes), (std::vector<std::string>{"192.0.2.60", "2001:db8::1", "unknown",
                                                    "_hidden", "unknown"}))
      << "an element without for= is an unknown hop; quoted commas do not split";
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(nodes[1].kind, ForwardedNode::Kind::address);
  EXPECT_EQ(nodes[2].kind, ForwardedNode::Kind::unknown);
  EXPECT_EQ(nodes[3].kind, ForwardedNode::Kind::obfuscated);
  EXPECT_EQ(forwarded_for_nodes(R"(for="192.0.2.43:47011")")[0].text, "192.0.2.43");
  EXPECT_TRUE(forwarded_for_nodes("").empty());
}

TEST(XForwardedForHeader, ReadsEveryEntryLeftToRight) {
  EXPECT_EQ(texts(x_forwarded_for_nodes("203.0.113.7, 2001:db8::5 ,10.0.0.2")),
            (std::vector<std::string>{"203.0.113.7", "2001:db8::5", "10.0.0.2"}));
  EXPECT_EQ(x_forwarded_for_nodes("garbage, 10.0.0.2")[0].kind, ForwardedNode::Kind::invalid);
}

TEST(ClientFromChain, IsTheRightMostAddressThatIsNotATrustedProxy) {
  auto trusted = set_of({"10.0.0.0/8", "127.0.0.1"});
  // The client wrote the first two entries itself; only what the trusted proxies
  // appended counts.
  EXPECT_EQ(
      client_from_chain(x_forwarded_for_nodes("6.6.6.6, 1.2.3.4, 203.0.113.7, 10.0.0.2"), trusted),
      "203.0.113.7");
  EXPECT_EQ(client_from_chain(x_forwarded_for_nodes("203.0.113.7"), trusted), "203.0.113.7");
  EXPECT_EQ(client_from_chain(x_forwarded_for_nodes("10.0.0.9, 127.0.0.1"), trusted), "10.0.0.9")
      << "when every hop is trusted, the farthest one";
  EXPECT_EQ(client_from_chain(forwarded_for_nodes(R"(for="[2001:db8::1]:4711")"), trusted),
            "2001:db8::1");
}

TEST(ClientFromChain, UsesAnObfuscatedIdentifierAndGivesUpOnUnknownOrInvalidHops) {
  auto trusted = set_of({"127.0.0.1"});
  EXPECT_EQ(client_from_chain(forwarded_for_nodes("for=1.2.3.4, for=_hidden"), trusted), "_hidden");
  EXPECT_EQ(client_from_chain(forwarded_for_nodes("for=1.2.3.4, for=unknown"), trusted),
            std::nullopt);
  EXPECT_EQ(client_from_chain(x_forwarded_for_nodes("1.2.3.4, not-an-ip"), trusted), std::nullopt);
  EXPECT_EQ(client_from_chain({}, trusted), std::nullopt);
}

Request from(std::string peer, std::map<std::string, std::string> headers) {
  Request r;
  r.peer_address = std::move(peer);
  r.headers = std::move(headers);
  return r;
}

TEST(IdentifyClient, IgnoresForwardingHeadersFromAnUntrustedPeer) {
  auto r = from("198.51.100.4", {{"x-forwarded-for", "1.2.3.4"},
                                 {"forwarded", "for=1.2.3.4"},
                                 {"x-forwarded-proto", "https"},
                                 {"x-request-id", "chosen-by-the-client"}});
  identify_client(r, set_of({"127.0.0.1"}));
  EXPECT_EQ(r.client_address, "198.51.100.4");
  EXPECT_EQ(r.scheme, "http");
  EXPECT_NE(r.request_id, "chosen-by-the-client");
  EXPECT_FALSE(r.request_id.empty());
  auto untrusting = from("127.0.0.1", {{"x-forwarded-for", "1.2.3.4"}});
  identify_client(untrusting, set_of({}));
  EXPECT_EQ(untrusting.client_address, "127.0.0.1");
}

TEST(IdentifyClient, TakesClientSchemeAndIdFromATrustedProxy) {
  auto r = from("127.0.0.1", {{"x-forwarded-for", "6.6.6.6, 203.0.113.7"},
                              {"x-forwarded-proto", "https"},
                              {"x-request-id", "0123abcdef.x_y-z"}});
  identify_client(r, set_of({"127.0.0.1"}));
  EXPECT_EQ(r.client_address, "203.0.113.7");
  EXPECT_EQ(r.scheme, "https");
  EXPECT_EQ(r.request_id, "0123abcdef.x_y-z");
}

TEST(IdentifyClient, PrefersXForwardedForToForwarded) {
  auto both = from("127.0.0.1", {{"x-forwarded-for", "203.0.113.7"}, {"forwarded", "for=6.6.6.6"}});
  identify_client(both, set_of({"127.0.0.1"}));
  EXPECT_EQ(both.client_address, "203.0.113.7");
  auto only = from("::ffff:127.0.0.1", {{"forwarded", R"(for="[2001:db8::1]:4711")"}});
  identify_client(only, set_of({"127.0.0.1"}));
  EXPECT_EQ(only.client_address, "2001:db8::1");
}

TEST(IdentifyClient, KeepsThePeerWhenTheProxyDoesNotNameTheClient) {
  auto r = from("127.0.0.1", {{"forwarded", "for=unknown"}});
  identify_client(r, set_of({"127.0.0.1"}));
  EXPECT_EQ(r.client_address, "127.0.0.1");
  auto none = from("127.0.0.1", {});
  identify_client(none, set_of({"127.0.0.1"}));
  EXPECT_EQ(none.client_address, "127.0.0.1");
}

TEST(IdentifyClient, ReplacesAnInsaneRequestIdFromATrustedProxy) {
  for (std::string bad : {std::string(""), std::string(65, 'a'), std::string("has space"),
                          std::string("new\nline"), std::string("quote\"")}) {
    auto r = from("127.0.0.1", {{"x-request-id", bad}});
    identify_client(r, set_of({"127.0.0.1"}));
    EXPECT_NE(r.request_id, bad);
    EXPECT_TRUE(is_sane_request_id(r.request_id)) << r.request_id;
  }
  auto longest = from("127.0.0.1", {{"x-request-id", std::string(64, 'a')}});
  identify_client(longest, set_of({"127.0.0.1"}));
  EXPECT_EQ(longest.request_id, std::string(64, 'a'));
}

TEST(RequestId, NewIdsAreDistinctAndSane) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_request_id();
    EXPECT_TRUE(is_sane_request_id(id)) << id;
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

}  // namespace
}  // namespace parkd
