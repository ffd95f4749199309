// SPDX-License-Identifier: MIT
#include "meter/core/telegram.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace meter::core {
namespace {

Measurement measurement(std::int64_t raw, std::int8_t scaler) {
  Measurement m;
  m.present = true;
  m.raw = raw;
  m.scaler = scaler;
  return m;
}

// Exact comparisons on purpose: a published 233.7 must be the double 233.7, not 233.70000000000002
// (what 2337 * 0.1 gives).
TEST(Measurement, NegativeScalerDividesToTheNearestDouble) {
  EXPECT_EQ(measurement(2337, -1).value(), 233.7);
  EXPECT_EQ(measurement(1000, -3).value(), 1.0);
  EXPECT_EQ(measurement(780, -3).value(), 0.78);
  EXPECT_EQ(measurement(123, -2).value(), 1.23);
  EXPECT_EQ(measurement(-780, -3).value(), -0.78);
  EXPECT_EQ(measurement(2316, -1).value(), 231.6);
}

TEST(Measurement, NonNegativeScalerMultiplies) {
  EXPECT_EQ(measurement(12937, 0).value(), 12937.0);
  EXPECT_EQ(measurement(5, 3).value(), 5000.0);
  EXPECT_TRUE(measurement(5, 3).is_integral());
  EXPECT_FALSE(measurement(5, -1).is_integral());
}

TEST(Measurement, UnitSymbolsOfTheAustrianMeters) {
  EXPECT_STREQ(unit_symbol(kUnitWattHour), "Wh");
  EXPECT_STREQ(unit_symbol(kUnitWatt), "W");
  EXPECT_STREQ(unit_symbol(kUnitVolt), "V");
  EXPECT_STREQ(unit_symbol(kUnitAmpere), "A");
  EXPECT_STREQ(unit_symbol(kUnitVarHour), "varh");
  EXPECT_STREQ(unit_symbol(kUnitVar), "var");
  EXPECT_STREQ(unit_symbol(kUnitVoltAmpere), "VA");
  EXPECT_STREQ(unit_symbol(kUnitNone), "1");
  EXPECT_EQ(unit_symbol(0), nullptr);
  EXPECT_EQ(unit_symbol(200), nullptr);
}

TEST(Quantities, TableIsIndexedByQuantity) {
  for (std::size_t i = 0; i < kQuantities.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kQuantities[i].quantity), i) << kQuantities[i].key;
  }
  EXPECT_STREQ(info(Quantity::kPowerFactor).key, "PF");
  EXPECT_EQ(info(Quantity::kVoltageL2).obis, Obis::of(1, 0, 52, 7, 0));
}

TEST(FixedText, TruncatesToItsCapacity) {
  FixedText text;
  const std::string long_text(60, 'x');
  text.assign(long_text);
  EXPECT_EQ(text.view(), std::string_view(long_text).substr(0, 48));
  text.assign("181220000009");
  EXPECT_EQ(text.view(), "181220000009");
}

}  // namespace
}  // namespace meter::core
