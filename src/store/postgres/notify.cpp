// Signals (notify.h): the listening thread, the notifying thread, and what a commit in
// this process tells both.

#include "store/postgres/notify.h"

#include "common/threads.h"
#include "store/postgres/connection.h"

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parkd::pg {
namespace {

constexpr const char* kJobsChannel = "parkd_jobs";
constexpr const char* kLotsChannel = "parkd_lots";
constexpr const char* kUsersChannel = "parkd_users";
// Between attempts to reach the database again after a connection broke.
constexpr std::chrono::seconds kReconnectPause{1};
// After each NOTIFY the notifying thread waits this long, merging what commits meanwhile
// into the next one. Sending back to back, it sent one NOTIFY per two or three commits
// under book-release load (about 1 000 a second, each a transaction that every
// listening backend is woken for); paced, at most 100 a second.
constexpr std::chrono::milliseconds kNotifyGap{10};

// The job signals this thread has seen, so that one arriving while it ran a job is not
// missed (the listening socket used to keep it until read).
struct SeenJobs {
  const Signals* owner = nullptr;
  std::uint64_t seq = 0;
};
thread_local SeenJobs t_seen;

}  // namespace

Signals::~Signals() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  notify_cv_.notify_all();
  jobs_cv_.notify_all();
  if (wake_fd_ >= 0) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (notifier_.joinable()) notifier_.join();
  if (listener_.joinable()) listener_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Signals::moved(unsigned bits) {
  if (bits & kLotsSignal) lots_generation_.fetch_add(1);
  if (bits & kUsersSignal) users_generation_.fetch_add(1);
}

void Signals::committed(unsigned bits) {
  if (bits == 0) return;
  moved(bits);
  std::lock_guard lock(mutex_);
  if (bits & kJobsSignal) {
    ++jobs_seq_;
    jobs_cv_.notify_all();
  }
  pending_ |= bits;
  if (!notifier_.joinable() && !stopping_) notifier_ = std::thread([this] { notify_loop(); });
  notify_cv_.notify_one();
}

bool Signals::wait_for_jobs(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  start_listening();
  if (t_seen.owner != this) t_seen = {this, jobs_seq_};
  bool signalled = jobs_cv_.wait_for(lock, timeout, [&] { return jobs_seq_ != t_seen.seq; });
  t_seen.seq = jobs_seq_;
  return signalled;
}

std::optional<std::uint64_t> Signals::lots_generation() { return generation(lots_generation_); }

std::optional<std::uint64_t> Signals::users_generation() { return generation(users_generation_); }

std::optional<std::uint64_t> Signals::generation(const std::atomic<std::uint64_t>& counter) {
  if (!listening_.load()) {
    std::lock_guard lock(mutex_);
    start_listening();
    return std::nullopt;
  }
  return counter.load();
}

void Signals::start_listening() {
  if (listener_.joinable() || stopping_) return;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    spdlog::warn("database: cannot listen for changes: eventfd: {}", std::strerror(errno));
    return;
  }
  listener_ = std::thread([this] { listen_loop(); });
}

// Not a Periodic: it blocks in poll() on the listening socket, not in a timed sleep.
void Signals::listen_loop() {
  name_this_thread("parkd-listen");
  bool failing = false;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::unique_ptr<Connection> conn;
    try {
      conn = std::make_unique<Connection>(url_);
      conn->exec(fmt::format("LISTEN {}; LISTEN {}; LISTEN {}", kJobsChannel, kLotsChannel,
                             kUsersChannel));
    } catch (const StoreError& e) {
      if (!failing) spdlog::warn("database: cannot listen for jobs and changes: {}", e.what());
      failing = true;
      pollfd wake{wake_fd_, POLLIN, 0};
      ::poll(&wake, 1, static_cast<int>(std::chrono::milliseconds(kReconnectPause).count()));
      continue;
    }
    if (failing) spdlog::info("database: listening for jobs and changes again");
    failing = false;
    {
      // Whatever was signalled while nobody listened was missed: assume it all.
      std::lock_guard lock(mutex_);
      ++jobs_seq_;
      moved(kLotsSignal | kUsersSignal);
      listening_ = true;
      jobs_cv_.notify_all();
    }
    PGconn* c = conn->handle();
    while (true) {
      pollfd fds[2] = {{PQsocket(c), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int ready = fds[0].fd < 0 ? -1 : ::poll(fds, 2, -1);
      if (ready < 0 && errno == EINTR) continue;
      if (fds[1].revents != 0) return;  // stopping
      if (ready < 0 || !PQconsumeInput(c)) break;
      unsigned bits = 0;
      while (PGnotify* n = PQnotifies(c)) {
        bits |= std::strcmp(n->relname, kLotsChannel) == 0    ? kLotsSignal
                : std::strcmp(n->relname, kUsersChannel) == 0 ? kUsersSignal
                                                              : kJobsSignal;
        PQfreemem(n);
      }
      moved(bits);
      if (bits & kJobsSignal) {
        std::lock_guard lock(mutex_);
        ++jobs_seq_;
        jobs_cv_.notify_all();
      }
    }
    // Until listening again, lot lists are read afresh every time.
    listening_ = false;
    moved(kLotsSignal | kUsersSignal);
    spdlog::warn("database: the connection listening for jobs and changes broke; reconnecting");
    failing = true;
  }
}

// Not a Periodic: it still sends what is pending once stopping, and commits must not cut
// its reconnect pause short.
void Signals::notify_loop() {
  name_this_thread("parkd-notify");
  std::unique_ptr<Connection> conn;
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (true) {
    notify_cv_.wait(lock, [&] { return pending_ != 0 || stopping_; });
    if (pending_ == 0) return;  // stopping, nothing left to send
    unsigned bits = pending_;
    pending_ = 0;
    lock.unlock();
    // Constant channel names: the payload is empty, the channel says what changed.
    std::string sql = "SELECT 1";
    for (auto [bit, channel] : {std::pair{kJobsSignal, kJobsChannel},
                                {kLotsSignal, kLotsChannel},
                                {kUsersSignal, kUsersChannel}}) {
      if (bits & bit) sql += fmt::format(", pg_notify('{}', '')", channel);
    }
    try {
      if (!conn) conn = std::make_unique<Connection>(url_);
      conn->exec(sql);
      if (failing) spdlog::info("database: telling other processes of changes again");
      failing = false;
    } catch (const StoreError& e) {
      conn.reset();
      if (!failing) {
        spdlog::warn("database: cannot tell other processes of changes: {}", e.what());
      }
      failing = true;
      lock.lock();
      // Sent once the database answers again: late news is better than none. Pause so
      // that a database that is down is not hammered once per commit.
      pending_ |= bits;
      notify_cv_.wait_for(lock, kReconnectPause, [&] { return stopping_; });
      if (stopping_) return;
      continue;
    }
    lock.lock();
    notify_cv_.wait_for(lock, kNotifyGap, [&] { return stopping_; });
  }
}

}  // namespace parkd::pg
