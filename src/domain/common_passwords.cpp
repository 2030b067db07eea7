// The common-password list (common/embedded.h) as a sorted index for binary search.
#include "domain/common_passwords.h"

#include "common/embedded.h"
#include "domain/validation.h"

#include <algorithm>
#include <string>
#include <vector>

namespace parkd {
namespace {

// Views into the compiled-in text, sorted again here so that the lookup does not depend on
// the generator's order. Built once, thread-safely (a function-local static).
const std::vector<std::string_view>& index() {
  static const std::vector<std::string_view> words = [] {
    std::vector<std::string_view> out;
    std::string_view text = common_password_list();
    while (!text.empty()) {
      auto end = text.find('\n');
      if (end == std::string_view::npos) end = text.size();
      if (end > 0) out.push_back(text.substr(0, end));
      text.remove_prefix(std::min(end + 1, text.size()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return words;
}

}  // namespace

bool is_common_password(std::string_view password) {
  const auto& words = index();
  return std::binary_search(words.begin(), words.end(), std::string_view(to_lower(password)));
}

std::size_t common_password_count() { return index().size(); }

}  // namespace parkd
