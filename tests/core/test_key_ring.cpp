// SPDX-License-Identifier: MIT
#include "meter/core/key_ring.h"

#include <gtest/gtest.h>

#include "frame_builder.h"

namespace meter::core {
namespace {

const std::array<std::uint8_t, 16> kDocKeyBytes = {0x36, 0xC6, 0x66, 0x39, 0xE4, 0x8A, 0x8C, 0xA4,
                                                   0xD6, 0xBC, 0x8B, 0x28, 0x2A, 0x79, 0x3B, 0xBB};

TEST(AesKey, ParsesThirtyTwoHexDigits) {
  auto key = AesKey::from_hex("36C66639E48A8CA4D6BC8B282A793BBB");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->bytes, kDocKeyBytes);
  auto lower = AesKey::from_hex("36c66639e48a8ca4d6bc8b282a793bbb");
  ASSERT_TRUE(lower);
  EXPECT_EQ(*lower, *key);
}

TEST(AesKey, AllowsSpacesBetweenPairs) {
  auto key = AesKey::from_hex("36 C6 66 39 E4 8A 8C A4 D6 BC 8B 28 2A 79 3B BB");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->bytes, kDocKeyBytes);
  auto padded = AesKey::from_hex("  36C66639E48A8CA4D6BC8B282A793BBB ");
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->bytes, kDocKeyBytes);
}

TEST(AesKey, RejectsWrongDigitCounts) {
  EXPECT_FALSE(AesKey::from_hex("36C66639E48A8CA4D6BC8B282A793BB"));    // 31
  EXPECT_FALSE(AesKey::from_hex("36C66639E48A8CA4D6BC8B282A793BBB0"));  // 33
  EXPECT_FALSE(
      AesKey::from_hex("36C66639E48A8CA4D6BC8B282A793BBB36C66639E48A8CA4D6BC8B282A793BBB"));
  EXPECT_FALSE(AesKey::from_hex(""));
}

TEST(AesKey, RejectsNonHex) {
  EXPECT_FALSE(AesKey::from_hex("36C66639E48A8CA4D6BC8B282A793BBG"));
  EXPECT_FALSE(AesKey::from_hex("0x36C66639E48A8CA4D6BC8B282A793BBB"));
  EXPECT_FALSE(AesKey::from_hex("key=36C66639E48A8CA4D6BC8B282A793BBB"));
  EXPECT_FALSE(AesKey::from_hex("\"36C66639E48A8CA4D6BC8B282A793BBB\""));
}

MeterKeys keys(const AesKey& encryption) { return MeterKeys{encryption, std::nullopt}; }

const SystemTitle kOtherTitle = {0x53, 0x41, 0x47, 0x59, 0x05, 0xE6, 0xDB, 0xE2};

TEST(KeyRing, EmptyRingFindsNothing) {
  const KeyRing ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.find(test::kDocSystemTitle), nullptr);
}

TEST(KeyRing, DefaultKeyServesEveryMeter) {
  const KeyRing ring(keys(test::doc_key()));
  EXPECT_FALSE(ring.empty());
  ASSERT_NE(ring.find(test::kDocSystemTitle), nullptr);
  EXPECT_EQ(ring.find(test::kDocSystemTitle)->encryption, test::doc_key());
  ASSERT_NE(ring.find(kOtherTitle), nullptr);
  EXPECT_EQ(ring.find(kOtherTitle)->encryption, test::doc_key());
}

TEST(KeyRing, PerMeterKeyBeatsTheDefault) {
  KeyRing ring(keys(test::other_key()));
  MeterKeys meter = keys(test::doc_key());
  meter.authentication = test::auth_key();
  ring.add(test::kDocSystemTitle, meter);
  const MeterKeys* found = ring.find(test::kDocSystemTitle);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->encryption, test::doc_key());
  ASSERT_TRUE(found->authentication);
  EXPECT_EQ(*found->authentication, test::auth_key());
  EXPECT_EQ(ring.find(kOtherTitle)->encryption, test::other_key());
}

TEST(KeyRing, PerMeterKeyWithoutDefault) {
  KeyRing ring;
  ring.add(test::kDocSystemTitle, keys(test::doc_key()));
  EXPECT_FALSE(ring.empty());
  EXPECT_NE(ring.find(test::kDocSystemTitle), nullptr);
  EXPECT_EQ(ring.find(kOtherTitle), nullptr);
}

TEST(KeyRing, AddingTheSameMeterAgainReplacesItsKey) {
  KeyRing ring;
  ring.add(test::kDocSystemTitle, keys(test::other_key()));
  ring.add(test::kDocSystemTitle, keys(test::doc_key()));
  EXPECT_EQ(ring.find(test::kDocSystemTitle)->encryption, test::doc_key());
}

}  // namespace
}  // namespace meter::core
