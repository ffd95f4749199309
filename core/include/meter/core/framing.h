// SPDX-License-Identifier: MIT
// How a telegram came over the wire, as the frame assembler recognised it from its bytes.
// Freestanding (firmware uses it): <stdint.h> only.
#pragma once

#include <stdint.h>

namespace meter::core {

enum class Framing : uint8_t {
  kMbus,  // M-Bus long frames 68 L L 68 .. 16 (EN 13757-2), joined by the CI field (EVN, KSM West)
  kHdlc,  // HDLC frame format type 3 7E A0.. 7E (IEC 62056-46), joined by the segmentation bit
          // and by general block transfer blocks (Wiener Netze, Kärnten, Burgenland, ...)
  kApdu,  // a bare DLMS APDU (DB .., E0 .., 0F ..) without a link layer
  kText,  // a text telegram / .. !CRC (P1 companion standard, DSMR style)
};

constexpr const char* framing_name(Framing framing) {
  switch (framing) {
    case Framing::kMbus:
      return "mbus";
    case Framing::kHdlc:
      return "hdlc";
    case Framing::kApdu:
      return "apdu";
    case Framing::kText:
      return "text";
  }
  return "unknown";
}

}  // namespace meter::core
