#pragma once
// The common-password check of the password rule (domain/validation.h): the list is compiled
// into the binary (common/embedded.h), so it is there whenever parkd runs.

#include <cstddef>
#include <string_view>

namespace parkd {

// Whether `password`, ASCII lower-cased (other characters compared as they are), is one of the
// 10 000 most common passwords. The list is indexed once, on first use; a lookup is a
// binary search.
bool is_common_password(std::string_view password);

// How many passwords the list holds.
std::size_t common_password_count();

}  // namespace parkd
