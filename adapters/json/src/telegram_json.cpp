// SPDX-License-Identifier: MIT
#include "meter/json/telegram_json.h"

#include <fmt/format.h>

#include "meter/core/hex.h"

namespace meter::json {
namespace {

using core::Measurement;
using core::Quantity;

// Scaled values with a non-negative scaler stay integers (12937, not 12937.0).
nlohmann::ordered_json number(const Measurement& m) {
  if (m.is_integral()) {
    std::int64_t value = m.raw;
    for (int i = 0; i < m.scaler; ++i) {
      if (__builtin_mul_overflow(value, 10, &value)) return m.value();  // beyond int64: a double
    }
    return value;
  }
  return m.value();
}

std::string unit_of(const Measurement& m, const char* fallback) {
  if (!m.has_scaler_unit) return fallback;
  const char* symbol = core::unit_symbol(m.unit);
  return symbol != nullptr ? symbol : fmt::format("unit {}", m.unit);
}

nlohmann::ordered_json entry(nlohmann::ordered_json value, std::string unit) {
  nlohmann::ordered_json out;
  out["value"] = std::move(value);
  out["unit"] = std::move(unit);
  return out;
}

}  // namespace

std::string system_title_hex(const core::SystemTitle& system_title) {
  std::string text(2 * system_title.size(), '0');
  core::encode_hex_upper(system_title.data(), system_title.size(), text.data());
  return text;
}

nlohmann::ordered_json telegram_to_json(const core::Telegram& t) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  // The original's keys (WIn .. PF), its timestamp, then what it did not know.
  constexpr std::size_t kOriginalKeys = static_cast<std::size_t>(Quantity::kPowerFactor) + 1;
  for (std::size_t i = 0; i < core::kQuantities.size(); ++i) {
    if (i == kOriginalKeys && t.has_time) out["timestamp"] = entry(t.timestamp_utc, "s");
    const auto& quantity = core::kQuantities[i];
    const Measurement& m = t[quantity.quantity];
    if (m.present) out[quantity.key] = entry(number(m), unit_of(m, quantity.default_unit));
  }
  if (!t.meter_number.empty()) out["meterNumber"] = t.meter_number.view();
  if (!t.logical_device_name.empty()) out["deviceName"] = t.logical_device_name.view();
  if (t.encrypted || t.authenticated) {
    out["systemTitle"] = system_title_hex(t.system_title);
    out["frameCounter"] = t.frame_counter;
  }
  if (t.has_time) out["meterTime"] = t.meter_time.to_iso_local();
  if (t.extra_count > 0) {
    nlohmann::ordered_json registers = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < t.extra_count; ++i) {
      const auto& extra = t.extras[i];
      registers[extra.obis.to_string()] =
          entry(number(extra.measurement), unit_of(extra.measurement, ""));
    }
    out["registers"] = std::move(registers);
  }
  return out;
}

std::string telegram_to_json_line(const core::Telegram& telegram) {
  return telegram_to_json(telegram).dump();
}

std::string telegram_to_text(const core::Telegram& t) {
  std::string text;
  if (t.has_time) text += fmt::format("{:<14}{}\n", "meter time", t.meter_time.to_iso_local());
  if (!t.meter_number.empty())
    text += fmt::format("{:<14}{}\n", "meter number", t.meter_number.view());
  if (t.encrypted || t.authenticated) {
    text += fmt::format("{:<14}{} (frame counter {})\n", "system title",
                        system_title_hex(t.system_title), t.frame_counter);
  }
  for (const auto& quantity : core::kQuantities) {
    const Measurement& m = t[quantity.quantity];
    if (!m.present) continue;
    const std::string unit = unit_of(m, quantity.default_unit);
    text += fmt::format("{:<14}{}{}{}\n", quantity.key, number(m).dump(), unit == "1" ? "" : " ",
                        unit == "1" ? "" : unit);
  }
  for (std::size_t i = 0; i < t.extra_count; ++i) {
    const auto& extra = t.extras[i];
    text += fmt::format("{:<14}{} {}\n", extra.obis.to_string(), number(extra.measurement).dump(),
                        unit_of(extra.measurement, ""));
  }
  return text;
}

}  // namespace meter::json
