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
#include "meter/core/value_layout.h"

namespace meter::core {

// What the bytes cannot tell and the operator profile knows.
struct DecoderOptions {
  ProviderLayout layout = ProviderLayout::kAuto;
};

inline constexpr std::size_t kMaxTelegramBytes = FrameAssembler::kCapacity;
inline constexpr std::size_t kMaxHexChars = 16 * 1024;  // longer payloads are rejected unread

class TelegramDecoder {
 public:
  TelegramDecoder(GcmCipher& cipher, KeyRing keys, DecoderOptions options = {});

  // A telegram as hex text (the raw MQTT payload).
  Status decode_hex(std::string_view text, Telegram& out);
  // A telegram as bytes: the frames of one telegram (M-Bus, HDLC, text; junk before the first is
  // skipped), or a bare APDU (DB, E0, 0F first).
  Status decode_frames(std::span<const std::uint8_t> bytes, Telegram& out);
  // What a link layer carried: a text telegram, general block transfer blocks, or one APDU.
  Status decode_payload(std::span<std::uint8_t> payload, Telegram& out);
  // One APDU (general-glo-ciphering or a plaintext data-notification); decrypted in place.
  Status decode_apdu(std::span<std::uint8_t> apdu, Telegram& out);
  // A decrypted data-notification.
  Status decode_plaintext(std::span<const std::uint8_t> plaintext, Telegram& out,
                          std::size_t base_offset = 0);

  const KeyRing& keys() const { return keys_; }

  // The steps PayloadReader takes through a payload of several telegrams: hex text into the
  // decoder's byte buffer, then one telegram at a time from `offset` (moved past it; to the end
  // on a framing failure), while a frame (68 L L 68, 7E A?, '/') starts at `offset`.
  Status load_hex(std::string_view text);
  Status decode_loaded(std::size_t& offset, Telegram& out);
  bool frame_starts_at(std::size_t offset) const;

 private:
  Status decode_frames_from(std::span<const std::uint8_t> bytes, Telegram& out,
                            std::size_t& consumed);
  Status fill_from_plaintext(std::span<const std::uint8_t> plaintext, Telegram& out,
                             std::size_t base_offset);

  GcmCipher& cipher_;
  KeyRing keys_;
  DecoderOptions options_;
  std::vector<std::uint8_t> bytes_;
  std::size_t loaded_size_ = 0;  // bytes of the last load_hex()
  std::vector<std::uint8_t> apdu_;
  std::vector<std::uint8_t> joined_;  // general block transfer: the blocks' data joined
  std::unique_ptr<FrameAssembler> assembler_;
  std::unique_ptr<AxdrItems> items_;
};

// The telegrams of one payload, in order. A payload (an MQTT message, a journal record, a file
// for `smartmeter decode`) holds one telegram, or several: one per line, or the M-Bus frames of
// several telegrams back to back in one hex string; or it is one telegram wrapped over several
// lines (a pasted hex dump: its first line alone is an incomplete frame).
//
//   PayloadReader telegrams(decoder, payload);
//   for (Status status; telegrams.next(telegram, status);) { ... }
//
// A payload always yields at least one outcome (an empty one fails as before); bytes after the
// last telegram of a line that do not start a frame header are ignored, as for one telegram.
class PayloadReader {
 public:
  PayloadReader(TelegramDecoder& decoder, std::string_view payload);

  // Decodes the next telegram into `out`, its outcome into `status`; false when none is left.
  bool next(Telegram& out, Status& status);
  // The payload's line (1-based) of the telegram last returned.
  std::size_t line() const { return line_; }
  // True when the payload is read line by line (several telegrams on several lines).
  bool by_line() const { return by_line_; }

 private:
  bool next_line(std::string_view& line);

  TelegramDecoder& decoder_;
  std::string_view payload_;
  std::size_t line_start_ = 0;  // by line: where the next line begins
  std::size_t line_ = 0;
  bool by_line_ = false;
  bool started_ = false;
  bool whole_taken_ = false;
  bool bytes_left_ = false;  // the loaded line may hold another telegram at byte_offset_
  std::size_t byte_offset_ = 0;
};

}  // namespace meter::core
