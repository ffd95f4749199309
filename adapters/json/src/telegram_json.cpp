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

// raw * 10^scaler for -4 <= scaler < 0 written by moving the decimal point of the integer,
// trailing zeros dropped but one digit kept (2337, -1 -> 233.7; 1000, -3 -> 1.0). For these
// magnitudes that is exactly the shortest round-trip text of the double, without formatting
// one. Returns the end of the text, or nullptr (nothing written) outside that range.
char* write_decimal(char* out, std::int64_t raw, int scaler) {
  constexpr std::int64_t kExact = 1'000'000'000'000'000;  // well inside a double's 2^53
  if (scaler < -4 || scaler >= 0 || raw <= -kExact || raw >= kExact) return nullptr;
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
  if (raw < 0) *out++ = '-';
  out = std::copy(digits, digits + (length - places), out);
  *out++ = '.';
  return std::copy(digits + (length - places), digits + fraction_end, out);
}

std::string unit_of(const Measurement& m, const char* fallback) {
  if (!m.has_scaler_unit) return fallback;
  const char* symbol = core::unit_symbol(m.unit);
  return symbol != nullptr ? symbol : fmt::format("unit {}", m.unit);
}

}  // namespace

std::string system_title_hex(const core::SystemTitle& system_title) {
  std::string text(2 * system_title.size(), '0');
  core::encode_hex_upper(system_title.data(), system_title.size(), text.data());
  return text;
}

