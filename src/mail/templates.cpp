// Email templates rendered with mstch from override directories and the embedded set.
#include "mail/templates.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <system_error>

namespace parkd::mail {
namespace {

constexpr int kMaxPartialDepth = 8;
constexpr std::string_view kSuffix = ".mustache";

bool is_template_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Error template_error(std::string code, std::string message) {
  return Error::of(ErrorKind::internal, std::move(code), std::move(message));
}

Error invalid_name(std::string_view name) {
  return template_error("invalid_template_name",
                        "Template name '" + std::string(name) + "' is not [A-Za-z0-9_-]+");
}

// "booking.html.mustache" -> "html".
std::string_view part_extension(std::string_view file) {
  if (file.ends_with(kSuffix)) file.remove_suffix(kSuffix.size());
  std::size_t dot = file.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : file.substr(dot + 1);
}

// Names of the partials a template refers to ({{> name}}, default delimiters only).
std::vector<std::string> partial_names(const std::string& source) {
  std::vector<std::string> names;
  for (std::size_t pos = source.find("{{>"); pos != std::string::npos;
       pos = source.find("{{>", pos + 3)) {
    std::size_t end = source.find("}}", pos + 3);
    if (end == std::string::npos) break;
    std::string name = source.substr(pos + 3, end - pos - 3);
    std::size_t first = name.find_first_not_of(" \t");
    std::size_t last = name.find_last_not_of(" \t");
    names.push_back(first == std::string::npos ? "" : name.substr(first, last - first + 1));
  }
  return names;
}

}  // namespace

TemplateRenderer::TemplateRenderer(std::vector<std::filesystem::path> search_dirs,
                                   std::span<const EmbeddedFile> embedded)
    : search_dirs_(std::move(search_dirs)), embedded_(embedded) {}

std::filesystem::path TemplateRenderer::locate(const std::string& file) const {
  for (const auto& dir : search_dirs_) {
    std::error_code ec;
    auto candidate = dir / file;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

Result<std::string> TemplateRenderer::load(const std::string& file) const {
  auto path = locate(file);
  if (path.empty()) {
    if (const auto* f = find_embedded(embedded_, file)) return std::string(f->data);
    std::string where;
    for (const auto& dir : search_dirs_) where += (where.empty() ? "" : ", ") + dir.string();
    if (!embedded_.empty()) where += (where.empty() ? "" : ", ") + std::string("built in");
    return template_error("template_missing", "Template " + file + " not found in [" + where + "]");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return template_error("template_error", "Cannot read " + path.string());
  return text.str();
}

// REQUIRES: `partials` holds what was loaded so far (each partial is loaded once).
Status TemplateRenderer::load_partials(const std::string& source, std::string_view extension,
                                       int depth,
                                       std::map<std::string, std::string>& partials) const {
  for (const auto& name : partial_names(source)) {
    if (partials.contains(name)) continue;
    if (!is_template_name(name)) return invalid_name(name);
    if (depth >= kMaxPartialDepth) {
      return template_error("template_error", "Partials nested too deeply at " + name);
    }
    auto text = load(name + "." + std::string(extension) + std::string(kSuffix));
    if (!text) return text.error();
    partials[name] = *text;
    if (auto nested = load_partials(*text, extension, depth + 1, partials); !nested) {
      return nested.error();
    }
  }
  return ok_status();
}

Result<std::string> TemplateRenderer::render_file(const std::string& file,
                                                  const mstch::map& context) const {
  auto source = load(file);
  if (!source) return source.error();
  std::map<std::string, std::string> partials;
  if (auto loaded = load_partials(*source, part_extension(file), 0, partials); !loaded) {
    return loaded.error();
  }
  try {
    return mstch::render(*source, context, partials);
  } catch (const std::exception& e) {
    return template_error("template_error", "Cannot render " + file + ": " + e.what());
  }
}

Result<RenderedParts> TemplateRenderer::render(std::string_view name,
                                               const mstch::map& context) const {
  if (!is_template_name(name)) return invalid_name(name);
  std::string base(name);
  auto text = render_file(base + ".txt" + std::string(kSuffix), context);
  if (!text) return text.error();
  auto content = render_file(base + ".html" + std::string(kSuffix), context);
  if (!content) return content.error();
  mstch::map layout_context = context;
  layout_context["content"] = std::move(*content);
  auto html = render_file("layout.html" + std::string(kSuffix), layout_context);
  if (!html) return html.error();
  return RenderedParts{std::move(*text), std::move(*html)};
}

std::string TemplateRenderer::describe() const {
  std::string text = fmt::format("{} files built in", embedded_.size());
  for (const auto& dir : search_dirs_) {
    text += fmt::format(", overridden file by file from {}", dir.string());
  }
  return text;
}

TemplateRenderer shipped_templates(const std::filesystem::path& override_dir) {
  std::vector<std::filesystem::path> dirs;
  if (!override_dir.empty()) dirs.push_back(override_dir);
  return TemplateRenderer(std::move(dirs), embedded_templates());
}

}  // namespace parkd::mail
