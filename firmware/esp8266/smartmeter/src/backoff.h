// SPDX-License-Identifier: MIT
// Exponential backoff for reconnect attempts, on the Arduino millisecond clock.
//
//   attempt fails -> wait initial -> fails -> wait 2*initial -> ... -> wait max, max, max ...
//   attempt succeeds -> the next failure waits `initial` again
//
// Times are uint32_t milliseconds as millis() returns them; all comparisons use unsigned
// differences, so the 49.7-day wrap of millis() does not stall or hurry an attempt.
//
// Freestanding (cross-compiled for the ESP8266): <stdint.h> only.
#pragma once

#include <stdint.h>

namespace meter::firmware {

class Backoff {
 public:
  // 0 < initial_ms <= max_ms.
  Backoff(uint32_t initial_ms, uint32_t max_ms);

  // True when an attempt may start at `now_ms`: before the first failure, or once the current
  // delay has passed since the last failure.
  bool due(uint32_t now_ms) const;

  // Records a failed attempt at `now_ms`: the next one is due after the current delay, and the
  // delay after that doubles (up to max_ms).
  void failed(uint32_t now_ms);

  // Records a successful attempt: the next failure starts again at initial_ms.
  void succeeded();

  // Delay the last failure scheduled (0 before any failure).
  uint32_t delay_ms() const { return waiting_ ? delay_ms_ : 0; }
  uint32_t failures() const { return failures_; }  // in a row, since the last success

 private:
  uint32_t initial_ms_;
  uint32_t max_ms_;
  uint32_t delay_ms_;
  uint32_t failed_at_ms_ = 0;
  uint32_t failures_ = 0;
  bool waiting_ = false;
};

}  // namespace meter::firmware
