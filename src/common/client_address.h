#pragma once
// IP addresses, CIDR blocks and the forwarding chains proxies write (RFC 7239 Forwarded,
// X-Forwarded-For): plain text in, plain values out, so that who a request came from is
// decided by unit-tested code. Used for TRUSTED_PROXIES and METRICS_ALLOW.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parkd {

// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, how a dual-stack
// socket shows an IPv4 client) is the IPv4 address, so both spellings match one block.
struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{};

  // nullopt unless `text` is exactly an address (no brackets, no port, no zone).
  static std::optional<IpAddress> parse(std::string_view text);
  // The canonical text: "192.0.2.1", "2001:db8::1" (lower case, shortest form).
  std::string to_string() const;
};

// Addresses and CIDR blocks, IPv4 and IPv6 ("10.0.0.0/8", "::1", "2001:db8::/32"). A block
// whose address has host bits set ("10.1.2.3/8") means the block it lies in.
class AddressSet {
 public:
  // nullopt if an entry is neither an address nor a block (prefix 0..32 for IPv4,
  // 0..128 for IPv6); `bad_entry` then holds that entry.
  static std::optional<AddressSet> parse(const std::vector<std::string>& entries,
                                         std::string* bad_entry = nullptr);
  bool contains(const IpAddress& address) const;
  // False when `address` is not an IP address.
  bool contains(std::string_view address) const;
  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    IpAddress base;
    int prefix = 0;
  };
  std::vector<Block> blocks_;
};

// One hop of a forwarding chain, as a proxy wrote it.
struct ForwardedNode {
  enum class Kind {
    address,     // text: the address, canonical, without the port
    obfuscated,  // text: the identifier ("_hidden"), RFC 7239 section 6.3
    unknown,     // "unknown", or a Forwarded element without for=
    invalid,     // anything else
  };
  Kind kind = Kind::invalid;
  std::string text;
};

// One node: "192.0.2.1", "192.0.2.1:80", "2001:db8::1", "[2001:db8::1]",
// "[2001:db8::1]:4711", "unknown", "_hidden". Surrounding spaces are ignored.
ForwardedNode parse_forwarded_node(std::string_view text);

// The for= node of each element of a Forwarded header (several header lines joined by
// commas), left to right. Quoted values are unquoted; parameter names are case-insensitive.
std::vector<ForwardedNode> forwarded_for_nodes(std::string_view header);
// The nodes of an X-Forwarded-For header, left to right.
std::vector<ForwardedNode> x_forwarded_for_nodes(std::string_view header);

// Who sent a request that reached parkd through `chain` (each proxy appends the address
// it was connected from): walking from the right, the first node that is not an address
// in `trusted`. An obfuscated node gives its identifier. nullopt when the chain is empty
// or that node is unknown or invalid: the proxy did not say, so the caller keeps the
// address of the connection. When every node is trusted, the left-most one.
std::optional<std::string> client_from_chain(const std::vector<ForwardedNode>& chain,
                                             const AddressSet& trusted);

}  // namespace parkd
