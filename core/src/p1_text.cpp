// SPDX-License-Identifier: MIT
// The P1 companion standard's text telegram (the DSMR P1 format: IEC 62056-21 mode D data lines
// with a CRC-16 line). Read in one pass over the caller's bytes: nothing is copied or allocated.
//
// OBIS codes: A-B:C.D.E as written, F = 255. B is the channel as in DSMR (0: the meter itself,
// 1..4: M-Bus devices behind it; 1-3:0.2.8 is the P1 version): only B = 0 maps onto the
// telegram's quantities, any other channel keeps its own code and goes to the extras, so a
// sub-meter's reading never overwrites the meter's own.
#include "meter/core/p1_text.h"

#include <array>
#include <cstring>
#include <string_view>

#include "crc16.h"
#include "meter/core/value_layout.h"

namespace meter::core {
namespace {

constexpr Obis kClockObis = Obis::of(0, 0, 1, 0, 0);
constexpr Obis kMeterNumberObis = Obis::of(0, 0, 96, 1, 0);
constexpr Obis kLogicalDeviceNameObis = Obis::of(0, 0, 42, 0, 0);

// Summer / winter flag of the meter time: the Austrian meters run on CET / CEST, so the flag
// gives the deviation (UTC = local + deviation, as in the COSEM date-time).
constexpr std::int16_t kSummerDeviation = -120;
constexpr std::int16_t kWinterDeviation = -60;

// YYMMDDhhmmss + S/W
constexpr std::size_t kTimeChars = 13;
constexpr int kMaxDigits = 18;  // fits an int64 whatever the digits

struct TextUnit {
  std::string_view symbol;
  std::uint8_t unit;
  std::int8_t power;  // the k prefix: the value is stored in the base unit
};

// The units DSMR-style telegrams write; the k prefixed ones are stored in the base unit.
constexpr std::array<TextUnit, 16> kTextUnits = {{
    {"Wh", kUnitWattHour, 0},
    {"kWh", kUnitWattHour, 3},
    {"W", kUnitWatt, 0},
    {"kW", kUnitWatt, 3},
    {"varh", kUnitVarHour, 0},
    {"kvarh", kUnitVarHour, 3},
    {"var", kUnitVar, 0},
    {"kvar", kUnitVar, 3},
    {"VAh", 31, 0},
    {"kVAh", 31, 3},
    {"VA", kUnitVoltAmpere, 0},
    {"kVA", kUnitVoltAmpere, 3},
    {"V", kUnitVolt, 0},
    {"A", kUnitAmpere, 0},
    {"Hz", 44, 0},
    {"m3", 13, 0},  // gas and water meters on the M-Bus channels
}};

bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }

int hex_value(std::uint8_t c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string_view as_view(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Reads a decimal field 0..255 at `at`; false when there is none.
bool read_field(std::string_view line, std::size_t& at, std::uint8_t& field) {
  unsigned value = 0;
  const std::size_t start = at;
  while (at < line.size() && is_digit(static_cast<std::uint8_t>(line[at])) && at - start < 3) {
    value = value * 10 + static_cast<unsigned>(line[at] - '0');
    ++at;
  }
  if (at == start || value > 255) return false;
  field = static_cast<std::uint8_t>(value);
  return true;
}

// A-B:C.D.E, the separators fixed. Leaves `at` on the first '('.
bool read_obis(std::string_view line, std::size_t& at, Obis& obis) {
  constexpr std::array<char, 5> kAfter = {'-', ':', '.', '.', '('};
  for (std::size_t i = 0; i < kAfter.size(); ++i) {
    if (!read_field(line, at, obis.bytes[i])) return false;
    if (at >= line.size() || line[at] != kAfter[i]) return false;
    if (kAfter[i] != '(') ++at;
  }
  obis.bytes[5] = 255;
  return true;
}

// "-007112.944" -> raw and the number of digits after the point.
bool read_number(std::string_view text, std::int64_t& raw, int& decimals) {
  std::size_t at = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++at;
  std::int64_t value = 0;
  int digits = 0;
  bool point = false;
  decimals = 0;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (!is_digit(static_cast<std::uint8_t>(c))) return false;
    // Leading zeros do not count against the digit limit.
    if (value != 0 || c != '0') ++digits;
    if (digits > kMaxDigits) return false;
    value = value * 10 + (c - '0');
    if (point) ++decimals;
  }
  const std::size_t first_digit = negative ? 1 : 0;
  if (text.size() == first_digit || text.back() == '.' || text[first_digit] == '.') return false;
  raw = negative ? -value : value;
  return true;
}

// value[*unit] -> a measurement in the base unit, raw * 10^scaler exactly as written.
bool read_measurement(std::string_view group, Measurement& m) {
  const std::size_t star = group.find('*');
  const std::string_view number = group.substr(0, star);
  int decimals = 0;
  if (!read_number(number, m.raw, decimals)) return false;
  int scaler = -decimals;
  m.unit = kUnitNone;
  if (star != std::string_view::npos) {
    const std::string_view symbol = group.substr(star + 1);
    const TextUnit* unit = nullptr;
    for (const TextUnit& candidate : kTextUnits) {
      if (candidate.symbol == symbol) unit = &candidate;
    }
    if (unit == nullptr) return false;
    m.unit = unit->unit;
    scaler += unit->power;
  }
  // 12.5 kWh: 125 * 10^2 is stored as 12500 Wh, the integer register the DLMS meters send.
  for (; scaler > 0; --scaler) {
    if (m.raw > INT64_MAX / 10 || m.raw < INT64_MIN / 10) return false;
    m.raw *= 10;
  }
  m.scaler = static_cast<std::int8_t>(scaler);
  m.present = true;
  m.has_scaler_unit = star != std::string_view::npos || decimals > 0;
  return true;
}

bool is_time_text(std::string_view group) {
  if (group.size() != kTimeChars) return false;
  for (std::size_t i = 0; i + 1 < kTimeChars; ++i) {
    if (!is_digit(static_cast<std::uint8_t>(group[i]))) return false;
  }
  return group.back() == 'S' || group.back() == 'W';
}

// YYMMDDhhmmssS / ...W; kBadDateTime at the character that is wrong.
Result<CosemDateTime> read_time(std::string_view group, std::size_t offset) {
  if (!is_time_text(group)) return failure_at(DecodeError::kBadDateTime, offset);
  auto two = [&group](std::size_t at) {
    return static_cast<std::uint8_t>((group[at] - '0') * 10 + (group[at + 1] - '0'));
  };
  const bool summer = group.back() == 'S';
  const auto deviation = static_cast<std::uint16_t>(summer ? kSummerDeviation : kWinterDeviation);
  const std::uint16_t year = 2000 + two(0);
  const std::array<std::uint8_t, 12> cosem = {
      static_cast<std::uint8_t>(year >> 8),
      static_cast<std::uint8_t>(year),
      two(2),
      two(4),
      0xFF,
      two(6),
      two(8),
      two(10),
      0xFF,
      static_cast<std::uint8_t>(deviation >> 8),
      static_cast<std::uint8_t>(deviation),
      summer ? kClockStatusDaylightSaving : std::uint8_t{0}};
  auto time = parse_cosem_datetime(cosem);
  if (time) return time;
  // Back from the COSEM byte to the text: year 0, month 2, day 3, hour 5, minute 6, second 7.
  constexpr std::array<std::uint8_t, 12> kTextAt = {0, 0, 2, 4, 0, 6, 8, 10, 0, 12, 12, 12};
  return failure_at(DecodeError::kBadDateTime, offset + kTextAt[time.failure().offset]);
}

const QuantityInfo* quantity_of(const Obis& obis) {
  for (const QuantityInfo& quantity : kQuantities) {
    if (quantity.obis == obis) return &quantity;
  }
  return nullptr;
}

// A quantity must come in its own dimension (kWh for energy, no unit for the power factor).
bool fits(const QuantityInfo& quantity, const Measurement& m) {
  const char* symbol = unit_symbol(m.unit);
  return symbol != nullptr && std::strcmp(symbol, quantity.default_unit) == 0;
}

bool printable(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c >= 0x7F) return false;
  }
  return true;
}

