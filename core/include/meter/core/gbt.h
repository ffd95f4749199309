// SPDX-License-Identifier: MIT
// DLMS general block transfer (IEC 62056-5-3 9.3.10): an APDU cut into numbered blocks.
//
//   E0 | block-control | block-number (2) | block-number-ack (2) | block-data (BER length + bytes)
//   block-control: bit 7 last block, bit 6 streaming, bits 5..0 window
//
// The frame assembler delivers the blocks of one APDU back to back (one per HDLC frame, as the
// L+G E450 sends them); join_general_block_transfer() checks their numbers and joins their data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/core/result.h"

namespace meter::core {

inline constexpr std::uint8_t kGeneralBlockTransfer = 0xE0;
inline constexpr std::size_t kMaxGbtBlocks = 64;  // bound on one APDU's blocks

struct GbtJoined {
  std::size_t size = 0;  // APDU bytes written to the output
  std::uint16_t block_count = 0;
};

// `blocks` holds one or more E0 blocks back to back; the joined APDU goes to `out`.
// Errors (offsets into `blocks`): kGbtBadBlock, kGbtBlockMissing (detail: missing | last << 8),
// kIncomplete (no last block), kTooLarge (more than `out` or kMaxGbtBlocks).
Status join_general_block_transfer(std::span<const std::uint8_t> blocks,
                                   std::span<std::uint8_t> out, GbtJoined& joined);

}  // namespace meter::core
