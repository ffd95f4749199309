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

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
constexpr std::size_t kMaxDigits = 20;  // of 2^64 - 1

// The decimal digits of `value` at `out`, returning their end. They are made right-aligned in a
// scratch array and copied with one fixed-size copy: `out` must have kMaxDigits bytes of room
// (the line buffer's slack), and what lands beyond the end is overwritten by what follows.
char* write_digits(char* out, std::uint64_t value) {
  char scratch[2 * kMaxDigits] = {};
  char* const end = scratch + kMaxDigits;
  char* p = end;
  while (value >= 100) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * (value % 100), 2);
    value /= 100;
  }
  if (value >= 10) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * value, 2);
  } else {
    *--p = static_cast<char>('0' + value);
  }
  std::memcpy(out, p, kMaxDigits);
  return out + (end - p);
}

char* write_integer(char* out, std::int64_t value) {
  if (value < 0) *out++ = '-';
  // Negated as unsigned, so the most negative value has its magnitude too.
  const auto magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  return write_digits(out, magnitude);
}

// raw * 10^scaler for -4 <= scaler < 0 written by moving the decimal point of the integer,
// trailing zeros dropped but one digit kept (2337, -1 -> 233.7; 1000, -3 -> 1.0). For these
// magnitudes that is exactly the shortest round-trip text of the double, without formatting
// one. Returns the end of the text, or nullptr (nothing written) outside that range.
char* write_decimal(char* out, std::int64_t raw, int scaler) {
  constexpr std::int64_t kExact = 1'000'000'000'000'000;  // well inside a double's 2^53
  if (scaler < -4 || scaler >= 0 || raw <= -kExact || raw >= kExact) return nullptr;
  const auto places = static_cast<std::size_t>(-scaler);
  if (raw < 0) *out++ = '-';
  char* const digits = out;
  std::size_t length = static_cast<std::size_t>(
      write_digits(digits, static_cast<std::uint64_t>(raw < 0 ? -raw : raw)) - digits);
  // Zero-padded to at least places + 1 digits, so that there is a digit before the point.
  if (length < places + 1) {
    const std::size_t pad = places + 1 - length;
    for (std::size_t i = length; i-- > 0;) digits[i + pad] = digits[i];
    for (std::size_t i = 0; i < pad; ++i) digits[i] = '0';
    length = places + 1;
  }
  // The point goes before the last `places` digits; trailing zeros of the fraction go, one stays.
  const std::size_t whole = length - places;
  for (std::size_t i = length; i-- > whole;) digits[i + 1] = digits[i];
  digits[whole] = '.';
  std::size_t end = length + 1;
  while (end > whole + 2 && digits[end - 1] == '0') --end;
  return digits + end;
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

// A short text padded to a fixed size, so that it is copied with one constant-size copy (a
// couple of vector stores) rather than a call with a run-time length; the buffer has the slack.
struct Piece {
  std::array<char, 32> text{};
  std::size_t size = 0;
};
constexpr std::size_t kSlackChars = 64;  // beyond the longest line, for fixed-size copies

constexpr Piece piece(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  Piece out;
  for (const std::string_view part : {a, b, c}) {
    for (const char ch : part) out.text[out.size++] = ch;
  }
  return out;
}

// "WIn":{"value":   and   ,"unit":"Wh"}   per quantity, for the unit it has without scaler-unit.
constexpr auto kValueOpen = [] {
  std::array<Piece, core::kQuantityCount> pieces{};
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    pieces[i] = piece("\"", core::kQuantities[i].key, "\":{\"value\":");
  }
  return pieces;
}();
constexpr auto kDefaultUnitClose = [] {
  std::array<Piece, core::kQuantityCount> pieces{};
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    pieces[i] = piece(",\"unit\":\"", core::kQuantities[i].default_unit, "\"}");
  }
  return pieces;
}();
constexpr Piece kNoUnitClose = piece(",\"unit\":\"\"}");
// ,"unit":"<symbol>"} per DLMS unit code; size 0 where the code has no symbol.
const std::array<Piece, 256> kUnitClose = [] {
  std::array<Piece, 256> pieces{};
  for (std::size_t code = 0; code < pieces.size(); ++code) {
    if (const char* symbol = core::unit_symbol(static_cast<std::uint8_t>(code))) {
      pieces[code] = piece(",\"unit\":\"", symbol, "\"}");
    }
  }
  return pieces;
}();

class LineWriter {
 public:
  void put(char c) { *at_++ = c; }
  void put(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void put(const Piece& piece) {
    std::memcpy(at_, piece.text.data(), piece.text.size());
    at_ += piece.size;
  }
  template <typename Integer>
  void integer(Integer value) {
    at_ = write_integer(at_, static_cast<std::int64_t>(value));
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

  // <number>,"unit":"<unit>"}; a meter's unit without a symbol reads "unit <code>".
  void value_rest(const Measurement& m, const Piece& fallback_unit) {
    number(m);
    if (!m.has_scaler_unit) {
      put(fallback_unit);
    } else if (const Piece& unit = kUnitClose[m.unit]; unit.size != 0) {
      put(unit);
    } else {
      put(std::string_view(",\"unit\":\"unit "));
      integer(m.unit);
      put(std::string_view("\"}"));
    }
  }

  // {"value":<number>,"unit":"<unit>"}
  void value(const Measurement& m, const Piece& fallback_unit) {
    put(std::string_view("{\"value\":"));
    value_rest(m, fallback_unit);
  }

  // ,"<key>":{"value":<number>,"unit":"<unit>"} for quantity `i`.
  void quantity(std::size_t i, const Measurement& m) {
    if (at_ != buffer_.data() + 1) put(',');
    put(kValueOpen[i]);
    value_rest(m, kDefaultUnitClose[i]);
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
  std::array<char, kMaxLineChars + kSlackChars> buffer_;
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
    out.quantity(i, m);
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
      out.value(extra.measurement, kNoUnitClose);
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