class LineReader {
 public:
  LineReader(std::string_view line, std::size_t offset, Telegram& out)
      : line_(line), offset_(offset), out_(out) {}

  Status read() {
    Obis obis;
    std::size_t at = 0;
    if (!read_obis(line_, at, obis)) return bad();
    // The groups: (..)(..)... up to the end of the line, nothing else in between.
    std::string_view first;
    std::size_t first_at = 0;
    std::size_t groups = 0;
    std::string_view last;
    std::size_t last_at = 0;
    while (at < line_.size()) {
      if (line_[at] != '(') return bad();
      const std::size_t close = line_.find(')', at + 1);
      if (close == std::string_view::npos) return bad();
      const std::string_view group = line_.substr(at + 1, close - at - 1);
      if (!printable(group) || group.find('(') != std::string_view::npos) return bad();
      if (groups == 0) {
        first = group;
        first_at = at + 1;
      }
      last = group;
      last_at = at + 1;
      ++groups;
      at = close + 1;
    }
    if (groups == 1) return store(obis, last, last_at);
    // (time)(value): a reading with the time it was taken (M-Bus devices); the value counts.
    if (groups == 2 && is_time_text(first)) {
      if (auto time = read_time(first, offset_ + first_at); !time) return time.failure();
      return store(obis, last, last_at);
    }
    // Logs (e.g. the power failure event log 1-0:99.97.0): well formed, not read.
    return Status::success();
  }

