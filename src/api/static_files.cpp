// The web UI's files: WEB_DIR first, then those compiled into the binary.
#include "api/static_files.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace parkd {
namespace {

std::string content_type_for(const std::filesystem::path& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"}};
  std::string ext = file.extension().string();
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

std::optional<std::string> read_whole(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// The built UI loads its scripts, styles and icon from this origin and talks only to
// it; it has no inline script or style element (Vue sets styles through the CSSOM,
// which CSP does not restrict). Anything injected into a page can then load or send
// nothing, and no other site may frame it.
const char* const kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";

bool StaticFiles::exists(const std::string& relative) const {
  std::error_code ec;
  if (!override_dir_.empty() && std::filesystem::is_regular_file(override_dir_ / relative, ec))
    return true;
  return find_embedded(embedded_, relative) != nullptr;
}

std::optional<std::string> StaticFiles::read(const std::string& relative) const {
  std::error_code ec;
  if (!override_dir_.empty()) {
    auto file = override_dir_ / relative;
    if (std::filesystem::is_regular_file(file, ec)) return read_whole(file);
  }
  if (const auto* f = find_embedded(embedded_, relative)) return std::string(f->data);
  return std::nullopt;
}

bool StaticFiles::available() const { return exists("index.html"); }

std::string StaticFiles::describe() const {
  std::string built_in = embedded_.empty() ? "none built in (the build had no npm)"
                                           : fmt::format("{} files built in", embedded_.size());
  if (override_dir_.empty()) return built_in;
  return fmt::format("{}, overridden file by file from WEB_DIR={}", built_in,
                     override_dir_.string());
}

std::optional<Response> StaticFiles::serve(const std::string& path, bool accepts_html) const {
  if (!available()) return std::nullopt;
  std::filesystem::path relative =
      std::filesystem::path(percent_decode(path, false)).relative_path();
  for (const auto& part : relative) {
    if (part == ".." || (!part.empty() && part.string().front() == '.'))
      return std::nullopt;  // no escapes, no dotfiles
  }
  std::string name = relative.generic_string();
  while (!name.empty() && name.back() == '/') name.pop_back();
  bool spa_route = relative.extension().empty();
  bool missing = name.empty() || !exists(name);
  if (missing && !(spa_route && accepts_html)) return std::nullopt;
  if (missing) name = "index.html";
  auto body = read(name);
  if (!body) return std::nullopt;
  Response r;
  r.content_type = content_type_for(name);
  r.body = std::move(*body);
  // Vite names built assets by content hash, so they never change under one name.
  bool hashed = name.starts_with("assets/");
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  if (r.content_type.starts_with("text/html"))
    r.headers.emplace_back("Content-Security-Policy", kPagePolicy);
  return r;
}

}  // namespace parkd
