// SPDX-License-Identifier: MIT
// Publish-rate control for the values topic: at most one message per meter per window of
// `interval_ms`, instead of one per telegram (SMARTMETER_VALUES_PUBLISH_INTERVAL and
// SMARTMETER_VALUES_PUBLISH_MODE, docs/settings.md).
//
// Windows are aligned to the clock the caller passes (epoch milliseconds): with 60 s they are
// the minutes, [k * interval, (k + 1) * interval). A window holds the telegrams of one meter that
// arrived in it; it is closed by the first telegram of a later window or by expire() once its
// end has passed, whichever comes first, so that a meter that falls silent still gets its last
// message out (the service calls expire() about once a second), and drain() closes them all at
// shutdown. A closed window gives one telegram to publish:
//
//   kLast: the window's last telegram as it came.
//   kMean: the last telegram with the mean over the window of the instantaneous registers
//          (power in/out, voltages, currents, power factor, reactive power), rounded to the
//          resolution of the last telegram; counters (energy, reactive energy), the meter time,
//          the frame counter and everything else are those of the last telegram.
//
// Pure: no clock, no I/O, no locking (the caller serialises).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "meter/core/telegram.h"

namespace meter::app {

enum class ValuesPublishMode : std::uint8_t { kLast, kMean };

// Whether a quantity is averaged in kMean (instantaneous values) or taken from the last
// telegram (counters).
bool averaged_in_mean(core::Quantity quantity);

class ValuesWindows {
 public:
  // interval_ms > 0.
  ValuesWindows(std::int64_t interval_ms, ValuesPublishMode mode);

  // Adds a decoded telegram that arrived at `now_ms`. When it belongs to a later window than the
  // meter's open one, that window is closed first and its telegram appended to `ready`.
  void add(const core::Telegram& telegram, std::int64_t now_ms, std::vector<core::Telegram>& ready);
  // Closes every window whose end is at or before `now_ms`, appending their telegrams to
  // `ready` (in the order of the meters' system titles).
  void expire(std::int64_t now_ms, std::vector<core::Telegram>& ready);
  // Closes every open window (shutdown).
  void drain(std::vector<core::Telegram>& ready);

  std::size_t open_windows() const { return windows_.size(); }
  std::int64_t interval_ms() const { return interval_ms_; }

 private:
  // Raw values in the scaling of the window's first telegram (integers stay exact).
  struct Sum {
    double total = 0;
    std::uint32_t count = 0;
    std::int8_t scaler = 0;
  };
  struct Window {
    std::int64_t index = 0;  // floor(arrival / interval)
    core::Telegram last;
    std::array<Sum, core::kQuantityCount> sums{};
  };

  core::Telegram close(const Window& window) const;
  std::int64_t index_of(std::int64_t now_ms) const;

  std::int64_t interval_ms_;
  ValuesPublishMode mode_;
  std::map<core::SystemTitle, Window> windows_;
};

}  // namespace meter::app
