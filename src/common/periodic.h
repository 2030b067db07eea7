#pragma once
// Periodic: a background thread of its own that runs a step again and again, sleeping
// between runs for as long as the step asks, woken early by poke() and promptly by
// stop(). The loop every background thread used to write by hand (a mutex, a condition
// variable, a stopping flag, a timed wait, a join) written once.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace parkd {

class Periodic {
 public:
  using Clock = std::chrono::steady_clock;

  // When the step runs next: after a wait (measured from the moment the step returns),
  // at a time, or only once poked.
  class Next {
   public:
    template <class Rep, class Period>
    Next(std::chrono::duration<Rep, Period> wait)  // implicit: a step returns a duration
        : wait_(std::chrono::ceil<Clock::duration>(wait)) {}
    Next(Clock::time_point at) : at_(at) {}
    static Next when_poked() { return Next(Clock::time_point::max()); }

    Clock::time_point deadline(Clock::time_point now) const { return at_ ? *at_ : now + wait_; }

   private:
    std::optional<Clock::time_point> at_;
    Clock::duration wait_{};
  };

  // Why the step runs: its time came, or poke() was called since the last run began.
  enum class Woken { on_time, poked };
  using Step = std::function<Next(Woken)>;

  struct Options {
    const char* thread_name;               // 15 characters at most (name_this_thread)
    Next first = std::chrono::seconds(0);  // when the step runs the first time
    // For work that yields to requests (run_this_thread_only_when_cpus_are_idle).
    bool only_when_cpus_are_idle = false;
  };

  // Starts the thread. A step that throws ends the process, as an exception escaping any
  // thread does: a step catches the failures it expects and logs them itself.
  Periodic(Options options, Step step);
  // stop().
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Runs the step as soon as the one running (if any) has returned, whatever it asked
  // for. Pokes before that run begins count as one.
  void poke();

  // No step begins after this returns; one that is running goes on to its end. Does not
  // wait for it.
  void request_stop();
  // request_stop(), then waits for the running step: none runs once this returns.
  // REQUIRES: not called from the step, nor from two threads at once.
  void stop();
  bool stopping() const;

 private:
  void run(Next next);

  Step step_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool poked_ = false;     // REQUIRES: mutex_ held
  bool stopping_ = false;  // REQUIRES: mutex_ held
  std::thread thread_;     // last: started once the rest exists
};

}  // namespace parkd
