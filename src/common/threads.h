#pragma once
// Thread names and priorities: how parkd tells its threads apart and ranks them.

#include <pthread.h>
#include <sched.h>

namespace parkd {

// Names the calling thread (15 characters at most) so that `top -H`, `ps -L` and perf
// tell the HTTP handlers, the database writer and the job workers apart.
inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

// Lets the calling thread run only when no other thread wants a CPU (SCHED_IDLE, which
// needs no privileges): background work then takes what requests leave and is preempted
// the moment a request's thread wakes. Measured under book-release, nice +10 still let the
// job worker take a third of a core from the writer and the HTTP threads
// (bench/README.md). Without privileges there is no way back, so only background threads call this.
inline void run_this_thread_only_when_cpus_are_idle() {
  sched_param param{};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &param);
}

}  // namespace parkd
