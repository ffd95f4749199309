// SPDX-License-Identifier: MIT
#include "meter/app/telegram_log.h"

#include <algorithm>

namespace meter::app {

std::string telegram_head(const std::string& payload) {
  std::string head = payload.substr(0, TelegramLog::kHeadBytes * 2);
  for (char& c : head) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) c = '?';
  }
  return head;
}

namespace {

// Bytes of a hex payload; of other text, its characters.
std::size_t payload_size(const std::string& payload) {
  const bool hex = std::all_of(payload.begin(), payload.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
  });
  return hex ? payload.size() / 2 : payload.size();
}

}  // namespace

void TelegramLog::record(const std::string& meter, LoggedTelegram telegram) {
  const std::lock_guard lock(mutex_);
  auto it = rings_.find(meter);
  if (it == rings_.end()) {
    if (rings_.size() >= kMaxMeters) {
      const auto oldest = std::min_element(
          rings_.begin(), rings_.end(),
          [](const auto& a, const auto& b) { return a.second.last_ms < b.second.last_ms; });
      rings_.erase(oldest);
    }
    it = rings_.emplace(meter, Ring{}).first;
  }
  Ring& ring = it->second;
  ring.last_ms = telegram.received_ms;
  if (ring.items.size() >= kPerMeter) ring.items.erase(ring.items.begin());
  ring.items.push_back(std::move(telegram));
}

void TelegramLog::record_decoded(const Reading& reading, const std::string& payload,
                                 std::int64_t now_ms) {
  LoggedTelegram t;
  t.received_ms = now_ms;
  t.size = payload_size(payload);
  t.head = telegram_head(payload);
  t.decoded = true;
  t.frame_counter = reading.frame_counter;
  t.meter_time = reading.timestamp;
  t.power_in = reading[core::Quantity::kPowerImport];
  t.power_out = reading[core::Quantity::kPowerExport];
  record(reading.meter, std::move(t));
}

void TelegramLog::record_failure(const std::string& meter, core::DecodeError error,
                                 std::size_t offset, std::optional<std::uint32_t> frame_counter,
                                 const std::string& payload, std::int64_t now_ms) {
  LoggedTelegram t;
  t.received_ms = now_ms;
  t.size = payload_size(payload);
  t.head = telegram_head(payload);
  t.error = error;
  t.offset = offset;
  t.frame_counter = frame_counter;
  record(meter, std::move(t));
}

std::vector<MeterTelegrams> TelegramLog::snapshot() const {
  const std::lock_guard lock(mutex_);
  std::vector<MeterTelegrams> out;
  out.reserve(rings_.size());
  for (const auto& [meter, ring] : rings_) {
    out.push_back({meter, {ring.items.rbegin(), ring.items.rend()}});
  }
  return out;
}

std::vector<LoggedTelegram> TelegramLog::of(const std::string& meter) const {
  const std::lock_guard lock(mutex_);
  const auto it = rings_.find(meter);
  if (it == rings_.end()) return {};
  return {it->second.items.rbegin(), it->second.items.rend()};
}

}  // namespace meter::app
