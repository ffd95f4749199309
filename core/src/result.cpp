// SPDX-License-Identifier: MIT
#include "meter/core/result.h"

namespace meter::core {

// The core does no I/O; a debugger or core dump shows the arguments.
void assert_failed(const char* /*condition*/, const char* /*file*/, int /*line*/) { std::abort(); }

}  // namespace meter::core
