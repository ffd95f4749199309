// SPDX-License-Identifier: MIT
#include "meter/app/values_window.h"

#include <cmath>

namespace meter::app {

bool averaged_in_mean(core::Quantity quantity) {
  switch (quantity) {
    case core::Quantity::kEnergyImport:
    case core::Quantity::kEnergyExport:
    case core::Quantity::kReactiveEnergyImport:
    case core::Quantity::kReactiveEnergyExport:
      return false;
    default:
      return true;
  }
}

ValuesWindows::ValuesWindows(std::int64_t interval_ms, ValuesPublishMode mode)
    : interval_ms_(interval_ms > 0 ? interval_ms : 1), mode_(mode) {}

std::int64_t ValuesWindows::index_of(std::int64_t now_ms) const {
  // Floor division, also for times before 1970 (tests).
  const std::int64_t q = now_ms / interval_ms_;
  return (now_ms % interval_ms_ != 0 && now_ms < 0) ? q - 1 : q;
}

void ValuesWindows::add(const core::Telegram& telegram, std::int64_t now_ms,
                        std::vector<core::Telegram>& ready) {
  const std::int64_t index = index_of(now_ms);
  auto it = windows_.find(telegram.system_title);
  // Another window (a later one, or an earlier one after the clock was set back): close it.
  if (it != windows_.end() && it->second.index != index) {
    ready.push_back(close(it->second));
    windows_.erase(it);
    it = windows_.end();
  }
  if (it == windows_.end()) {
    it = windows_.emplace(telegram.system_title, Window{}).first;
    it->second.index = index;
  }
  Window& window = it->second;
  window.last = telegram;
  if (mode_ != ValuesPublishMode::kMean) return;
  for (std::size_t q = 0; q < core::kQuantityCount; ++q) {
    const core::Measurement& m = telegram.values[q];
    if (!m.present) continue;
    Sum& sum = window.sums[q];
    if (sum.count == 0) sum.scaler = m.scaler;
    sum.total += static_cast<double>(m.raw) * std::pow(10.0, m.scaler - sum.scaler);
    ++sum.count;
  }
}

void ValuesWindows::expire(std::int64_t now_ms, std::vector<core::Telegram>& ready) {
  const std::int64_t index = index_of(now_ms);
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.index < index) {
      ready.push_back(close(it->second));
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
}

void ValuesWindows::drain(std::vector<core::Telegram>& ready) {
  for (const auto& [title, window] : windows_) ready.push_back(close(window));
  windows_.clear();
}

core::Telegram ValuesWindows::close(const Window& window) const {
  core::Telegram out = window.last;
  if (mode_ != ValuesPublishMode::kMean) return out;
  for (std::size_t q = 0; q < core::kQuantityCount; ++q) {
    core::Measurement& m = out.values[q];
    const Sum& sum = window.sums[q];
    if (!m.present || sum.count == 0 || !averaged_in_mean(static_cast<core::Quantity>(q))) {
      continue;
    }
    // In the last telegram's scaling, to the nearest step (half away from zero).
    const double mean = sum.total / static_cast<double>(sum.count);
    m.raw = std::llround(mean * std::pow(10.0, sum.scaler - m.scaler));
  }
  return out;
}

}  // namespace meter::app
