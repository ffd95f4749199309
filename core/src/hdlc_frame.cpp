// SPDX-License-Identifier: MIT
#include "meter/core/hdlc_frame.h"

namespace meter::core {

uint16_t crc16_x25(const uint8_t* data, size_t size) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1U) != 0 ? static_cast<uint16_t>((crc >> 1U) ^ 0x8408U)
                            : static_cast<uint16_t>(crc >> 1U);
    }
  }
  return static_cast<uint16_t>(crc ^ 0xFFFFU);
}

FrameCheck check_hdlc_frame(const uint8_t* /*data*/, size_t /*size*/, HdlcFrame* /*frame*/) {
  return {FrameStatus::kInvalid, DecodeError::kHdlcBadFormat, 0, 0};  // not yet read
}

}  // namespace meter::core
