#include "mail/spool.h"

#include "common/fd_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace parkd::mail {
namespace {

// Enough to make each write() worth its system call, small enough to stay constant.
constexpr std::size_t kBufferSize = std::size_t{256} * 1024;

Error spool_error(const std::string& what, int error) {
  return Error::of(ErrorKind::unavailable, "spool_error", what + ": " + std::strerror(error));
}

// O_TMPFILE where the file system has it; else a named file removed at once.
int open_anonymous(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string name = (dir / "parkd-spool-XXXXXX").string();
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(name.c_str());
  return fd;
}

}  // namespace

Result<std::shared_ptr<SpoolFile>> SpoolFile::create(const std::filesystem::path& dir) {
  std::filesystem::path where = dir;
  if (where.empty()) {
    std::error_code ec;
    where = std::filesystem::temp_directory_path(ec);
    if (ec) where = "/tmp";
  }
  int fd = open_anonymous(where);
  if (fd < 0) return spool_error("cannot create a spool file in " + where.string(), errno);
  return std::shared_ptr<SpoolFile>(new SpoolFile(fd));
}

SpoolFile::SpoolFile(int fd) : fd_(fd) { buffer_.reserve(kBufferSize); }

SpoolFile::~SpoolFile() { ::close(fd_); }

Status SpoolFile::append(std::string_view data) {
  if (!write_error_) return write_error_;
  size_ += data.size();
  if (buffer_.size() + data.size() > kBufferSize) {
    if (auto flushed = flush(); !flushed) return flushed;
  }
  if (data.size() >= kBufferSize) {
    buffer_.assign(data);  // large pieces go out at once rather than being split
    return flush();
  }
  buffer_.append(data);
  return ok_status();
}

Status SpoolFile::flush() {
  if (!write_error_) return write_error_;
  if (int error = write_fully(fd_, buffer_); error != 0) {
    write_error_ = spool_error("cannot write to a spool file", error);
    return write_error_;
  }
  buffer_.clear();
  return ok_status();
}

Result<std::size_t> SpoolFile::read_at(std::uint64_t offset, char* out, std::size_t length) const {
  for (;;) {
    ssize_t n = ::pread(fd_, out, length, static_cast<off_t>(offset));
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return spool_error("cannot read a spool file", errno);
  }
}

Status SpoolFile::read(std::size_t chunk_size,
                       const std::function<Status(std::string_view)>& chunk) const {
  std::string piece(chunk_size, '\0');
  std::uint64_t offset = 0;
  while (offset < size_) {
    std::size_t filled = 0;
    while (filled < chunk_size && offset + filled < size_) {
      auto n = read_at(offset + filled, piece.data() + filled, chunk_size - filled);
      if (!n) return n.error();
      if (*n == 0) return spool_error("a spool file is shorter than written", EIO);
      filled += *n;
    }
    if (auto st = chunk(std::string_view(piece.data(), filled)); !st) return st;
    offset += filled;
  }
  return ok_status();
}

}  // namespace parkd::mail
