#pragma once
// Plain request/response types: the HTTP server (http/, the only code that sees
// RESTinio) converts to and from these, so everything else compiles fast and is testable.

#include "common/client_address.h"
#include "common/result.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parkd {
namespace events {
class Stream;
}

struct Request {
  std::string method;  // upper case
  std::string path;    // without the query string, percent-decoding not applied
  std::string query;   // raw, without '?'
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer_address;  // the TCP peer: the client, or the proxy in front of parkd
  // Set by identify_client(): who sent the request (the peer, or the client a trusted
  // proxy names), the scheme it used ("http" unless a trusted proxy says "https"), and
  // the request's id.
  std::string client_address;
  std::string scheme = "http";
  std::string request_id;

  std::optional<std::string> header(const std::string& lower_name) const;
  // The decoded value of the first `name=` in the query string.
  std::optional<std::string> query_param(std::string_view name) const;
};

// A body producer for streamed responses: calls `write` with each chunk, returns false
// to abort (the connection is then closed). Used for large CSV downloads.
using BodyWriter = std::function<void(std::string_view chunk)>;
using BodyStream = std::function<void(const BodyWriter& write)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyStream stream;  // when set, used instead of `body` (chunked transfer)
  // When set: an event stream (GET /api/events) the server keeps writing from the I/O
  // side until the stream or the client ends it.
  std::shared_ptr<events::Stream> live;
};

// Fills in client_address, scheme and request_id. When the peer is one of
// `trusted_proxies`: the client named by X-Forwarded-For or, if there is none, by
// Forwarded (RFC 7239 for=; see client_from_chain), the scheme from X-Forwarded-Proto,
// and the proxy's X-Request-Id if it is sane. Otherwise the peer, "http" and a new id,
// without reading any header: a client cannot choose its own address or id.
void identify_client(Request& req, const AddressSet& trusted_proxies);

Response json_response(int status, const nlohmann::json& body);
Response no_content();
// The one place an ErrorKind becomes an HTTP status.
int http_status(ErrorKind kind);
Response error_response(const Error& error);

std::string percent_decode(std::string_view text, bool plus_as_space);

}  // namespace parkd
