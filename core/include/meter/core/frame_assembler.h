// SPDX-License-Identifier: MIT
// Streaming M-Bus telegram assembler: bytes in any chunking -> complete, checksum-valid telegrams.
//
//   ...junk... | 68 L L 68 .. CI=0x00 .. 16 | 68 L L 68 .. CI=0x11 .. 16 | ...next telegram
//               `---------- segment 0 ----' `-- segment 1, FIN bit ---'
//
// Resynchronises on `68 L L 68` after garbage, checks checksum and stop byte of every frame (with
// the old Sagemcom L + 256 quirk, see mbus_frame.h), and joins segments by the CI field's
// sequence number until the FIN bit. A telegram is the raw bytes of all its frames, so it can be
// forwarded as is; copy_apdu() joins the APDU fragments. Bytes that arrive after a complete
// telegram stay buffered for the next one: nothing is lost between telegrams.
//
// This is the only place that knows the reassembly rules; TelegramDecoder uses it for one-shot
// decoding too. When nothing is buffered and the input holds whole telegrams (one-shot decoding,
// a serial read that caught a whole telegram), a telegram is taken where it lies, without copying
// it; anything else (a frame cut by the end of the input, a bad frame, a segment out of order)
// goes through the buffer. The framing is read in check_frame() only, and a telegram is kept as
// fragments (offset and size in the raw bytes), so another framing fits in beside M-Bus.
//
// Freestanding (the ESP8266 firmware uses it): no heap, no STL, no exceptions; fixed memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "meter/core/decode_error.h"
#include "meter/core/framing.h"
#include "meter/core/mbus_frame.h"

namespace meter::core {

class FrameAssembler {
 public:
  static constexpr size_t kCapacity = 1536;   // raw bytes of one telegram plus look-ahead
  static constexpr size_t kMaxSegments = 16;  // the CI field numbers segments with 4 bits

  enum class Event : uint8_t { kNone, kTelegram, kError };

  struct PushResult {
    size_t consumed;  // bytes taken from the input; stops right after a telegram completes
    Event event;      // kTelegram wins over kError when both happened in one call
  };

  struct Stats {
    uint32_t telegrams;
    uint32_t frames;
    uint32_t checksum_errors;  // bad checksum or stop byte
    uint32_t sequence_errors;  // segment out of order or last segment missing
    uint32_t other_errors;     // bad header, not DLMS, too large
    uint32_t skipped_bytes;    // bytes dropped while looking for a frame start
  };

  FrameAssembler() = default;

  // Feeds bytes. After kTelegram, telegram()/copy_apdu() are valid until the next push or reset,
  // and while the bytes of this push stay unchanged (the telegram may point into them).
  // A push stops right after a telegram completes, so callers loop until all is consumed:
  //   while (size > 0) { auto r = a.push(data, size); data += r.consumed; size -= r.consumed; ... }
  // A telegram already complete in the look-ahead comes out with consumed == 0; push(nullptr, 0)
  // delivers such buffered telegrams without new input.
  PushResult push(const uint8_t* data, size_t size);

  // End of input (one-shot decoding): returns the reason no telegram completed, choosing the
  // most telling one (a checksum error beats "incomplete"; kNoFrame when nothing looked like one).
  DecodeFailure finish() const;

  const uint8_t* telegram() const { return in_place_ != nullptr ? in_place_ : buffer_; }
  size_t telegram_size() const { return ready_ ? telegram_size_ : 0; }
  size_t segment_count() const { return segment_count_; }
  Framing framing() const { return framing_; }
  bool length_quirk() const { return length_quirk_; }

  // Joins the APDU fragments of the ready telegram into `out`. Returns the APDU size, or 0 when
  // no telegram is ready or it does not fit into `capacity`.
  size_t copy_apdu(uint8_t* out, size_t capacity) const;

  DecodeFailure last_error() const { return last_error_; }
  const Stats& stats() const { return stats_; }

  // Forgets buffered bytes and the current telegram; keeps the stats.
  void reset();

 private:
  struct Fragment {
    uint16_t offset;  // from the start of the telegram's raw bytes
    uint16_t size;
  };
  // What the sequence number of the next checked frame means for the telegram being joined.
  enum class Fit : uint8_t { kNext, kRestart, kOutOfOrder };

  static FrameCheck check_frame(const uint8_t* data, size_t size, MbusSegment* segment);
  Fit fit(const MbusSegment& segment) const;
  // Adds a checked frame whose fragment starts `fragment_offset` bytes into the telegram; true
  // when it is the last segment.
  bool append(const MbusSegment& segment, size_t fragment_offset);
  bool take_in_place(const uint8_t* data, size_t size, size_t* consumed);
  Event process();
  void record_error(DecodeError error, uint32_t offset);
  void drop_pending(size_t count);
  void drop_segments();
  void release_telegram();

  uint8_t buffer_[kCapacity];
  size_t size_ = 0;          // bytes in buffer_
  size_t segments_end_ = 0;  // [0, segments_end_) holds the checked frames of this telegram
  size_t telegram_size_ = 0;
  size_t needed_ = 0;  // pending bytes needed before the next check
  Fragment fragments_[kMaxSegments] = {};
  const uint8_t* in_place_ = nullptr;  // the ready telegram in the caller's bytes
  size_t segment_count_ = 0;
  uint8_t next_sequence_ = 0;
  bool ready_ = false;
  bool length_quirk_ = false;
  Framing framing_ = Framing::kMbus;
  uint32_t pending_offset_ = 0;  // stream offset of buffer_[segments_end_]
  uint32_t stream_size_ = 0;     // bytes pushed since construction or reset
  FrameCheck pending_check_ = {FrameStatus::kNeedMore, DecodeError::kTruncated, 0, 0};
  bool has_serious_error_ = false;
  bool has_error_ = false;
  DecodeFailure first_serious_error_ = {DecodeError::kNoFrame, 0};
  DecodeFailure first_error_ = {DecodeError::kNoFrame, 0};
  DecodeFailure last_error_ = {DecodeError::kNoFrame, 0};
  bool error_in_call_ = false;
  Stats stats_ = {};
};

}  // namespace meter::core
