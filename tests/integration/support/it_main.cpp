// SPDX-License-Identifier: MIT
// main() of every integration test program: registers the servers' global environment.
#include <gtest/gtest.h>

#include "it_servers.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(&meter::it::Servers::get());
  return RUN_ALL_TESTS();
}
