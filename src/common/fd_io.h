#pragma once
// Writing to a file descriptor without losing part of the data to a short write or a
// signal.

#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace parkd {

// Writes all of `data`, retrying after short writes and EINTR. 0, or the errno of the
// write that failed (what was written before it stays written).
inline int write_fully(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return errno;
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

}  // namespace parkd
