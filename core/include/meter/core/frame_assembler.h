// SPDX-License-Identifier: MIT
// Streaming telegram assembler: bytes in any chunking -> complete, checked telegrams, the framing
// recognised from the bytes.
//
//   ...junk... | 68 L L 68 .. CI=0x00 .. 16 | 68 L L 68 .. CI=0x11 .. 16 |   M-Bus (EN 13757-2)
//   ...junk... | 7E A8 .. (S bit) .. 7E | 7E A0 .. 7E |                        HDLC (IEC 62056-46)
//   ...junk... | 7E A0 .. E6 E7 00 E0 40 .. 7E | 7E A0 .. E0 C0 .. 7E |       HDLC + block transfer
//   ...junk... | /XXX5 ident CR LF .. ! CRC4 CR LF |                           text (P1)
//
// Resynchronises after garbage on the earliest byte that may start any framing (68, 7E, '/'),
// so a 68 inside an HDLC frame is never read as an M-Bus header. M-Bus: checksum and stop byte
// of every frame (with the old Sagemcom L + 256 quirk, see mbus_frame.h), segments joined by the
// CI field's sequence number until the FIN bit. HDLC: HCS, FCS and flags of every frame (see
// hdlc_frame.h), frames joined while the segmentation bit is set, and also while a message's
// information is a general block transfer block (E0) without the last-block bit: the
// Landis+Gyr E450 sends each block in its own unsegmented frame. Text: '/' .. '!' with four hex
// digits and CR LF, bounded by kCapacity (its CRC is checked by parse_p1_text).
//
// A telegram is the raw bytes of all its frames, so it can be forwarded as is; copy_apdu() joins
// the payload fragments (M-Bus APDU fragments, HDLC information fields without the LLC, the whole
// text). Bytes that arrive after a complete telegram stay buffered for the next one.
//
// This is the only place that knows the reassembly rules; TelegramDecoder uses it for one-shot
// decoding too. When nothing is buffered and the input holds whole telegrams (one-shot decoding,
// a serial read that caught a whole telegram), a telegram is taken where it lies, without copying
// it; anything else (a frame cut by the end of the input, a bad frame, a segment out of order)
// goes through the buffer. The framing is read in check_frame() only.
//
// Freestanding (the ESP8266 firmware uses it): no heap, no STL, no exceptions; fixed memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "meter/core/decode_error.h"
#include "meter/core/framing.h"
#include "meter/core/hdlc_frame.h"
#include "meter/core/mbus_frame.h"

namespace meter::core {

class FrameAssembler {
 public:
  static constexpr size_t kCapacity = 1536;  // raw bytes of one telegram plus look-ahead
  // The CI field numbers M-Bus segments with 4 bits; HDLC frames of one telegram are bounded
  // by the same count.
  static constexpr size_t kMaxSegments = 16;

  enum class Event : uint8_t { kNone, kTelegram, kError };

  struct PushResult {
    size_t consumed;  // bytes taken from the input; stops right after a telegram completes
    Event event;      // kTelegram wins over kError when both happened in one call
  };

  struct Stats {
    uint32_t telegrams;
    uint32_t frames;
    uint32_t checksum_errors;  // bad checksum or stop byte (M-Bus), HCS or FCS (HDLC)
    uint32_t sequence_errors;  // segment out of order or last segment missing
    uint32_t other_errors;     // bad header, not DLMS, no closing flag, too large
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
  // One checked frame of any framing, as the joining rules need it.
  struct Checked {
    uint16_t fragment_offset;  // payload start, from the frame start
    uint16_t fragment_size;
    uint16_t frame_size;
    uint16_t information_offset;  // HDLC: information start (before the LLC), for errors
    Framing framing;
    uint8_t sequence;   // M-Bus: CI sequence number
    bool first;         // starts a telegram: M-Bus sequence 0, HDLC with LLC, text
    bool more;          // M-Bus: no FIN bit; HDLC: S bit set
    bool block_more;    // HDLC: information is a block transfer block without the last-block bit
    bool length_quirk;  // M-Bus L + 256
    bool apdu_start;    // HDLC: information begins like an APDU (DB, 0F, block 1)
  };
  // What the next checked frame means for the telegram being joined.
  enum class Fit : uint8_t { kNext, kRestart, kOutOfOrder, kTooMany };

  static FrameCheck check_frame(const uint8_t* data, size_t size, Checked* checked);
  Fit fit(const Checked& frame) const;
  // Adds a checked frame whose fragment starts `fragment_offset` bytes into the telegram; true
  // when it completes the telegram.
  bool append(const Checked& frame, size_t fragment_offset);
  DecodeFailure out_of_order(const Checked& frame) const;
  bool give_up_in_place();
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
  bool chain_open_ = false;   // HDLC: the last frame had the S bit set
  bool blocks_open_ = false;  // HDLC: the current message is a block transfer block, not the last
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
