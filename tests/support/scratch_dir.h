#pragma once
// A fresh directory for one unit test, removed with everything in it at the end.

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace parkd::testing {

class ScratchDir {
 public:
  // Named by the process, the test and a counter: parallel CTest runs and several
  // directories in one test never share one.
  ScratchDir() {
    static int made = 0;
    // A parameterised test's name has a '/' ("Case/sqlite"): one directory, not two.
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');
    path_ = std::filesystem::temp_directory_path() /
            ("parkd-" + std::to_string(::getpid()) + "-" + test + "-" + std::to_string(++made));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace parkd::testing
