// SPDX-License-Identifier: MIT
#include "meter/core/gbt.h"

#include <algorithm>

#include "meter/core/byte_reader.h"

namespace meter::core {
namespace {

constexpr std::uint8_t kLastBlock = 0x80;

struct BlockHeader {
  std::size_t offset = 0;  // of the E0 tag
  std::uint8_t control = 0;
  std::uint16_t number = 0;
  std::size_t length_offset = 0;
  std::span<const std::uint8_t> data;

  bool last() const { return (control & kLastBlock) != 0; }
};

// One block: E0 | control | number (2) | ack (2) | BER length | data. Errors point at the field.
Status read_block(ByteReader& in, BlockHeader& block) {
  block.offset = in.offset();
  if (auto s = in.expect(kGeneralBlockTransfer, DecodeError::kGbtBadBlock); !s) return s;
  auto control = in.u8(DecodeError::kGbtBadBlock);
  if (!control) return control.failure();
  auto number = in.u16_be(DecodeError::kGbtBadBlock);
  if (!number) return number.failure();
  // block-number-ack: what the sender last received; a push stream does not use it.
  if (auto ack = in.u16_be(DecodeError::kGbtBadBlock); !ack) return ack.failure();
  block.length_offset = in.offset();
  auto length = in.ber_length(DecodeError::kGbtBadBlock);
  if (!length) return length.failure();
  if (*length > in.remaining()) return failure_at(DecodeError::kGbtBadBlock, block.length_offset);
  auto data = in.take(*length, DecodeError::kGbtBadBlock);
  if (!data) return data.failure();
  block.control = *control;
  block.number = *number;
  block.data = *data;
  return Status::success();
}

// For the message of a gap: the highest block number in the input when a last block is among
// them (the count the sender meant), else 0 (unknown). Stops at the first malformed block.
std::uint16_t announced_last(std::span<const std::uint8_t> blocks) {
  ByteReader in(blocks);
  std::uint16_t highest = 0;
  bool last_seen = false;
  for (std::size_t i = 0; i < kMaxGbtBlocks && !in.at_end(); ++i) {
    BlockHeader block;
    if (!read_block(in, block)) break;
    highest = std::max(highest, block.number);
    last_seen = last_seen || block.last();
  }
  return last_seen ? highest : 0;
}

std::uint16_t gap_detail(std::uint16_t missing, std::uint16_t last) {
  // Both fit a byte: at most kMaxGbtBlocks blocks are read.
  const auto low = static_cast<std::uint16_t>(std::min<std::uint16_t>(missing, 0xFF));
  // A repeated block (1, 1, ...) leaves no count that makes sense: leave it out.
  const auto high =
      static_cast<std::uint16_t>(last >= missing ? std::min<std::uint16_t>(last, 0xFF) : 0);
  return static_cast<std::uint16_t>(low | high << 8);
}

}  // namespace

Status join_general_block_transfer(std::span<const std::uint8_t> blocks,
                                   std::span<std::uint8_t> out, GbtJoined& joined) {
  joined = {};
  ByteReader in(blocks);
  std::size_t written = 0;
  while (!in.at_end()) {
    const std::size_t start = in.offset();
    if (joined.block_count >= kMaxGbtBlocks) return failure_at(DecodeError::kTooLarge, start);
    BlockHeader block;
    if (auto s = read_block(in, block); !s) return s;
    const auto expected = static_cast<std::uint16_t>(joined.block_count + 1);
    if (block.number != expected) {
      return failure_at(DecodeError::kGbtBlockMissing, start + 2,
                        gap_detail(expected, announced_last(blocks)));
    }
    if (block.data.size() > out.size() - written) {
      return failure_at(DecodeError::kTooLarge, block.length_offset);
    }
    std::copy(block.data.begin(), block.data.end(),
              out.begin() + static_cast<std::ptrdiff_t>(written));
    written += block.data.size();
    ++joined.block_count;
    if (block.last()) {
      // The last block ends the APDU; anything after it is not one of its blocks.
      if (!in.at_end()) return failure_at(DecodeError::kGbtBadBlock, in.offset());
      joined.size = written;
      return Status::success();
    }
  }
  return failure_at(DecodeError::kIncomplete, blocks.size());
}

}  // namespace meter::core
