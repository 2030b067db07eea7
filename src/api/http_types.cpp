#include "api/http_types.h"

#include "common/request_id.h"

namespace parkd {

std::optional<std::string> Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) == name) {
      return eq == std::string_view::npos ? std::string()
                                          : percent_decode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

void identify_client(Request& req, const AddressSet& trusted_proxies) {
  req.client_address = req.peer_address;
  if (trusted_proxies.contains(std::string_view(req.peer_address))) {
    // X-Forwarded-For first: it is what nginx writes, and a proxy that writes one header
    // passes the other through from the client untouched (docs/decisions.md).
    std::vector<ForwardedNode> chain;
    if (auto xff = req.headers.find("x-forwarded-for"); xff != req.headers.end()) {
      chain = x_forwarded_for_nodes(xff->second);
    } else if (auto fwd = req.headers.find("forwarded"); fwd != req.headers.end()) {
      chain = forwarded_for_nodes(fwd->second);
    }
    if (auto client = client_from_chain(chain, trusted_proxies)) req.client_address = *client;
    if (auto proto = req.headers.find("x-forwarded-proto"); proto != req.headers.end()) {
      // The right-most value: the one the proxy next to parkd wrote.
      std::string_view value = proto->second;
      value = value.substr(value.rfind(',') == std::string_view::npos ? 0 : value.rfind(',') + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (value == "https" || value == "HTTPS") req.scheme = "https";
    }
    if (auto id = req.headers.find("x-request-id");
        id != req.headers.end() && is_sane_request_id(id->second)) {
      req.request_id = id->second;
      return;
    }
  }
  req.request_id = new_request_id();
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

Response json_response(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_request:
      return 400;
    case ErrorKind::unauthorized:
      return 401;
    case ErrorKind::forbidden:
      return 403;
    case ErrorKind::not_found:
      return 404;
    case ErrorKind::method_not_allowed:
      return 405;
    case ErrorKind::conflict:
      return 409;
    case ErrorKind::payload_too_large:
      return 413;
    case ErrorKind::uri_too_long:
      return 414;
    case ErrorKind::headers_too_large:
      return 431;
    case ErrorKind::unsupported_media:
      return 415;
    case ErrorKind::too_many_requests:
      return 429;
    case ErrorKind::internal:
      return 500;
    case ErrorKind::not_implemented:
      return 501;
    case ErrorKind::unavailable:
      return 503;
    case ErrorKind::version_not_supported:
      return 505;
  }
  return 500;
}

Response error_response(const Error& e) {
  nlohmann::json body = {{"error", e.code}, {"message", e.message}};
  if (!e.fields.is_null()) body["fields"] = e.fields;
  if (e.extra.is_object()) {
    for (const auto& [k, v] : e.extra.items()) body[k] = v;
  }
  Response r = json_response(http_status(e.kind), body);
  if (e.kind == ErrorKind::too_many_requests && e.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  }
  if (e.kind == ErrorKind::unauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace parkd
