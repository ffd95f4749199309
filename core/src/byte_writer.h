// SPDX-License-Identifier: MIT
// The encoders' big-endian writers (internal to meter_core).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace meter::core::detail {

inline void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// BER / A-XDR length: one byte below 0x80, else 0x81 nn, 0x82 nnnn or 0x83 nnnnnn.
inline void put_length(std::vector<std::uint8_t>& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xFFFF) {
    out.push_back(0x82);
    put_u16(out, static_cast<std::uint16_t>(length));
  } else {
    out.push_back(0x83);
    out.push_back(static_cast<std::uint8_t>(length >> 16));
    put_u16(out, static_cast<std::uint16_t>(length));
  }
}

}  // namespace meter::core::detail
