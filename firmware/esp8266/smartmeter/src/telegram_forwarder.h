// SPDX-License-Identifier: MIT
// UART bytes -> complete, checksum-valid telegrams as uppercase hex, handed to a sink (the MQTT
// publisher on the device, a recorder in tests).
//
//   UART read 1: junk .. 68 FA FA 68 53 FF 00 01 67 DB 08 ..     (any chunking, any junk)
//   UART read 2: .. 16 68 14 14 68 53 FF 11 01 67 .. 16          -> sink("68FAFA68..16")
//
// The core's FrameAssembler does the framing, M-Bus (start bytes, both L fields, checksum, stop
// byte, segment order, the old Sagemcom L + 256 quirk), HDLC (flags, HCS, FCS, segments, block
// transfer blocks in frames of their own) or P1 text (/ .. !CRC), recognised from the bytes, so a
// telegram is only forwarded when all its frames are intact; a fragment from booting mid-telegram,
// a damaged frame or line noise is dropped and counted. Memory is fixed: the assembler's buffer
// plus one hex copy of the largest telegram it can hold.
//
// Freestanding (cross-compiled for the ESP8266): <stddef.h>, <stdint.h> and the core's
// freestanding assembler only.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "meter/core/frame_assembler.h"

namespace meter::firmware {

// Receives each telegram as uppercase hex: `hex` holds `length` characters plus a NUL and stays
// valid during the call only. The sink counts what it managed to send.
class TelegramSink {
 public:
  virtual ~TelegramSink() = default;
  virtual void publish_telegram(const char* hex, size_t length) = 0;
};

class TelegramForwarder {
 public:
  static constexpr size_t kMaxHexChars = 2 * core::FrameAssembler::kCapacity;

  struct Counters {
    uint32_t telegrams;  // complete, checksum-valid telegrams handed to the sink
    uint32_t resyncs;    // junk runs: times the start of a frame had to be searched for
  };

  // Feeds one UART read. Every telegram that completes goes to `sink` before this returns.
  // Returns the number of telegrams handed to the sink.
  size_t feed(const uint8_t* data, size_t size, TelegramSink& sink);

  const Counters& counters() const { return counters_; }
  // Framing counters of the assembler: checksum_errors, sequence_errors, other_errors,
  // skipped_bytes, frames, telegrams.
  const core::FrameAssembler::Stats& framing() const { return assembler_.stats(); }

 private:
  void track_sync();
  void deliver(TelegramSink& sink);

  core::FrameAssembler assembler_;
  char hex_[kMaxHexChars + 1] = {};
  Counters counters_ = {};
  uint32_t seen_skipped_ = 0;
  uint32_t seen_frames_ = 0;
  bool searching_ = false;
};

}  // namespace meter::firmware
