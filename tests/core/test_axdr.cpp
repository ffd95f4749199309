// SPDX-License-Identifier: MIT
#include "meter/core/axdr.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "frame_builder.h"

namespace meter::core {
namespace {

using test::Bytes;
namespace axdr = test::axdr;

class Axdr : public ::testing::Test {
 protected:
  Status walk(const Bytes& data, std::size_t base = 0) {
    reader_ = ByteReader(data, base);
    items_->size = 0;
    return walk_axdr(reader_, *items_);
  }
  const AxdrItem& item(std::size_t i) const { return items_->items[i]; }
  std::size_t size() const { return items_->size; }

  void expect_failure(const Status& status, DecodeError code, std::uint32_t offset) {
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, code) << to_string(status.failure().code);
    EXPECT_EQ(status.failure().offset, offset);
  }

  ByteReader reader_;
  std::unique_ptr<AxdrItems> items_ = std::make_unique<AxdrItems>();
};

TEST_F(Axdr, ReadsTheEvnRegisterTriple) {
  const Bytes data = test::from_hex("020309060100010800FF060000328902020F00161E");
  ASSERT_TRUE(walk(data));
  ASSERT_EQ(size(), 6u);
  EXPECT_TRUE(reader_.at_end());
  EXPECT_EQ(item(0).type, AxdrType::kStructure);
  EXPECT_EQ(item(0).count, 3);
  EXPECT_EQ(item(0).depth, 0);
  EXPECT_EQ(item(1).type, AxdrType::kOctetString);
  EXPECT_EQ(item(1).depth, 1);
  EXPECT_EQ(item(1).bytes.data(), data.data() + 4);  // a view, no copy
  EXPECT_EQ(item(1).bytes.size(), 6u);
  EXPECT_EQ(item(2).type, AxdrType::kUint32);
  EXPECT_EQ(item(2).integer, 12937);
  EXPECT_EQ(item(2).offset, 10u);
  EXPECT_EQ(item(3).type, AxdrType::kStructure);
  EXPECT_EQ(item(3).depth, 1);
  EXPECT_EQ(item(4).type, AxdrType::kInt8);
  EXPECT_EQ(item(4).integer, 0);
  EXPECT_EQ(item(4).depth, 2);
  EXPECT_EQ(item(5).type, AxdrType::kEnum);
  EXPECT_EQ(item(5).integer, 30);
  EXPECT_EQ(item(5).offset, 19u);
}

// Items are reused from walk to walk: an item begun by a walk that then fails must not keep
// the byte view of an earlier input (found by fuzz_axdr).
TEST_F(Axdr, AFailedWalkLeavesNoViewOfAnEarlierInput) {
  const Bytes first = test::from_hex("020209060100010800FF0600003289");
  ASSERT_TRUE(walk(first));
  const Bytes truncated = test::from_hex("0202096C0100");  // octet-string of 108 bytes, 2 there
  expect_failure(walk(truncated), DecodeError::kBadValue, 4);
  ASSERT_EQ(size(), 2u);
  EXPECT_TRUE(item(1).bytes.empty());
}

TEST_F(Axdr, SignedAndUnsignedIntegersKeepTheirSign) {
  const Bytes data =
      test::join({axdr::structure(9), axdr::int8(-3), axdr::uint8(0xFF), axdr::int16(-780),
                  axdr::uint16(0xFFFF), test::from_hex("05FFFFFFFE"), axdr::uint32(0xFFFFFFFF),
                  test::from_hex("148000000000000000"), test::from_hex("15000000FFFFFFFFFF"),
                  axdr::enum_value(0xFF)});
  ASSERT_TRUE(walk(data));
  ASSERT_EQ(size(), 10u);
  EXPECT_EQ(item(1).integer, -3);
  EXPECT_EQ(item(2).integer, 255);
  EXPECT_EQ(item(3).type, AxdrType::kInt16);
  EXPECT_EQ(item(3).integer, -780);
  EXPECT_EQ(item(4).integer, 65535);
  EXPECT_EQ(item(5).type, AxdrType::kInt32);
  EXPECT_EQ(item(5).integer, -2);
  EXPECT_EQ(item(6).integer, 4294967295);
  EXPECT_EQ(item(7).type, AxdrType::kInt64);
  EXPECT_EQ(item(7).integer, INT64_MIN);
  EXPECT_EQ(item(8).type, AxdrType::kUint64);
  EXPECT_EQ(item(8).integer, 0xFFFFFFFFFF);
  EXPECT_EQ(item(9).integer, 255);
  for (std::size_t i = 1; i < size(); ++i) EXPECT_TRUE(item(i).is_integer()) << i;
}

TEST_F(Axdr, ReadsNullBooleanFloatsAndDateTypes) {
  const Bytes data = test::join({axdr::structure(7), Bytes{0x00}, Bytes{0x03, 0x01},
                                 test::from_hex("173FC00000"), test::from_hex("18BFF8000000000000"),
                                 test::from_hex("1907E5091B01092F0F00FF8880"),
                                 test::from_hex("1A07E5091B01"), test::from_hex("1B092F0F00")});
  ASSERT_TRUE(walk(data));
  ASSERT_EQ(size(), 8u);
  EXPECT_EQ(item(1).type, AxdrType::kNull);
  EXPECT_TRUE(item(1).bytes.empty());
  EXPECT_EQ(item(2).type, AxdrType::kBoolean);
  EXPECT_EQ(item(2).integer, 1);
  EXPECT_EQ(item(3).type, AxdrType::kFloat32);
  EXPECT_EQ(item(3).real(), 1.5);
  EXPECT_EQ(item(4).type, AxdrType::kFloat64);
  EXPECT_EQ(item(4).real(), -1.5);
  EXPECT_EQ(item(5).type, AxdrType::kDateTime);
  EXPECT_EQ(test::to_hex(item(5).bytes), "07E5091B01092F0F00FF8880");
  EXPECT_EQ(item(6).bytes.size(), 5u);
  EXPECT_EQ(item(7).bytes.size(), 4u);
  EXPECT_TRUE(reader_.at_end());
}

TEST_F(Axdr, ReadsStringTypes) {
  const Bytes data =
      test::join({axdr::structure(4), axdr::text("181220000009"), axdr::visible_string("KFM"),
                  test::from_hex("0C02C3A4"), test::from_hex("040A FFC0")});
  ASSERT_TRUE(walk(data));
  ASSERT_EQ(size(), 5u);
  EXPECT_TRUE(item(1).is_string());
  EXPECT_EQ(item(1).bytes.size(), 12u);
  EXPECT_EQ(item(2).type, AxdrType::kVisibleString);
  EXPECT_EQ(item(2).bytes.size(), 3u);
  EXPECT_EQ(item(3).type, AxdrType::kUtf8String);
  EXPECT_EQ(item(3).bytes.size(), 2u);
  EXPECT_EQ(item(4).type, AxdrType::kBitString);
  EXPECT_EQ(item(4).bytes.size(), 2u);  // 10 bits
  EXPECT_TRUE(reader_.at_end());
}

TEST_F(Axdr, ReadsLongStringLengths) {
  const Bytes text(300, 'A');
  const Bytes data = test::join({Bytes{0x09, 0x82, 0x01, 0x2C}, text});
  ASSERT_TRUE(walk(data));
  EXPECT_EQ(item(0).bytes.size(), 300u);
  EXPECT_EQ(item(0).bytes.data(), data.data() + 4);
}

// IEC 62056-6-2: bcd [13] IMPLICIT Integer8, a fixed one-byte value (not a length-prefixed string).
TEST_F(Axdr, BcdIsOneByte) {
  const Bytes data = test::join({axdr::structure(2), Bytes{0x0D, 0x12}, axdr::uint8(5)});
  const Status status = walk(data);
  ASSERT_TRUE(status) << to_string(status.failure().code);
  ASSERT_EQ(size(), 3u);
  EXPECT_EQ(item(1).type, AxdrType::kBcd);
  EXPECT_EQ(item(1).bytes.size(), 1u);
  EXPECT_EQ(item(2).integer, 5);
  EXPECT_TRUE(reader_.at_end());
}

TEST_F(Axdr, WalksExactlyOneValue) {
  const Bytes data = test::join({axdr::uint16(7), axdr::uint16(8)});
  ASSERT_TRUE(walk(data));
  EXPECT_EQ(size(), 1u);
  EXPECT_EQ(reader_.remaining(), 3u);
}

TEST_F(Axdr, NestedStructuresCarryTheirDepth) {
  // {1, {2, {3}}, 4}
  const Bytes data = test::join({axdr::structure(3), axdr::uint8(1), axdr::structure(2),
                                 axdr::uint8(2), axdr::array(1), axdr::uint8(3), axdr::uint8(4)});
  ASSERT_TRUE(walk(data, 40));
  ASSERT_EQ(size(), 7u);
  const std::uint8_t depths[] = {0, 1, 1, 2, 2, 3, 1};
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(item(i).depth, depths[i]) << i;
  EXPECT_EQ(item(4).type, AxdrType::kArray);
  EXPECT_EQ(item(6).integer, 4);
  EXPECT_EQ(item(6).offset, 40u + 12u);  // offsets are in the layer's coordinates
}

TEST_F(Axdr, AcceptsNestingUpToTheLimit) {
  Bytes data;
  for (std::size_t i = 0; i + 1 < kMaxAxdrDepth; ++i) data = test::join({data, axdr::structure(1)});
  data = test::join({data, axdr::uint8(5)});
  ASSERT_TRUE(walk(data));
  EXPECT_EQ(item(size() - 1).depth, kMaxAxdrDepth - 1);
}

TEST_F(Axdr, RejectsNestingBeyondTheLimitAtTheDeepTag) {
  Bytes data;
  for (std::size_t i = 0; i < kMaxAxdrDepth; ++i) data = test::join({data, axdr::structure(1)});
  data = test::join({data, axdr::uint8(5)});
  expect_failure(walk(data, 100), DecodeError::kTooDeep,
                 static_cast<std::uint32_t>(100 + 2 * kMaxAxdrDepth));
}

TEST_F(Axdr, RejectsAContainerCountAboveTheItemLimit) {
  const Bytes data = test::join({axdr::array(kMaxAxdrItems + 1), Bytes(kMaxAxdrItems + 1, 0x00)});
  expect_failure(walk(data, 7), DecodeError::kTooManyValues, 7);
}

TEST_F(Axdr, RejectsTooManyItemsInTotalAtTheFirstItemOverTheLimit) {
  // {200 nulls, 200 nulls}: item 257 is null number 54 of the second array.
  const Bytes data = test::join(
      {axdr::array(2), axdr::array(200), Bytes(200, 0x00), axdr::array(200), Bytes(200, 0x00)});
  expect_failure(walk(data), DecodeError::kTooManyValues, 2 + 3 + 200 + 3 + 53);
  EXPECT_EQ(size(), kMaxAxdrItems);
}

TEST_F(Axdr, RejectsUnknownTagAtItsOffset) {
  const Bytes data = test::join({axdr::structure(2), axdr::uint8(1), Bytes{0x13, 0x00}});
  expect_failure(walk(data, 20), DecodeError::kBadValue, 24);
  const Bytes reserved = {0x07, 0x00, 0x00};
  expect_failure(walk(reserved), DecodeError::kBadValue, 0);
}

TEST_F(Axdr, RejectsTruncatedString) {
  const Bytes data = test::from_hex("0906010001");  // says 6 bytes, has 3
  expect_failure(walk(data, 30), DecodeError::kBadValue, 32);
}

TEST_F(Axdr, RejectsTruncatedFixedSizeValue) {
  const Bytes data = test::from_hex("020206000032");  // a uint32 with 3 bytes
  expect_failure(walk(data), DecodeError::kBadValue, 3);
}

TEST_F(Axdr, RejectsStructureCountLargerThanWhatIsLeft) {
  const Bytes data = test::join({axdr::structure(5), axdr::uint8(1)});
  expect_failure(walk(data, 9), DecodeError::kBadValue, 9);
}

TEST_F(Axdr, RejectsMalformedLengths) {
  expect_failure(walk(test::from_hex("0285000000000001")), DecodeError::kBadValue, 1);
  expect_failure(walk(test::from_hex("0982")), DecodeError::kBadValue, 1);
  expect_failure(walk(Bytes{}), DecodeError::kBadValue, 0);
}

}  // namespace
}  // namespace meter::core
