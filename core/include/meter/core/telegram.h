// SPDX-License-Identifier: MIT
// A decoded telegram: who sent it, when (meter time), and the measured quantities, each with
// the raw integer, scaler and unit exactly as the meter sent them. Fixed size, no heap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "meter/core/apdu.h"
#include "meter/core/cosem_datetime.h"
#include "meter/core/framing.h"
#include "meter/core/obis.h"

namespace meter::core {

// The quantities mapped by OBIS code. The first eleven are the original system's JSON keys.
enum class Quantity : std::uint8_t {
  kEnergyImport,          // WIn   1-0:1.8.0  Wh
  kEnergyExport,          // WOut  1-0:2.8.0  Wh
  kPowerImport,           // PIn   1-0:1.7.0  W
  kPowerExport,           // POut  1-0:2.7.0  W
  kVoltageL1,             // U1    1-0:32.7.0 V
  kVoltageL2,             // U2    1-0:52.7.0 V
  kVoltageL3,             // U3    1-0:72.7.0 V
  kCurrentL1,             // I1    1-0:31.7.0 A
  kCurrentL2,             // I2    1-0:51.7.0 A
  kCurrentL3,             // I3    1-0:71.7.0 A
  kPowerFactor,           // PF    1-0:13.7.0 (no unit)
  kReactiveEnergyImport,  // RIn   1-0:3.8.0  varh
  kReactiveEnergyExport,  // ROut  1-0:4.8.0  varh
  kReactivePowerImport,   // QIn   1-0:3.7.0  var
  kReactivePowerExport,   // QOut  1-0:4.7.0  var
  kEnergyImportT1,        // WIn1  1-0:1.8.1  Wh (tariff 1)
  kEnergyImportT2,        // WIn2  1-0:1.8.2  Wh (tariff 2)
  kEnergyExportT1,        // WOut1 1-0:2.8.1  Wh
  kEnergyExportT2,        // WOut2 1-0:2.8.2  Wh
};
inline constexpr std::size_t kQuantityCount = 19;

struct QuantityInfo {
  Quantity quantity;
  Obis obis;
  const char* key;           // JSON key and database column
  const char* default_unit;  // when the meter sends the bare value without scaler and unit
};

inline constexpr std::array<QuantityInfo, kQuantityCount> kQuantities = {{
    {Quantity::kEnergyImport, Obis::of(1, 0, 1, 8, 0), "WIn", "Wh"},
    {Quantity::kEnergyExport, Obis::of(1, 0, 2, 8, 0), "WOut", "Wh"},
    {Quantity::kPowerImport, Obis::of(1, 0, 1, 7, 0), "PIn", "W"},
    {Quantity::kPowerExport, Obis::of(1, 0, 2, 7, 0), "POut", "W"},
    {Quantity::kVoltageL1, Obis::of(1, 0, 32, 7, 0), "U1", "V"},
    {Quantity::kVoltageL2, Obis::of(1, 0, 52, 7, 0), "U2", "V"},
    {Quantity::kVoltageL3, Obis::of(1, 0, 72, 7, 0), "U3", "V"},
    {Quantity::kCurrentL1, Obis::of(1, 0, 31, 7, 0), "I1", "A"},
    {Quantity::kCurrentL2, Obis::of(1, 0, 51, 7, 0), "I2", "A"},
    {Quantity::kCurrentL3, Obis::of(1, 0, 71, 7, 0), "I3", "A"},
    {Quantity::kPowerFactor, Obis::of(1, 0, 13, 7, 0), "PF", "1"},
    {Quantity::kReactiveEnergyImport, Obis::of(1, 0, 3, 8, 0), "RIn", "varh"},
    {Quantity::kReactiveEnergyExport, Obis::of(1, 0, 4, 8, 0), "ROut", "varh"},
    {Quantity::kReactivePowerImport, Obis::of(1, 0, 3, 7, 0), "QIn", "var"},
    {Quantity::kReactivePowerExport, Obis::of(1, 0, 4, 7, 0), "QOut", "var"},
    {Quantity::kEnergyImportT1, Obis::of(1, 0, 1, 8, 1), "WIn1", "Wh"},
    {Quantity::kEnergyImportT2, Obis::of(1, 0, 1, 8, 2), "WIn2", "Wh"},
    {Quantity::kEnergyExportT1, Obis::of(1, 0, 2, 8, 1), "WOut1", "Wh"},
    {Quantity::kEnergyExportT2, Obis::of(1, 0, 2, 8, 2), "WOut2", "Wh"},
}};

inline constexpr const QuantityInfo& info(Quantity quantity) {
  return kQuantities[static_cast<std::size_t>(quantity)];
}

// DLMS unit enumeration (IEC 62056-62) values the Austrian meters use.
inline constexpr std::uint8_t kUnitWatt = 27;
inline constexpr std::uint8_t kUnitVoltAmpere = 28;
inline constexpr std::uint8_t kUnitVar = 29;
inline constexpr std::uint8_t kUnitWattHour = 30;
inline constexpr std::uint8_t kUnitVarHour = 32;
inline constexpr std::uint8_t kUnitAmpere = 33;
inline constexpr std::uint8_t kUnitVolt = 35;
inline constexpr std::uint8_t kUnitNone = 255;

// "Wh", "W", ..., "1" for no unit (as the original system wrote it); nullptr if unknown.
const char* unit_symbol(std::uint8_t unit);

struct Measurement {
  bool present = false;
  std::int64_t raw = 0;
  std::int8_t scaler = 0;
  std::uint8_t unit = kUnitNone;
  bool has_scaler_unit = false;  // false: the meter sent the bare value (scaler 0 assumed)

