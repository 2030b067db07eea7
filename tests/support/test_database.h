#pragma once
// Which database a test directory's processes share. By default a SQLite file in the
// directory. With PARKD_TEST_POSTGRES set (an admin URL, e.g.
// postgresql://postgres@127.0.0.1:55432/postgres, as CTest's pg.* tests set it) each
// directory gets its own fresh PostgreSQL database, created on first use, remembered in
// the directory (file `database_url`) so that every parkd process, `sql_rows` and
// `parkd job enqueue` on it agree, and dropped with the directory.

#include <filesystem>
#include <string>
#include <vector>

namespace parkd::test {

// True when the black-box suite runs against PostgreSQL (PARKD_TEST_POSTGRES set).
bool testing_postgres();

// DATABASE_URL for the processes working in `dir`.
std::string database_url_for(const std::filesystem::path& dir);

// Drops the PostgreSQL database made for `dir`, if any (called as the directory goes).
void drop_database_for(const std::filesystem::path& dir);

// A read-only query on PostgreSQL: ?N placeholders become $N, params are text, cells
// come back as text (NULL as ""). Fails the test on an SQL error.
std::vector<std::vector<std::string>> postgres_rows(const std::string& url, const std::string& sql,
                                                    const std::vector<std::string>& params);

}  // namespace parkd::test
