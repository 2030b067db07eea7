// Creation of the instance directory and the SQLite file with owner-only modes,
// whatever the process umask (see private_files.h).
#include "common/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace parkd {

std::error_code create_private_directories(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  for (auto p = dir; !p.empty() && !std::filesystem::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;  // created meanwhile by someone else: theirs
      return {errno, std::generic_category()};
    }
    // The umask may have taken bits away (e.g. 0277); 0700 is what is meant.
    if (::chmod(it->c_str(), 0700) != 0) return {errno, std::generic_category()};
  }
  return {};
}

std::error_code create_private_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno == EEXIST ? std::error_code{} : std::error_code{errno, std::generic_category()};
  int rc = ::fchmod(fd, 0600);
  int fchmod_errno = errno;
  ::close(fd);
  return rc == 0 ? std::error_code{} : std::error_code{fchmod_errno, std::generic_category()};
}

}  // namespace parkd