  // raw * 10^scaler; negative scalers divide so 2337 * 10^-1 prints as 233.7.
  double value() const;
  bool is_integral() const { return scaler >= 0; }
};

struct FixedText {
  std::array<char, 48> chars{};
  std::uint8_t size = 0;

  std::string_view view() const { return {chars.data(), size}; }
  bool empty() const { return size == 0; }
  void assign(std::string_view text);
};

struct ExtraRegister {
  Obis obis;
  Measurement measurement;
};
inline constexpr std::size_t kMaxExtraRegisters = 32;

// How the values were laid out in the telegram.
enum class ValueLayout : std::uint8_t {
  kObisList,     // OBIS code, value, {scaler, unit} one after the other (EVN)
  kNested,       // a structure {OBIS, value, {scaler, unit}} per register (KSM West)
  kCaptureList,  // the capture objects' OBIS codes first, then the values in that order
  kProvider,     // bare values in an order fixed per operator and meter (provider_layout names it)
  kText,         // lines OBIS(value*unit) of a text telegram (P1 companion standard)
};

struct Telegram {
  // Link layer as recognised from the bytes.
  Framing framing = Framing::kMbus;
  // Security layer (zero / false for a plaintext data-notification).
  SystemTitle system_title{};
  bool encrypted = false;
  bool authenticated = false;     // a GCM tag was present and verified
  bool tag_unverified = false;    // a GCM tag was present but not checked: no authentication key
  std::uint16_t block_count = 0;  // general block transfer blocks joined (0: none)
  std::uint8_t security_control = 0;
  std::uint32_t frame_counter = 0;
  // Link layer.
  std::uint8_t segment_count = 0;
  bool length_quirk = false;  // old Sagemcom L + 256 framing
  // Application layer.
  std::uint32_t invoke_id = 0;
  bool has_time = false;
  CosemDateTime meter_time;
  std::int64_t timestamp_utc = 0;  // meter time as UTC epoch seconds
  FixedText meter_number;          // 0-0:96.1.0 or the trailing string of the EVN layout
  FixedText logical_device_name;   // 0-0:42.0.0
  ValueLayout layout = ValueLayout::kObisList;
  const char* provider_layout = nullptr;  // kProvider: the table's name (static storage)
  std::array<Measurement, kQuantityCount> values{};
  std::array<ExtraRegister, kMaxExtraRegisters> extras{};  // numeric registers not in kQuantities
  std::size_t extra_count = 0;

  const Measurement& operator[](Quantity quantity) const {
    return values[static_cast<std::size_t>(quantity)];
  }

  // Back to the empty state without rewriting the unused extra slots (decoding hot path).
  void clear() {
    framing = Framing::kMbus;
    system_title = {};
    encrypted = authenticated = tag_unverified = length_quirk = has_time = false;
    block_count = 0;
    layout = ValueLayout::kObisList;
    provider_layout = nullptr;
    security_control = segment_count = 0;
    frame_counter = invoke_id = 0;
    meter_time = {};
    timestamp_utc = 0;
    meter_number.size = logical_device_name.size = 0;
    values = {};
    extra_count = 0;
  }
  Measurement& operator[](Quantity quantity) { return values[static_cast<std::size_t>(quantity)]; }
};

}  // namespace meter::core
