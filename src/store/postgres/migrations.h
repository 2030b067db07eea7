#pragma once
// PostgreSQL schema, one entry per version, applied in order and recorded in
// schema_migrations. Version N has the same tables and columns as SQLite's version N
// (times are BIGINT unix seconds in both), so a copy between them is row by row.
// Never edit a released migration: add the next one.

#include <string_view>
#include <vector>

namespace parkd::pg {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& migrations();

// The tables parkd creates, dependents first (the order to drop them in).
const std::vector<std::string_view>& tables();

}  // namespace parkd::pg
