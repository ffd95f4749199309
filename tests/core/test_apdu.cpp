// SPDX-License-Identifier: MIT
#include "meter/core/apdu.h"

#include <gtest/gtest.h>

#include "frame_builder.h"

namespace meter::core {
namespace {

using test::Bytes;

// DB 08 <title> <len> SC FC: the payload starts at 16 (short length), 17 (81 nn), 18 (82 nnnn).
Bytes payload_of(std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(0xA0 + i);
  return out;
}

template <typename T>
void expect_failure(const Result<T>& result, DecodeError code, std::uint32_t offset) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.failure().code, code) << to_string(result.failure().code);
  EXPECT_EQ(result.failure().offset, offset);
}

TEST(GeneralGloCiphering, ParsesShortLengthForm) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 0x00000023, payload_of(5));
  ASSERT_EQ(apdu[10], 10);  // SC + FC + 5
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->system_title, test::kDocSystemTitle);
  EXPECT_EQ(parsed->security_control, 0x20);
  EXPECT_TRUE(parsed->encrypted());
  EXPECT_FALSE(parsed->authenticated());
  EXPECT_EQ(parsed->frame_counter, 0x23u);
  EXPECT_EQ(parsed->payload_offset, 16u);
  EXPECT_EQ(parsed->payload.data(), apdu.data() + 16);  // in place
  EXPECT_EQ(parsed->payload.size(), 5u);
  EXPECT_TRUE(parsed->tag.empty());
}

TEST(GeneralGloCiphering, ParsesTheEvn81F8LengthForm) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 0x0001CA1D, payload_of(243));
  ASSERT_EQ(test::to_hex(test::ByteSpan(apdu).subspan(10, 2)), "81F8");
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->frame_counter, 0x0001CA1Du);
  EXPECT_EQ(parsed->payload_offset, 17u);
  EXPECT_EQ(parsed->payload.size(), 243u);
  EXPECT_EQ(parsed->payload[0], 0xA0);
}

TEST(GeneralGloCiphering, ParsesTheKsmWest82LengthForm) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x21, 7, payload_of(336));
  ASSERT_EQ(test::to_hex(test::ByteSpan(apdu).subspan(10, 3)), "820155");
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->security_control, 0x21);
  EXPECT_EQ(parsed->payload_offset, 18u);
  EXPECT_EQ(parsed->payload.size(), 336u);
}

TEST(GeneralGloCiphering, IvIsSystemTitleThenFrameCounter) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 0x01020304, payload_of(3));
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(test::to_hex(parsed->iv()), "4B464D675000000901020304");
}

TEST(GeneralGloCiphering, SplitsOffTheTagWhenAuthenticated) {
  const Bytes tag = test::from_hex("C0C1C2C3C4C5C6C7C8C9CACB");
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x30, 1, test::join({payload_of(20), tag}));
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->authenticated());
  EXPECT_TRUE(parsed->encrypted());
  EXPECT_EQ(parsed->payload.size(), 20u);
  EXPECT_EQ(Bytes(parsed->tag.begin(), parsed->tag.end()), tag);
  EXPECT_EQ(parsed->tag.data(), apdu.data() + apdu.size() - 12);
}

TEST(GeneralGloCiphering, AcceptsAuthenticationWithoutEncryption) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x10, 1, payload_of(12 + 4));
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->encrypted());
  EXPECT_EQ(parsed->payload.size(), 4u);
  EXPECT_EQ(parsed->tag.size(), 12u);
}

TEST(GeneralGloCiphering, RejectsTagShorterThanTwelveBytes) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x30, 1, payload_of(11));
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kApduLengthMismatch, 16);
}

TEST(GeneralGloCiphering, RejectsWrongTagByte) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 1, payload_of(5));
  apdu[0] = 0xDD;
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kUnsupportedApdu, 0);
}

