// SPDX-License-Identifier: MIT
#include "backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace meter::firmware {
namespace {

// Times at which attempts start when every attempt fails and the loop polls every 100 ms.
std::vector<std::uint32_t> attempt_times(Backoff& backoff, std::uint32_t start,
                                         std::uint32_t duration) {
  std::vector<std::uint32_t> times;
  for (std::uint32_t t = 0; t <= duration; t += 100) {
    const std::uint32_t now = start + t;
    if (backoff.due(now)) {
      times.push_back(t);
      backoff.failed(now);
    }
  }
  return times;
}

TEST(Backoff, DelayDoublesUpToTheCap) {
  Backoff backoff(1000, 8000);
  EXPECT_EQ(attempt_times(backoff, 0, 40000),
            (std::vector<std::uint32_t>{0, 1000, 3000, 7000, 15000, 23000, 31000, 39000}));
  EXPECT_EQ(backoff.delay_ms(), 8000u);
  EXPECT_EQ(backoff.failures(), 8u);
}

TEST(Backoff, SuccessStartsOverAtTheInitialDelay) {
  Backoff backoff(1000, 60000);
  attempt_times(backoff, 0, 20000);
  backoff.succeeded();
  EXPECT_TRUE(backoff.due(20050));
  EXPECT_EQ(backoff.failures(), 0u);
  backoff.failed(20050);
  EXPECT_EQ(backoff.delay_ms(), 1000u);
  EXPECT_FALSE(backoff.due(21049));
  EXPECT_TRUE(backoff.due(21050));
}

TEST(Backoff, MillisWrapNeitherStallsNorHurriesAnAttempt) {
  Backoff backoff(1000, 60000);
  const std::uint32_t start = UINT32_MAX - 2500;  // wraps in the middle of the sequence
  EXPECT_EQ(attempt_times(backoff, start, 16000),
            (std::vector<std::uint32_t>{0, 1000, 3000, 7000, 15000}));
}

TEST(Backoff, CapNearUint32MaxDoesNotOverflow) {
  Backoff backoff(1u << 31, UINT32_MAX);
  backoff.failed(0);
  backoff.failed(0);
  EXPECT_EQ(backoff.delay_ms(), UINT32_MAX);
}

}  // namespace
}  // namespace meter::firmware
