#pragma once
// Email templates: Mustache files (mstch) that operators may override.
//
// Search path: the directories given, in order, then the embedded files; for each file
// the first that has it wins. parkd passes [TEMPLATE_DIR (when the operator sets it)]
// and the shipped templates compiled into the binary (common/embedded.h). So an
// operator overrides one file by putting just that file in TEMPLATE_DIR; everything
// else still comes from the shipped set.
//
// Files: "<name>.txt.mustache" (plain-text part) and "<name>.html.mustache" (HTML
// part, which is then placed into "layout.html.mustache" as {{{content}}}). A partial
// "{{> figures}}" in a .html template is "figures.html.mustache", in a .txt template
// "figures.txt.mustache", found by the same search. {{var}} is HTML-escaped; the text
// templates use {{{var}}} since escaping would be wrong in plain text.
//
// Files are read on every render, so an edited template takes effect at the next
// email without a restart (parkd sends few emails; the reads are cheap).

#include "common/embedded.h"
#include "common/result.h"

#include <mstch/mstch.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace parkd::mail {

struct RenderedParts {
  std::string text;
  std::string html;
};

class TemplateRenderer {
 public:
  explicit TemplateRenderer(std::vector<std::filesystem::path> search_dirs,
                            std::span<const EmbeddedFile> embedded = {});

  // Renders the text and HTML parts of the email `name` ("booking_confirmation") with
  // `context`; the HTML part is wrapped in the layout, which sees `context` plus
  // `content` (the rendered HTML of `name`).
  // Errors (all internal: a deployment problem, not the caller's input):
  // "template_missing" (a file or partial is in no search dir), "invalid_template_name"
  // (a name or partial name not [A-Za-z0-9_-]+), "template_error" (unreadable file,
  // partials nested deeper than 8, or mstch failed).
  Result<RenderedParts> render(std::string_view name, const mstch::map& context) const;

  // Renders one file ("layout.html.mustache") with its partials. Errors as above.
  Result<std::string> render_file(const std::string& file, const mstch::map& context) const;

  // The first search dir holding `file`, or an empty path (also when only the embedded
  // set has it).
  std::filesystem::path locate(const std::string& file) const;

  // Where the templates come from, for the start-up log.
  std::string describe() const;

 private:
  Result<std::string> load(const std::string& file) const;
  Status load_partials(const std::string& source, std::string_view extension, int depth,
                       std::map<std::string, std::string>& partials) const;

  std::vector<std::filesystem::path> search_dirs_;
  std::span<const EmbeddedFile> embedded_;
};

// The renderer parkd uses: `override_dir` (TEMPLATE_DIR) first when it is not empty,
// then the templates compiled into the binary.
TemplateRenderer shipped_templates(const std::filesystem::path& override_dir);

}  // namespace parkd::mail
