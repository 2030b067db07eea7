#pragma once
// Helpers that shape a fuzz target's bytes into structured input, shared by the targets.

#include <string>
#include <string_view>
#include <vector>

// `text` cut at every `separator`: n separators give n + 1 parts, empty ones included, so
// that every byte sequence maps to exactly one list.
inline std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  while (true) {
    auto at = text.find(separator);
    parts.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}
