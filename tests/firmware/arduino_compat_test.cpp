// SPDX-License-Identifier: MIT
// Every core header compiles under Arduino's macros with -fno-exceptions -fno-rtti.
// Standard headers come first, as Arduino.h includes them before it defines its macros.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arduino_macros.h"

// clang-format off
#include "meter/core/decode_error.h"
#include "meter/core/hex.h"
#include "meter/core/mbus_frame.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/result.h"
#include "meter/core/byte_reader.h"
#include "meter/core/obis.h"
#include "meter/core/cosem_datetime.h"
#include "meter/core/axdr.h"
#include "meter/core/gcm_cipher.h"
#include "meter/core/apdu.h"
#include "meter/core/key_ring.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_decoder.h"
#include "meter/core/telegram_encoder.h"
// clang-format on

int main() {
  // Link against the core too: the firmware's path, bytes -> assembler -> hex.
  static meter::core::FrameAssembler assembler;
  const std::uint8_t junk[] = {0x00, 0x68, 0x05};
  const auto result = assembler.push(junk, sizeof junk);
  char text[2 * sizeof junk];
  const std::size_t written = meter::core::encode_hex_upper(junk, sizeof junk, text);
  return result.consumed == sizeof junk && written == sizeof text ? 0 : 1;
}
