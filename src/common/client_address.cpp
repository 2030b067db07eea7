// Addresses, CIDR blocks and proxy forwarding chains (see client_address.h). Parsing is
// strict: a chain entry parkd cannot read never becomes a client address, since the
// address decides login throttling and who may read /metrics.
#include "common/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace parkd {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// RFC 7239 obfnode / obfport: "_" followed by ALPHA / DIGIT / "." / "_" / "-".
bool is_obfuscated(std::string_view s) {
  return s.size() >= 2 && s.front() == '_' && std::all_of(s.begin(), s.end(), is_token_char);
}

bool is_port(std::string_view s) {
  if (is_obfuscated(s)) return true;
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         std::stoi(std::string(s)) <= 65535;
}

ForwardedNode node(ForwardedNode::Kind kind, std::string text) {
  return ForwardedNode{kind, std::move(text)};
}

// A node without brackets and without a port.
ForwardedNode parse_host(std::string_view host) {
  if (iequals(host, "unknown")) return node(ForwardedNode::Kind::unknown, "unknown");
  if (is_obfuscated(host)) return node(ForwardedNode::Kind::obfuscated, std::string(host));
  if (auto ip = IpAddress::parse(host)) return node(ForwardedNode::Kind::address, ip->to_string());
  return node(ForwardedNode::Kind::invalid, std::string(host));
}

// Splits `text` at `separator`s outside double quotes (a backslash escapes inside them).
std::vector<std::string_view> split_unquoted(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string unquote(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
  std::string out;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  // inet_pton stops at a NUL: "1.2.3.4\0junk" must not pass for 1.2.3.4.
  if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
  a.family = AF_INET6;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes.data(), kMapped, sizeof kMapped) == 0) {
    std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
    std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    a.family = AF_INET;
  }
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(family, bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

std::optional<AddressSet> AddressSet::parse(const std::vector<std::string>& entries,
                                            std::string* bad_entry) {
  AddressSet set;
  for (const auto& entry : entries) {
    std::string_view address = entry;
    int prefix = -1;
    if (auto slash = address.find('/'); slash != std::string_view::npos) {
      std::string_view bits = address.substr(slash + 1);
      address = address.substr(0, slash);
      if (bits.empty() || bits.size() > 3 ||
          !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        prefix = 999;  // reported below
      } else {
        prefix = std::stoi(std::string(bits));
      }
    }
    auto ip = IpAddress::parse(address);
    int max = ip && ip->family == AF_INET ? 32 : 128;
    // A mapped block (::ffff:10.0.0.0/104) would need its prefix shifted; nobody writes one.
    bool mapped = ip && ip->family == AF_INET && address.find(':') != std::string_view::npos;
    if (!ip || prefix > max || (mapped && prefix >= 0)) {
      if (bad_entry) *bad_entry = entry;
      return std::nullopt;
    }
    set.blocks_.push_back({*ip, prefix < 0 ? max : prefix});
  }
  return set;
}

bool AddressSet::contains(const IpAddress& a) const {
  for (const auto& b : blocks_) {
    if (b.base.family != a.family) continue;
    auto full = static_cast<std::size_t>(b.prefix / 8);
    int rest = b.prefix % 8;
    if (std::memcmp(b.base.bytes.data(), a.bytes.data(), full) != 0) continue;
    if (rest != 0) {
      auto mask = static_cast<unsigned char>(0xff << (8 - rest));
      if ((b.base.bytes[full] & mask) != (a.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

bool AddressSet::contains(std::string_view address) const {
  if (blocks_.empty()) return false;
  auto ip = IpAddress::parse(address);
  return ip && contains(*ip);
}

ForwardedNode parse_forwarded_node(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return node(ForwardedNode::Kind::invalid, std::string(text));
    std::string_view rest = text.substr(close + 1);
    auto ip = IpAddress::parse(text.substr(1, close - 1));
    bool port_ok = rest.empty() || (rest.front() == ':' && is_port(rest.substr(1)));
    if (!ip || !port_ok || text.substr(1, close - 1).find(':') == std::string_view::npos) {
      return node(ForwardedNode::Kind::invalid, std::string(text));
    }
    return node(ForwardedNode::Kind::address, ip->to_string());
  }
  auto colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    // host:port, where the host is IPv4, obfuscated or unknown (IPv6 needs brackets).
    if (!is_port(text.substr(colon + 1)))
      return node(ForwardedNode::Kind::invalid, std::string(text));
    ForwardedNode host = parse_host(text.substr(0, colon));
    if (host.kind == ForwardedNode::Kind::address && host.text.find(':') != std::string::npos)
      return node(ForwardedNode::Kind::invalid, std::string(text));
    return host;
  }
  return parse_host(text);  // IPv4, bare IPv6 (as X-Forwarded-For has it), or a name
}

std::vector<ForwardedNode> forwarded_for_nodes(std::string_view header) {
  std::vector<ForwardedNode> nodes;
  for (std::string_view element : split_unquoted(header, ',')) {
    if (trim(element).empty()) continue;
    std::optional<ForwardedNode> found;
    for (std::string_view pair : split_unquoted(element, ';')) {
      pair = trim(pair);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || !iequals(trim(pair.substr(0, eq)), "for")) continue;
      found = parse_forwarded_node(unquote(trim(pair.substr(eq + 1))));
      break;
    }
    nodes.push_back(found ? std::move(*found) : node(ForwardedNode::Kind::unknown, "unknown"));
  }
  return nodes;
}

std::vector<ForwardedNode> x_forwarded_for_nodes(std::string_view header) {
  std::vector<ForwardedNode> nodes;
  for (std::string_view entry : split_unquoted(header, ',')) {
    if (trim(entry).empty()) continue;
    nodes.push_back(parse_forwarded_node(entry));
  }
  return nodes;
}

std::optional<std::string> client_from_chain(const std::vector<ForwardedNode>& chain,
                                             const AddressSet& trusted) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    switch (it->kind) {
      case ForwardedNode::Kind::address:
        if (trusted.contains(std::string_view(it->text))) continue;
        return it->text;
      case ForwardedNode::Kind::obfuscated:
        return it->text;
      case ForwardedNode::Kind::unknown:
      case ForwardedNode::Kind::invalid:
        return std::nullopt;
    }
  }
  if (chain.empty()) return std::nullopt;
  return chain.front().text;
}

}  // namespace parkd
