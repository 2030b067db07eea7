#include "api/static_files.h"

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

std::filesystem::path default_web_dir(const std::string& configured) {
  if (!configured.empty()) return configured;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("web") : exe.parent_path() / "web";
}

bool StaticFiles::available() const {
  std::error_code ec;
  return std::filesystem::is_regular_file(root_ / "index.html", ec);
}

std::optional<Response> StaticFiles::serve(const std::string& path, bool accepts_html) const {
  if (!available()) return std::nullopt;
  std::filesystem::path relative =
      std::filesystem::path(percent_decode(path, false)).relative_path();
  for (const auto& part : relative) {
    if (part == ".." || (!part.empty() && part.string().front() == '.'))
      return std::nullopt;  // no escapes, no dotfiles
  }
  std::filesystem::path file = root_ / relative;
  std::error_code ec;
  bool spa_route = relative.extension().empty();
  bool missing = !std::filesystem::is_regular_file(file, ec);
  if (missing && !(spa_route && accepts_html)) return std::nullopt;
  if (relative.empty() || std::filesystem::is_directory(file, ec) || missing) {
    file = root_ / "index.html";
  }
  auto body = read_whole(file);
  if (!body) return std::nullopt;
  Response r;
  r.content_type = content_type_for(file);
  r.body = std::move(*body);
  // Vite names built assets by content hash, so they never change under one name.
  bool hashed = relative.begin() != relative.end() && *relative.begin() == "assets";
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  if (r.content_type.starts_with("text/html"))
    r.headers.emplace_back("Content-Security-Policy", kPagePolicy);
  return r;
}

}  // namespace parkd
