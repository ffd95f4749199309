// SPDX-License-Identifier: MIT
// Shared by the fuzz targets: the invariant check and "is this view inside that buffer".
// A violated invariant traps, so libFuzzer (and the replay runner under ctest) report it as a
// crash with the stack; the message names the condition first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <vector>

#define METER_FUZZ_CHECK(condition)                                                             \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      (void)std::fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", #condition, __FILE__, \
                         __LINE__);                                                             \
      __builtin_trap();                                                                         \
    }                                                                                           \
  } while (false)

// libFuzzer's entry point; its name is fixed.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size);

namespace meter::fuzz {

// The input in its own, exactly sized allocation: one byte past the end is an ASan report.
inline std::vector<std::uint8_t> exact_copy(const std::uint8_t* data, std::size_t size) {
  return std::vector<std::uint8_t>(data, data + size);
}

inline std::uintptr_t address(const void* pointer) {
  return reinterpret_cast<std::uintptr_t>(pointer);
}

// True when `part` lies within [whole.data(), whole.data() + whole.size()]. An empty view may
// also be a default-constructed one (nullptr).
template <typename T, typename U>
bool is_inside(std::span<T> part, std::span<U> whole) {
  if (part.empty() && part.data() == nullptr) return true;
  const std::uintptr_t begin = address(whole.data());
  const std::uintptr_t end = begin + whole.size_bytes();
  const std::uintptr_t part_begin = address(part.data());
  return part_begin >= begin && part_begin <= end && part.size_bytes() <= end - part_begin;
}

inline bool is_inside(const std::uint8_t* part, std::size_t part_size,
                      std::span<const std::uint8_t> whole) {
  return is_inside(std::span<const std::uint8_t>(part, part_size), whole);
}

}  // namespace meter::fuzz
