// SPDX-License-Identifier: MIT
#include "meter/core/result.h"

namespace meter::core {

// The core does no I/O; a debugger or core dump shows the arguments.
void assert_failed(const char* /*condition*/, const char* /*file*/, int /*line*/) { std::abort(); }

std::string describe(const DecodeFailure& failure) {
  std::string text;
  if (failure.code == DecodeError::kGbtBlockMissing && failure.detail != 0) {
    const unsigned missing = failure.detail & 0xFFU;
    const unsigned last = failure.detail >> 8U;
    text = "general block transfer: block " + std::to_string(missing);
    if (last != 0) text += " of " + std::to_string(last);
    text += " missing";
  } else {
    text = to_string(failure.code);
  }
  text += is_text_error(failure.code) ? " (at character " : " (at byte ";
  text += std::to_string(failure.offset) + ")";
  return text;
}

}  // namespace meter::core
