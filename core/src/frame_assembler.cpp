// SPDX-License-Identifier: MIT
#include "meter/core/frame_assembler.h"

#include <string.h>

namespace meter::core {
namespace {

constexpr FrameCheck kNothingPending = {FrameStatus::kNeedMore, DecodeError::kTruncated, 0, 0};

size_t index_of_start(const uint8_t* data, size_t size) {
  size_t i = 0;
  while (i < size && data[i] != kMbusStart) ++i;
  return i;
}

bool is_serious(DecodeError error) {
  // Header mismatches are what resynchronisation over junk produces; these are not.
  return error != DecodeError::kBadStartByte && error != DecodeError::kLengthMismatch;
}

}  // namespace

void FrameAssembler::reset() {
  size_ = segments_end_ = telegram_size_ = needed_ = segment_count_ = 0;
  next_sequence_ = 0;
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
      ++stats_.checksum_errors;
      break;
    case DecodeError::kBadSegmentSequence:
    case DecodeError::kIncomplete:
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
}

void FrameAssembler::release_telegram() {
  if (in_place_ != nullptr) {
    // It lay in the caller's bytes: nothing of it is buffered.
    in_place_ = nullptr;
    segment_count_ = 0;
    length_quirk_ = false;
  } else {
    // The telegram's frames are [0, segments_end_); bytes after them wait for the next one.
    drop_segments();
  }
  ready_ = false;
  telegram_size_ = 0;
  needed_ = 0;
  has_error_ = has_serious_error_ = false;
}

FrameCheck FrameAssembler::check_frame(const uint8_t* data, size_t size, MbusSegment* segment) {
  return check_mbus_frame(data, size, segment);
}

FrameAssembler::Fit FrameAssembler::fit(const MbusSegment& segment) const {
  const uint8_t sequence = segment.sequence();
  if (sequence == 0) return segment_count_ > 0 ? Fit::kRestart : Fit::kNext;
  return segment_count_ > 0 && sequence == next_sequence_ ? Fit::kNext : Fit::kOutOfOrder;
}

bool FrameAssembler::append(const MbusSegment& segment, size_t fragment_offset) {
  static_assert(kMaxSegments == kCiSequenceMask + 1, "sequence numbers bound the segments");
  static_assert(kCapacity <= 0xFFFF, "fragments are kept as 16-bit offsets");
  fragments_[segment_count_++] = {static_cast<uint16_t>(fragment_offset),
                                  static_cast<uint16_t>(segment.fragment_size)};
  length_quirk_ = length_quirk_ || segment.length_quirk;
  next_sequence_ = static_cast<uint8_t>((segment.sequence() + 1) & kCiSequenceMask);
  return segment.is_last();
}

bool FrameAssembler::take_in_place(const uint8_t* data, size_t size, size_t* consumed) {
  // Only the plain case: frames back to back from the first frame start to the last segment.
  // Whatever else happens is left to the buffered path, which starts over on the same bytes.
  const size_t skip = index_of_start(data, size);
  const uint8_t* telegram = data + skip;
  const size_t available = size - skip;
  size_t end = 0;
  for (;;) {
    MbusSegment segment;
    const FrameCheck check = check_frame(telegram + end, available - end, &segment);
    if (check.status != FrameStatus::kComplete || fit(segment) != Fit::kNext ||
        end + segment.frame_size > kCapacity) {
      segment_count_ = 0;
      length_quirk_ = false;
      return false;
    }
    const bool last = append(segment, static_cast<size_t>(segment.fragment - telegram));
    end += segment.frame_size;
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
    if (frame[0] != kMbusStart) {
      const size_t skip = index_of_start(frame, pending);
      stats_.skipped_bytes += static_cast<uint32_t>(skip);
      drop_pending(skip);
      continue;
    }
    if (pending < needed_) return Event::kNone;

    MbusSegment segment;
    const FrameCheck check = check_frame(frame, pending, &segment);
    if (check.status == FrameStatus::kNeedMore) {
      needed_ = check.needed;
      pending_check_ = check;
      return Event::kNone;
    }
    pending_check_ = kNothingPending;
    if (check.status == FrameStatus::kInvalid) {
      record_error(check.error, pending_offset_ + check.offset);
      ++stats_.skipped_bytes;
      drop_pending(1);
      continue;
    }

    ++stats_.frames;
    needed_ = 0;
    const auto fragment_in_frame = static_cast<size_t>(segment.fragment - frame);
    const Fit fits = fit(segment);
    if (fits == Fit::kRestart) {
      record_error(DecodeError::kIncomplete, pending_offset_);
      drop_segments();
    } else if (fits == Fit::kOutOfOrder) {
      record_error(DecodeError::kBadSegmentSequence, pending_offset_ + 6);
      drop_segments();
      drop_pending(segment.frame_size);
      continue;
    }
    const bool last = append(segment, segments_end_ + fragment_in_frame);
    segments_end_ += segment.frame_size;
    pending_offset_ += static_cast<uint32_t>(segment.frame_size);
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
