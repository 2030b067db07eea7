#pragma once

#include <pthread.h>

namespace parkd {

// Names the calling thread (15 characters at most) so that `top -H`, `ps -L` and perf
// tell the HTTP handlers, the database writer and the job workers apart.
inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace parkd
