// SPDX-License-Identifier: MIT
#include "meter/core/telegram.h"

#include <algorithm>

namespace meter::core {

const char* unit_symbol(std::uint8_t unit) {
  switch (unit) {
    case kUnitWatt:
      return "W";
    case kUnitVoltAmpere:
      return "VA";
    case kUnitVar:
      return "var";
    case kUnitWattHour:
      return "Wh";
    case 31:
      return "VAh";
    case kUnitVarHour:
      return "varh";
    case kUnitAmpere:
      return "A";
    case kUnitVolt:
      return "V";
    case 44:
      return "Hz";
    case 13:  // gas and water meters behind a P1 text telegram
      return "m3";
    case kUnitNone:
      return "1";
    default:
      return nullptr;
  }
}

double Measurement::value() const {
  // Powers of ten up to 1e22 are exact doubles, so one rounding step at most.
  const int magnitude = scaler < 0 ? -scaler : scaler;
  double power = 1.0;
  for (int i = 0; i < magnitude; ++i) power *= 10.0;
  const auto raw_value = static_cast<double>(raw);
  return scaler < 0 ? raw_value / power : raw_value * power;
}

void FixedText::assign(std::string_view text) {
  size = static_cast<std::uint8_t>(std::min(text.size(), chars.size()));
  std::copy_n(text.data(), size, chars.data());
}

}  // namespace meter::core
