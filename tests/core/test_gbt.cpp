// SPDX-License-Identifier: MIT
#include "meter/core/gbt.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "frame_builder.h"
#include "public_vectors.h"

namespace meter::core {
namespace {

using test::Bytes;
using test::ByteSpan;

constexpr std::uint8_t kMore = 0x40;  // streaming, not last (as the E450 sends them)
constexpr std::uint8_t kLast = 0xC0;

// E0 | control | number | ack 0000 | BER length | data
Bytes block(std::uint8_t control, std::uint16_t number, ByteSpan data) {
  return test::join({Bytes{kGeneralBlockTransfer, control, static_cast<std::uint8_t>(number >> 8),
                           static_cast<std::uint8_t>(number), 0x00, 0x00},
                     test::ber_length(data.size()), data});
}

Bytes counting(std::size_t size, std::uint8_t first = 0) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(first + i);
  return out;
}

class GbtJoin : public ::testing::Test {
 protected:
  Status join(const Bytes& blocks) { return join_general_block_transfer(blocks, out_, joined_); }
  ByteSpan joined_bytes() const { return ByteSpan(out_).first(joined_.size); }

  void expect_failure(const Status& status, DecodeError code, std::size_t offset) {
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, code) << to_string(status.failure().code);
    EXPECT_EQ(status.failure().offset, offset);
  }

  Bytes out_ = Bytes(4096);
  GbtJoined joined_;
};

TEST_F(GbtJoin, JoinsTheThreeE450Blocks) {
  const Bytes blocks = test::from_hex(test::kE450BlocksHex);
  ASSERT_TRUE(join(blocks));
  EXPECT_EQ(joined_.block_count, 3);
  ASSERT_EQ(joined_.size, 119u + 122u + 31u);
  // The joined APDU: DB 08 "LGZgsp.w" 82 0103 30 ..., its length field covering the rest.
  EXPECT_EQ(test::to_hex(joined_bytes().first(13)), "DB084C475A677370B177820103");
  EXPECT_EQ(2u + 8u + 3u + 0x0103u, joined_.size);
  // Block 2's data follows block 1's, block 3's follows block 2's.
  EXPECT_EQ(joined_bytes()[119], 0x9B);
  EXPECT_EQ(joined_bytes()[119 + 122], 0x9A);
  EXPECT_EQ(joined_bytes().back(), 0x62);
}

TEST_F(GbtJoin, OneBlock) {
  const Bytes data = counting(20);
  ASSERT_TRUE(join(block(kLast, 1, data)));
  EXPECT_EQ(joined_.block_count, 1);
  EXPECT_EQ(Bytes(joined_bytes().begin(), joined_bytes().end()), data);
}

TEST_F(GbtJoin, TwoBlocks) {
  ASSERT_TRUE(join(test::join({block(kMore, 1, counting(5)), block(kLast, 2, counting(3, 5))})));
  EXPECT_EQ(joined_.block_count, 2);
  EXPECT_EQ(Bytes(joined_bytes().begin(), joined_bytes().end()), counting(8));
}

TEST_F(GbtJoin, LongLengthForms) {
  // 81 C8, 82 012C and 83 000010 (the three-byte form of 16).
  const Bytes third = test::join(
      {Bytes{kGeneralBlockTransfer, 0x80, 0x00, 0x03, 0x00, 0x00, 0x83, 0x00, 0x00, 0x10},
       counting(16, 0x55)});
  const Bytes blocks =
      test::join({block(kMore, 1, counting(200)), block(kMore, 2, counting(300, 200)), third});
  ASSERT_EQ(blocks[6], 0x81);
  ASSERT_EQ(blocks[6 + 2 + 200 + 6], 0x82);
  ASSERT_TRUE(join(blocks));
  EXPECT_EQ(joined_.block_count, 3);
  ASSERT_EQ(joined_.size, 516u);
  EXPECT_EQ(joined_bytes()[499], static_cast<std::uint8_t>(499));
  EXPECT_EQ(joined_bytes()[500], 0x55);
}

TEST_F(GbtJoin, FortyBlocksFromTheEncoder) {
  const Bytes apdu = counting(40 * 7 - 3);
  const auto encoded = encode_general_block_transfer(apdu, 7);
  ASSERT_EQ(encoded.size(), 40u);
  Bytes blocks;
  for (const Bytes& b : encoded) blocks.insert(blocks.end(), b.begin(), b.end());
  ASSERT_TRUE(join(blocks));
  EXPECT_EQ(joined_.block_count, 40);
  EXPECT_EQ(Bytes(joined_bytes().begin(), joined_bytes().end()), apdu);
}

TEST_F(GbtJoin, MissingBlockNamesItAndTheLast) {
  const Bytes b1 = block(kMore, 1, counting(10));
  const Bytes b2 = block(kMore, 2, counting(10));
  const Bytes blocks = test::join({b1, b2, block(kLast, 4, counting(10))});
  const Status status = join(blocks);
  // The number field of the block that came instead of block 3.
  expect_failure(status, DecodeError::kGbtBlockMissing, b1.size() + b2.size() + 2);
  EXPECT_EQ(status.failure().detail, 3 | 4 << 8);
  EXPECT_EQ(describe(status.failure()), "general block transfer: block 3 of 4 missing (at byte " +
                                            std::to_string(b1.size() + b2.size() + 2) + ")");
}

TEST_F(GbtJoin, MissingBlockWithoutALastOneNamesOnlyTheNumber) {
  const Bytes b1 = block(kMore, 1, counting(4));
  const Status status = join(test::join({b1, block(kMore, 3, counting(4))}));
  expect_failure(status, DecodeError::kGbtBlockMissing, b1.size() + 2);
  EXPECT_EQ(status.failure().detail, 2);
  EXPECT_EQ(describe(status.failure()), "general block transfer: block 2 missing (at byte " +
                                            std::to_string(b1.size() + 2) + ")");
}

