// SPDX-License-Identifier: MIT
#include "meter/app/simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>

#include "meter/core/civil_time.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::app {
namespace {

using core::Quantity;

// 2026-06-21 00:00 and 2026-12-21 00:00 Vienna local time.
const std::int64_t kMidsummer = core::vienna_day_start_utc(core::days_from_civil(2026, 6, 21));
const std::int64_t kMidwinter = core::vienna_day_start_utc(core::days_from_civil(2026, 12, 21));

MeterTwin twin(double start, bool with_pv = true, std::size_t index = 0) {
  return MeterTwin(7, index, household_profile(7, index, with_pv), start);
}

TEST(Simulator, IdentitiesAreDeterministicAndDistinct) {
  const SimulatedIdentity a = simulated_identity(42, 0);
  const SimulatedIdentity again = simulated_identity(42, 0);
  EXPECT_EQ(a.system_title, again.system_title);
  EXPECT_EQ(a.key, again.key);
  EXPECT_EQ(a.meter_number, again.meter_number);
  EXPECT_EQ(a.system_title_hex().substr(0, 6), "534147");  // "SAG"
  EXPECT_EQ(a.key_hex().size(), 32U);
  EXPECT_EQ(a.meter_number.size(), 12U);

  std::set<std::string> titles, keys;
  for (std::size_t i = 0; i < 50; ++i) {
    titles.insert(simulated_identity(42, i).system_title_hex());
    keys.insert(simulated_identity(42, i).key_hex());
  }
  EXPECT_EQ(titles.size(), 50U);
  EXPECT_EQ(keys.size(), 50U);
  EXPECT_NE(simulated_identity(43, 0).key, a.key);
}

TEST(Simulator, CountersNeverDecreaseAndIntegrateThePower) {
  MeterTwin meter = twin(static_cast<double>(kMidsummer));
  double last_in = meter.sample().energy_in_wh;
  double last_out = meter.sample().energy_out_wh;
  const double start_in = last_in;
  const double start_out = last_out;
  double integral_in = 0;
  double integral_out = 0;
  for (int step = 1; step <= 86400 / 5; ++step) {
    const MeterSample& s = meter.advance_to(static_cast<double>(kMidsummer + step * 5));
    EXPECT_GE(s.energy_in_wh, last_in);
    EXPECT_GE(s.energy_out_wh, last_out);
    last_in = s.energy_in_wh;
    last_out = s.energy_out_wh;
    integral_in += s.power_in_w * 5 / 3600;
    integral_out += s.power_out_w * 5 / 3600;
  }
  // A household uses a few kWh a day; a 5 kW PV system exports some on a June day.
  const double used = last_in - start_in;
  const double exported = last_out - start_out;
  EXPECT_GT(used, 2000);
  EXPECT_LT(used, 25000);
  EXPECT_GT(exported, 1000);
  // The counters are the integral of the published power (5-s samples, within 3 %).
  EXPECT_NEAR(used, integral_in, 0.03 * used);
  EXPECT_NEAR(exported, integral_out, 0.03 * exported);
}

TEST(Simulator, CountersDoNotDependOnTheStep) {
  MeterTwin fine = twin(static_cast<double>(kMidsummer));
  MeterTwin coarse = twin(static_cast<double>(kMidsummer));
  for (int second = 5; second <= 6 * 3600; second += 5) {
    fine.advance_to(static_cast<double>(kMidsummer + second));
  }
  coarse.advance_to(static_cast<double>(kMidsummer + 6 * 3600));
  EXPECT_NEAR(fine.sample().energy_in_wh, coarse.sample().energy_in_wh, 1e-6);
}

TEST(Simulator, PvOnlyByDayAndLongerInSummer) {
  const MeterTwin meter = twin(static_cast<double>(kMidsummer));
  int summer_minutes = 0;
  int winter_minutes = 0;
  for (int minute = 0; minute < 24 * 60; ++minute) {
    const double hour = minute / 60.0;
    const double summer = meter.pv_w(static_cast<double>(kMidsummer + minute * 60));
    const double winter = meter.pv_w(static_cast<double>(kMidwinter + minute * 60));
    EXPECT_GE(summer, 0);
    // Vienna: sun from 04:53 to 20:58 CEST in June, from 07:43 to 16:03 CET in December.
    if (hour < 4.5 || hour > 21.5) {
      EXPECT_EQ(summer, 0) << hour;
    }
    if (hour < 7.5 || hour > 16.5) {
      EXPECT_EQ(winter, 0) << hour;
    }
    summer_minutes += summer > 0 ? 1 : 0;
    winter_minutes += winter > 0 ? 1 : 0;
  }
  EXPECT_GT(summer_minutes, 15 * 60);
  EXPECT_LT(winter_minutes, 9 * 60);
  EXPECT_GT(winter_minutes, 7 * 60);
  EXPECT_GT(meter.pv_w(static_cast<double>(kMidsummer + 13 * 3600)), 0);
}

TEST(Simulator, SunTimesFollowTheSeason) {
  const SunTimes june = vienna_sun_times(172, true);
  EXPECT_NEAR(june.sunrise_hour, 4.9, 0.3);
  EXPECT_NEAR(june.sunset_hour, 21.0, 0.3);
  const SunTimes december = vienna_sun_times(355, false);
  EXPECT_NEAR(december.sunrise_hour, 7.7, 0.3);
  EXPECT_NEAR(december.sunset_hour, 16.1, 0.3);
}

TEST(Simulator, WithoutPvNothingIsExported) {
  MeterTwin meter = twin(static_cast<double>(kMidsummer), false);
  const double out = meter.sample().energy_out_wh;
  for (int minute = 1; minute <= 24 * 60; ++minute) {
    const MeterSample& s = meter.advance_to(static_cast<double>(kMidsummer + minute * 60));
    EXPECT_EQ(s.power_out_w, 0);
    EXPECT_GT(s.power_in_w, 0);
  }
  EXPECT_EQ(meter.sample().energy_out_wh, out);
}

TEST(Simulator, EveningUsesMoreThanTheNight) {
  const MeterTwin meter = twin(static_cast<double>(kMidwinter), false);
  double night = 0;
  double evening = 0;
  for (int minute = 0; minute < 60; ++minute) {
    night += meter.load_w(static_cast<double>(kMidwinter + 3 * 3600 + minute * 60));
    evening += meter.load_w(static_cast<double>(kMidwinter + 19 * 3600 + minute * 60));
  }
  EXPECT_GT(evening, 3 * night);
}

TEST(Simulator, VoltagesCurrentsAndPowerFactorArePlausible) {
  MeterTwin meter = twin(static_cast<double>(kMidsummer));
  const HouseholdProfile& profile = meter.profile();
  for (int minute = 0; minute < 24 * 60; minute += 7) {
    const MeterSample& s = meter.advance_to(static_cast<double>(kMidsummer + minute * 60));
    EXPECT_TRUE(s.power_in_w == 0 || s.power_out_w == 0);
    EXPECT_NEAR(s.power_in_w - s.power_out_w, s.load_w - s.pv_w, 1e-9);
    EXPECT_GE(s.power_factor, 0.5);
    EXPECT_LE(s.power_factor, 1.0);
    double phase_sum = 0;
    for (std::size_t phase = 0; phase < 3; ++phase) {
      EXPECT_GE(s.voltage_v[phase], 216);
      EXPECT_LE(s.voltage_v[phase], 244);
      // P = U * I * PF per phase, for that phase's share of the load minus a third of the PV.
      const double phase_power = s.load_w * profile.phase_share[phase] - s.pv_w / 3;
      EXPECT_NEAR(s.voltage_v[phase] * s.current_a[phase] * s.power_factor, std::fabs(phase_power),
                  1e-6);
      phase_sum += phase_power;
    }
    EXPECT_NEAR(phase_sum, s.load_w - s.pv_w, 1e-6);
  }
}

TEST(Simulator, MeterTimeCarriesViennaOffset) {
  const MeterTwin winter = twin(static_cast<double>(kMidwinter + 3600));
  const core::TelegramSpec w = telegram_spec(winter.sample(), simulated_identity(7, 0), 1);
  EXPECT_EQ(w.time.hour, 1);
  EXPECT_EQ(w.time.deviation_min, -60);
  EXPECT_EQ(w.time.to_utc_epoch(), kMidwinter + 3600);
  const MeterTwin summer = twin(static_cast<double>(kMidsummer + 3600));
  const core::TelegramSpec s = telegram_spec(summer.sample(), simulated_identity(7, 0), 1);
  EXPECT_EQ(s.time.hour, 1);
  EXPECT_EQ(s.time.deviation_min, -120);
  EXPECT_EQ(s.time.weekday, 7);  // 2026-06-21 is a Sunday
  EXPECT_EQ(s.time.to_utc_epoch(), kMidsummer + 3600);
}

class SimulatorRoundTrip : public ::testing::TestWithParam<SimulatedFraming> {};

TEST_P(SimulatorRoundTrip, TelegramsDecodeWithThePrintedKeyToTheModelsValues) {
  const SimulatedIdentity identity = simulated_identity(99, 3);
  MeterTwin meter(99, 3, household_profile(99, 3, true), static_cast<double>(kMidsummer));
  crypto::OpenSslGcmCipher cipher;
  const auto key = core::AesKey::from_hex(identity.key_hex());
  ASSERT_TRUE(key);
  core::TelegramDecoder decoder(cipher, core::KeyRing(core::MeterKeys{*key, std::nullopt}));
  auto telegram = std::make_unique<core::Telegram>();

  for (int step = 0; step < 24; ++step) {
    const MeterSample& s = meter.advance_to(static_cast<double>(kMidsummer + step * 3600 + 17));
    const auto frame_counter = static_cast<std::uint32_t>(1000 + step);
    const std::string hex = encode_telegram_hex(s, identity, frame_counter, GetParam(), cipher);
    ASSERT_FALSE(hex.empty());
    const core::Status status = decoder.decode_hex(hex, *telegram);
    ASSERT_TRUE(status) << core::to_string(status.failure().code);
    const core::Telegram& t = *telegram;
    EXPECT_EQ(t.system_title, identity.system_title);
    EXPECT_EQ(t.frame_counter, frame_counter);
    EXPECT_EQ(t.length_quirk, GetParam() == SimulatedFraming::kOldSagemcom);
    EXPECT_EQ(t.segment_count, 2);
    EXPECT_EQ(t.meter_number.view(), identity.meter_number);
    EXPECT_EQ(t.timestamp_utc, kMidsummer + step * 3600 + 17);
    EXPECT_EQ(t[Quantity::kEnergyImport].value(), std::floor(s.energy_in_wh));
    EXPECT_EQ(t[Quantity::kEnergyExport].value(), std::floor(s.energy_out_wh));
    EXPECT_NEAR(t[Quantity::kPowerImport].value(), s.power_in_w, 0.5);
    EXPECT_NEAR(t[Quantity::kPowerExport].value(), s.power_out_w, 0.5);
    EXPECT_NEAR(t[Quantity::kVoltageL1].value(), s.voltage_v[0], 0.05 + 1e-9);
    EXPECT_NEAR(t[Quantity::kVoltageL3].value(), s.voltage_v[2], 0.05 + 1e-9);
    EXPECT_NEAR(t[Quantity::kCurrentL2].value(), s.current_a[1], 0.005 + 1e-9);
    EXPECT_NEAR(t[Quantity::kPowerFactor].value(), s.power_factor, 0.0005 + 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(BothFramings, SimulatorRoundTrip,
                         ::testing::Values(SimulatedFraming::kEvn, SimulatedFraming::kOldSagemcom));

// Every --format of `smartmeter simulate` through the one decoder: mbus and apdu with the
// encoders of today; hdlc, gbt and p1 need encode_hdlc_frames, encode_general_block_transfer and
// encode_p1_text (and their decoders).
struct FormatCase {
  SimulatedFormat format;
  core::Layout layout;
  core::Framing framing;
  std::uint16_t blocks;
};

std::string format_case_name(const ::testing::TestParamInfo<FormatCase>& info) {
  static const char* const kNames[] = {"Mbus", "Hdlc", "Gbt", "P1", "Apdu"};
  std::string name = kNames[static_cast<int>(info.param.format)];
  if (info.param.layout == core::Layout::kKsmWest) name += "KsmWest";
  if (info.param.layout == core::Layout::kWienerNetze) name += "WienerNetze";
  return name;
}

void PrintTo(const FormatCase& c, std::ostream* out) {
  *out << format_case_name(::testing::TestParamInfo<FormatCase>(c, 0));
}

class SimulatorFormats : public ::testing::TestWithParam<FormatCase> {};

TEST_P(SimulatorFormats, EachFormatDecodesToTheModelsValues) {
  const FormatCase& c = GetParam();
  const SimulatedIdentity identity = simulated_identity(5, 1);
  MeterTwin meter(5, 1, household_profile(5, 1, true), static_cast<double>(kMidsummer));
  crypto::OpenSslGcmCipher cipher;
  const auto key = core::AesKey::from_hex(identity.key_hex());
  ASSERT_TRUE(key);
  core::DecoderOptions options;
  if (c.layout == core::Layout::kWienerNetze) options.layout = core::ProviderLayout::kWienerNetze;
  core::TelegramDecoder decoder(cipher, core::KeyRing(core::MeterKeys{*key, std::nullopt}),
                                options);
  auto telegram = std::make_unique<core::Telegram>();
  SimulatedEncoding encoding;
  encoding.format = c.format;
  encoding.layout = c.layout;

  const MeterSample& s = meter.advance_to(static_cast<double>(kMidsummer + 12 * 3600 + 5));
  const std::string hex = encode_telegram_hex(s, identity, 4242, encoding, cipher);
  ASSERT_FALSE(hex.empty()) << "the encoder for this format returned nothing";
  const core::Status status = decoder.decode_hex(hex, *telegram);
  ASSERT_TRUE(status) << core::describe(status.failure());
  const core::Telegram& t = *telegram;
  EXPECT_EQ(t.framing, c.framing);
  EXPECT_EQ(t.block_count, c.blocks);
  EXPECT_EQ(t.system_title, identity.system_title);
  EXPECT_EQ(t.frame_counter, 4242u);
  EXPECT_EQ(t[Quantity::kEnergyImport].value(), std::floor(s.energy_in_wh));
  EXPECT_NEAR(t[Quantity::kPowerImport].value(), s.power_in_w, 0.5);
  EXPECT_NEAR(t[Quantity::kPowerExport].value(), s.power_out_w, 0.5);
  // Wiener Netze's layout has no voltages; the others carry them.
  EXPECT_EQ(t[Quantity::kVoltageL1].present, c.layout != core::Layout::kWienerNetze);
}

INSTANTIATE_TEST_SUITE_P(
    AllFormats, SimulatorFormats,
    ::testing::Values(
        FormatCase{SimulatedFormat::kMbus, core::Layout::kEvn, core::Framing::kMbus, 0},
        FormatCase{SimulatedFormat::kMbus, core::Layout::kKsmWest, core::Framing::kMbus, 0},
        FormatCase{SimulatedFormat::kApdu, core::Layout::kEvn, core::Framing::kApdu, 0},
        FormatCase{SimulatedFormat::kHdlc, core::Layout::kEvn, core::Framing::kHdlc, 0},
        FormatCase{SimulatedFormat::kHdlc, core::Layout::kWienerNetze, core::Framing::kHdlc, 0},
        FormatCase{SimulatedFormat::kGbt, core::Layout::kEvn, core::Framing::kHdlc, 3},
        FormatCase{SimulatedFormat::kP1, core::Layout::kEvn, core::Framing::kApdu, 0}),
    format_case_name);

TEST(SimulatedFormat, NamesAreTheCommandLinesValues) {
  EXPECT_EQ(simulated_format_from_name("mbus"), SimulatedFormat::kMbus);
  EXPECT_EQ(simulated_format_from_name("hdlc"), SimulatedFormat::kHdlc);
  EXPECT_EQ(simulated_format_from_name("gbt"), SimulatedFormat::kGbt);
  EXPECT_EQ(simulated_format_from_name("p1"), SimulatedFormat::kP1);
  EXPECT_EQ(simulated_format_from_name("apdu"), SimulatedFormat::kApdu);
  EXPECT_EQ(simulated_format_from_name("HDLC"), std::nullopt);
}

TEST(FirstFrameCounter, StartsAboveTheTimeAndAboveWhatAnEarlierRunReserved) {
  constexpr std::int64_t k2026 = 1767225600;  // 2026-01-01 UTC
  const std::uint32_t by_time = first_frame_counter(k2026, k2026, 0);
  EXPECT_EQ(by_time, (k2026 - 1577836800) / 5);
  // A meter time ahead of the clock counts; one behind it does not.
  EXPECT_EQ(first_frame_counter(k2026, k2026 + 500, 0), by_time + 100);
  EXPECT_EQ(first_frame_counter(k2026, k2026 - 86400, 0), by_time);
  // A fast earlier run got ahead of the time: its reservation wins.
  EXPECT_EQ(first_frame_counter(k2026, k2026, by_time + 12345), by_time + 12345);
  EXPECT_EQ(first_frame_counter(k2026 + 5, k2026, by_time), by_time + 1);
  EXPECT_EQ(first_frame_counter(0, 0, 0), 1u);
}

TEST(Simulator, StartIsEpochSecondsOrViennaLocalTime) {
  EXPECT_EQ(parse_simulation_start("@1790000000"), 1790000000);
  EXPECT_EQ(parse_simulation_start("2026-06-21"), kMidsummer);
  EXPECT_EQ(parse_simulation_start("2026-06-21T01:30"), kMidsummer + 5400);
  EXPECT_EQ(parse_simulation_start("2026-12-21 00:00:07"), kMidwinter + 7);
  for (const char* bad : {"", "@", "@12x", "2026-13-01", "2026-06-21T25:00",
                          "2026-06-21T01:30:", "21.06.2026", "2026-06-21X01:30"}) {
    EXPECT_FALSE(parse_simulation_start(bad)) << bad;
  }
}

}  // namespace
}  // namespace meter::app
