// SPDX-License-Identifier: MIT
// One HDLC frame, frame format type 3 (IEC 62056-46), as the optical and RJ12 customer
// interfaces send DLMS:
//
//   7E | A0 LL (format 0xA, segmentation bit S, 11-bit length) | destination address (1..4) |
//   source address (1..4) | control | HCS (2) | [LLC E6 E7 00 in a message's first frame]
//   information ... | FCS (2) | 7E
//   Address bytes end with the byte whose lowest bit is 1. HCS and FCS: CRC-16/X.25, low byte
//   first. The length counts from the format byte to the FCS (flags excluded).
//
// Freestanding (firmware uses it): <stdint.h>, <stddef.h> only; works on the caller's bytes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "meter/core/decode_error.h"
#include "meter/core/mbus_frame.h"

namespace meter::core {

inline constexpr uint8_t kHdlcFlag = 0x7E;

struct HdlcFrame {
  const uint8_t* information;  // after HCS (and after the LLC header when `has_llc`)
  size_t information_size;
  size_t frame_size;  // whole frame, 7E .. 7E
  uint8_t control;
  bool segmented;  // S bit: more frames of this message follow
  bool has_llc;
};

// CRC-16/X.25 (poly 0x1021 reflected, init and final xor 0xFFFF).
uint16_t crc16_x25(const uint8_t* data, size_t size);

// Checks the frame that starts at data[0] (a 7E). Fills `frame` when kComplete.
// The header is checked as soon as its bytes are there (kNeedMore asks step by step), so a 7E A?
// inside other data fails after a few bytes. A frame without information has no HCS (its FCS
// follows the control byte): kComplete with information_size 0. kInvalid offsets: 0 flag,
// 1 format or length (too short for its header), the first byte of an address without its end
// bit, the HCS, the FCS, the closing flag; kHdlcNoLlc at the first wrong byte of an information
// field that starts with E6 but not E6 E7 00.
FrameCheck check_hdlc_frame(const uint8_t* data, size_t size, HdlcFrame* frame);

}  // namespace meter::core
