// SPDX-License-Identifier: MIT
// Runs a fuzz target's LLVMFuzzerTestOneInput over files and directories (recursively) named on
// the command line, so every target also builds with GCC as an ordinary program and ctest replays
// the corpus on every build (fmt's LINKMAIN). Exit 1 when an argument cannot be read or nothing
// was found; an invariant violation traps as under libFuzzer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "fuzz_support.h"

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    (void)std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> content((std::istreambuf_iterator<char>(file)),
                                  std::istreambuf_iterator<char>());
  // An exactly sized buffer of its own, as libFuzzer passes it.
  std::vector<std::uint8_t> input(content.begin(), content.end());
  LLVMFuzzerTestOneInput(input.data(), input.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    (void)std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  std::size_t inputs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path argument(argv[i]);
    std::error_code error;
    if (fs::is_directory(argument, error)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(argument, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      if (error) {
        (void)std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i],
                           error.message().c_str());
        ok = false;
      }
      std::sort(files.begin(), files.end());  // a stable order makes failures reproducible
      for (const auto& file : files) {
        (void)std::fprintf(stderr, "replay: %s\n", file.c_str());
        if (run_file(file))
          ++inputs;
        else
          ok = false;
      }
    } else if (fs::is_regular_file(argument, error)) {
      if (run_file(argument))
        ++inputs;
      else
        ok = false;
    } else {
      (void)std::fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
      ok = false;
    }
  }
  (void)std::printf("replay: ran %zu inputs\n", inputs);
  return ok && inputs > 0 ? 0 : 1;
}
