#include "mail/transport.h"

#include "common/fd_io.h"
#include "mail/encoding.h"

#include <date/date.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace parkd::mail {
namespace {

Error outbox_error(const std::string& what, const std::filesystem::path& path, int error) {
  return Error::of(ErrorKind::unavailable, "outbox_error",
                   what + " " + path.string() + ": " + std::strerror(error));
}

constexpr std::size_t kWriteBuffer = std::size_t{256} * 1024;

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  if (int error = write_fully(fd, data); error != 0)
    return outbox_error("cannot write", path, error);
  return ok_status();
}

// Creates the new file `path`, writes the message into it through a buffer (a large
// export never sits in memory whole) and flushes it to disk.
Status write_new_file(const std::filesystem::path& path, const MailMessage& message,
                      Timestamp date) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return outbox_error("cannot create", path, errno);
  std::string buffer;
  buffer.reserve(kWriteBuffer);
  Status st = write_mime(message, date, "", [&](std::string_view piece) {
    buffer.append(piece);
    if (buffer.size() < kWriteBuffer) return ok_status();
    Status written = write_all(fd, buffer, path);
    buffer.clear();
    return written;
  });
  if (st) st = write_all(fd, buffer, path);
  if (st && ::fsync(fd) != 0) st = outbox_error("cannot flush", path, errno);
  if (::close(fd) != 0 && st) st = outbox_error("cannot close", path, errno);
  return st;
}

// Makes the rename itself durable; a failure here is not worth failing the send for.
void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

FileTransport::FileTransport(std::filesystem::path outbox) : outbox_(std::move(outbox)) {}

Result<std::string> FileTransport::send(const MailMessage& message) {
  Timestamp sent_at = now();
  std::error_code ec;
  std::filesystem::create_directories(outbox_, ec);
  if (ec) return outbox_error("cannot create directory", outbox_, ec.value());

  std::string name = date::format("%Y%m%dT%H%M%SZ", sent_at) + "-" + random_hex(8) + ".eml";
  std::filesystem::path final_path = outbox_ / name;
  std::filesystem::path temp_path = outbox_ / ("." + name + ".tmp");
  if (auto written = write_new_file(temp_path, message, sent_at); !written) {
    std::filesystem::remove(temp_path, ec);
    return written.error();
  }
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    int error = errno;
    std::filesystem::remove(temp_path, ec);
    return outbox_error("cannot rename into", final_path, error);
  }
  sync_directory(outbox_);
  return "written to " + final_path.string() + " (not sent: SMTP_HOST is unset)";
}

std::unique_ptr<MailTransport> make_transport(const MailSettings& settings) {
  if (!settings.smtp.host.empty()) return std::make_unique<SmtpTransport>(settings.smtp);
  return std::make_unique<FileTransport>(settings.outbox);
}

}  // namespace parkd::mail