TEST_F(GbtJoin, FirstBlockMustBeNumberOne) {
  const Status status = join(block(kLast, 2, counting(4)));
  expect_failure(status, DecodeError::kGbtBlockMissing, 2);
  EXPECT_EQ(status.failure().detail, 1 | 2 << 8);
}

TEST_F(GbtJoin, OutOfOrderBlocks) {
  const Bytes b1 = block(kMore, 1, counting(4));
  const Status status =
      join(test::join({b1, block(kMore, 3, counting(4)), block(kLast, 2, counting(4))}));
  expect_failure(status, DecodeError::kGbtBlockMissing, b1.size() + 2);
  EXPECT_EQ(status.failure().detail, 2 | 3 << 8);
}

TEST_F(GbtJoin, RepeatedBlockIsMissingTheNextOne) {
  const Bytes b1 = block(kMore, 1, counting(4));
  const Status status = join(test::join({b1, block(kLast, 1, counting(4))}));
  expect_failure(status, DecodeError::kGbtBlockMissing, b1.size() + 2);
  EXPECT_EQ(status.failure().detail, 2);  // no sensible "of n"
}

TEST_F(GbtJoin, NoLastBlockIsIncomplete) {
  const Bytes blocks = test::join({block(kMore, 1, counting(4)), block(kMore, 2, counting(4))});
  expect_failure(join(blocks), DecodeError::kIncomplete, blocks.size());
  expect_failure(join(Bytes{}), DecodeError::kIncomplete, 0);
}

TEST_F(GbtJoin, TooManyBlocks) {
  Bytes blocks;
  for (std::uint16_t n = 1; n <= kMaxGbtBlocks; ++n) {
    const Bytes b = block(kMore, n, counting(2));
    blocks.insert(blocks.end(), b.begin(), b.end());
  }
  const std::size_t one_too_many = blocks.size();
  const Bytes last = block(kLast, kMaxGbtBlocks + 1, counting(2));
  blocks.insert(blocks.end(), last.begin(), last.end());
  expect_failure(join(blocks), DecodeError::kTooLarge, one_too_many);
}

TEST_F(GbtJoin, MoreDataThanTheOutputHolds) {
  out_.resize(15);
  const Bytes b1 = block(kMore, 1, counting(10));
  expect_failure(join(test::join({b1, block(kLast, 2, counting(10))})), DecodeError::kTooLarge,
                 b1.size() + 6);  // the second block's length field
}

// Break one field of a good two-block input at a time.
TEST_F(GbtJoin, BrokenFieldsAreBadBlocksAtTheField) {
  const Bytes b1 = block(kMore, 1, counting(10));
  const Bytes good = test::join({b1, block(kLast, 2, counting(10))});
  ASSERT_TRUE(join(good));
  const std::size_t second = b1.size();

  Bytes bad_tag = good;
  bad_tag[second] = 0xE1;
  expect_failure(join(bad_tag), DecodeError::kGbtBadBlock, second);

  Bytes bad_first_tag = good;
  bad_first_tag[0] = 0xDB;
  expect_failure(join(bad_first_tag), DecodeError::kGbtBadBlock, 0);

  Bytes too_long = good;
  too_long[second + 6] = 11;  // one byte more than is there
  expect_failure(join(too_long), DecodeError::kGbtBadBlock, second + 6);

  Bytes bad_length_form = good;
  bad_length_form[second + 6] = 0x85;  // five length bytes: not a length
  expect_failure(join(bad_length_form), DecodeError::kGbtBadBlock, second + 6);

  const Bytes cut_in_number(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(second + 3));
  expect_failure(join(cut_in_number), DecodeError::kGbtBadBlock, second + 2);

  const Bytes cut_in_ack(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(second + 5));
  expect_failure(join(cut_in_ack), DecodeError::kGbtBadBlock, second + 4);

  const Bytes after_last = test::join({good, Bytes{0xE0}});
  expect_failure(join(after_last), DecodeError::kGbtBadBlock, good.size());
}

TEST(GbtEncoder, NumbersAndFlagsTheBlocks) {
  const Bytes apdu = counting(25);
  const auto blocks = encode_general_block_transfer(apdu, 10);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(test::to_hex(ByteSpan(blocks[0]).first(7)),
            "E04000010000"
            "0A");
  EXPECT_EQ(test::to_hex(ByteSpan(blocks[1]).first(7)),
            "E04000020000"
            "0A");
  EXPECT_EQ(test::to_hex(ByteSpan(blocks[2]).first(7)),
            "E0C000030000"
            "05");
  EXPECT_EQ(blocks[2].size(), 7u + 5u);
  EXPECT_EQ(blocks[2].back(), 24);
}

TEST(GbtEncoder, LongBlocksUseLongLengths) {
  const auto blocks = encode_general_block_transfer(counting(300), 300);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(test::to_hex(ByteSpan(blocks[0]).first(9)), "E0C00001000082012C");
}

TEST(GbtEncoder, RefusesZeroBlockSizeAndTooManyBlocks) {
  EXPECT_TRUE(encode_general_block_transfer(counting(10), 0).empty());
  EXPECT_TRUE(encode_general_block_transfer(counting(kMaxGbtBlocks + 1), 1).empty());
  EXPECT_EQ(encode_general_block_transfer(counting(kMaxGbtBlocks), 1).size(), kMaxGbtBlocks);
}

}  // namespace
}  // namespace meter::core
