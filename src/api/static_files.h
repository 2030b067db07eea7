#pragma once
// Serves the web UI: the files compiled into the binary (common/embedded.h), each of
// which a file of the same path in WEB_DIR overrides. Paths without a file extension
// fall back to index.html, so the single-page app's own routes survive a reload.

#include "api/http_types.h"
#include "common/embedded.h"

#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace parkd {

class StaticFiles {
 public:
  // `override_dir`: WEB_DIR, or empty for the embedded files alone.
  StaticFiles(std::filesystem::path override_dir, std::span<const EmbeddedFile> embedded)
      : override_dir_(std::move(override_dir)), embedded_(embedded) {}

  // The file for a GET/HEAD `path`, or nullopt when there is none (or no UI is built).
  // The index.html fallback for app routes applies only to clients that accept HTML
  // (browsers), so API clients still get a JSON 404 for an unknown path.
  std::optional<Response> serve(const std::string& path, bool accepts_html) const;
  bool available() const;

  // Where the UI comes from, for the start-up log.
  std::string describe() const;

 private:
  std::optional<std::string> read(const std::string& relative) const;
  bool exists(const std::string& relative) const;

  std::filesystem::path override_dir_;
  std::span<const EmbeddedFile> embedded_;
};

// The Content-Security-Policy of every HTML page served.
extern const char* const kPagePolicy;

}  // namespace parkd
