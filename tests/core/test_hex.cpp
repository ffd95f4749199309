// SPDX-License-Identifier: MIT
#include "meter/core/hex.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "frame_builder.h"

namespace meter::core {
namespace {

using test::Bytes;

struct Decoded {
  HexDecodeResult result;
  Bytes bytes;
};

Decoded decode(std::string_view text, std::size_t capacity = 64) {
  Bytes out(capacity, 0xEE);
  const HexDecodeResult result = decode_hex(text.data(), text.size(), out.data(), out.size());
  out.resize(result.ok ? result.size : 0);
  return {result, out};
}

TEST(Hex, DecodesUpperAndLowerCase) {
  const Decoded upper = decode("68FAFA68");
  const Decoded lower = decode("68fafa68");
  const Decoded mixed = decode("68fAFa68");
  ASSERT_TRUE(upper.result.ok);
  ASSERT_TRUE(lower.result.ok);
  ASSERT_TRUE(mixed.result.ok);
  EXPECT_EQ(upper.bytes, (Bytes{0x68, 0xFA, 0xFA, 0x68}));
  EXPECT_EQ(lower.bytes, upper.bytes);
  EXPECT_EQ(mixed.bytes, upper.bytes);
}

TEST(Hex, SkipsWhitespaceAndSeparators) {
  const Decoded decoded = decode(" 68 FA\tFA\r\n68:53-FF,00;01.67_DB\n");
  ASSERT_TRUE(decoded.result.ok);
  EXPECT_EQ(decoded.bytes, (Bytes{0x68, 0xFA, 0xFA, 0x68, 0x53, 0xFF, 0x00, 0x01, 0x67, 0xDB}));
}

TEST(Hex, AcceptsZeroXPrefixPerByte) {
  const Decoded decoded = decode("0x68 0XFA, 0xfa 0x68");
  ASSERT_TRUE(decoded.result.ok);
  EXPECT_EQ(decoded.bytes, (Bytes{0x68, 0xFA, 0xFA, 0x68}));
}

TEST(Hex, KeepsZeroBytesThatAreNotAPrefix) {
  const Decoded decoded = decode("00 0A 10 0x00");
  ASSERT_TRUE(decoded.result.ok);
  EXPECT_EQ(decoded.bytes, (Bytes{0x00, 0x0A, 0x10, 0x00}));
}

TEST(Hex, SkipsLogPrefixBeforeTheFrame) {
  const Decoded decoded = decode("raw: 68FAFA68");
  ASSERT_TRUE(decoded.result.ok);
  EXPECT_EQ(decoded.bytes, (Bytes{0x68, 0xFA, 0xFA, 0x68}));

  // The prefix may hold hex-looking letters ("da" in "data") as long as no 0x68 was read.
  const Decoded topic = decode("sensors/data=68 FA FA 68");
  ASSERT_TRUE(topic.result.ok);
  EXPECT_EQ(topic.bytes, (Bytes{0x68, 0xFA, 0xFA, 0x68}));
}

// A prefix whose last word ends in an odd number of hex letters ("data", "frame 12") followed
// by a separator must not lend its half byte to the first digit of the data.
TEST(Hex, SkipsLogPrefixEndingInAHalfByte) {
  const Decoded decoded = decode("data: 68FAFA68");
  ASSERT_TRUE(decoded.result.ok) << to_string(decoded.result.error) << " at "
                                 << decoded.result.offset;
  EXPECT_EQ(decoded.bytes, (Bytes{0x68, 0xFA, 0xFA, 0x68}));
  EXPECT_EQ(decoded.bytes, (Bytes{0x68, 0xFA, 0xFA, 0x68}));
}

TEST(Hex, RejectsNonHexAfterAFrameStartWithItsOffset) {
  const Decoded decoded = decode("68FAFA68 zz");
  ASSERT_FALSE(decoded.result.ok);
  EXPECT_EQ(decoded.result.error, DecodeError::kNotHex);
  EXPECT_EQ(decoded.result.offset, 9u);

  const Decoded inside = decode("68FAFG68");
  ASSERT_FALSE(inside.result.ok);
  EXPECT_EQ(inside.result.error, DecodeError::kNotHex);
  EXPECT_EQ(inside.result.offset, 5u);
}

TEST(Hex, RejectsOddDigitCountAtTheLoneDigit) {
  const Decoded decoded = decode("68FAF");
  ASSERT_FALSE(decoded.result.ok);
  EXPECT_EQ(decoded.result.error, DecodeError::kOddHexDigits);
  EXPECT_EQ(decoded.result.offset, 4u);

  const Decoded spaced = decode("68 FA F  ");
  ASSERT_FALSE(spaced.result.ok);
  EXPECT_EQ(spaced.result.error, DecodeError::kOddHexDigits);
  EXPECT_EQ(spaced.result.offset, 6u);
}

TEST(Hex, RejectsMoreBytesThanTheCapacity) {
  const Decoded exact = decode("680102", 3);
  ASSERT_TRUE(exact.result.ok);
  EXPECT_EQ(exact.bytes, (Bytes{0x68, 0x01, 0x02}));

  const Decoded strict = decode("68010203", 3);
  ASSERT_FALSE(strict.result.ok);
  EXPECT_EQ(strict.result.error, DecodeError::kTooLarge);
  // The offset points into the fourth byte, "03" at characters 6..7.
  EXPECT_GE(strict.result.offset, 6u);
  EXPECT_LE(strict.result.offset, 7u);

  const Decoded spaced = decode("68 01 02 03", 3);
  ASSERT_FALSE(spaced.result.ok);
  EXPECT_EQ(spaced.result.error, DecodeError::kTooLarge);
  EXPECT_GE(spaced.result.offset, 9u);
  EXPECT_LE(spaced.result.offset, 10u);
}

TEST(Hex, EmptyTextIsZeroBytes) {
  const Decoded decoded = decode("");
  ASSERT_TRUE(decoded.result.ok);
  EXPECT_EQ(decoded.result.size, 0u);
}

TEST(Hex, EncodesUppercaseWithoutSeparators) {
  const Bytes bytes = {0x68, 0xFA, 0x0A, 0x00, 0xDB};
  std::string text(10, '?');
  EXPECT_EQ(encode_hex_upper(bytes.data(), bytes.size(), text.data()), 10u);
  EXPECT_EQ(text, "68FA0A00DB");
}

TEST(Hex, EncodeThenDecodeRoundTripsEveryByteValue) {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
  const std::string text = test::to_hex(all);
  const Decoded decoded = decode(text, 256);
  ASSERT_TRUE(decoded.result.ok);
  EXPECT_EQ(decoded.bytes, all);
}

}  // namespace
}  // namespace meter::core
