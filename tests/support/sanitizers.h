// SPDX-License-Identifier: MIT
// Whether this test binary (and the smartmeter binary of the same build) runs under
// AddressSanitizer: it keeps freed memory in quarantine on purpose and shadows the rest, so a
// process's RSS says nothing about its own memory use there; and it runs slower.
#pragma once

namespace meter::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// How much longer a time bound for heavy work is in the sanitizer build: unoptimised (-O0) and
// instrumented, the same work takes about three times as long there.
inline constexpr int kTimeBoundFactor = kAddressSanitizer ? 3 : 1;

}  // namespace meter::test