 private:
  Status bad() const { return failure_at(DecodeError::kTextBadLine, offset_); }

  Status store(const Obis& obis, std::string_view value, std::size_t value_at) {
    if (obis == kClockObis) {
      auto time = read_time(value, offset_ + value_at);
      if (!time) return time.failure();
      if (!out_.has_time) {
        out_.has_time = true;
        out_.meter_time = *time;
        out_.timestamp_utc = time->to_utc_epoch();
      }
      return Status::success();
    }
    if (obis == kMeterNumberObis) {
      out_.meter_number.assign(value);
      return Status::success();
    }
    if (obis == kLogicalDeviceNameObis) {
      out_.logical_device_name.assign(value);
      return Status::success();
    }
    Measurement m;
    const bool numeric = read_measurement(value, m);
    if (const QuantityInfo* quantity = quantity_of(obis)) {
      if (!numeric || !fits(*quantity, m)) return bad();
      store_register(obis, m, out_);
      return Status::success();
    }
    // A unit promises a number: "12,5*kWh" or "3*Xh" is a damaged line, not text.
    if (!numeric && value.find('*') != std::string_view::npos) return bad();
    // Other text (a tariff indicator written as text, a message) has no place in a Telegram.
    if (numeric) store_register(obis, m, out_);
    return Status::success();
  }

  std::string_view line_;
  std::size_t offset_;
  Telegram& out_;
};

// The header /XXXZ<identification>: three letters of the manufacturer, Z the baud rate
// character (IEC 62056-21 identification message).
bool is_header(std::string_view header) {
  if (header.size() < 5 || header[0] != '/' || !printable(header)) return false;
  for (std::size_t i = 1; i <= 3; ++i) {
    const char c = header[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

// The line from `at` to its LF (CR LF or LF), without the line end; `next` after the LF or at
// `end` when the line runs to it.
std::string_view line_at(std::string_view text, std::size_t at, std::size_t end,
                         std::size_t& next) {
  std::size_t stop = text.find('\n', at);
  if (stop == std::string_view::npos || stop > end) stop = end;
  next = stop < end ? stop + 1 : end;
  std::size_t length = stop - at;
  if (length > 0 && text[at + length - 1] == '\r') --length;
  return text.substr(at, length);
}

}  // namespace

std::uint16_t crc16_arc(std::span<const std::uint8_t> bytes) {
  static constexpr Crc16Table kTable = make_crc16_table(0xA001);
  return crc16_update(kTable, 0, bytes.data(), bytes.size());
}

Status parse_p1_text(std::span<const std::uint8_t> bytes, std::size_t base_offset, Telegram& out) {
  out.layout = ValueLayout::kText;
  const std::string_view text = as_view(bytes);
  if (text.empty() || text[0] != '/') return failure_at(DecodeError::kTextBadLine, base_offset);
  const std::size_t bang = text.find('!');
  if (bang == std::string_view::npos) {
    return failure_at(DecodeError::kTruncated, base_offset + text.size());
  }

  // !CRC: four hex digits over '/' .. '!' inclusive.
  const std::size_t crc_at = bang + 1;
  unsigned stated = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (crc_at + i >= text.size()) {
      return failure_at(DecodeError::kTruncated, base_offset + text.size());
    }
    const int digit = hex_value(static_cast<std::uint8_t>(text[crc_at + i]));
    if (digit < 0) return failure_at(DecodeError::kTextBadCrc, base_offset + crc_at);
    stated = stated << 4U | static_cast<unsigned>(digit);
  }
  if (crc16_arc(bytes.first(crc_at)) != stated) {
    return failure_at(DecodeError::kTextBadCrc, base_offset + crc_at);
  }
  // Only the line end may follow the CRC.
  const std::string_view tail = text.substr(crc_at + 4);
  if (tail != "\r\n" && tail != "\n" && !tail.empty()) {
    return failure_at(DecodeError::kTextBadLine, base_offset + crc_at + 4);
  }

  std::size_t at = 0;
  const std::string_view header = line_at(text, 0, bang, at);
  if (!is_header(header)) return failure_at(DecodeError::kTextBadLine, base_offset);
  // The identification names the device where DLMS has the logical device name.
  out.logical_device_name.assign(header.substr(1));

  while (at < bang) {
    const std::size_t line_start = at;
    const std::string_view line = line_at(text, at, bang, at);
    if (line.empty()) continue;  // the blank line after the header
    // The last data line ends in CR LF before '!': a line cut off by '!' is damaged.
    if (at == bang && text[bang - 1] != '\n') {
      return failure_at(DecodeError::kTextBadLine, base_offset + line_start);
    }
    LineReader reader(line, base_offset + line_start, out);
    if (auto status = reader.read(); !status) return status;
  }
  return Status::success();
}

}  // namespace meter::core
