#include "support/smtp_sink.h"

#include "mail/encoding.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>

namespace parkd::testing {
namespace {

constexpr std::size_t kMaxLine = 64 * 1024;
constexpr std::size_t kMaxMessage = 50 * 1024 * 1024;
constexpr int kIdleTimeoutMs = 30'000;  // a stuck client must not hang a test run

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// The address inside "<...>" of a MAIL FROM / RCPT TO argument, or nullopt.
std::optional<std::string> path_argument(const std::string& arg, const std::string& keyword) {
  if (upper(arg.substr(0, keyword.size())) != keyword) return std::nullopt;
  std::size_t open = arg.find('<', keyword.size());
  std::size_t close = arg.find('>', open);
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  return arg.substr(open + 1, close - open - 1);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

// One client connection, served on the sink's thread.
class SmtpSink::Session {
 public:
  Session(SmtpSink& sink, int fd) : sink_(sink), fd_(fd) {}

  void run() {
    if (!reply("220 parkd-test-sink ESMTP ready")) return;
    while (auto line = read_line()) {
      std::size_t space = line->find(' ');
      std::string verb = upper(line->substr(0, space));
      std::string arg = space == std::string::npos ? "" : line->substr(space + 1);
      if (!dispatch(verb, arg)) return;
    }
  }

 private:
  // Handles one command; false ends the session.
  bool dispatch(const std::string& verb, const std::string& arg) {
    if (verb == "EHLO") return on_ehlo(arg);
    if (verb == "HELO") return on_helo(arg);
    if (verb == "AUTH") return on_auth(arg);
    if (verb == "MAIL") return on_mail(arg);
    if (verb == "RCPT") return on_rcpt(arg);
    if (verb == "DATA") return on_data();
    if (verb == "RSET") {
      reset_transaction();
      return reply("250 2.0.0 Reset");
    }
    if (verb == "NOOP") return reply("250 2.0.0 OK");
    if (verb == "QUIT") {
      reply("221 2.0.0 Bye");
      return false;
    }
    return reply("502 5.5.2 Command not recognized");
  }

  bool on_ehlo(const std::string& arg) {
    helo_ = arg;
    reset_transaction();
    std::vector<std::string> lines{"parkd-test-sink greets " + arg, "8BITMIME",
                                   "SIZE " + std::to_string(kMaxMessage)};
    if (!sink_.options_.user.empty() && !sink_.options_.auth_mechanisms.empty()) {
      std::string auth = "AUTH";
      for (const auto& mechanism : sink_.options_.auth_mechanisms) auth += " " + mechanism;
      lines.push_back(auth);
    }
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      text += (i + 1 < lines.size() ? "250-" : "250 ") + lines[i] + "\r\n";
    }
    return write_all(text);
  }

  bool on_helo(const std::string& arg) {
    helo_ = arg;
    reset_transaction();
    return reply("250 parkd-test-sink");
  }

  bool on_auth(const std::string& arg) {
    const auto& options = sink_.options_;
    std::size_t space = arg.find(' ');
    std::string mechanism = upper(arg.substr(0, space));
    std::string initial = space == std::string::npos ? "" : arg.substr(space + 1);
    bool offered = std::find(options.auth_mechanisms.begin(), options.auth_mechanisms.end(),
                             mechanism) != options.auth_mechanisms.end();
    if (options.user.empty() || !offered) {
      return reply("504 5.5.4 Unrecognized authentication type");
    }
    if (!auth_user_.empty()) return reply("503 5.5.1 Already authenticated");
    std::optional<std::pair<std::string, std::string>> credentials;
    if (mechanism == "PLAIN") {
      credentials = read_plain(initial);
    } else {
      credentials = read_login(initial);
    }
    if (!credentials) return reply("501 5.5.2 Cannot decode the response");
    if (credentials->first != options.user || credentials->second != options.password) {
      sink_.count_failed_login();
      return reply("535 5.7.8 Authentication credentials invalid");
    }
    auth_user_ = credentials->first;
    return reply("235 2.7.0 Authentication successful");
  }

  // PLAIN: base64("authzid\0user\0password"), inline or after a 334.
  std::optional<std::pair<std::string, std::string>> read_plain(std::string response) {
    if (response.empty()) {
      if (!reply("334 ")) return std::nullopt;
      auto line = read_line();
      if (!line || *line == "*") return std::nullopt;
      response = *line;
    }
    auto decoded = mail::base64_decode(response);
    if (!decoded) return std::nullopt;
    std::size_t first = decoded->find('\0');
    std::size_t second = decoded->find('\0', first + 1);
    if (first == std::string::npos || second == std::string::npos) return std::nullopt;
    return std::make_pair(decoded->substr(first + 1, second - first - 1),
                          decoded->substr(second + 1));
  }

  // LOGIN: the user name (inline or asked for), then the password, each base64.
  std::optional<std::pair<std::string, std::string>> read_login(std::string user_b64) {
    if (user_b64.empty()) {
      if (!reply("334 " + mail::base64_encode("Username:"))) return std::nullopt;
      auto line = read_line();
      if (!line || *line == "*") return std::nullopt;
      user_b64 = *line;
    }
    if (!reply("334 " + mail::base64_encode("Password:"))) return std::nullopt;
    auto password_b64 = read_line();
    if (!password_b64 || *password_b64 == "*") return std::nullopt;
    auto user = mail::base64_decode(user_b64);
    auto password = mail::base64_decode(*password_b64);
    if (!user || !password) return std::nullopt;
    return std::make_pair(*user, *password);
  }

  bool on_mail(const std::string& arg) {
    if (sink_.options_.require_auth && auth_user_.empty()) {
      return reply("530 5.7.0 Authentication required");
    }
    auto path = path_argument(arg, "FROM:");
    if (!path) return reply("501 5.5.4 Syntax: MAIL FROM:<address>");
    reset_transaction();
    mail_from_ = *path;
    in_transaction_ = true;
    return reply("250 2.1.0 Sender OK");
  }

  bool on_rcpt(const std::string& arg) {
    if (!in_transaction_) return reply("503 5.5.1 Need MAIL first");
    auto path = path_argument(arg, "TO:");
    if (!path) return reply("501 5.5.4 Syntax: RCPT TO:<address>");
    if (auto refusal = sink_.rcpt_refusal(*path)) return reply(*refusal);
    rcpt_to_.push_back(*path);
    return reply("250 2.1.5 Recipient OK");
  }

  bool on_data() {
    if (rcpt_to_.empty()) return reply("503 5.5.1 Need RCPT first");
    if (!reply("354 End data with <CR><LF>.<CR><LF>")) return false;
    std::string data;
    while (true) {
      auto line = read_line();
      if (!line) return false;  // the client went away mid-message: nothing recorded
      if (*line == ".") break;
      if (!line->empty() && (*line)[0] == '.') line->erase(0, 1);  // dot-unstuffing
      if (data.size() + line->size() > kMaxMessage) {
        reset_transaction();
        return reply("552 5.3.4 Message too big");
      }
      data += *line + "\r\n";
    }
    sink_.record({helo_, auth_user_, mail_from_, rcpt_to_, std::move(data)});
    reset_transaction();
    return reply("250 2.0.0 OK: queued");
  }

  void reset_transaction() {
    mail_from_.clear();
    rcpt_to_.clear();
    in_transaction_ = false;
  }

  bool reply(const std::string& line) { return write_all(line + "\r\n"); }

  bool write_all(std::string_view text) {
    while (!text.empty()) {
      ssize_t sent = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      text.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // The next line without its CRLF (a bare LF is accepted); nullopt when the client
  // closes, the sink stops, the line is too long or the client stays idle too long.
  std::optional<std::string> read_line() {
    while (true) {
      std::size_t eol = buffer_.find('\n');
      if (eol != std::string::npos) {
        std::string line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (buffer_.size() > kMaxLine) return std::nullopt;
      pollfd fds[2] = {{fd_, POLLIN, 0}, {sink_.wake_read_fd_, POLLIN, 0}};
      int ready = ::poll(fds, 2, kIdleTimeoutMs);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0 || (fds[1].revents & POLLIN)) return std::nullopt;
      char chunk[16384];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  SmtpSink& sink_;
  int fd_;
  std::string buffer_;
  std::string helo_;
  std::string auth_user_;
  std::string mail_from_;
  std::vector<std::string> rcpt_to_;
  bool in_transaction_ = false;
};

SmtpSink::SmtpSink(SmtpSinkOptions options) : options_(std::move(options)) {}

SmtpSink::~SmtpSink() { stop(); }

bool SmtpSink::start() {
  if (running()) return true;
  auto fail = [this](const char* what) {
    std::cerr << "SmtpSink: " << what << ": " << std::strerror(errno) << "\n";
    close_fd(listen_fd_);
    close_fd(wake_read_fd_);
    close_fd(wake_write_fd_);
    return false;
  };
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) return fail("pipe2");
  wake_read_fd_ = wake[0];
  wake_write_fd_ = wake[1];
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return fail("socket");
  int one = 1;
  // Lets a restart bind the same port while old connections sit in TIME_WAIT.
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port_));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return fail("bind");
  }
  if (::listen(listen_fd_, 16) != 0) return fail("listen");
  socklen_t length = sizeof address;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return fail("getsockname");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
  return true;
}

void SmtpSink::stop() {
  if (!running()) return;
  char byte = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wake_write_fd_, &byte, 1);
  thread_.join();
  close_fd(listen_fd_);
  close_fd(wake_read_fd_);
  close_fd(wake_write_fd_);
}

bool SmtpSink::running() const { return thread_.joinable(); }

int SmtpSink::port() const { return port_; }

void SmtpSink::serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_fd_, POLLIN, 0}};
    int ready = ::poll(fds, 2, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || (fds[1].revents & POLLIN)) return;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    Session(*this, client).run();
    ::close(client);
  }
}

