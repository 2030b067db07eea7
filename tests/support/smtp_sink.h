#pragma once
// A small, real SMTP server for tests: POSIX sockets and one thread, listening on
// 127.0.0.1. It speaks EHLO/HELO, AUTH PLAIN and LOGIN (when a user is configured),
// MAIL FROM, RCPT TO, DATA (with dot-unstuffing), RSET, NOOP and QUIT, and records
// each accepted message with its envelope. No TLS: tests use SmtpTls::none.
//
// One session is served at a time (a second client waits in the listen backlog),
// which is all that SmtpTransport needs: one connection per message.
//
// stop() takes the server down (open sessions are cut) and start() brings it back on
// the same port, so a test can see a transport fail and then recover.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parkd::testing {

struct SmtpSinkOptions {
  std::string user;  // empty: AUTH is not offered
  std::string password;
  bool require_auth = false;  // MAIL FROM without a successful AUTH gets 530
  std::vector<std::string> auth_mechanisms{"PLAIN", "LOGIN"};  // as advertised in EHLO
};

struct ReceivedMessage {
  std::string helo;       // the EHLO/HELO argument
  std::string auth_user;  // who authenticated; empty = nobody
  std::string mail_from;  // the reverse path without < >
  std::vector<std::string> rcpt_to;
  std::string data;  // as sent, dot-unstuffed, CRLF line ends, without the final "."
};

class SmtpSink {
 public:
  explicit SmtpSink(SmtpSinkOptions options = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // Starts listening: on a free port the first time, on the same port afterwards.
  // Returns false when the socket cannot be set up (the reason goes to stderr).
  bool start();
  // Stops listening, cuts any open session and waits for the server thread. Messages
  // received so far are kept. Does nothing when not running.
  void stop();

  bool running() const;
  int port() const;  // 0 before the first start()

  std::vector<ReceivedMessage> messages() const;
  // Waits until at least `count` messages have arrived or `timeout` passes.
  bool wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const;
  // AUTH attempts refused so far.
  int failed_logins() const;
  // Answers RCPT TO:<address> with `reply` (e.g. "550 5.1.1 <a@b>: no such user" or
  // "451 4.3.0 Try again later") instead of accepting it: the next `times` times, or
  // every time when `times` is 0. The other recipients are served as usual.
  void refuse_recipient(const std::string& address, const std::string& reply, int times = 0);
  // How many times a client sent RCPT TO:<address> (accepted or refused).
  int rcpt_attempts(const std::string& address) const;
  void clear();

 private:
  class Session;

  void serve();
  void record(ReceivedMessage message);
  void count_failed_login();
  // The refusal for RCPT TO:<address> this time, if any; counts the attempt.
  std::optional<std::string> rcpt_refusal(const std::string& address);

  SmtpSinkOptions options_;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_read_fd_ = -1;  // stop() writes to wake_write_fd_ to end every poll()
  int wake_write_fd_ = -1;
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedMessage> messages_;
  int failed_logins_ = 0;
  struct Refusal {
    std::string reply;
    int remaining;  // 0: always
  };
  std::map<std::string, Refusal> refusals_;
  std::map<std::string, int> rcpt_attempts_;
};

}  // namespace parkd::testing
