#pragma once
// Serves the web UI's built files (WEB_DIR, default: `web` beside the binary). Paths
// without a file extension fall back to index.html, so the single-page app's own
// routes survive a reload.

#include "api/http_types.h"

#include <filesystem>
#include <optional>

namespace parkd {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // The file for a GET/HEAD `path`, or nullopt when there is none (or no UI is built).
  // The index.html fallback for app routes applies only to clients that accept HTML
  // (browsers), so API clients still get a JSON 404 for an unknown path.
  std::optional<Response> serve(const std::string& path, bool accepts_html) const;
  bool available() const;

 private:
  std::filesystem::path root_;
};

// The Content-Security-Policy of every HTML page served.
extern const char* const kPagePolicy;

// WEB_DIR when set, else the directory `web` beside the running binary.
std::filesystem::path default_web_dir(const std::string& configured);

}  // namespace parkd
