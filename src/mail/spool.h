#pragma once
// Bytes kept on disk instead of in memory: the CSV attachments of an emailed export,
// and an SMTP message built from them, can be hundreds of megabytes.
//
// A spool file is anonymous (O_TMPFILE, or unlinked right after creation), so it
// disappears when closed and a crash leaves nothing behind to clean up.

#include "common/result.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parkd::mail {

class SpoolFile {
 public:
  // A new empty file in `dir` (default: the system's temporary directory, $TMPDIR).
  // Errors: unavailable "spool_error" when no file can be created there.
  static Result<std::shared_ptr<SpoolFile>> create(const std::filesystem::path& dir = {});

  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  // Appends `data` (buffered). The first write error is kept and returned by every
  // later append() and by flush(), so a writer may check only at the end.
  Status append(std::string_view data);
  // Writes out what append() buffered; call before reading.
  Status flush();

  // Bytes appended so far.
  std::uint64_t size() const { return size_; }

  // Calls `chunk` with the content from the start, in pieces of at most `chunk_size`
  // bytes (every piece but the last exactly that long), stopping at the first error.
  // Errors: unavailable "spool_error" (a read failed), or the first error of `chunk`.
  Status read(std::size_t chunk_size, const std::function<Status(std::string_view)>& chunk) const;

  // Up to `length` bytes from `offset` into `out`; returns how many (0 at the end).
  // Errors: unavailable "spool_error".
  Result<std::size_t> read_at(std::uint64_t offset, char* out, std::size_t length) const;

 private:
  explicit SpoolFile(int fd);

  int fd_;
  std::string buffer_;
  std::uint64_t size_ = 0;
  Status write_error_ = ok_status();
};

}  // namespace parkd::mail
