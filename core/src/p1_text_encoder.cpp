// SPDX-License-Identifier: MIT
// encode_p1_text: the text telegram as Energienetze Steiermark's Sagemcom T210-D-r writes it
// (rddl-network/EnergyAgent tests/energy_decrypter_test.py, test_decode_packet_sc_1):
//
//   /EST5\253717584_A            header: the logical device name (default "EST5")
//                                blank line
//   1-3:0.2.8(50)                P1 version
//   0-0:1.0.0(230817152425S)     local time, S summer / W winter
//   1-0:1.8.0(007112944*Wh)      energies and powers: 9 digits in Wh, W, varh, var
//   !ED42                        CRC-16/ARC over '/' .. '!'
//
// The meter number goes in a 0-0:96.1.0 line when the spec has one (the T210-D-r leaves it out).
// Voltages, currents and the power factor are not in the published telegram; they are written
// with the decimals of the spec's raw scaling (230.1*V, 001.23*A, 0.998).
#include <array>
#include <cstdio>
#include <string>

#include "meter/core/p1_text.h"
#include "meter/core/telegram_encoder.h"

namespace meter::core {
namespace {

struct TextRegister {
  Quantity quantity;
  const char* unit;  // nullptr: no unit (power factor)
  int digits;        // digits in all, zero padded
  int decimals;      // digits after the point (the spec's raw scaling)
};

// The order of the published telegram, then the instantaneous values DSMR writes.
constexpr std::array<TextRegister, 19> kTextOrder = {{
    {Quantity::kEnergyImport, "Wh", 9, 0},
    {Quantity::kEnergyImportT1, "Wh", 9, 0},
    {Quantity::kEnergyImportT2, "Wh", 9, 0},
    {Quantity::kPowerImport, "W", 9, 0},
    {Quantity::kEnergyExport, "Wh", 9, 0},
    {Quantity::kEnergyExportT1, "Wh", 9, 0},
    {Quantity::kEnergyExportT2, "Wh", 9, 0},
    {Quantity::kPowerExport, "W", 9, 0},
    {Quantity::kReactiveEnergyImport, "varh", 9, 0},
    {Quantity::kReactivePowerImport, "var", 9, 0},
    {Quantity::kReactiveEnergyExport, "varh", 9, 0},
    {Quantity::kReactivePowerExport, "var", 9, 0},
    {Quantity::kVoltageL1, "V", 4, 1},
    {Quantity::kVoltageL2, "V", 4, 1},
    {Quantity::kVoltageL3, "V", 4, 1},
    {Quantity::kCurrentL1, "A", 5, 2},
    {Quantity::kCurrentL2, "A", 5, 2},
    {Quantity::kCurrentL3, "A", 5, 2},
    {Quantity::kPowerFactor, nullptr, 4, 3},
}};

void put_code(std::string& out, const Obis& obis) {
  const auto& b = obis.bytes;
  char text[32];
  const int n = std::snprintf(text, sizeof text, "%u-%u:%u.%u.%u", unsigned{b[0]}, unsigned{b[1]},
                              unsigned{b[2]}, unsigned{b[3]}, unsigned{b[4]});
  out.append(text, static_cast<std::size_t>(n));
}

// raw with `decimals` digits after the point, zero padded to `digits` digits.
void put_fixed(std::string& out, std::int64_t raw, int digits, int decimals) {
  if (raw < 0) out.push_back('-');
  const std::uint64_t magnitude =
      raw < 0 ? 0 - static_cast<std::uint64_t>(raw) : static_cast<std::uint64_t>(raw);
  std::string written = std::to_string(magnitude);
  if (written.size() < static_cast<std::size_t>(digits)) {
    written.insert(0, static_cast<std::size_t>(digits) - written.size(), '0');
  }
  if (written.size() <= static_cast<std::size_t>(decimals)) {
    written.insert(0, static_cast<std::size_t>(decimals) + 1 - written.size(), '0');
  }
  if (decimals > 0) written.insert(written.size() - static_cast<std::size_t>(decimals), 1, '.');
  out += written;
}

void put_time(std::string& out, const CosemDateTime& t) {
  const bool summer = t.has_deviation() ? t.deviation_min == -120
                                        : t.clock_status != 0xFF &&
                                              (t.clock_status & kClockStatusDaylightSaving) != 0;
  char text[24];
  const int n =
      std::snprintf(text, sizeof text, "(%02u%02u%02u%02u%02u%02u%c)", unsigned{t.year % 100U},
                    unsigned{t.month}, unsigned{t.day}, unsigned{t.hour}, unsigned{t.minute},
                    unsigned{t.second}, summer ? 'S' : 'W');
  out.append(text, static_cast<std::size_t>(n));
}

}  // namespace

std::vector<std::uint8_t> encode_p1_text(const TelegramSpec& spec) {
  std::string out = "/";
  out += spec.logical_device_name.empty() ? std::string("EST5") : spec.logical_device_name;
  out += "\r\n\r\n1-3:0.2.8(50)\r\n";
  if (spec.time.year >= 2000) {
    put_code(out, Obis::of(0, 0, 1, 0, 0));
    put_time(out, spec.time);
    out += "\r\n";
  }
  if (!spec.meter_number.empty()) {
    put_code(out, Obis::of(0, 0, 96, 1, 0));
    out += "(" + spec.meter_number + ")\r\n";
  }
  for (const TextRegister& reg : kTextOrder) {
    const auto& raw = spec.raw[static_cast<std::size_t>(reg.quantity)];
    if (!raw) continue;
    put_code(out, info(reg.quantity).obis);
    out.push_back('(');
    put_fixed(out, *raw, reg.digits, reg.decimals);
    if (reg.unit != nullptr) {
      out.push_back('*');
      out += reg.unit;
    }
    out += ")\r\n";
  }
  out.push_back('!');
  std::vector<std::uint8_t> bytes(out.begin(), out.end());
  char crc[8];
  (void)std::snprintf(crc, sizeof crc, "%04X\r\n", unsigned{crc16_arc(bytes)});
  bytes.insert(bytes.end(), crc, crc + 6);
  return bytes;
}

}  // namespace meter::core
