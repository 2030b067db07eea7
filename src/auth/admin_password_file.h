#pragma once
// instance/admin_password: the admin password parkd generated on first start, kept where
// only the operator can read it until the admin chooses another, so that a password
// missed on the console is never lost.

#include "common/result.h"

#include <string>

namespace parkd {

// <instance_dir>/admin_password.
std::string admin_password_path(const std::string& instance_dir);

// Writes the password (and a newline) with mode 0600 whatever the umask, replacing any
// earlier file in one rename.
Status write_admin_password_file(const std::string& instance_dir, const std::string& password);

// Removes the file; true when there was one. Called when the admin's password changes
// (parkd user passwd, and the API's password changes), after which it would be wrong.
bool remove_admin_password_file(const std::string& instance_dir);

}  // namespace parkd
