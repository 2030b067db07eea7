// GET /api/events (Server-Sent Events): see docs/api.md "Live events". The handler only
// admits the stream and renders its snapshot; http/server writes it from the I/O side.
#include "api/app.h"
#include "api/render.h"

#include <limits>

namespace parkd {
namespace {

Response busy(const char* code, const char* message) {
  Response res = error_response(Error::of(ErrorKind::unavailable, code, message));
  res.headers.emplace_back("Retry-After", "5");
  return res;
}

Response open_stream(Call& c, Services& s) {
  if (s.live == nullptr) return busy("events_unavailable", "Live events are not served here");
  events::LiveEvents::Refusal why{};
  auto stream = s.live->open(c.user->id, is_admin(c), why);
  if (why == events::LiveEvents::Refusal::full) {
    return busy("too_many_streams", "Too many open event streams; retry shortly");
  }
  if (!stream) return busy("events_unavailable", "Live events are unavailable; retry shortly");
  Response r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy must not hold events back
  r.live = std::move(stream);
  return r;
}

}  // namespace

events::LiveEvents::ReadLots lot_reader(LotService& lots) {
  return [&lots]() -> std::optional<std::map<std::int64_t, std::string>> {
    auto page = lots.list(std::numeric_limits<std::int32_t>::max(), 0);
    if (!page) return std::nullopt;
    std::map<std::int64_t, std::string> out;
    for (const auto& l : page->lots) {
      JsonWriter w;
      write_json(w, l);  // the object GET /api/lots lists
      out.emplace(l.id, w.take());
    }
    return out;
  };
}

void add_event_routes(Router& r, Services& s) {
  r.add("GET", "/api/events", Access::user, [&s](Call& c) { return open_stream(c, s); });
}

}  // namespace parkd
