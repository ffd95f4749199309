// SPDX-License-Identifier: MIT
// The build-time operator setting: this file is compiled twice, with the default (EVN) and with
// METER_OPERATOR="wiener-netze" (tests/firmware/CMakeLists.txt), as a user's build would be.
#include "meter_operator.h"

#include <gtest/gtest.h>

#include <string_view>

namespace meter::firmware {
namespace {

TEST(MeterOperator, TheBuildsOperatorGivesTheLineAndTheBuffer) {
  const std::string_view id = kOperatorId;
  if (id == "evn") {
    EXPECT_EQ(kOperator.line.baud, 2400u);
    EXPECT_EQ(kOperator.line.parity, 'E');
    EXPECT_EQ(kOperator.receive_buffer, 2048u);
  } else {
    ASSERT_EQ(id, "wiener-netze");
    EXPECT_EQ(kOperator.line.baud, 9600u);
    EXPECT_EQ(kOperator.line.parity, 'N');
    EXPECT_EQ(kOperator.receive_buffer, 1024u);
  }
}

}  // namespace
}  // namespace meter::firmware
