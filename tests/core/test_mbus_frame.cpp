// SPDX-License-Identifier: MIT
#include "meter/core/mbus_frame.h"

#include <gtest/gtest.h>

#include <string>

#include "frame_builder.h"

namespace meter::core {
namespace {

using test::Bytes;

Bytes fragment_of(std::size_t size, std::uint8_t first = 0x10) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(first + i);
  return out;
}

FrameCheck check(const Bytes& data, MbusSegment* segment = nullptr) {
  MbusSegment unused{};
  return check_mbus_frame(data.data(), data.size(), segment != nullptr ? segment : &unused);
}

FrameCheck check_prefix(const Bytes& data, std::size_t size) {
  MbusSegment unused{};
  return check_mbus_frame(data.data(), size, &unused);
}

void expect_invalid(const FrameCheck& result, DecodeError error, std::uint16_t offset) {
  EXPECT_EQ(result.status, FrameStatus::kInvalid);
  EXPECT_EQ(result.error, error) << to_string(result.error);
  EXPECT_EQ(result.offset, offset);
}

void expect_need_more(const FrameCheck& result, std::uint16_t needed,
                      DecodeError pending = DecodeError::kTruncated, std::uint16_t offset = 0) {
  EXPECT_EQ(result.status, FrameStatus::kNeedMore);
  EXPECT_EQ(result.needed, needed);
  EXPECT_EQ(result.error, pending) << to_string(result.error);
  EXPECT_EQ(result.offset, offset);
}

// A valid 30-byte frame (L = 24) with a 19-byte fragment.
const Bytes kFragment = fragment_of(19);

TEST(MbusFrame, AcceptsAValidFrameAndDescribesIt) {
  test::FrameFields fields;
  fields.control = 0x73;
  fields.address = 0x01;
  const Bytes frame = test::mbus_frame(kFragment, 0x11, fields);
  ASSERT_EQ(frame.size(), 30u);
  ASSERT_EQ(frame[1], 24);

  MbusSegment segment{};
  const FrameCheck result = check(frame, &segment);
  ASSERT_EQ(result.status, FrameStatus::kComplete);
  EXPECT_EQ(result.needed, 30u);
  EXPECT_EQ(segment.frame_size, 30u);
  EXPECT_EQ(segment.control, 0x73);
  EXPECT_EQ(segment.address, 0x01);
  EXPECT_EQ(segment.ci, 0x11);
  EXPECT_TRUE(segment.is_last());
  EXPECT_EQ(segment.sequence(), 1);
  EXPECT_FALSE(segment.length_quirk);
  EXPECT_EQ(segment.fragment, frame.data() + 9);
  ASSERT_EQ(segment.fragment_size, kFragment.size());
  EXPECT_EQ(Bytes(segment.fragment, segment.fragment + segment.fragment_size), kFragment);
}

TEST(MbusFrame, IgnoresBytesAfterTheFrame) {
  const Bytes frame = test::mbus_frame(kFragment, 0x00);
  const Bytes with_tail = test::join({frame, Bytes{0x68, 0x14, 0x14}});
  MbusSegment segment{};
  const FrameCheck result = check(with_tail, &segment);
  ASSERT_EQ(result.status, FrameStatus::kComplete);
  EXPECT_EQ(segment.frame_size, frame.size());
  EXPECT_FALSE(segment.is_last());
  EXPECT_EQ(segment.sequence(), 0);
}

TEST(MbusFrame, AcceptsTheSmallestDlmsFrame) {
  const Bytes frame = test::mbus_frame({}, 0x10);  // L = 5: C A CI STSAP DTSAP only
  MbusSegment segment{};
  ASSERT_EQ(check(frame, &segment).status, FrameStatus::kComplete);
  EXPECT_EQ(segment.fragment_size, 0u);
  EXPECT_EQ(segment.frame_size, 11u);
}

TEST(MbusFrame, RejectsBadFirstStartByte) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[0] = 0x69;
  expect_invalid(check(frame), DecodeError::kBadStartByte, 0);
  expect_invalid(check_prefix(frame, 1), DecodeError::kBadStartByte, 0);
}

TEST(MbusFrame, RejectsBadSecondStartByte) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[3] = 0x16;
  expect_invalid(check(frame), DecodeError::kBadStartByte, 3);
  expect_invalid(check_prefix(frame, 4), DecodeError::kBadStartByte, 3);
}

TEST(MbusFrame, RejectsMismatchedLengthBytes) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[2] = static_cast<std::uint8_t>(frame[1] + 1);
  expect_invalid(check(frame), DecodeError::kLengthMismatch, 2);
  expect_invalid(check_prefix(frame, 3), DecodeError::kLengthMismatch, 2);
}

// With fewer than L + 256 bytes after the header a bad checksum could still be an old-Sagemcom
// frame, so the verdict needs the bytes up to the L + 256 reading; they are padding here.
TEST(MbusFrame, RejectsBadChecksumOnceTheQuirkReadingIsRuledOut) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[test::checksum_offset(frame)] ^= 0x01;
  const Bytes padded = test::join({frame, test::repeat(0x00, 256)});
  expect_invalid(check(padded), DecodeError::kBadChecksum, 28);
}

TEST(MbusFrame, RejectsDamagedFragmentAsChecksumError) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[12] ^= 0x40;
  const Bytes padded = test::join({frame, test::repeat(0x00, 256)});
  expect_invalid(check(padded), DecodeError::kBadChecksum, 28);
}

TEST(MbusFrame, RejectsBadStopByte) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[test::stop_offset(frame)] = 0x17;
  const Bytes padded = test::join({frame, test::repeat(0x00, 256)});
  expect_invalid(check(padded), DecodeError::kBadStopByte, 29);
}

