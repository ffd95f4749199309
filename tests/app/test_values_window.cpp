// SPDX-License-Identifier: MIT
// The values topic's publish-rate control (values_window.h): one message per meter per window,
// the last telegram or the means; windows closed by a later telegram, by their end, at shutdown.
#include <gtest/gtest.h>

#include <vector>

#include "meter/app/values_window.h"

namespace meter::app {
namespace {

using core::Quantity;

core::Measurement measurement(std::int64_t raw, std::int8_t scaler) {
  core::Measurement m;
  m.present = true;
  m.raw = raw;
  m.scaler = scaler;
  m.has_scaler_unit = true;
  return m;
}

// A telegram of meter `title` with energy `wh`, power `w`, voltage L1 `decivolts` / 10.
core::Telegram telegram(std::uint8_t title, std::uint32_t frame_counter, std::int64_t wh,
                        std::int64_t w, std::int64_t decivolts) {
  core::Telegram t;
  t.system_title[7] = title;
  t.frame_counter = frame_counter;
  t.timestamp_utc = 1'700'000'000 + frame_counter * 5;
  t.values[static_cast<std::size_t>(Quantity::kEnergyImport)] = measurement(wh, 0);
  t.values[static_cast<std::size_t>(Quantity::kPowerImport)] = measurement(w, 0);
  t.values[static_cast<std::size_t>(Quantity::kVoltageL1)] = measurement(decivolts, -1);
  return t;
}

std::int64_t raw(const core::Telegram& t, Quantity q) {
  return t.values[static_cast<std::size_t>(q)].raw;
}

constexpr std::int64_t kMinute = 60'000;

TEST(ValuesWindows, LastModePublishesTheWindowsLastTelegramWhenTheNextWindowBegins) {
  ValuesWindows windows(kMinute, ValuesPublishMode::kLast);
  std::vector<core::Telegram> ready;
  for (std::uint32_t i = 0; i < 12; ++i) {  // 0, 5, .., 55 s: one window
    windows.add(telegram(1, i, 1000 + i, 100 * (i + 1), 2300 + i), i * 5000, ready);
  }
  EXPECT_TRUE(ready.empty());
  windows.add(telegram(1, 12, 1012, 5000, 2400), 60'000, ready);
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_EQ(ready[0].frame_counter, 11U);
  EXPECT_EQ(raw(ready[0], Quantity::kPowerImport), 1200);
  EXPECT_EQ(raw(ready[0], Quantity::kEnergyImport), 1011);
  EXPECT_EQ(windows.open_windows(), 1U);  // the telegram at 60 s opened the next one
}

TEST(ValuesWindows, MeanModeAveragesPowerVoltageAndCurrentButKeepsTheLastCounters) {
  ValuesWindows windows(kMinute, ValuesPublishMode::kMean);
  std::vector<core::Telegram> ready;
  windows.add(telegram(1, 1, 1000, 100, 2300), 1000, ready);
  windows.add(telegram(1, 2, 1001, 200, 2310), 6000, ready);
  windows.add(telegram(1, 3, 1005, 600, 2321), 11000, ready);
  windows.drain(ready);
  ASSERT_EQ(ready.size(), 1U);
  const core::Telegram& out = ready[0];
  EXPECT_EQ(raw(out, Quantity::kPowerImport), 300);    // (100 + 200 + 600) / 3
  EXPECT_EQ(raw(out, Quantity::kVoltageL1), 2310);     // 231.0 V, the meter's 0.1 V steps
  EXPECT_EQ(out.values[4].scaler, -1);                 // scaling kept
  EXPECT_EQ(raw(out, Quantity::kEnergyImport), 1005);  // a counter: the last value
  EXPECT_EQ(out.frame_counter, 3U);                    // and the last meter time
  EXPECT_EQ(out.timestamp_utc, telegram(1, 3, 0, 0, 0).timestamp_utc);
  EXPECT_FALSE(out.values[static_cast<std::size_t>(Quantity::kPowerExport)].present);
}

TEST(ValuesWindows, MeanRoundsToTheLastTelegramsResolution) {
  ValuesWindows windows(kMinute, ValuesPublishMode::kMean);
  std::vector<core::Telegram> ready;
  windows.add(telegram(1, 1, 1000, 100, 2300), 0, ready);
  windows.add(telegram(1, 2, 1000, 101, 2301), 1, ready);
  windows.drain(ready);
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_EQ(raw(ready[0], Quantity::kPowerImport), 101);  // 100.5 rounds away from zero
  EXPECT_EQ(raw(ready[0], Quantity::kVoltageL1), 2301);
}

TEST(ValuesWindows, HalfwayMeansOfDecimalRegistersRoundUpExactly) {
  // 1.00 .. 1.05 A: the mean 1.025 A is 102.5 steps, which rounds to 1.03 A (not down, as a sum
  // of the decimal values would give).
  ValuesWindows windows(kMinute, ValuesPublishMode::kMean);
  std::vector<core::Telegram> ready;
  for (std::uint32_t i = 0; i < 6; ++i) {
    core::Telegram t = telegram(1, i, 1000, 100, 2300);
    t.values[static_cast<std::size_t>(Quantity::kCurrentL1)] = measurement(100 + i, -2);
    windows.add(t, i, ready);
  }
  windows.drain(ready);
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_EQ(raw(ready[0], Quantity::kCurrentL1), 103);
}

TEST(ValuesWindows, ASilentMetersWindowIsPublishedAtItsEndAndNotBefore) {
  ValuesWindows windows(kMinute, ValuesPublishMode::kLast);
  std::vector<core::Telegram> ready;
  windows.add(telegram(1, 1, 1000, 100, 2300), 125'000, ready);  // window [120 s, 180 s)
  windows.expire(179'999, ready);
  EXPECT_TRUE(ready.empty());
  windows.expire(180'000, ready);
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_EQ(ready[0].frame_counter, 1U);
  EXPECT_EQ(windows.open_windows(), 0U);
  windows.expire(600'000, ready);  // nothing twice
  EXPECT_EQ(ready.size(), 1U);
}

TEST(ValuesWindows, EachMeterHasItsOwnWindow) {
  ValuesWindows windows(kMinute, ValuesPublishMode::kMean);
  std::vector<core::Telegram> ready;
  windows.add(telegram(1, 1, 1000, 100, 2300), 0, ready);
  windows.add(telegram(2, 1, 5000, 1000, 2400), 1000, ready);
  windows.add(telegram(1, 2, 1001, 300, 2300), 2000, ready);
  windows.add(telegram(2, 2, 5001, 3000, 2400), 3000, ready);
  windows.expire(kMinute, ready);
  ASSERT_EQ(ready.size(), 2U);
  EXPECT_EQ(ready[0].system_title[7], 1);
  EXPECT_EQ(raw(ready[0], Quantity::kPowerImport), 200);
  EXPECT_EQ(ready[1].system_title[7], 2);
  EXPECT_EQ(raw(ready[1], Quantity::kPowerImport), 2000);
}

TEST(ValuesWindows, AClockSetBackClosesTheOpenWindow) {
  ValuesWindows windows(kMinute, ValuesPublishMode::kLast);
  std::vector<core::Telegram> ready;
  windows.add(telegram(1, 1, 1000, 100, 2300), 10 * kMinute, ready);
  windows.add(telegram(1, 2, 1000, 100, 2300), 5 * kMinute, ready);
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_EQ(ready[0].frame_counter, 1U);
}

TEST(ValuesWindows, AtMostOneMessagePerWindowWhateverTheTelegramRate) {
  ValuesWindows windows(10'000, ValuesPublishMode::kLast);
  std::vector<core::Telegram> ready;
  // One telegram per second for 100 s: ten windows of 10 s.
  for (std::uint32_t i = 0; i < 100; ++i) {
    windows.add(telegram(1, i, 1000 + i, 100, 2300), i * 1000, ready);
    windows.expire(i * 1000 + 500, ready);
  }
  windows.drain(ready);
  ASSERT_EQ(ready.size(), 10U);
  for (std::uint32_t w = 0; w < 10; ++w) EXPECT_EQ(ready[w].frame_counter, w * 10 + 9);
}

TEST(ValuesWindows, OnlyInstantaneousRegistersAreAveraged) {
  EXPECT_TRUE(averaged_in_mean(Quantity::kPowerImport));
  EXPECT_TRUE(averaged_in_mean(Quantity::kCurrentL3));
  EXPECT_TRUE(averaged_in_mean(Quantity::kPowerFactor));
  EXPECT_TRUE(averaged_in_mean(Quantity::kReactivePowerExport));
  EXPECT_FALSE(averaged_in_mean(Quantity::kEnergyImport));
  EXPECT_FALSE(averaged_in_mean(Quantity::kEnergyExport));
  EXPECT_FALSE(averaged_in_mean(Quantity::kReactiveEnergyImport));
}

}  // namespace
}  // namespace meter::app