void SmtpSink::record(ReceivedMessage message) {
  {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
  }
  arrived_.notify_all();
}

void SmtpSink::count_failed_login() {
  std::lock_guard lock(mutex_);
  ++failed_logins_;
}

void SmtpSink::refuse_recipient(const std::string& address, const std::string& reply, int times) {
  std::lock_guard lock(mutex_);
  refusals_[address] = Refusal{reply, times};
}

int SmtpSink::rcpt_attempts(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = rcpt_attempts_.find(address);
  return it == rcpt_attempts_.end() ? 0 : it->second;
}

std::optional<std::string> SmtpSink::rcpt_refusal(const std::string& address) {
  std::lock_guard lock(mutex_);
  ++rcpt_attempts_[address];
  auto it = refusals_.find(address);
  if (it == refusals_.end()) return std::nullopt;
  std::string reply = it->second.reply;
  if (it->second.remaining > 0 && --it->second.remaining == 0) refusals_.erase(it);
  return reply;
}

std::vector<ReceivedMessage> SmtpSink::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

bool SmtpSink::wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
}

int SmtpSink::failed_logins() const {
  std::lock_guard lock(mutex_);
  return failed_logins_;
}

void SmtpSink::clear() {
  std::lock_guard lock(mutex_);
  messages_.clear();
  failed_logins_ = 0;
  refusals_.clear();
  rcpt_attempts_.clear();
}

}  // namespace parkd::testing
