// SPDX-License-Identifier: MIT
#include "meter/json/telegram_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "meter/core/hex.h"

namespace meter::json {
namespace {

using core::Measurement;
using core::Quantity;
// A reserved std::string: the line is built in place and returned without a copy.
using Buffer = std::string;
constexpr std::size_t kLineCapacity = 768;

template <typename Integer>
void append_integer(Buffer& out, Integer value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.data() + text.size());
}

// raw * 10^scaler for -4 <= scaler < 0 written by moving the decimal point of the integer,
// trailing zeros dropped but one digit kept (2337, -1 -> 233.7; 1000, -3 -> 1.0). For these
// magnitudes that is exactly the shortest round-trip text of the double, without formatting
// one. False when the value is outside that range.
bool append_decimal(Buffer& out, std::int64_t raw, int scaler) {
  constexpr std::int64_t kExact = 1'000'000'000'000'000;  // well inside a double's 2^53
  if (scaler < -4 || scaler >= 0 || raw <= -kExact || raw >= kExact) return false;
  const auto places = static_cast<std::size_t>(-scaler);
  char digits[24];
  const auto magnitude = static_cast<std::uint64_t>(raw < 0 ? -raw : raw);
  // The digits, zero-padded to at least places + 1 so that there is a digit before the point.
  const fmt::format_int text(magnitude);
  const std::size_t pad = text.size() < places + 1 ? places + 1 - text.size() : 0;
  std::memset(digits, '0', pad);
  std::memcpy(digits + pad, text.data(), text.size());
  const std::size_t length = pad + text.size();
  std::size_t fraction_end = length;
  while (fraction_end > length - places + 1 && digits[fraction_end - 1] == '0') --fraction_end;
  if (raw < 0) out.push_back('-');
  out.append(digits, digits + (length - places));
  out.push_back('.');
  out.append(digits + (length - places), digits + fraction_end);
  return true;
}

// Scaled values with a non-negative scaler stay integers (12937, not 12937.0); the rest are
// reals in their shortest round-trip form, a whole number keeping ".0" (1.0, 234.0).
void append_number(Buffer& out, const Measurement& m) {
  if (m.is_integral()) {
    std::int64_t value = m.raw;
    bool fits = true;
    for (int i = 0; i < m.scaler && fits; ++i) fits = !__builtin_mul_overflow(value, 10, &value);
    if (fits) {
      append_integer(out, value);
      return;
    }
  }
  if (append_decimal(out, m.raw, m.scaler)) return;
  const std::size_t start = out.size();
  fmt::format_to(std::back_inserter(out), "{}", m.value());
  const std::string_view written(out.data() + start, out.size() - start);
  if (written.find_first_of(".eEn") == std::string_view::npos) {
    out.push_back('.');
    out.push_back('0');
  }
}

std::string format_number(const Measurement& m) {
  Buffer out;
  append_number(out, m);
  return out;
}

std::string unit_of(const Measurement& m, const char* fallback) {
  if (!m.has_scaler_unit) return fallback;
  const char* symbol = core::unit_symbol(m.unit);
  return symbol != nullptr ? symbol : fmt::format("unit {}", m.unit);
}

bool needs_escape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

void append_text(Buffer& out, std::string_view text) {
  out.push_back('"');
  if (std::none_of(text.begin(), text.end(), needs_escape)) {
    out.append(text);
    out.push_back('"');
    return;
  }
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// Keys are the program's own names: nothing to escape.
void append_key(Buffer& out, std::string_view key) {
  if (out.size() > 1) out.push_back(',');
  out.push_back('"');
  out.append(key);
  out.append(std::string_view("\":"));
}

// {"value":<number>,"unit":"<unit>"}
void append_value(Buffer& out, const Measurement& m, std::string_view unit) {
  out.append(std::string_view("{\"value\":"));
  append_number(out, m);
  out.append(std::string_view(",\"unit\":"));
  append_text(out, unit);
  out.push_back('}');
}

}  // namespace

std::string system_title_hex(const core::SystemTitle& system_title) {
  std::string text(2 * system_title.size(), '0');
  core::encode_hex_upper(system_title.data(), system_title.size(), text.data());
  return text;
}

// The one serialisation of a telegram; telegram_to_json() parses it back for callers that want
// an object, so the two can never disagree.
std::string telegram_to_json_line(const core::Telegram& t) {
  Buffer out;
  out.reserve(kLineCapacity);
  out.push_back('{');
  // The original's keys (WIn .. PF), its timestamp, then what it did not know.
  constexpr std::size_t kOriginalKeys = static_cast<std::size_t>(Quantity::kPowerFactor) + 1;
  for (std::size_t i = 0; i < core::kQuantities.size(); ++i) {
    if (i == kOriginalKeys && t.has_time) {
      append_key(out, "timestamp");
      out.append(std::string_view("{\"value\":"));
      append_integer(out, t.timestamp_utc);
      out.append(std::string_view(",\"unit\":\"s\"}"));
    }
    const auto& quantity = core::kQuantities[i];
    const Measurement& m = t[quantity.quantity];
    if (!m.present) continue;
    append_key(out, quantity.key);
    append_value(out, m, unit_of(m, quantity.default_unit));
  }
  if (!t.meter_number.empty()) {
    append_key(out, "meterNumber");
    append_text(out, t.meter_number.view());
  }
  if (!t.logical_device_name.empty()) {
    append_key(out, "deviceName");
    append_text(out, t.logical_device_name.view());
  }
  if (t.encrypted || t.authenticated) {
    append_key(out, "systemTitle");
    append_text(out, system_title_hex(t.system_title));
    append_key(out, "frameCounter");
    append_integer(out, t.frame_counter);
  }
  if (t.has_time) {
    append_key(out, "meterTime");
    append_text(out, t.meter_time.to_iso_local());
  }
  if (t.extra_count > 0) {
    append_key(out, "registers");
    out.push_back('{');
    for (std::size_t i = 0; i < t.extra_count; ++i) {
      const auto& extra = t.extras[i];
      if (i > 0) out.push_back(',');
      append_text(out, extra.obis.to_string());
      out.push_back(':');
      append_value(out, extra.measurement, unit_of(extra.measurement, ""));
    }
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

nlohmann::ordered_json telegram_to_json(const core::Telegram& telegram) {
  return nlohmann::ordered_json::parse(telegram_to_json_line(telegram));
}

std::string telegram_to_text(const core::Telegram& t) {
  std::string text;
  if (t.has_time) text += fmt::format("{:<14}{}\n", "meter time", t.meter_time.to_iso_local());
  if (!t.meter_number.empty()) {
    text += fmt::format("{:<14}{}\n", "meter number", t.meter_number.view());
  }
  if (t.encrypted || t.authenticated) {
    text += fmt::format("{:<14}{} (frame counter {})\n", "system title",
                        system_title_hex(t.system_title), t.frame_counter);
  }
  for (const auto& quantity : core::kQuantities) {
    const Measurement& m = t[quantity.quantity];
    if (!m.present) continue;
    const std::string unit = unit_of(m, quantity.default_unit);
    text += fmt::format("{:<14}{}{}{}\n", quantity.key, format_number(m), unit == "1" ? "" : " ",
                        unit == "1" ? "" : unit);
  }
  for (std::size_t i = 0; i < t.extra_count; ++i) {
    const auto& extra = t.extras[i];
    text += fmt::format("{:<14}{} {}\n", extra.obis.to_string(), format_number(extra.measurement),
                        unit_of(extra.measurement, ""));
  }
  return text;
}

}  // namespace meter::json
