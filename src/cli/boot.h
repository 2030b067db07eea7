#pragma once
// What every parkd command starts from: the configuration read and checked, the store
// opened (and migrated), and the one way a command reports a failure.

#include "common/result.h"
#include "config/config.h"
#include "store/store.h"

#include <date/tz.h>

#include <memory>

namespace parkd {

struct Runtime {
  Config config;
  std::unique_ptr<Store> store;
  const date::time_zone* tz = nullptr;
};

// Reads and checks every setting, then opens the store; with `migrate`, brings its
// schema up to date.
Result<Runtime> boot(bool migrate);

// Prints "parkd: <message>" once on stderr (for a validation error, its fields:
// "parkd: email: is not a valid address"); returns the exit status: 2 for a problem
// with what was asked (bad input, unknown user, refused), 1 for a failure (database,
// filesystem, network).
int fail(const Error& e);

}  // namespace parkd
