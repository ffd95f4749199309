// SPDX-License-Identifier: MIT
#include "meter/core/byte_reader.h"

#include <gtest/gtest.h>

#include "frame_builder.h"

namespace meter::core {
namespace {

using test::Bytes;

void expect_failure(const DecodeFailure& failure, DecodeError code, std::uint32_t offset) {
  EXPECT_EQ(failure.code, code) << to_string(failure.code);
  EXPECT_EQ(failure.offset, offset);
}

TEST(ByteReader, ReadsBigEndianIntegers) {
  const Bytes data = {0xAB, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF};
  ByteReader in(data);
  auto a = in.u8();
  auto b = in.u16_be();
  auto c = in.u32_be();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, 0xABu);
  EXPECT_EQ(*b, 0x1234u);
  EXPECT_EQ(*c, 0xDEADBEEFu);
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(in.offset(), 7u);
}

TEST(ByteReader, ShortReadFailsAtItsStartAndDoesNotMove) {
  const Bytes data = {0x01, 0x02, 0x03};
  ByteReader in(data, 100);
  ASSERT_TRUE(in.u8());
  auto word = in.u32_be(DecodeError::kTruncated);
  ASSERT_FALSE(word);
  expect_failure(word.failure(), DecodeError::kTruncated, 101);
  EXPECT_EQ(in.position(), 1u);
  auto half = in.u16_be();
  ASSERT_TRUE(half);
  EXPECT_EQ(*half, 0x0203u);
  auto past = in.u8();
  ASSERT_FALSE(past);
  expect_failure(past.failure(), DecodeError::kBadValue, 103);
}

TEST(ByteReader, TakeReturnsAViewIntoTheBuffer) {
  const Bytes data = {0x10, 0x20, 0x30, 0x40};
  ByteReader in(data);
  ASSERT_TRUE(in.u8());
  auto view = in.take(2);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->data(), data.data() + 1);
  EXPECT_EQ(view->size(), 2u);
  EXPECT_EQ(in.remaining(), 1u);

  auto too_long = in.take(2, DecodeError::kApduLengthMismatch);
  ASSERT_FALSE(too_long);
  expect_failure(too_long.failure(), DecodeError::kApduLengthMismatch, 3);
  EXPECT_EQ(in.remaining(), 1u);
}

TEST(ByteReader, TakeRejectsAHugeLengthWithoutWrapping) {
  const Bytes data = {0x01, 0x02};
  ByteReader in(data);
  ASSERT_TRUE(in.u8());
  auto huge = in.take(SIZE_MAX);
  ASSERT_FALSE(huge);
  expect_failure(huge.failure(), DecodeError::kBadValue, 1);
}

TEST(ByteReader, BerLengthShortForm) {
  const Bytes data = {0x7F};
  ByteReader in(data);
  auto length = in.ber_length();
  ASSERT_TRUE(length);
  EXPECT_EQ(*length, 0x7Fu);
  EXPECT_TRUE(in.at_end());
}

TEST(ByteReader, BerLengthLongForms) {
  const Bytes data = {0x81, 0xF8, 0x82, 0x01, 0x55, 0x84, 0x12, 0x34, 0x56, 0x78};
  ByteReader in(data);
  auto one = in.ber_length();
  auto two = in.ber_length();
  auto four = in.ber_length();
  ASSERT_TRUE(one && two && four);
  EXPECT_EQ(*one, 248u);
  EXPECT_EQ(*two, 341u);
  EXPECT_EQ(*four, 0x12345678u);
  EXPECT_TRUE(in.at_end());
}

TEST(ByteReader, BerLengthRejectsFiveLengthBytes) {
  const Bytes data = {0x00, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01};
  ByteReader in(data, 10);
  ASSERT_TRUE(in.u8());
  auto length = in.ber_length();
  ASSERT_FALSE(length);
  expect_failure(length.failure(), DecodeError::kBadLength, 11);
  EXPECT_EQ(in.position(), 1u);  // nothing consumed
}

TEST(ByteReader, BerLengthRejectsIndefiniteAndTruncatedForms) {
  const Bytes indefinite = {0x80};
  ByteReader a(indefinite);
  auto zero_count = a.ber_length(DecodeError::kBadValue);
  ASSERT_FALSE(zero_count);
  expect_failure(zero_count.failure(), DecodeError::kBadValue, 0);

  const Bytes truncated = {0x82, 0x01};
  ByteReader b(truncated);
  auto short_length = b.ber_length();
  ASSERT_FALSE(short_length);
  expect_failure(short_length.failure(), DecodeError::kBadLength, 0);
  EXPECT_EQ(b.position(), 0u);

  ByteReader empty;
  auto nothing = empty.ber_length();
  ASSERT_FALSE(nothing);
  expect_failure(nothing.failure(), DecodeError::kBadLength, 0);
}

TEST(ByteReader, SubReaderKeepsTheLayerOffsetsAndBounds) {
  const Bytes data = {0xAA, 0x01, 0x02, 0x03, 0xBB};
  ByteReader in(data, 50);
  ASSERT_TRUE(in.u8());
  auto sub = in.sub_reader(3);
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->offset(), 51u);
  EXPECT_EQ(sub->remaining(), 3u);
  EXPECT_EQ(in.offset(), 54u);  // the parent skipped the block

  auto word = sub->u16_be();
  ASSERT_TRUE(word);
  EXPECT_EQ(*word, 0x0102u);
  auto beyond = sub->u16_be();  // 0x03 then the parent's 0xBB: must not be read
  ASSERT_FALSE(beyond);
  expect_failure(beyond.failure(), DecodeError::kBadValue, 53);

  auto too_big = in.sub_reader(2, DecodeError::kTruncated);
  ASSERT_FALSE(too_big);
  expect_failure(too_big.failure(), DecodeError::kTruncated, 54);
}

TEST(ByteReader, ExpectConsumesOnlyTheMatchingByte) {
  const Bytes data = {0xDB, 0x09};
  ByteReader in(data, 7);
  EXPECT_TRUE(in.expect(0xDB, DecodeError::kUnsupportedApdu));
  const Status mismatch = in.expect(0x08, DecodeError::kBadSystemTitle);
  ASSERT_FALSE(mismatch);
  expect_failure(mismatch.failure(), DecodeError::kBadSystemTitle, 8);
  EXPECT_EQ(in.position(), 1u);
  EXPECT_TRUE(in.expect(0x09, DecodeError::kBadSystemTitle));
  const Status at_end = in.expect(0x00, DecodeError::kTruncated);
  ASSERT_FALSE(at_end);
  expect_failure(at_end.failure(), DecodeError::kTruncated, 9);
}

}  // namespace
}  // namespace meter::core