namespace {

// The values line is written into a fixed buffer with plain stores and copied into the string
// once: the service writes one per telegram, and std::string's per-character growth checks cost
// as much as the decoding. The buffer holds the largest line a Telegram can give: every quantity
// and extra register with the longest number and unit, both texts escaped at 6 chars per byte.
constexpr std::size_t kMaxNumberChars = 32;  // int64, or a double's shortest form + ".0"
constexpr std::size_t kMaxUnitChars = 12;    // "varh", "unit 255"
constexpr std::size_t kMaxValueChars = 24 + kMaxNumberChars + kMaxUnitChars;
constexpr std::size_t kMaxTextChars = 2 + 6 * sizeof(core::FixedText{}.chars);
constexpr std::size_t kMaxLineChars = 64 + core::kQuantityCount * (12 + kMaxValueChars) +
                                      2 * (16 + kMaxTextChars) + 200 +
                                      core::kMaxExtraRegisters * (30 + kMaxValueChars);

// The product's keys with their lengths, worked out at compile time.
constexpr auto kKeys = [] {
  std::array<std::string_view, core::kQuantityCount> keys{};
  for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = core::kQuantities[i].key;
  return keys;
}();
constexpr auto kDefaultUnits = [] {
  std::array<std::string_view, core::kQuantityCount> units{};
  for (std::size_t i = 0; i < units.size(); ++i) units[i] = core::kQuantities[i].default_unit;
  return units;
}();

class LineWriter {
 public:
  void put(char c) { *at_++ = c; }
  void put(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  template <typename Integer>
  void integer(Integer value) {
    const fmt::format_int text(value);
    put(std::string_view(text.data(), text.size()));
  }

  // ,"key": (no comma before the first key)
  void key(std::string_view name) {
    if (at_ != buffer_.data() + 1) put(',');
    put('"');
    put(name);
    put(std::string_view("\":"));
  }

  void text(std::string_view value) {
    put('"');
    for (const char c : value) {
      if (c == '"' || c == '\\') {
        put('\\');
        put(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        at_ = fmt::format_to(at_, "\\u{:04x}", static_cast<unsigned>(c));
      } else {
        put(c);
      }
    }
    put('"');
  }

  // Scaled values with a non-negative scaler stay integers (12937, not 12937.0); the rest are
  // reals in their shortest round-trip form, a whole number keeping ".0" (1.0, 234.0).
  void number(const Measurement& m) {
    if (m.is_integral()) {
      std::int64_t value = m.raw;
      bool fits = true;
      for (int i = 0; i < m.scaler && fits; ++i) fits = !__builtin_mul_overflow(value, 10, &value);
      if (fits) {
        integer(value);
        return;
      }
    }
    if (char* end = write_decimal(at_, m.raw, m.scaler); end != nullptr) {
      at_ = end;
      return;
    }
    char* start = at_;
    at_ = fmt::format_to_n(at_, kMaxNumberChars - 2, "{}", m.value()).out;
    if (std::string_view(start, static_cast<std::size_t>(at_ - start)).find_first_of(".eEn") ==
        std::string_view::npos) {
      put(std::string_view(".0"));
    }
  }

  // {"value":<number>,"unit":"<unit>"}; a meter's unit without a symbol reads "unit <code>".
  void value(const Measurement& m, std::string_view fallback_unit) {
    put(std::string_view("{\"value\":"));
    number(m);
    put(std::string_view(",\"unit\":\""));
    if (!m.has_scaler_unit) {
      put(fallback_unit);
    } else if (const char* symbol = core::unit_symbol(m.unit); symbol != nullptr) {
      put(std::string_view(symbol));
    } else {
      put(std::string_view("unit "));
      integer(m.unit);
    }
    put(std::string_view("\"}"));
  }

  void obis(const core::Obis& code) {
    constexpr std::array<char, 5> kSeparators = {'-', ':', '.', '.', '*'};
    put('"');
    for (std::size_t i = 0; i < code.bytes.size(); ++i) {
      integer(code.bytes[i]);
      if (i < kSeparators.size()) put(kSeparators[i]);
    }
    put('"');
  }

  void iso_time(const core::CosemDateTime& time) {
    put('"');
    at_ += time.write_iso_local(at_);
    put('"');
  }

  std::string str() const { return std::string(buffer_.data(), static_cast<const char*>(at_)); }

 private:
  std::array<char, kMaxLineChars> buffer_;
  char* at_ = buffer_.data();
};

std::string format_number(const Measurement& m) {
  LineWriter out;
  out.number(m);
  return out.str();
}

}  // namespace

// The one serialisation of a telegram; telegram_to_json() parses it back for callers that want
// an object, so the two can never disagree.
std::string telegram_to_json_line(const core::Telegram& t) {
  LineWriter out;
  out.put('{');
  // The original's keys (WIn .. PF), its timestamp, then what it did not know.
  constexpr std::size_t kOriginalKeys = static_cast<std::size_t>(Quantity::kPowerFactor) + 1;
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    if (i == kOriginalKeys && t.has_time) {
      out.key("timestamp");
      out.put(std::string_view("{\"value\":"));
      out.integer(t.timestamp_utc);
      out.put(std::string_view(",\"unit\":\"s\"}"));
    }
    const Measurement& m = t.values[i];
    if (!m.present) continue;
    out.key(kKeys[i]);
    out.value(m, kDefaultUnits[i]);
  }
  if (!t.meter_number.empty()) {
    out.key("meterNumber");
    out.text(t.meter_number.view());
  }
  if (!t.logical_device_name.empty()) {
    out.key("deviceName");
    out.text(t.logical_device_name.view());
  }
  if (t.encrypted || t.authenticated) {
    out.key("systemTitle");
    char title[2 * core::SystemTitle{}.size()];
    core::encode_hex_upper(t.system_title.data(), t.system_title.size(), title);
    out.text(std::string_view(title, sizeof title));
    out.key("frameCounter");
    out.integer(t.frame_counter);
  }
  if (t.tag_unverified) {
    // Decrypted without the authentication key: the values were not proven to be the meter's.
    out.key("authenticated");
    out.put(std::string_view("false"));
  }
  if (t.has_time) {
    out.key("meterTime");
    out.iso_time(t.meter_time);
  }
  if (t.extra_count > 0) {
    out.key("registers");
    out.put('{');
    for (std::size_t i = 0; i < t.extra_count; ++i) {
      const auto& extra = t.extras[i];
      if (i > 0) out.put(',');
      out.obis(extra.obis);
      out.put(':');
      out.value(extra.measurement, "");
    }
    out.put('}');
  }
  out.put('}');
  return out.str();
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
