#pragma once
// SQLite schema, one entry per version, applied in order and recorded in
// schema_migrations. Never edit a released migration: add the next one.

#include <string_view>
#include <vector>

namespace parkd::sqlite {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  // The SQL edits sqlite_schema itself: the runner then bumps schema_version, so that
  // every open connection rereads the schema.
  bool edits_schema_text = false;
};

const std::vector<Migration>& migrations();

}  // namespace parkd::sqlite
