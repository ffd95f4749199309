// SPDX-License-Identifier: MIT
#include "meter/core/gbt.h"

namespace meter::core {

Status join_general_block_transfer(std::span<const std::uint8_t> /*blocks*/,
                                   std::span<std::uint8_t> /*out*/, GbtJoined& joined) {
  joined = {};
  return failure_at(DecodeError::kGbtBadBlock, 0);  // not yet read
}

}  // namespace meter::core