TEST(GeneralGloCiphering, RejectsSystemTitleLengthOtherThanEight) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 1, payload_of(5));
  apdu[1] = 0x07;
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kBadSystemTitle, 1);
  apdu[1] = 0x09;
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kBadSystemTitle, 1);
}

TEST(GeneralGloCiphering, RejectsLengthFieldThatDisagreesWithTheBytes) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 1, payload_of(5));
  apdu[10] = 11;  // one more than present
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kApduLengthMismatch, 10);
  apdu[10] = 9;  // one less: a trailing byte
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kApduLengthMismatch, 10);

  Bytes evn = test::glo_apdu(test::kDocSystemTitle, 0x20, 1, payload_of(243));
  evn.pop_back();  // a telegram cut short by one byte
  expect_failure(parse_general_glo_ciphering(evn), DecodeError::kApduLengthMismatch, 10);
}

TEST(GeneralGloCiphering, RejectsMalformedLength) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 1, payload_of(5));
  apdu[10] = 0x85;
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kBadLength, 10);
}

TEST(GeneralGloCiphering, RejectsTruncatedHeader) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x20, 1, payload_of(5));
  expect_failure(parse_general_glo_ciphering(std::span(apdu).first(6)),
                 DecodeError::kApduLengthMismatch, 2);
  // A length of 3 leaves no room for the frame counter.
  Bytes short_body = test::join({Bytes(apdu.begin(), apdu.begin() + 10), Bytes{0x03, 0x20, 0, 0}});
  expect_failure(parse_general_glo_ciphering(short_body), DecodeError::kApduLengthMismatch, 12);
}

TEST(GeneralGloCiphering, RejectsCompression) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0xA0, 1, payload_of(5));
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kUnsupportedSecurity, 11);
}

TEST(GeneralGloCiphering, RejectsSecuritySuiteTwo) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x22, 1, payload_of(5));
  expect_failure(parse_general_glo_ciphering(apdu), DecodeError::kUnsupportedSecurity, 11);
}

TEST(GeneralGloCiphering, RejectsNeitherEncryptionNorAuthentication) {
  Bytes none = test::glo_apdu(test::kDocSystemTitle, 0x00, 1, payload_of(5));
  expect_failure(parse_general_glo_ciphering(none), DecodeError::kUnsupportedSecurity, 11);
  Bytes suite_only = test::glo_apdu(test::kDocSystemTitle, 0x01, 1, payload_of(5));
  expect_failure(parse_general_glo_ciphering(suite_only), DecodeError::kUnsupportedSecurity, 11);
  Bytes long_form = test::glo_apdu(test::kDocSystemTitle, 0x40, 1, payload_of(243));
  expect_failure(parse_general_glo_ciphering(long_form), DecodeError::kUnsupportedSecurity, 12);
}

TEST(GeneralGloCiphering, AcceptsBroadcastKeyBitWithSuiteOne) {
  Bytes apdu = test::glo_apdu(test::kDocSystemTitle, 0x61, 1, payload_of(5));
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->encrypted());
}

TEST(GeneralGloCiphering, ParsesTheThreeByteLengthForm) {
  // 83 000104: 260 = SC + FC + 243 + tag, written with three length bytes.
  const Bytes rest = payload_of(243 + 12);
  Bytes apdu = test::join({Bytes{0xDB, 0x08}, test::kDocSystemTitle,
                           Bytes{0x83, 0x00, 0x01, 0x04, 0x30, 0x00, 0x00, 0x00, 0x07}, rest});
  auto parsed = parse_general_glo_ciphering(apdu);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->payload_offset, 19u);
  EXPECT_EQ(parsed->payload.size(), 243u);
  EXPECT_EQ(parsed->tag.size(), 12u);
  EXPECT_EQ(parsed->frame_counter, 7u);

  Bytes short_by_one = apdu;
  short_by_one[13] = 0x05;  // one byte more than follows
  expect_failure(parse_general_glo_ciphering(short_by_one), DecodeError::kApduLengthMismatch, 10);
}

