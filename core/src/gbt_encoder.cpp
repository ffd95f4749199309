// SPDX-License-Identifier: MIT
// General block transfer, sending side: what the L+G E450 does with an APDU too long for one
// HDLC frame (blocks numbered from 1, streaming bit set, the last one flagged).
#include <algorithm>
#include <utility>

#include "byte_writer.h"
#include "meter/core/gbt.h"
#include "meter/core/telegram_encoder.h"

namespace meter::core {

std::vector<std::vector<std::uint8_t>> encode_general_block_transfer(
    std::span<const std::uint8_t> apdu, std::size_t block_bytes) {
  if (block_bytes == 0) return {};
  const std::size_t count = apdu.empty() ? 1 : (apdu.size() + block_bytes - 1) / block_bytes;
  if (count > kMaxGbtBlocks) return {};
  constexpr std::uint8_t kStreaming = 0x40;
  constexpr std::uint8_t kLast = 0x80;
  std::vector<std::vector<std::uint8_t>> blocks;
  blocks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t offset = i * block_bytes;
    const std::size_t size = std::min(block_bytes, apdu.size() - offset);
    std::vector<std::uint8_t> block;
    block.reserve(size + 10);
    block.push_back(kGeneralBlockTransfer);
    block.push_back(static_cast<std::uint8_t>(kStreaming | (i + 1 == count ? kLast : 0)));
    detail::put_u16(block, static_cast<std::uint16_t>(i + 1));
    detail::put_u16(block, 0);  // block-number-ack: nothing received
    detail::put_length(block, size);
    block.insert(block.end(), apdu.begin() + static_cast<std::ptrdiff_t>(offset),
                 apdu.begin() + static_cast<std::ptrdiff_t>(offset + size));
    blocks.push_back(std::move(block));
  }
  return blocks;
}

}  // namespace meter::core
