// SPDX-License-Identifier: MIT
// Runs a command line as from a user's shell, its stdout and stderr caught in files of `dir`,
// for the tests that run the real `smartmeter` binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace meter::testing_support {

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

inline CommandRun run_command(const std::string& command_line, const std::filesystem::path& dir) {
  const std::string command =
      command_line + " >" + (dir / "stdout").string() + " 2>" + (dir / "stderr").string();
  // NOLINTNEXTLINE(cert-env33-c): the binary runs as from a user's shell
  const int raw = std::system(command.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_text(dir / "stdout"),
          read_text(dir / "stderr")};
}

// A directory of the running test's own, created: <tmp>/<prefix>-<pid>-<test name>.
inline std::filesystem::path test_directory(const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(::getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(dir);
  return dir;
}

// `dir`/server.env naming the SQLite database `db`, readable by the owner only (as the
// service's settings file should be: no warning).
inline void write_sqlite_settings(const std::filesystem::path& dir,
                                  const std::filesystem::path& db) {
  std::ofstream(dir / "server.env")
      << "SMARTMETER_STORAGE=sqlite\nSMARTMETER_SQLITE_FILE=" << db.string() << "\n";
  std::filesystem::permissions(
      dir / "server.env", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace meter::testing_support
