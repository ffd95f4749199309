// SPDX-License-Identifier: MIT
// Table-driven reflected CRC-16: one lookup per byte instead of eight shifts. HDLC's
// CRC-16/X.25 (polynomial 0x1021 reflected = 0x8408, init and final xor 0xFFFF) and the P1 text
// telegram's CRC-16/ARC (0x8005 reflected = 0xA001, init 0) differ only in those constants.
// Freestanding (the firmware builds hdlc_frame.cpp): <stdint.h>, <stddef.h> only; the table is
// 512 bytes of constant data.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace meter::core {

struct Crc16Table {
  uint16_t entries[256];
};

constexpr Crc16Table make_crc16_table(uint16_t reflected_polynomial) {
  Crc16Table table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    unsigned crc = byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1U) != 0 ? (crc >> 1U) ^ reflected_polynomial : crc >> 1U;
    table.entries[byte] = static_cast<uint16_t>(crc);
  }
  return table;
}

inline uint16_t crc16_update(const Crc16Table& table, uint16_t crc, const uint8_t* data,
                             size_t size) {
  for (size_t i = 0; i < size; ++i) {
    crc = static_cast<uint16_t>((crc >> 8U) ^ table.entries[(crc ^ data[i]) & 0xFFU]);
  }
  return crc;
}

}  // namespace meter::core
