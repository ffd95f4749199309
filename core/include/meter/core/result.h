// SPDX-License-Identifier: MIT
// Result<T>: a value or a DecodeFailure. Status: success or a DecodeFailure.
// Malformed input is data, never an exception (the core is built without them).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "meter/core/decode_error.h"

// A violated precondition is a bug, not an input error: stop loudly.
#define METER_ASSERT(condition)                                                     \
  do {                                                                              \
    if (!(condition)) ::meter::core::assert_failed(#condition, __FILE__, __LINE__); \
  } while (false)

namespace meter::core {

[[noreturn]] void assert_failed(const char* condition, const char* file, int line);

inline DecodeFailure failure_at(DecodeError code, std::size_t offset, std::uint16_t detail = 0) {
  return {code, static_cast<std::uint32_t>(offset), detail};
}

// The failure in words for a person: the code's text, what its detail says, and where
// ("general block transfer: block 3 of 4 missing (at byte 290)").
std::string describe(const DecodeFailure& failure);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)), ok_(true) {}  // NOLINT(google-explicit-constructor)
  Result(DecodeFailure failure) : failure_(failure), ok_(false) {}  // NOLINT

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }

  T& operator*() {
    METER_ASSERT(ok_);
    return value_;
  }
  const T& operator*() const {
    METER_ASSERT(ok_);
    return value_;
  }
  T* operator->() { return &**this; }
  const T* operator->() const { return &**this; }

  DecodeFailure failure() const {
    METER_ASSERT(!ok_);
    return failure_;
  }

 private:
  T value_{};
  DecodeFailure failure_{DecodeError::kNoFrame, 0};
  bool ok_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(DecodeFailure failure)  // NOLINT
      : offset_(failure.offset),
        detail_(failure.detail),
        code_(static_cast<std::uint8_t>(failure.code)),
        ok_(false) {}

  static Status success() { return {}; }

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  DecodeFailure failure() const {
    METER_ASSERT(!ok_);
    return {static_cast<DecodeError>(code_), offset_, detail_};
  }

 private:
  std::uint32_t offset_ = 0;
  std::uint16_t detail_ = 0;  // in the padding: a Status stays 8 bytes
  std::uint8_t code_ = 0;
  bool ok_ = true;
};

}  // namespace meter::core
