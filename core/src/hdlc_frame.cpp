// SPDX-License-Identifier: MIT
#include "meter/core/hdlc_frame.h"

#include "crc16.h"

namespace meter::core {
namespace {

constexpr uint8_t kFormatType3 = 0xA0;  // high nibble of the format byte
constexpr uint8_t kFormatTypeMask = 0xF0;
constexpr uint8_t kSegmentationBit = 0x08;
constexpr size_t kMaxAddressBytes = 4;
// Format (2), one-byte addresses (2), control and FCS: the shortest frame, one without
// information (its only check sequence then is the FCS).
constexpr size_t kMinLength = 7;
constexpr uint8_t kLlc[] = {0xE6, 0xE7, 0x00};

FrameCheck need_more(size_t needed) {
  return {FrameStatus::kNeedMore, DecodeError::kTruncated, 0, static_cast<uint16_t>(needed)};
}

FrameCheck invalid(DecodeError error, size_t offset) {
  return {FrameStatus::kInvalid, error, static_cast<uint16_t>(offset), 0};
}

uint16_t read_le16(const uint8_t* data) {
  return static_cast<uint16_t>(data[0] | (static_cast<unsigned>(data[1]) << 8U));
}

// Offset just past the address that starts at `at`, or 0 when it has no end byte (lowest bit 1)
// within 4 bytes or within `limit`.
size_t address_end(const uint8_t* data, size_t at, size_t limit) {
  for (size_t i = 0; i < kMaxAddressBytes && at + i < limit; ++i) {
    if ((data[at + i] & 1U) != 0) return at + i + 1;
  }
  return 0;
}

}  // namespace

uint16_t crc16_x25(const uint8_t* data, size_t size) {
  static constexpr Crc16Table kTable = make_crc16_table(0x8408);
  return static_cast<uint16_t>(crc16_update(kTable, 0xFFFF, data, size) ^ 0xFFFFU);
}

FrameCheck check_hdlc_frame(const uint8_t* data, size_t size, HdlcFrame* frame) {
  if (size < 1) return need_more(1);
  if (data[0] != kHdlcFlag) return invalid(DecodeError::kHdlcBadFormat, 0);
  if (size < 3) return need_more(3);
  if ((data[1] & kFormatTypeMask) != kFormatType3) return invalid(DecodeError::kHdlcBadFormat, 1);
  const size_t length = (static_cast<size_t>(data[1] & 0x07U) << 8U) | data[2];
  if (length < kMinLength) return invalid(DecodeError::kHdlcBadFormat, 1);
  const size_t fcs_at = length - 1;  // the length counts format .. FCS, the flag is at 0
  const size_t closing_at = length + 1;

  // The header is checked as soon as it is there, so that a 7E A? in other data is rejected
  // after a few bytes instead of waiting for up to 2 KiB.
  const size_t header_limit = size < fcs_at ? size : fcs_at;
  const size_t destination_end = address_end(data, 3, header_limit);
  if (destination_end == 0) {
    if (size < fcs_at && size < 3 + kMaxAddressBytes) return need_more(size + 1);
    return invalid(DecodeError::kHdlcBadFormat, 3);
  }
  const size_t source_end = address_end(data, destination_end, header_limit);
  if (source_end == 0) {
    if (size < fcs_at && size < destination_end + kMaxAddressBytes) return need_more(size + 1);
    return invalid(DecodeError::kHdlcBadFormat, destination_end);
  }
  const size_t control_at = source_end;
  if (control_at + 1 > fcs_at) return invalid(DecodeError::kHdlcBadFormat, 1);
  size_t information_at = control_at + 1;
  if (information_at < fcs_at) {
    // An information field follows: the header has its own check sequence.
    const size_t hcs_at = control_at + 1;
    if (hcs_at + 2 > fcs_at) return invalid(DecodeError::kHdlcBadFormat, 1);
    if (size < hcs_at + 2) return need_more(hcs_at + 2);
    if (crc16_x25(data + 1, hcs_at - 1) != read_le16(data + hcs_at)) {
      return invalid(DecodeError::kHdlcBadHcs, hcs_at);
    }
    information_at = hcs_at + 2;
  }

  if (size < closing_at + 1) return need_more(closing_at + 1);
  if (crc16_x25(data + 1, fcs_at - 1) != read_le16(data + fcs_at)) {
    return invalid(DecodeError::kHdlcBadFcs, fcs_at);
  }
  if (data[closing_at] != kHdlcFlag) return invalid(DecodeError::kHdlcNoClosingFlag, closing_at);

  bool has_llc = false;
  if (information_at < fcs_at && data[information_at] == kLlc[0]) {
    // E6 starts the LLC header (no APDU starts with it); a damaged one is named as such.
    for (size_t i = 1; i < sizeof kLlc; ++i) {
      if (information_at + i >= fcs_at || data[information_at + i] != kLlc[i]) {
        return invalid(DecodeError::kHdlcNoLlc, information_at + i);
      }
    }
    has_llc = true;
    information_at += sizeof kLlc;
  }
  frame->information = data + information_at;
  frame->information_size = fcs_at - information_at;
  frame->frame_size = closing_at + 1;
  frame->control = data[control_at];
  frame->segmented = (data[1] & kSegmentationBit) != 0;
  frame->has_llc = has_llc;
  return {FrameStatus::kComplete, DecodeError::kTruncated, 0,
          static_cast<uint16_t>(frame->frame_size)};
}

}  // namespace meter::core
