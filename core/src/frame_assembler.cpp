// SPDX-License-Identifier: MIT
#include "meter/core/frame_assembler.h"

#include <string.h>

namespace meter::core {
namespace {

constexpr FrameCheck kNothingPending = {FrameStatus::kNeedMore, DecodeError::kTruncated, 0, 0};

constexpr uint8_t kBlockTransfer = 0xE0;  // general-block-transfer APDU tag
constexpr uint8_t kLastBlockBit = 0x80;   // its block-control byte: last block
constexpr uint8_t kGeneralGloCipheringTag = 0xDB;
constexpr uint8_t kDataNotificationTag = 0x0F;
constexpr uint8_t kTextStart = '/';
constexpr uint8_t kTextEnd = '!';
constexpr size_t kTextCrcDigits = 4;

bool may_start_frame(const uint8_t* data, size_t size) {
  // 68 (M-Bus), 7E followed by the frame format type 3 nibble (HDLC; the second byte is looked
  // at when it is there, so a 7E closing flag followed by junk is passed over), '/' (text).
  if (data[0] == kMbusStart || data[0] == kTextStart) return true;
  if (data[0] != kHdlcFlag) return false;
  return size < 2 || (data[1] & 0xF0U) == 0xA0U;
}

size_t index_of_start(const uint8_t* data, size_t size) {
  size_t i = 0;
  while (i < size && !may_start_frame(data + i, size - i)) ++i;
  return i;
}

bool is_text_byte(uint8_t byte) {
  return (byte >= 0x20 && byte < 0x7F) || byte == '\r' || byte == '\n';
}

bool is_letter(uint8_t byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z');
}

bool is_hex_digit(uint8_t byte) {
  return (byte >= '0' && byte <= '9') || (byte >= 'A' && byte <= 'F') ||
         (byte >= 'a' && byte <= 'f');
}

FrameCheck text_invalid(DecodeError error, size_t offset) {
  return {FrameStatus::kInvalid, error, static_cast<uint16_t>(offset), 0};
}

// A text telegram: '/', three letters (the manufacturer), printable lines, '!', four hex digits,
// CR LF. A '/' that is not followed by that up to the end of its first line is not a telegram
// start (kNoFrame: resynchronisation noise); a break after the first line is kTextBadLine.
FrameCheck check_text_frame(const uint8_t* data, size_t size, size_t capacity) {
  if (size < 1) return {FrameStatus::kNeedMore, DecodeError::kTruncated, 0, 1};
  if (data[0] != kTextStart) return text_invalid(DecodeError::kNoFrame, 0);
  bool first_line_done = false;
  for (size_t i = 1; i < size; ++i) {
    const uint8_t byte = data[i];
    if (i <= 3 && !is_letter(byte)) return text_invalid(DecodeError::kNoFrame, i);
    if (!is_text_byte(byte)) {
      return text_invalid(first_line_done ? DecodeError::kTextBadLine : DecodeError::kNoFrame, i);
    }
    if (byte == '\n') first_line_done = true;
    if (byte != kTextEnd) continue;
    if (!first_line_done) return text_invalid(DecodeError::kNoFrame, i);
    const size_t total = i + 1 + kTextCrcDigits + 2;
    if (total > capacity) return text_invalid(DecodeError::kTooLarge, 0);
    if (size < total) {
      return {FrameStatus::kNeedMore, DecodeError::kTruncated, 0, static_cast<uint16_t>(total)};
    }
    for (size_t d = i + 1; d < i + 1 + kTextCrcDigits; ++d) {
      if (!is_hex_digit(data[d])) return text_invalid(DecodeError::kTextBadLine, d);
    }
    if (data[total - 2] != '\r' || data[total - 1] != '\n') {
      return text_invalid(DecodeError::kTextBadLine, total - 2);
    }
    return {FrameStatus::kComplete, DecodeError::kTruncated, 0, static_cast<uint16_t>(total)};
  }
  if (size >= capacity) return text_invalid(DecodeError::kTooLarge, 0);
  return {FrameStatus::kNeedMore, DecodeError::kTruncated, 0, static_cast<uint16_t>(size + 1)};
}

bool is_serious(DecodeError error) {
  // Header mismatches are what resynchronisation over junk produces; these are not.
  return error != DecodeError::kBadStartByte && error != DecodeError::kLengthMismatch;
}

}  // namespace

void FrameAssembler::reset() {
  size_ = segments_end_ = telegram_size_ = needed_ = segment_count_ = 0;
  next_sequence_ = 0;
  chain_open_ = blocks_open_ = false;
  ready_ = length_quirk_ = false;
  in_place_ = nullptr;
  pending_offset_ = stream_size_ = 0;
  pending_check_ = kNothingPending;
  has_serious_error_ = has_error_ = error_in_call_ = false;
}

void FrameAssembler::record_error(DecodeError error, uint32_t offset) {
  if (!is_serious(error)) {
    // A `68` inside data that is not a frame header: resynchronisation noise, not an error of
    // its own (it only matters for finish() when nothing else went wrong).
    if (!has_error_) first_error_ = {error, offset};
    has_error_ = true;
    return;
  }
  last_error_ = {error, offset};
  error_in_call_ = true;
  if (!has_error_) first_error_ = last_error_;
  has_error_ = true;
  if (!has_serious_error_) {
    first_serious_error_ = last_error_;
    has_serious_error_ = true;
  }
  switch (error) {
    case DecodeError::kBadChecksum:
    case DecodeError::kBadStopByte:
    case DecodeError::kHdlcBadHcs:
    case DecodeError::kHdlcBadFcs:
      ++stats_.checksum_errors;
      break;
    case DecodeError::kBadSegmentSequence:
    case DecodeError::kIncomplete:
    case DecodeError::kHdlcBadSegment:
    case DecodeError::kHdlcNoLlc:
      ++stats_.sequence_errors;
      break;
    default:
      ++stats_.other_errors;
      break;
  }
}

void FrameAssembler::drop_pending(size_t count) {
  const size_t pending = size_ - segments_end_;
  if (count > pending) count = pending;
  memmove(buffer_ + segments_end_, buffer_ + segments_end_ + count, pending - count);
  size_ -= count;
  pending_offset_ += static_cast<uint32_t>(count);
  needed_ = 0;
  pending_check_ = kNothingPending;
}

void FrameAssembler::drop_segments() {
  memmove(buffer_, buffer_ + segments_end_, size_ - segments_end_);
  size_ -= segments_end_;
  segments_end_ = 0;
  segment_count_ = 0;
  length_quirk_ = false;
  chain_open_ = blocks_open_ = false;
}

void FrameAssembler::release_telegram() {
  if (in_place_ != nullptr) {
    // It lay in the caller's bytes: nothing of it is buffered.
    in_place_ = nullptr;
    segment_count_ = 0;
    length_quirk_ = false;
    chain_open_ = blocks_open_ = false;
  } else {
    // The telegram's frames are [0, segments_end_); bytes after them wait for the next one.
    drop_segments();
  }
  ready_ = false;
  telegram_size_ = 0;
  needed_ = 0;
  has_error_ = has_serious_error_ = false;
}

FrameCheck FrameAssembler::check_frame(const uint8_t* data, size_t size, Checked* checked) {
  if (data[0] == kHdlcFlag) {
    HdlcFrame frame{};
    FrameCheck check = check_hdlc_frame(data, size, &frame);
    // 7E without a format type 3 byte after it: a closing flag or junk, not an error of its own.
    if (check.status == FrameStatus::kInvalid && check.error == DecodeError::kHdlcBadFormat &&
        check.offset <= 1) {
      check.error = DecodeError::kNoFrame;
    }
    if (check.status != FrameStatus::kComplete) return check;
    const size_t llc = frame.has_llc ? 3 : 0;
    const auto information = static_cast<size_t>(frame.information - data);
    *checked = {};
    checked->framing = Framing::kHdlc;
    checked->fragment_offset = static_cast<uint16_t>(information);
    checked->fragment_size = static_cast<uint16_t>(frame.information_size);
    checked->frame_size = static_cast<uint16_t>(frame.frame_size);
    checked->information_offset = static_cast<uint16_t>(information - llc);
    checked->first = frame.has_llc;
    checked->more = frame.segmented;
    const uint8_t* info = frame.information;
    const size_t info_size = frame.information_size;
    checked->block_more =
        info_size >= 2 && info[0] == kBlockTransfer && (info[1] & kLastBlockBit) == 0;
    // Block transfer: E0, block control, block number (2 bytes): block 1 starts a message.
    checked->apdu_start =
        info_size >= 1 &&
        (info[0] == kGeneralGloCipheringTag || info[0] == kDataNotificationTag ||
         (info[0] == kBlockTransfer && info_size >= 4 && info[2] == 0 && info[3] == 1));
    return check;
  }
  if (data[0] == kTextStart) {
    const FrameCheck check = check_text_frame(data, size, kCapacity);
    if (check.status != FrameStatus::kComplete) return check;
    *checked = {};
    checked->framing = Framing::kText;
    checked->fragment_size = check.needed;
    checked->frame_size = check.needed;
    checked->first = true;
    return check;
  }
  MbusSegment segment{};
  const FrameCheck check = check_mbus_frame(data, size, &segment);
  if (check.status != FrameStatus::kComplete) return check;
  *checked = {};
  checked->framing = Framing::kMbus;
  checked->fragment_offset = static_cast<uint16_t>(segment.fragment - data);
  checked->fragment_size = static_cast<uint16_t>(segment.fragment_size);
  checked->frame_size = static_cast<uint16_t>(segment.frame_size);
  checked->sequence = segment.sequence();
  checked->first = segment.sequence() == 0;
  checked->more = !segment.is_last();
  checked->length_quirk = segment.length_quirk;
  return check;
}

FrameAssembler::Fit FrameAssembler::fit(const Checked& frame) const {
  const bool joining = segment_count_ > 0;
  if (frame.first) return joining ? Fit::kRestart : Fit::kNext;
  if (!joining || frame.framing != framing_) return Fit::kOutOfOrder;
  if (segment_count_ == kMaxSegments) return Fit::kTooMany;
  if (frame.framing == Framing::kMbus && frame.sequence != next_sequence_) return Fit::kOutOfOrder;
  return Fit::kNext;
}

DecodeFailure FrameAssembler::out_of_order(const Checked& frame) const {
  if (frame.framing == Framing::kMbus) return {DecodeError::kBadSegmentSequence, 6};
  // An HDLC frame without LLC and nothing to continue: a message start that lacks the LLC
  // (it begins like an APDU) or a segment whose first frame was lost.
  return {frame.apdu_start ? DecodeError::kHdlcNoLlc : DecodeError::kHdlcBadSegment,
          frame.information_offset};
}

bool FrameAssembler::append(const Checked& frame, size_t fragment_offset) {
  static_assert(kMaxSegments == kCiSequenceMask + 1, "sequence numbers bound the segments");
  static_assert(kCapacity <= 0xFFFF, "fragments are kept as 16-bit offsets");
  fragments_[segment_count_++] = {static_cast<uint16_t>(fragment_offset), frame.fragment_size};
  framing_ = frame.framing;
  length_quirk_ = length_quirk_ || frame.length_quirk;
  next_sequence_ = static_cast<uint8_t>((frame.sequence + 1) & kCiSequenceMask);
  if (frame.framing != Framing::kHdlc) return !frame.more;
  // The first frame of an S-bit chain tells whether the chain carries a block that is not the
  // last one of a block transfer.
  if (!chain_open_) blocks_open_ = frame.block_more;
  chain_open_ = frame.more;
  return !chain_open_ && !blocks_open_;
}

bool FrameAssembler::give_up_in_place() {
  segment_count_ = 0;
  length_quirk_ = false;
  chain_open_ = blocks_open_ = false;
  return false;
}

bool FrameAssembler::take_in_place(const uint8_t* data, size_t size, size_t* consumed) {
  // Only the plain case: frames back to back from the first frame start to the last segment.
  // Whatever else happens is left to the buffered path, which starts over on the same bytes.
  const size_t skip = index_of_start(data, size);
  const uint8_t* telegram = data + skip;
  const size_t available = size - skip;
  size_t end = 0;
  for (;;) {
    if (end >= available) return give_up_in_place();
    Checked frame{};
    const FrameCheck check = check_frame(telegram + end, available - end, &frame);
    if (check.status != FrameStatus::kComplete || fit(frame) != Fit::kNext ||
        end + frame.frame_size > kCapacity) {
      return give_up_in_place();
    }
    const bool last = append(frame, end + frame.fragment_offset);
    end += frame.frame_size;
    if (last) break;
  }
  stats_.skipped_bytes += static_cast<uint32_t>(skip);
  stats_.frames += static_cast<uint32_t>(segment_count_);
  ++stats_.telegrams;
  pending_offset_ += static_cast<uint32_t>(skip + end);
  stream_size_ += static_cast<uint32_t>(skip + end);
  in_place_ = telegram;
  telegram_size_ = end;
  ready_ = true;
  *consumed = skip + end;
  return true;
}

FrameAssembler::Event FrameAssembler::process() {
  for (;;) {
    const size_t pending = size_ - segments_end_;
    if (pending == 0) return Event::kNone;
    uint8_t* frame = buffer_ + segments_end_;
    if (!may_start_frame(frame, pending)) {
      const size_t skip = index_of_start(frame, pending);
      stats_.skipped_bytes += static_cast<uint32_t>(skip);
      drop_pending(skip);
      continue;
    }
    if (pending < needed_) return Event::kNone;

    Checked checked{};
    const FrameCheck check = check_frame(frame, pending, &checked);
    if (check.status == FrameStatus::kNeedMore) {
      needed_ = check.needed;
      pending_check_ = check;
      return Event::kNone;
    }
    pending_check_ = kNothingPending;
    if (check.status == FrameStatus::kInvalid) {
      // kNoFrame: a 7E or '/' in other data, passed over without a word.
      if (check.error != DecodeError::kNoFrame) {
        record_error(check.error, pending_offset_ + check.offset);
      }
      ++stats_.skipped_bytes;
      drop_pending(1);
      continue;
    }

    ++stats_.frames;
    needed_ = 0;
    const Fit fits = fit(checked);
    if (fits == Fit::kRestart) {
      record_error(DecodeError::kIncomplete, pending_offset_);
      drop_segments();
    } else if (fits != Fit::kNext) {
      const DecodeFailure why =
          fits == Fit::kTooMany ? DecodeFailure{DecodeError::kTooLarge, 0} : out_of_order(checked);
      record_error(why.code, pending_offset_ + why.offset);
      drop_segments();
      drop_pending(checked.frame_size);
      continue;
    }
    const bool last = append(checked, segments_end_ + checked.fragment_offset);
    segments_end_ += checked.frame_size;
    pending_offset_ += static_cast<uint32_t>(checked.frame_size);
    if (last) {
      telegram_size_ = segments_end_;
      ready_ = true;
      ++stats_.telegrams;
      return Event::kTelegram;
    }
  }
}

FrameAssembler::PushResult FrameAssembler::push(const uint8_t* data, size_t size) {
  if (ready_) release_telegram();
  error_in_call_ = false;
  if (data == nullptr) size = 0;
  size_t consumed = 0;
  if (size_ == 0 && size > 0 && take_in_place(data, size, &consumed)) {
    return {consumed, Event::kTelegram};
  }
  for (;;) {
    if (process() == Event::kTelegram) return {consumed, Event::kTelegram};
    if (consumed == size) break;

    size_t pending = size_ - segments_end_;
    if (pending == 0) {
      // Hunting for a frame start: skip junk without buffering it.
      const size_t skip = index_of_start(data + consumed, size - consumed);
      stats_.skipped_bytes += static_cast<uint32_t>(skip);
      consumed += skip;
      pending_offset_ += static_cast<uint32_t>(skip);
      stream_size_ += static_cast<uint32_t>(skip);
      if (consumed == size) break;
    }
    pending = size_ - segments_end_;
    size_t want = needed_ > pending ? needed_ - pending : 1;
    if (want > size - consumed) want = size - consumed;
    if (want > kCapacity - size_) want = kCapacity - size_;
    if (want == 0) {
      // Full without a complete telegram: start over from the next frame start.
      record_error(DecodeError::kTooLarge, pending_offset_);
      drop_segments();
      drop_pending(1);
      continue;
    }
    memcpy(buffer_ + size_, data + consumed, want);
    size_ += want;
    consumed += want;
    stream_size_ += static_cast<uint32_t>(want);
  }
  return {consumed, error_in_call_ ? Event::kError : Event::kNone};
}

DecodeFailure FrameAssembler::finish() const {
  if (ready_) return {DecodeError::kNoFrame, 0};  // not a failure; callers check the event
  const bool pending_frame = size_ > segments_end_;
  if (pending_frame && pending_check_.error != DecodeError::kTruncated) {
    return {pending_check_.error, pending_offset_ + pending_check_.offset};
  }
  if (has_serious_error_) return first_serious_error_;
  if (pending_frame) return {DecodeError::kTruncated, stream_size_};
  if (segment_count_ > 0) return {DecodeError::kIncomplete, stream_size_};
  if (has_error_) return first_error_;
  return {DecodeError::kNoFrame, 0};
}

size_t FrameAssembler::copy_apdu(uint8_t* out, size_t capacity) const {
  if (!ready_) return 0;
  size_t total = 0;
  for (size_t i = 0; i < segment_count_; ++i) total += fragments_[i].size;
  if (total > capacity) return 0;
  const uint8_t* raw = telegram();
  size_t written = 0;
  for (size_t i = 0; i < segment_count_; ++i) {
    memcpy(out + written, raw + fragments_[i].offset, fragments_[i].size);
    written += fragments_[i].size;
  }
  return written;
}

}  // namespace meter::core
