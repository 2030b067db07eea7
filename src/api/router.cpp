#include "api/router.h"

namespace parkd {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    parts.push_back(percent_decode(path.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, Access access, Handler handler,
                 Pace pace) {
  auto segments = split_path(pattern);
  for (auto& s : segments) {
    if (!s.empty() && s.front() == '{') s = "{}";
  }
  routes_.push_back({std::move(method),
                     std::string(pattern),
                     std::move(segments),
                     access,
                     std::move(handler),
                     {},
                     pace});
}

void Router::add_one_write(std::string method, std::string_view pattern, Access access,
                           AsyncHandler handler) {
  add(std::move(method), pattern, access, {}, Pace::one_write);
  routes_.back().async_handler = std::move(handler);
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  auto parts = split_path(path);
  Match result;
  for (const auto& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    std::vector<std::string> params;
    bool same = true;
    for (std::size_t i = 0; i < parts.size() && same; ++i) {
      if (route.segments[i] == "{}") {
        params.push_back(parts[i]);
      } else {
        same = route.segments[i] == parts[i];
      }
    }
    if (!same) continue;
    if (route.method == method) {
      result.route = &route;
      result.params = std::move(params);
      return result;
    }
    result.allowed_methods.push_back(route.method);
  }
  return result;
}

}  // namespace parkd