TEST(MbusFrame, BadChecksumWaitsForTheQuirkReadingAndCarriesTheError) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[test::checksum_offset(frame)] ^= 0x01;
  // L = 24: the L + 256 reading ends at 4 + 280 + 2 = 286 bytes.
  expect_need_more(check(frame), 286, DecodeError::kBadChecksum, 28);
  const Bytes almost = test::join({frame, test::repeat(0x00, 255)});
  ASSERT_EQ(almost.size(), 285u);
  expect_need_more(check(almost), 286, DecodeError::kBadChecksum, 28);
}

TEST(MbusFrame, BadStopByteWaitsForTheQuirkReadingAndCarriesTheError) {
  Bytes frame = test::mbus_frame(kFragment, 0x00);
  frame[test::stop_offset(frame)] = 0x00;
  expect_need_more(check(frame), 286, DecodeError::kBadStopByte, 29);
}

TEST(MbusFrame, RejectsCiOutsideTheDlmsRange) {
  const Bytes frame = test::mbus_frame(kFragment, 0x20);
  expect_invalid(check(frame), DecodeError::kNotDlms, 6);
  const Bytes wireless_ci = test::mbus_frame(kFragment, 0xA0);
  expect_invalid(check(wireless_ci), DecodeError::kNotDlms, 6);
  MbusSegment segment{};
  ASSERT_EQ(check(test::mbus_frame(kFragment, 0x1F), &segment).status, FrameStatus::kComplete);
  EXPECT_EQ(segment.sequence(), 15);
}

TEST(MbusFrame, NamesOmsApplicationLayersAsOms) {
  // EN 13757-3 CI fields: responses with long, no and short transport header, the extended link
  // layer, the authentication and fragmentation layer.
  for (const int ci : {0x72, 0x78, 0x7A, 0x5A, 0x5B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90}) {
    const Bytes frame = test::mbus_frame(kFragment, static_cast<std::uint8_t>(ci));
    expect_invalid(check(frame), DecodeError::kOmsTelegram, 6);
  }
  EXPECT_NE(std::string(to_string(DecodeError::kOmsTelegram)).find("OMS"), std::string::npos);
}

TEST(MbusFrame, AsksForTheHeaderStepByStep) {
  const Bytes frame = test::mbus_frame(kFragment, 0x00);
  expect_need_more(check_prefix(frame, 0), 1);
  expect_need_more(check_prefix(frame, 1), 3);
  expect_need_more(check_prefix(frame, 2), 3);
  expect_need_more(check_prefix(frame, 3), 4);
  expect_need_more(check_prefix(frame, 4), 30);
  expect_need_more(check_prefix(frame, 29), 30);
  EXPECT_EQ(check_prefix(frame, 30).status, FrameStatus::kComplete);
}

// Old Sagemcom T210-D firmware: L = 0x01 in a frame that really carries 257 bytes.
TEST(MbusFrame, AcceptsOldSagemcomLengthQuirk) {
  const Bytes fragment = fragment_of(252, 0x30);
  const Bytes frame = test::mbus_frame(fragment, 0x00);
  ASSERT_EQ(frame[1], 0x01);
  ASSERT_EQ(frame[2], 0x01);
  ASSERT_EQ(frame.size(), 263u);

  expect_need_more(check_prefix(frame, 4), 263);
  expect_need_more(check_prefix(frame, 262), 263);

  MbusSegment segment{};
  const FrameCheck result = check(frame, &segment);
  ASSERT_EQ(result.status, FrameStatus::kComplete);
  EXPECT_TRUE(segment.length_quirk);
  EXPECT_EQ(segment.frame_size, 263u);
  EXPECT_EQ(result.needed, 263u);
  ASSERT_EQ(segment.fragment_size, 252u);
  EXPECT_EQ(Bytes(segment.fragment, segment.fragment + segment.fragment_size), fragment);
}

TEST(MbusFrame, QuirkFrameWithBadChecksumIsRejectedAtTheQuirkOffset) {
  Bytes frame = test::mbus_frame(fragment_of(252), 0x00);
  frame[test::checksum_offset(frame)] ^= 0xFF;
  expect_invalid(check(frame), DecodeError::kBadChecksum, 261);
}

// L = 0x0D but 269 bytes of body: the L reading fails, the L + 256 reading fits.
TEST(MbusFrame, QuirkWithLengthAboveTheSegmentHeader) {
  const Bytes frame = test::mbus_frame(fragment_of(264, 0x41), 0x11);
  ASSERT_EQ(frame[1], 0x0D);
  ASSERT_EQ(frame.size(), 275u);
  const FrameCheck waiting = check_prefix(frame, 100);
  EXPECT_EQ(waiting.status, FrameStatus::kNeedMore);
  EXPECT_EQ(waiting.needed, 275u);
  EXPECT_EQ(waiting.error, DecodeError::kBadChecksum);  // the L reading already failed
  EXPECT_EQ(waiting.offset, 17);

  MbusSegment segment{};
  ASSERT_EQ(check(frame, &segment).status, FrameStatus::kComplete);
  EXPECT_TRUE(segment.length_quirk);
  EXPECT_EQ(segment.fragment_size, 264u);
  EXPECT_TRUE(segment.is_last());
}

TEST(MbusFrame, NotDlmsIsReportedOnlyForAFrameThatOtherwiseFits) {
  Bytes frame = test::mbus_frame(kFragment, 0x20);
  frame[test::checksum_offset(frame)] ^= 0x01;
  const Bytes padded = test::join({frame, test::repeat(0x00, 256)});
  expect_invalid(check(padded), DecodeError::kBadChecksum, 28);
}

}  // namespace
}  // namespace meter::core
