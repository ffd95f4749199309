// SPDX-License-Identifier: MIT
#include "telegram_forwarder.h"

#include "meter/core/hex.h"

namespace meter::firmware {

size_t TelegramForwarder::feed(const uint8_t* data, size_t size, TelegramSink& sink) {
  size_t delivered = 0;
  // push() stops right after each telegram; a call with nothing left to consume still returns
  // telegrams that were complete in the assembler's look-ahead.
  for (;;) {
    const core::FrameAssembler::PushResult result = assembler_.push(data, size);
    data += result.consumed;
    size -= result.consumed;
    track_sync();
    if (result.event == core::FrameAssembler::Event::kTelegram) {
      deliver(sink);
      ++delivered;
      continue;
    }
    if (size == 0) return delivered;
  }
}

void TelegramForwarder::track_sync() {
  // A resync is one run of skipped bytes between accepted frames, however many reads it spans.
  const core::FrameAssembler::Stats& stats = assembler_.stats();
  if (stats.skipped_bytes != seen_skipped_ && !searching_) {
    ++counters_.resyncs;
    searching_ = true;
  }
  if (stats.frames != seen_frames_) searching_ = false;
  seen_skipped_ = stats.skipped_bytes;
  seen_frames_ = stats.frames;
}

void TelegramForwarder::deliver(TelegramSink& sink) {
  const size_t length =
      core::encode_hex_upper(assembler_.telegram(), assembler_.telegram_size(), hex_);
  hex_[length] = '\0';
  ++counters_.telegrams;
  sink.publish_telegram(hex_, length);
}

}  // namespace meter::firmware
