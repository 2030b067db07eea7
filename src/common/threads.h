#pragma once
// Thread names and priorities: how parkd tells its threads apart and ranks them.

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace parkd {

// Names the calling thread (15 characters at most) so that `top -H`, `ps -L` and perf
// tell the HTTP handlers, the database writer and the job workers apart.
inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

// Lowers the calling thread's CPU priority (Linux nice values are per thread): background
// work then yields to requests when the CPUs are busy and runs at full speed when not.
// Raising it back would need privileges, so only background threads call this.
inline void lower_this_thread_priority(int nice_increment) {
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  int current = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) ::setpriority(PRIO_PROCESS, tid, current + nice_increment);
}

}  // namespace parkd
