// SPDX-License-Identifier: MIT
// The MariaDB of a storage test binary, as a gtest environment: under ctest the storage tests'
// fixture server (METER_TEST_MARIADB_DIR, tools/test-servers.sh), run by hand a server of its
// own in a temporary directory (`prefix`), stopped at the end. Without mariadbd skip() says why.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace meter::storage_testing {

class MariaDbEnvironment : public ::testing::Environment {
 public:
  explicit MariaDbEnvironment(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    namespace fs = std::filesystem;
    if (const char* shared = std::getenv("METER_TEST_MARIADB_DIR");
        shared != nullptr && *shared != '\0' && servers("status", shared)) {
      dir_ = shared;
    } else if (!fs::exists("/usr/sbin/mariadbd") &&
               std::system("command -v mariadbd >/dev/null 2>&1") != 0) {
      skip_ = "mariadbd is not installed (Debian package mariadb-server): skipped";
      return;
    } else {
      std::string pattern = (fs::temp_directory_path() / (prefix_ + "XXXXXX")).string();
      if (::mkdtemp(pattern.data()) == nullptr) return;
      dir_ = pattern;
      owned_ = true;
      if (!servers("start", dir_)) return;
    }
    std::ifstream(dir_ / "port") >> port_;
  }
  void TearDown() override {
    if (!owned_) return;
    servers("stop", dir_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  unsigned port() const { return port_; }
  const std::string& skip() const { return skip_; }

 private:
  static bool servers(const std::string& action, const std::filesystem::path& dir) {
    std::fflush(stdout);
    return std::system(("'" METER_TEST_SERVERS "' " + action + " mariadb '" + dir.string() + "'")
                           .c_str()) == 0;
  }

  std::string prefix_;
  std::filesystem::path dir_;
  bool owned_ = false;
  unsigned port_ = 0;
  std::string skip_;
};

}  // namespace meter::storage_testing
