// Fuzz target: who a request came from (common/client_address.h). The input is tried as
// an address, one forwarding node, an X-Forwarded-For and a Forwarded header, and a
// comma-separated TRUSTED_PROXIES list. Properties: an address parses only when the text is
// exactly one, and its canonical text reads back to the same address; every address node
// of a chain is canonical; the client picked from a chain is one of its nodes and never a
// trusted address unless every node is; a list entry that is an address is in its own set.
#include "common/client_address.h"
#include "fuzz_check.h"
#include "fuzz_input.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using parkd::AddressSet;
using parkd::ForwardedNode;
using parkd::IpAddress;

bool same(const IpAddress& a, const IpAddress& b) {
  return a.family == b.family && a.bytes == b.bytes;
}

void check_canonical(const ForwardedNode& node) {
  if (node.kind != ForwardedNode::Kind::address) return;
  auto ip = IpAddress::parse(node.text);
  FUZZ_CHECK(ip && ip->to_string() == node.text, "an address node is not canonical");
}

void check_chain(const std::vector<ForwardedNode>& chain, const AddressSet& trusted) {
  for (const auto& node : chain) check_canonical(node);
  auto client = parkd::client_from_chain(chain, trusted);
  if (!client) return;
  bool in_chain = std::any_of(chain.begin(), chain.end(),
                              [&](const ForwardedNode& n) { return n.text == *client; });
  FUZZ_CHECK(in_chain, "the client is none of the chain's nodes");
  bool all_trusted = std::all_of(chain.begin(), chain.end(), [&](const ForwardedNode& n) {
    return n.kind == ForwardedNode::Kind::address && trusted.contains(std::string_view(n.text));
  });
  FUZZ_CHECK(all_trusted || !trusted.contains(std::string_view(*client)),
             "a trusted proxy was taken for the client");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const AddressSet trusted =
      *AddressSet::parse({"10.0.0.0/8", "192.168.0.0/16", "127.0.0.1", "::1", "fd00::/8"});
  std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto ip = IpAddress::parse(input)) {
    FUZZ_CHECK(input.find('\0') == std::string_view::npos,
               "text with a NUL byte parsed as an address");
    std::string text = ip->to_string();
    auto again = IpAddress::parse(text);
    FUZZ_CHECK(again && same(*again, *ip) && again->to_string() == text,
               "an address does not round-trip through its canonical text");
  }
  check_canonical(parkd::parse_forwarded_node(input));
  check_chain(parkd::x_forwarded_for_nodes(input), trusted);
  check_chain(parkd::forwarded_for_nodes(input), trusted);

  auto entries = split(input, ',');
  std::string bad_entry;
  if (auto set = AddressSet::parse(entries, &bad_entry)) {
    for (const auto& entry : entries) {
      if (entry.find('/') == std::string::npos) {
        FUZZ_CHECK(set->contains(std::string_view(entry)), "an address is not in its own set");
      }
    }
  } else {
    FUZZ_CHECK(std::find(entries.begin(), entries.end(), bad_entry) != entries.end(),
               "the reported bad entry is not one of the list's");
  }
  return 0;
}
