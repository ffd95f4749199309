// SPDX-License-Identifier: MIT
#include "meter/core/mbus_frame.h"

namespace meter::core {
namespace {

FrameCheck need_more(size_t needed, DecodeError pending = DecodeError::kTruncated,
                     size_t offset = 0) {
  return {FrameStatus::kNeedMore, pending, static_cast<uint16_t>(offset),
          static_cast<uint16_t>(needed)};
}

FrameCheck invalid(DecodeError error, size_t offset) {
  return {FrameStatus::kInvalid, error, static_cast<uint16_t>(offset), 0};
}

// CI fields of the EN 13757-3 / OMS application and transport layers (responses with no, short
// and long header, the extended link layer, the authentication and fragmentation layer): a meter
// that sends these (Netz OÖ's AMIS meters) speaks OMS, not DLMS.
bool is_oms_ci(uint8_t ci) {
  switch (ci) {
    case 0x72:  // response, long transport header
    case 0x78:  // response, no transport header
    case 0x7A:  // response, short transport header
    case 0x5A:  // command, short transport header
    case 0x5B:  // command, long transport header
    case 0x8A:  // transport layer from the device, short header
    case 0x8B:  // transport layer from the device, long header
    case 0x8C:  // extended link layer, 2 bytes
    case 0x8D:  // extended link layer, 8 bytes
    case 0x8E:  // extended link layer, 10 bytes
    case 0x8F:  // extended link layer, 16 bytes
    case 0x90:  // authentication and fragmentation layer
      return true;
    default:
      return false;
  }
}

uint8_t checksum(const uint8_t* data, size_t size) {
  unsigned sum = 0;
  for (size_t i = 0; i < size; ++i) sum += data[i];
  return static_cast<uint8_t>(sum);
}

// Checks the frame body if it is `length` bytes long; the caller made sure the bytes are there.
FrameCheck check_body(const uint8_t* data, size_t length) {
  const size_t checksum_offset = kMbusHeaderBytes + length;
  if (checksum(data + kMbusHeaderBytes, length) != data[checksum_offset]) {
    return invalid(DecodeError::kBadChecksum, checksum_offset);
  }
  if (data[checksum_offset + 1] != kMbusStop) {
    return invalid(DecodeError::kBadStopByte, checksum_offset + 1);
  }
  return {FrameStatus::kComplete, DecodeError::kTruncated, 0,
          static_cast<uint16_t>(checksum_offset + 2)};
}

}  // namespace

FrameCheck check_mbus_frame(const uint8_t* data, size_t size, MbusSegment* segment) {
  if (size < 1) return need_more(1);
  if (data[0] != kMbusStart) return invalid(DecodeError::kBadStartByte, 0);
  if (size < 3) return need_more(3);
  if (data[1] != data[2]) return invalid(DecodeError::kLengthMismatch, 2);
  if (size < kMbusHeaderBytes) return need_more(kMbusHeaderBytes);
  if (data[3] != kMbusStart) return invalid(DecodeError::kBadStartByte, 3);

  const size_t length_field = data[1];
  size_t length = length_field;
  bool quirk = false;
  // A DLMS segment needs at least C A CI STSAP DTSAP, so a shorter L can only be the quirk.
  const bool plain_possible = length_field >= kMbusSegmentHeaderBytes;
  FrameCheck at_length = need_more(0);
  if (plain_possible) {
    const size_t total = kMbusHeaderBytes + length + 2;
    if (size < total) return need_more(total);
    at_length = check_body(data, length);
  }
  if (!plain_possible || at_length.status != FrameStatus::kComplete) {
    length = length_field + 256;
    const size_t total = kMbusHeaderBytes + length + 2;
    if (size < total) {
      return plain_possible ? need_more(total, at_length.error, at_length.offset)
                            : need_more(total);
    }
    const FrameCheck at_quirk = check_body(data, length);
    if (at_quirk.status != FrameStatus::kComplete) return plain_possible ? at_length : at_quirk;
    quirk = true;
  }

  const uint8_t ci = data[6];
  if (ci > (kCiFinBit | kCiSequenceMask)) {
    return invalid(is_oms_ci(ci) ? DecodeError::kOmsTelegram : DecodeError::kNotDlms, 6);
  }
  segment->control = data[4];
  segment->address = data[5];
  segment->ci = ci;
  segment->fragment = data + kMbusHeaderBytes + kMbusSegmentHeaderBytes;
  segment->fragment_size = length - kMbusSegmentHeaderBytes;
  segment->frame_size = kMbusHeaderBytes + length + 2;
  segment->length_quirk = quirk;
  return {FrameStatus::kComplete, DecodeError::kTruncated, 0,
          static_cast<uint16_t>(segment->frame_size)};
}

}  // namespace meter::core
