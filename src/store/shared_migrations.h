#pragma once
// Migrations whose SQL is the same in both dialects, written once and listed by both
// store/sqlite/migrations.cpp and store/postgres/migrations.cpp under the same version.

#include <string_view>

namespace parkd {

// Version 4.
inline constexpr std::string_view kOneUserIndexName = "one index for a user's bookings";
inline constexpr std::string_view kOneUserIndexSql = R"sql(
-- Every booking put a row in two indexes led by user_id, each at a random leaf: half the
-- pages a group commit wrote (bench/README.md). bookings_by_user_created serves the
-- user's list, and the user's statistics, which read the whole history anyway.
DROP INDEX IF EXISTS bookings_by_user;
)sql";

// Version 6.
inline constexpr std::string_view kUserDisabledName = "users may be disabled";
inline constexpr std::string_view kUserDisabledSql = R"sql(
-- A disabled account keeps its history but may not log in, and its tokens are refused
-- (parkd user disable, PUT /api/users/{id}). 0 or 1 in both dialects.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 7: when a job's latest attempt was claimed (GET /api/jobs started_at), NULL
// until then. The SQL differs only in the type name (SQLite's tables are STRICT).
inline constexpr std::string_view kJobStartedName = "jobs record when their attempt started";

}  // namespace parkd
