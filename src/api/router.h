#pragma once
// Method + path routing with `{param}` segments. Tells apart "no such path" (404) from
// "path exists, wrong method" (405 with Allow).

#include "api/http_types.h"
#include "domain/models.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parkd {

enum class Access { anyone, user, admin };

// quick: at most a short indexed read (no write, no password hash, no streaming). With
// an in-process store such a request is answered on the I/O thread that read it, which
// saves two thread handoffs (each a context switch) per request.
// one_write: a short read and one queued write (an AsyncHandler). With a store that
// queues writes, the I/O thread starts it and the answer is sent after the commit,
// without a thread waiting for the writer.
// instant: answered from memory, no database at all; always on the I/O thread.
enum class Pace { may_block, quick, one_write, instant };

// Where the completion of a queued write runs (see Store::Handoff); empty: where it ends.
using Handoff = std::function<void(std::function<void()>)>;

struct Call {
  const Request& req;
  std::vector<std::string> params;  // the `{...}` segments, in order
  std::optional<User> user;         // set for Access::user and Access::admin
  Handoff handoff;                  // for an AsyncHandler's write
};

using Handler = std::function<Response(Call&)>;
// Answers exactly once, from any thread.
using Respond = std::function<void(Response)>;
// Must not keep `Call` (or its request) past its return: copy what the answer needs.
using AsyncHandler = std::function<void(Call&, Respond)>;

struct Route {
  std::string method;
  std::string pattern;                // as registered, e.g. /api/lots/{id} (metrics label)
  std::vector<std::string> segments;  // "{}" for a parameter
  Access access = Access::anyone;
  Handler handler;  // or:
  AsyncHandler async_handler;
  Pace pace = Pace::may_block;
};

class Router {
 public:
  void add(std::string method, std::string_view pattern, Access access, Handler handler,
           Pace pace = Pace::may_block);
  // A route whose work is one write (Pace::one_write).
  void add_one_write(std::string method, std::string_view pattern, Access access,
                     AsyncHandler handler);

  struct Match {
    const Route* route = nullptr;
    std::vector<std::string> params;
    std::vector<std::string> allowed_methods;  // when the path exists with other methods
  };
  Match match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }
  std::size_t index_of(const Route* route) const {
    return static_cast<std::size_t>(route - routes_.data());
  }

 private:
  std::vector<Route> routes_;
};

}  // namespace parkd
