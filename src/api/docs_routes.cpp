// GET /api/openapi.json and GET /api/docs: parkd describes its own HTTP contract.
// Both files are written into the web UI's build by scripts/openapi-json.mjs from
// docs/openapi.yaml, so they are compiled in (and WEB_DIR overrides them) like the UI.
#include "api/app.h"

namespace parkd {
namespace {

Response built_file(const StaticFiles& web, const char* path, const char* what) {
  if (auto file = web.serve(path, false)) return *file;
  return error_response(
      Error::of(ErrorKind::not_found, "not_found",
                std::string(what) +
                    " is not built in: this build of parkd had no npm to build its web files"));
}

// Redoc styles its page through styled-components, which writes <style> elements, and
// runs its search in a worker made from a blob: URL. This page alone therefore allows
// inline styles and blob: workers; scripts still come only from parkd, and the page
// shows nothing but parkd's own document.
constexpr const char* kDocsPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'";

}  // namespace

void add_docs_routes(Router& r, const StaticFiles& web) {
  r.add("GET", "/api/openapi.json", Access::anyone,
        [&web](Call&) { return built_file(web, "/openapi.json", "The API description"); });
  r.add("GET", "/api/docs", Access::anyone, [&web](Call&) {
    Response page = built_file(web, "/api-docs/index.html", "The API reference page");
    for (auto& [name, value] : page.headers) {
      if (name == "Content-Security-Policy") value = kDocsPolicy;
    }
    return page;
  });
}

}  // namespace parkd
