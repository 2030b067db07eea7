// Periodic (periodic.h): the thread, its wait and its wake-ups.

#include "common/periodic.h"

#include "common/threads.h"

namespace parkd {

Periodic::Periodic(Options options, Step step) : step_(std::move(step)) {
  thread_ = std::thread([this, name = std::string(options.thread_name), first = options.first,
                         idle = options.only_when_cpus_are_idle] {
    // The policy before the name: whoever finds a thread by its name sees its policy.
    if (idle) run_this_thread_only_when_cpus_are_idle();
    name_this_thread(name.c_str());
    run(first);
  });
}

Periodic::~Periodic() { stop(); }

void Periodic::poke() {
  {
    std::lock_guard lock(mutex_);
    if (poked_) return;  // already due: the thread has been woken
    poked_ = true;
  }
  cv_.notify_one();
}

void Periodic::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
}

void Periodic::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

bool Periodic::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void Periodic::run(Next next) {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto woken = [this] { return stopping_ || poked_; };
    Clock::time_point deadline = next.deadline(Clock::now());
    if (deadline == Clock::time_point::max()) {
      cv_.wait(lock, woken);
    } else {
      cv_.wait_until(lock, deadline, woken);
    }
    if (stopping_) return;
    Woken why = poked_ ? Woken::poked : Woken::on_time;
    poked_ = false;
    lock.unlock();
    next = step_(why);
    lock.lock();
  }
}

}  // namespace parkd
