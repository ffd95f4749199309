// SPDX-License-Identifier: MIT
#include "backoff.h"

namespace meter::firmware {

Backoff::Backoff(uint32_t initial_ms, uint32_t max_ms)
    : initial_ms_(initial_ms), max_ms_(max_ms), delay_ms_(initial_ms) {}

bool Backoff::due(uint32_t now_ms) const {
  return !waiting_ || static_cast<uint32_t>(now_ms - failed_at_ms_) >= delay_ms_;
}

void Backoff::failed(uint32_t now_ms) {
  if (waiting_) {
    // Doubling without overflow: compare against half the cap first.
    delay_ms_ = delay_ms_ > max_ms_ / 2 ? max_ms_ : delay_ms_ * 2;
  } else {
    delay_ms_ = initial_ms_;
  }
  failed_at_ms_ = now_ms;
  waiting_ = true;
  ++failures_;
}

void Backoff::succeeded() {
  waiting_ = false;
  delay_ms_ = initial_ms_;
  failures_ = 0;
}

}  // namespace meter::firmware
