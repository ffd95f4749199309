// SPDX-License-Identifier: MIT
#include "meter/core/p1_text.h"

namespace meter::core {

std::uint16_t crc16_arc(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0;
  for (const std::uint8_t byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1U) != 0 ? static_cast<std::uint16_t>((crc >> 1U) ^ 0xA001U)
                            : static_cast<std::uint16_t>(crc >> 1U);
    }
  }
  return crc;
}

Status parse_p1_text(std::span<const std::uint8_t> /*text*/, std::size_t base_offset,
                     Telegram& out) {
  out.layout = ValueLayout::kText;
  return failure_at(DecodeError::kTextBadLine, base_offset);  // not yet read
}

}  // namespace meter::core
