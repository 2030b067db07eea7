#pragma once
// Files compiled into the binary at build time: the built web UI, the shipped email
// templates and the common-password list. They make one copied `parkd` binary a complete
// installation; WEB_DIR and TEMPLATE_DIR still override them file by file.
//
// The bytes are placed in the binary by the assembler's .incbin (see
// cmake/embed_assets.cmake) rather than a generated C array, whose size the compiler
// parses as one initializer per byte: on the 390 KB UI of 2026-12-04, g++ -O2 took
// 2.1 s and 79 MB for the array against 0.8 s and 55 MB for .incbin.

#include <span>
#include <string_view>

namespace parkd {

struct EmbeddedFile {
  std::string_view path;    // relative, '/'-separated: "index.html", "assets/app-1a2b.js"
  std::string_view data;    // the file's bytes
  std::string_view sha256;  // hex digest of data, computed at build time
};

// The web UI's files as built by scripts/build-web.sh; empty when the build had no npm.
std::span<const EmbeddedFile> embedded_web();

// The email templates of src/mail/templates ("booking_confirmation.html.mustache", ...).
std::span<const EmbeddedFile> embedded_templates();

// The common-password list (scripts/common-passwords.mjs): the 10 000 most common passwords
// of @zxcvbn-ts/language-common, ASCII lower-case, sorted bytewise, each ended by '\n'.
// Always present: the build fails without it.
std::string_view common_password_list();

// The file at `path` in `files`, or nullptr.
inline const EmbeddedFile* find_embedded(std::span<const EmbeddedFile> files,
                                         std::string_view path) {
  for (const auto& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

}  // namespace parkd
