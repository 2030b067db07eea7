#pragma once
// FUZZ_CHECK for the fuzz targets: a broken property aborts with a message, so that
// libFuzzer saves the input as a crash and the replay test (ctest -L fuzz) fails on it,
// rather than the target merely running.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, what)                                                          \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "fuzz property broken at %s:%d: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
