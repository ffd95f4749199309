// SPDX-License-Identifier: MIT
// The one decoding path: hex text -> M-Bus frames -> APDU -> decrypt -> A-XDR -> Telegram.
// `smartmeter decode`, the service and replay all call this facade; it is the only place that
// knows the order of the stages.
//
// Errors (DecodeFailure): framing errors carry offsets into the raw telegram bytes, everything
// from the APDU on carries offsets into the reassembled APDU, hex errors carry character offsets.
// An encryption-only frame whose plaintext is not a well-formed data-notification is kWrongKey:
// without a tag, a wrong key is only visible in what it decrypts to.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "meter/core/axdr.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/gcm_cipher.h"
#include "meter/core/key_ring.h"
#include "meter/core/result.h"
#include "meter/core/telegram.h"

namespace meter::core {

inline constexpr std::size_t kMaxTelegramBytes = FrameAssembler::kCapacity;
inline constexpr std::size_t kMaxHexChars = 16 * 1024;  // longer payloads are rejected unread

class TelegramDecoder {
 public:
  TelegramDecoder(GcmCipher& cipher, KeyRing keys);

  // A telegram as hex text (the raw MQTT payload).
  Status decode_hex(std::string_view text, Telegram& out);
  // A telegram as bytes: one or more M-Bus frames, junk before the first is skipped.
  Status decode_frames(std::span<const std::uint8_t> bytes, Telegram& out);
  // One APDU (general-glo-ciphering or a plaintext data-notification); decrypted in place.
  Status decode_apdu(std::span<std::uint8_t> apdu, Telegram& out);
  // A decrypted data-notification.
  Status decode_plaintext(std::span<const std::uint8_t> plaintext, Telegram& out,
                          std::size_t base_offset = 0);

  const KeyRing& keys() const { return keys_; }

 private:
  Status fill_from_plaintext(std::span<const std::uint8_t> plaintext, Telegram& out,
                             std::size_t base_offset);

  GcmCipher& cipher_;
  KeyRing keys_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::uint8_t> apdu_;
  std::unique_ptr<FrameAssembler> assembler_;
  std::unique_ptr<AxdrItems> items_;
};

// Maps A-XDR items of a data-notification body onto `out` by OBIS code (flat EVN layout and
// nested KSM-West layout alike). Exposed for tests.
Status map_registers(std::span<const AxdrItem> items, Telegram& out);

}  // namespace meter::core