TEST(GeneralGloCiphering, SuiteOneWithAndWithoutTag) {
  // 0x21 / 0x31: bits 0..3 are the security suite (1: ECDH-ECDSA-AES-GCM-128-SHA-256, the same
  // AES-128-GCM on the wire); the key-set (broadcast) bit is 0x40, not 0x01.
  Bytes encrypted = test::glo_apdu(test::kDocSystemTitle, 0x21, 1, payload_of(20));
  auto parsed = parse_general_glo_ciphering(encrypted);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->tag.empty());
  Bytes tagged = test::glo_apdu(test::kDocSystemTitle, 0x31, 1, payload_of(20 + 12));
  parsed = parse_general_glo_ciphering(tagged);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->authenticated());
  EXPECT_EQ(parsed->payload.size(), 20u);
  EXPECT_EQ(parsed->tag.size(), 12u);
}

TEST(DataNotification, ParsesWithDateTime) {
  const Bytes body = test::axdr::uint16(0x1234);
  const Bytes plaintext = test::data_notification(0x8006870E, test::doc_spec().time, body);
  auto parsed = parse_data_notification(plaintext, 17);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->invoke_id, 0x8006870Eu);
  ASSERT_TRUE(parsed->has_date_time);
  EXPECT_EQ(parsed->date_time.to_utc_epoch(), test::kDocEpoch);
  EXPECT_EQ(parsed->date_time.weekday, 1);
  EXPECT_EQ(parsed->body_offset, 17u + 18u);
  EXPECT_EQ(parsed->body.data(), plaintext.data() + 18);
  EXPECT_EQ(parsed->body.size(), 3u);
}

TEST(DataNotification, ParsesWithoutDateTime) {
  const Bytes body = test::axdr::uint16(0x1234);
  const Bytes plaintext = test::data_notification(0x00000001, std::nullopt, body);
  ASSERT_EQ(plaintext[5], 0x00);
  auto parsed = parse_data_notification(plaintext);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->invoke_id, 1u);
  EXPECT_FALSE(parsed->has_date_time);
  EXPECT_EQ(parsed->body_offset, 6u);
  EXPECT_EQ(parsed->body.size(), 3u);
}

TEST(DataNotification, ReportsErrorsInApduCoordinates) {
  const Bytes body = test::axdr::uint16(1);
  Bytes plaintext = test::data_notification(1, test::doc_spec().time, body);
  plaintext[8] = 13;  // month
  expect_failure(parse_data_notification(plaintext, 17), DecodeError::kBadDateTime, 17 + 8);
}

TEST(DataNotification, RejectsWrongTag) {
  Bytes plaintext = test::data_notification(1, std::nullopt, test::axdr::uint16(1));
  plaintext[0] = 0x0E;
  expect_failure(parse_data_notification(plaintext, 17), DecodeError::kUnsupportedApdu, 17);
}

TEST(DataNotification, RejectsDateTimeLengthOtherThanTwelve) {
  Bytes plaintext = test::data_notification(1, test::doc_spec().time, test::axdr::uint16(1));
  plaintext[5] = 0x0B;
  expect_failure(parse_data_notification(plaintext, 17), DecodeError::kBadDateTime, 17 + 5);
}

TEST(DataNotification, RejectsMissingBodyAndTruncatedHeader) {
  const Bytes no_body = test::data_notification(1, std::nullopt, {});
  expect_failure(parse_data_notification(no_body, 17), DecodeError::kBadValue, 17 + 6);
  const Bytes cut = {0x0F, 0x80, 0x00};
  expect_failure(parse_data_notification(cut), DecodeError::kBadValue, 1);
  Bytes cut_time = test::data_notification(1, test::doc_spec().time, {});
  cut_time.resize(12);
  expect_failure(parse_data_notification(cut_time), DecodeError::kBadValue, 6);
}

}  // namespace
}  // namespace meter::core
