// SPDX-License-Identifier: MIT
// One M-Bus long frame carrying a DLMS segment (EN 13757-2 link layer, EN 13757-1 DLMS transport).
//
//   68 | L | L | 68 | C | A | CI | STSAP | DTSAP | APDU fragment ... | CS | 16
//   CS = sum of the bytes from C to the last fragment byte, mod 256; L counts C .. last fragment
//   byte. CI: bit 4 = FIN (last segment), bits 3..0 = segment number; 0x00..0x1F are DLMS segments.
//
// Old Sagemcom T210-D firmware (before V0450) sends a first frame of 257 bytes with L = 0x01
// (257 mod 256): when checksum and stop byte do not fit at L, the frame is tried at L + 256
// (vectors evn_sagemcom_t210d_pre_v0450_2023, synthetic_evn_sagemcom_old_framing_int16_pf).
//
// Freestanding (firmware uses it): <stdint.h>, <stddef.h> only; works on the caller's bytes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "meter/core/decode_error.h"

namespace meter::core {

inline constexpr uint8_t kMbusStart = 0x68;
inline constexpr uint8_t kMbusStop = 0x16;
inline constexpr uint8_t kCiFinBit = 0x10;
inline constexpr uint8_t kCiSequenceMask = 0x0F;
inline constexpr size_t kMbusHeaderBytes = 4;         // 68 L L 68
inline constexpr size_t kMbusSegmentHeaderBytes = 5;  // C A CI STSAP DTSAP
inline constexpr size_t kMbusMaxFrameBytes = 4 + 255 + 256 + 2;

struct MbusSegment {
  const uint8_t* fragment;  // APDU bytes after DTSAP (points into the checked buffer)
  size_t fragment_size;
  size_t frame_size;  // whole frame, 68 .. 16
  uint8_t control;
  uint8_t address;
  uint8_t ci;
  bool length_quirk;  // true when the frame only fit at L + 256

  bool is_last() const { return (ci & kCiFinBit) != 0; }
  uint8_t sequence() const { return ci & kCiSequenceMask; }
};

enum class FrameStatus : uint8_t { kComplete, kNeedMore, kInvalid };

struct FrameCheck {
  FrameStatus status;
  // kInvalid: why, at `offset` from the frame start. kNeedMore: kTruncated, or the error the frame
  // has at L while the L + 256 reading still waits for bytes (reported if the input ends).
  DecodeError error;
  uint16_t offset;
  uint16_t needed;      // kNeedMore: check again once this many bytes are there
  uint16_t unused = 0;  // pads to 8 bytes: returned in one register
};

// Checks the frame that starts at data[0]. Fills `segment` when kComplete.
FrameCheck check_mbus_frame(const uint8_t* data, size_t size, MbusSegment* segment);

}  // namespace meter::core
