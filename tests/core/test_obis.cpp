// SPDX-License-Identifier: MIT
#include "meter/core/obis.h"

#include <gtest/gtest.h>

#include "frame_builder.h"

namespace meter::core {
namespace {

TEST(Obis, FormatsAsValueGroups) {
  EXPECT_EQ(Obis::of(1, 0, 1, 8, 0).to_string(), "1-0:1.8.0*255");
  EXPECT_EQ(Obis::of(0, 0, 96, 1, 0).to_string(), "0-0:96.1.0*255");
  EXPECT_EQ(Obis::of(1, 0, 32, 7, 0, 0).to_string(), "1-0:32.7.0*0");
}

TEST(Obis, FromWireBytesMatchesTheConstant) {
  const test::Bytes wire = test::from_hex("0100200700FF");
  EXPECT_EQ(Obis::from(wire), Obis::of(1, 0, 32, 7, 0));
  EXPECT_NE(Obis::from(wire), Obis::of(1, 0, 52, 7, 0));
}

TEST(Obis, FromShortSpanLeavesTheRestZero) {
  const test::Bytes three = {1, 0, 1};
  EXPECT_EQ(Obis::from(three), Obis::of(1, 0, 1, 0, 0, 0));
}

}  // namespace
}  // namespace meter::core
