// SPDX-License-Identifier: MIT
// Runs a command line as from a user's shell, its stdout and stderr caught in files of `dir`,
// for the tests that run the real `smartmeter` binary.
#pragma once

#include <sys/wait.h>

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

}  // namespace meter::testing_support
