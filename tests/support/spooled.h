#pragma once
// Bytes in a spool file, flushed and ready to attach, as the export jobs hand them over.

#include "mail/spool.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace parkd::testing {

inline std::shared_ptr<const mail::SpoolFile> spooled(const std::string& bytes) {
  auto file = mail::SpoolFile::create();
  EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
  if (!file.ok()) return nullptr;
  EXPECT_TRUE((*file)->append(bytes).ok());
  EXPECT_TRUE((*file)->flush().ok());
  return *file;
}

}  // namespace parkd::testing
