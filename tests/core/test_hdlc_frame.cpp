// SPDX-License-Identifier: MIT
#include "meter/core/hdlc_frame.h"

#include <gtest/gtest.h>

#include <string_view>

#include "frame_builder.h"
#include "hdlc_vectors.h"
#include "meter/core/telegram_encoder.h"

namespace meter::core {
namespace {

using test::Bytes;

constexpr std::uint8_t kApduStart = 0xDB;

FrameCheck check(const Bytes& frame, HdlcFrame* out = nullptr) {
  HdlcFrame scratch{};
  return check_hdlc_frame(frame.data(), frame.size(), out != nullptr ? out : &scratch);
}

void expect_invalid(const FrameCheck& result, DecodeError error, std::uint16_t offset) {
  EXPECT_EQ(result.status, FrameStatus::kInvalid);
  EXPECT_EQ(result.error, error) << to_string(result.error);
  EXPECT_EQ(result.offset, offset);
}

// Offsets in a frame with one-byte addresses: 7E A0 LL | 03 | 21 | 13 | HCS HCS | info | FCS | 7E
constexpr std::size_t kControlAt = 5;
constexpr std::size_t kHcsAt = 6;
constexpr std::size_t kInformationAt = 8;

Bytes frame_with(const Bytes& payload, HdlcSpec spec = {}) {
  if (spec.destination == HdlcSpec{}.destination && spec.source == HdlcSpec{}.source) {
    spec.destination = {0x03};
    spec.source = {0x21};
  }
  return encode_hdlc_frames(payload, spec);
}

Bytes sample_payload() { return {kApduStart, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06}; }

std::size_t fcs_at(const Bytes& frame) { return frame.size() - 3; }

// Rewrites the FCS after an edit, so that only the edited field is wrong.
void fix_fcs(Bytes& frame) {
  const std::uint16_t fcs = crc16_x25(frame.data() + 1, fcs_at(frame) - 1);
  frame[fcs_at(frame)] = static_cast<std::uint8_t>(fcs & 0xFFU);
  frame[fcs_at(frame) + 1] = static_cast<std::uint8_t>(fcs >> 8U);
}

TEST(HdlcFrame, Crc16X25HasTheCatalogueCheckValue) {
  constexpr std::string_view kCheck = "123456789";
  EXPECT_EQ(crc16_x25(reinterpret_cast<const std::uint8_t*>(kCheck.data()), kCheck.size()), 0x906E);
}

TEST(HdlcFrame, ReadsAWienerNetzeFrame) {
  const Bytes telegram = test::from_hex(test::kWnPockiExample.telegram_hex);
  HdlcFrame frame{};
  const FrameCheck result = check(telegram, &frame);
  ASSERT_EQ(result.status, FrameStatus::kComplete) << to_string(result.error);
  EXPECT_EQ(frame.frame_size, 105u);
  EXPECT_EQ(result.needed, 105u);
  EXPECT_EQ(frame.control, 0x13);
  EXPECT_FALSE(frame.segmented);
  EXPECT_TRUE(frame.has_llc);
  // 7E A0 67 | CF | 02 23 | 13 | HCS | E6 E7 00 | DB ..
  EXPECT_EQ(frame.information, telegram.data() + 12);
  EXPECT_EQ(frame.information_size, 105u - 12 - 3);
  EXPECT_EQ(frame.information[0], kApduStart);
}

TEST(HdlcFrame, ReadsAddressesOfOneTwoAndFourBytes) {
  struct Case {
    Bytes destination;
    Bytes source;
  };
  const Case cases[] = {{{0x03}, {0x21}},
                        {{0x00, 0x03}, {0x02, 0x23}},
                        {{0xCF}, {0x00, 0x02, 0x00, 0x23}},
                        {{0x00, 0x02, 0x00, 0x23}, {0x00, 0x02, 0x00, 0x23}}};
  for (const Case& c : cases) {
    const Bytes frame =
        encode_hdlc_frames(sample_payload(), {.destination = c.destination, .source = c.source});
    HdlcFrame out{};
    ASSERT_EQ(check(frame, &out).status, FrameStatus::kComplete);
    const std::size_t header = 3 + c.destination.size() + c.source.size() + 1 + 2;
    EXPECT_EQ(out.control, frame[header - 3]);
    EXPECT_EQ(out.information, frame.data() + header + 3);
    EXPECT_EQ(Bytes(out.information, out.information + out.information_size), sample_payload());
  }
}

TEST(HdlcFrame, RejectsABadFlagOrFormatByte) {
  Bytes frame = frame_with(sample_payload());
  Bytes no_flag = frame;
  no_flag[0] = 0x7F;
  expect_invalid(check(no_flag), DecodeError::kHdlcBadFormat, 0);
  Bytes type_1 = frame;
  type_1[1] = static_cast<std::uint8_t>(0x80 | (frame[1] & 0x0F));
  expect_invalid(check(type_1), DecodeError::kHdlcBadFormat, 1);
}

TEST(HdlcFrame, RejectsALengthTooShortForItsHeader) {
  Bytes frame = frame_with(sample_payload());
  frame[2] = 6;  // shorter than format, two addresses, control and FCS
  expect_invalid(check(frame), DecodeError::kHdlcBadFormat, 1);
  Bytes one_byte_information = frame_with(sample_payload());
  one_byte_information[2] = 8;  // control + one byte: room for neither HCS nor information
  expect_invalid(check(one_byte_information), DecodeError::kHdlcBadFormat, 1);
}

TEST(HdlcFrame, RejectsAddressesWithoutTheirEndBit) {
  Bytes destination = frame_with(sample_payload(), {.destination = {0x00, 0x02, 0x00, 0x23}});
  destination[6] = 0x22;  // fourth destination byte without bit 0: no end within four bytes
  expect_invalid(check(destination), DecodeError::kHdlcBadFormat, 3);
  Bytes source =
      frame_with(sample_payload(), {.destination = {0xCF}, .source = {0x00, 0x02, 0x00, 0x23}});
  source[7] = 0x22;
  expect_invalid(check(source), DecodeError::kHdlcBadFormat, 4);
}

TEST(HdlcFrame, RejectsABadHcsAtItsOffset) {
  Bytes frame = frame_with(sample_payload());
  frame[kControlAt] ^= 0x10;  // control byte changed: the header no longer matches its HCS
  expect_invalid(check(frame), DecodeError::kHdlcBadHcs, kHcsAt);
  Bytes hcs = frame_with(sample_payload());
  hcs[kHcsAt + 1] ^= 0x01;
  expect_invalid(check(hcs), DecodeError::kHdlcBadHcs, kHcsAt);
}

TEST(HdlcFrame, RejectsABadFcsAtItsOffset) {
  Bytes frame = frame_with(sample_payload());
  frame[kInformationAt + 5] ^= 0x01;
  expect_invalid(check(frame), DecodeError::kHdlcBadFcs, static_cast<std::uint16_t>(fcs_at(frame)));
  const Bytes wn = test::from_hex(test::kWnIskraAm550.telegram_hex);
  Bytes damaged(wn.begin(), wn.begin() + 105);
  damaged[60] ^= 0x80;
  expect_invalid(check(damaged), DecodeError::kHdlcBadFcs, 102);
}

TEST(HdlcFrame, RejectsAMissingClosingFlag) {
  Bytes frame = frame_with(sample_payload());
  frame.back() = 0x00;
  expect_invalid(check(frame), DecodeError::kHdlcNoClosingFlag,
                 static_cast<std::uint16_t>(frame.size() - 1));
}

TEST(HdlcFrame, RejectsADamagedLlcHeader) {
  Bytes frame = frame_with(sample_payload());
  ASSERT_EQ(frame[kInformationAt], 0xE6);
  frame[kInformationAt + 2] = 0x01;
  fix_fcs(frame);
  expect_invalid(check(frame), DecodeError::kHdlcNoLlc, kInformationAt + 2);
  Bytes second = frame_with(sample_payload());
  second[kInformationAt + 1] = 0xE5;
  fix_fcs(second);
  expect_invalid(check(second), DecodeError::kHdlcNoLlc, kInformationAt + 1);
}

TEST(HdlcFrame, ReadsAFrameWithoutLlc) {
  const Bytes frame =
      frame_with(sample_payload(), {.destination = {0x03}, .source = {0x21}, .llc = false});
  HdlcFrame out{};
  ASSERT_EQ(check(frame, &out).status, FrameStatus::kComplete);
  EXPECT_FALSE(out.has_llc);
  EXPECT_EQ(out.information, frame.data() + kInformationAt);
  EXPECT_EQ(out.information_size, sample_payload().size());
}

TEST(HdlcFrame, ReadsTheSegmentationBit) {
  const Bytes frames = frame_with(
      Bytes(40, 0x55), {.destination = {0x03}, .source = {0x21}, .max_information_bytes = 30});
  HdlcFrame first{};
  ASSERT_EQ(check(frames, &first).status, FrameStatus::kComplete);
  EXPECT_TRUE(first.segmented);
  EXPECT_TRUE(first.has_llc);
  EXPECT_EQ(first.information_size, 27u);  // 30 with the LLC
  const Bytes rest(frames.begin() + static_cast<std::ptrdiff_t>(first.frame_size), frames.end());
  HdlcFrame second{};
  ASSERT_EQ(check(rest, &second).status, FrameStatus::kComplete);
  EXPECT_FALSE(second.segmented);
  EXPECT_FALSE(second.has_llc);
  EXPECT_EQ(second.information_size, 13u);
}

TEST(HdlcFrame, ReadsFramesWithEmptyInformation) {
  // No information at all: the header is followed by the FCS only, without an HCS.
  const Bytes bare = frame_with({}, {.destination = {0x03}, .source = {0x21}, .llc = false});
  ASSERT_EQ(bare.size(), 9u);  // 7E A0 07 03 21 13 FCS FCS 7E
  HdlcFrame out{};
  ASSERT_EQ(check(bare, &out).status, FrameStatus::kComplete);
  EXPECT_EQ(out.information_size, 0u);
  EXPECT_FALSE(out.has_llc);
  // Only the LLC: the information field is there, the message part of it is empty.
  const Bytes llc_only = frame_with({});
  ASSERT_EQ(check(llc_only, &out).status, FrameStatus::kComplete);
  EXPECT_TRUE(out.has_llc);
  EXPECT_EQ(out.information_size, 0u);
}

TEST(HdlcFrame, AsksForMoreUntilTheFrameIsThere) {
  const Bytes frame = frame_with(sample_payload());
  for (std::size_t size = 0; size < frame.size(); ++size) {
    const Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(size));
    const FrameCheck result = check(cut);
    ASSERT_EQ(result.status, FrameStatus::kNeedMore) << "at " << size;
    EXPECT_GT(result.needed, size);
    EXPECT_LE(result.needed, frame.size());
  }
}

TEST(HdlcFrame, RejectsABadHeaderBeforeTheWholeFrameIsThere) {
  // A 7E A? inside other data claims up to 2 KiB: its header check fails after a few bytes.
  Bytes frame = frame_with(Bytes(200, 0x11));
  frame[kControlAt] ^= 0x01;
  frame.resize(kInformationAt);
  expect_invalid(check(frame), DecodeError::kHdlcBadHcs, kHcsAt);
}

TEST(HdlcEncoder, SegmentsWithTheLlcOnlyInTheFirstFrame) {
  const Bytes payload = test::repeat(0xAB, 100);
  const Bytes frames = encode_hdlc_frames(payload, {.max_information_bytes = 40});
  Bytes joined;
  std::size_t at = 0;
  std::size_t count = 0;
  while (at < frames.size()) {
    HdlcFrame frame{};
    const Bytes rest(frames.begin() + static_cast<std::ptrdiff_t>(at), frames.end());
    ASSERT_EQ(check(rest, &frame).status, FrameStatus::kComplete) << "frame " << count;
    EXPECT_EQ(frame.has_llc, count == 0);
    EXPECT_EQ(frame.segmented, at + frame.frame_size < frames.size());
    EXPECT_LE(frame.information_size + (frame.has_llc ? 3 : 0), 40u);
    joined.insert(joined.end(), frame.information, frame.information + frame.information_size);
    at += frame.frame_size;
    ++count;
  }
  EXPECT_EQ(count, 3u);  // 103 information bytes in frames of 40
  EXPECT_EQ(joined, payload);
}

TEST(HdlcEncoder, RefusesAddressesItCannotWriteAndOversizedFrames) {
  EXPECT_TRUE(encode_hdlc_frames(sample_payload(), {.destination = {}}).empty());
  EXPECT_TRUE(encode_hdlc_frames(sample_payload(), {.destination = {0x02}}).empty());  // no end bit
  EXPECT_TRUE(encode_hdlc_frames(sample_payload(), {.source = {0x01, 0x23}}).empty());  // early end
  EXPECT_TRUE(encode_hdlc_frames(sample_payload(), {.source = {0, 0, 0, 0, 1}}).empty());
  EXPECT_TRUE(encode_hdlc_frames(test::repeat(0, 2100)).empty());
  EXPECT_FALSE(encode_hdlc_frames(test::repeat(0, 2100), {.max_information_bytes = 1000}).empty());
}

TEST(HdlcEncoder, WritesTheWienerNetzeFrameByteForByte) {
  const Bytes telegram = test::from_hex(test::kWnPockiExample.telegram_hex);
  const Bytes apdu(telegram.begin() + 12, telegram.end() - 3);
  EXPECT_EQ(encode_hdlc_frames(apdu), telegram);  // the spec's defaults are the AM550's
}

}  // namespace
}  // namespace meter::core
