// SPDX-License-Identifier: MIT
// The text telegram of the P1 companion standard (DSMR style), as Energienetze Steiermark's
// Sagemcom T210-D-r sends it inside a general-glo-ciphering APDU:
//
//   /EST5\253717584_A CR LF CR LF
//   0-0:1.0.0(230817152425S) CR LF
//   1-0:1.8.0(007112944*Wh) CR LF
//   ...
//   !ED42 CR LF          CRC-16 (poly 0x8005 reflected, init 0) over '/' .. '!'
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/core/result.h"
#include "meter/core/telegram.h"

namespace meter::core {

// CRC-16/ARC as the P1 text telegram uses it.
std::uint16_t crc16_arc(std::span<const std::uint8_t> bytes);

// Parses a whole text telegram (from '/' to the CRC line) into `out` (layout kText).
// `base_offset` is where `text` starts in the caller's bytes, so errors point there.
// Errors: kTruncated (no '!'), kTextBadCrc, kTextBadLine, kBadDateTime.
Status parse_p1_text(std::span<const std::uint8_t> text, std::size_t base_offset, Telegram& out);

}  // namespace meter::core
