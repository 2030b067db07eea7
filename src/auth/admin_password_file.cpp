// The generated admin password's file: created with mode 0600 from the first byte (no
// window in which the umask's mode lets others read it), replaced atomically.
#include "auth/admin_password_file.h"

#include "common/fd_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace parkd {

std::string admin_password_path(const std::string& instance_dir) {
  return (std::filesystem::path(instance_dir) / "admin_password").string();
}

Status write_admin_password_file(const std::string& instance_dir, const std::string& password) {
  std::error_code ec;
  std::filesystem::create_directories(instance_dir, ec);
  std::string path = admin_password_path(instance_dir);
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Error::internal("cannot create " + tmp + ": " + std::strerror(errno));
  std::string text = password + "\n";
  // fchmod: open()'s mode is filtered by the umask, which could leave the owner unable to
  // read it; never more than 0600 either way.
  bool ok = ::fchmod(fd, 0600) == 0 && write_fully(fd, text) == 0 && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    ::unlink(tmp.c_str());
    return Error::internal("cannot write " + path + ": " + std::strerror(saved));
  }
  return ok_status();
}

bool remove_admin_password_file(const std::string& instance_dir) {
  return ::unlink(admin_password_path(instance_dir).c_str()) == 0;
}

}  // namespace parkd
