// SPDX-License-Identifier: MIT
#include "meter/app/reading.h"

#include "meter/core/hex.h"

namespace meter::app {
namespace {

std::string hex_of(const core::SystemTitle& system_title) {
  std::string text(system_title.size() * 2, '\0');
  core::encode_hex_upper(system_title.data(), system_title.size(), text.data());
  return text;
}

}  // namespace

Reading make_reading(const core::Telegram& telegram, std::int64_t received_at_ms) {
  Reading reading;
  reading.timestamp = telegram.has_time ? telegram.timestamp_utc : received_at_ms / 1000;
  if (telegram.encrypted || telegram.authenticated) {
    reading.meter = hex_of(telegram.system_title);
    reading.frame_counter = telegram.frame_counter;
  } else {
    // A plaintext telegram has no system title or frame counter: the meter number and the
    // meter time identify the reading instead.
    reading.meter = std::string(telegram.meter_number.view().substr(0, 16));
    reading.frame_counter = static_cast<std::uint32_t>(reading.timestamp);
  }
  if (telegram.has_time) reading.meter_time = telegram.meter_time.to_iso_local();
  reading.meter_number = std::string(telegram.meter_number.view());
  reading.received_at_ms = received_at_ms;
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    if (telegram.values[i].present) reading.values[i] = telegram.values[i].value();
  }
  return reading;
}

}  // namespace meter::app
