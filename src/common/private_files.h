#pragma once
// Files and directories only parkd's own user may read: the instance directory and the
// SQLite database hold password hashes, tokens' secret and every booking, so their mode
// must not depend on the umask parkd happens to start with.

#include <filesystem>
#include <system_error>

namespace parkd {

// Creates `dir` and any missing parents; each directory created here gets mode 0700.
// Directories that already exist keep their mode (an operator may have chosen it).
// Returns the error of the first directory that could not be created.
std::error_code create_private_directories(const std::filesystem::path& dir);

// Creates `file` empty with mode 0600 if it does not exist; an existing file is left
// alone. SQLite gives a database's -wal and -shm files the database file's mode, so
// creating the database this way keeps all three private.
std::error_code create_private_file(const std::filesystem::path& file);

}  // namespace parkd
