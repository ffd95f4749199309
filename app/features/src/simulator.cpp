// SPDX-License-Identifier: MIT
#include "meter/app/simulator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

#include "meter/core/civil_time.h"
#include "meter/core/hex.h"

namespace meter::app {
namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

constexpr double kPi = std::numbers::pi;
constexpr double kLatitudeDeg = 48.2;
constexpr double kLongitudeDeg = 16.4;
constexpr double kIntegrationCellS = 10;
constexpr double kNominalVoltage = 230;

// SplitMix64: a well-mixed 64-bit value from any input; the simulator's only randomness.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

std::uint64_t hash(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
  return mix(mix(mix(mix(seed) ^ a) ^ b) ^ c);
}

// Uniform in [0, 1).
double uniform(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
  return static_cast<double>(hash(seed, a, b, c) >> 11) * 0x1.0p-53;
}

// Streams of randomness, so that e.g. the cloud of a day never equals the noise of a minute.
enum Stream : std::uint64_t {
  kIdentity = 1,
  kProfile,
  kLoadNoise,
  kAppliance,
  kCloudDay,
  kCloudFlicker,
  kVoltageNoise,
};

std::uint64_t bucket(double utc_seconds, double length_s) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(std::floor(utc_seconds / length_s)));
}

// A bell around `centre_h` on the 24-hour circle.
double bell(double hour, double centre_h, double width_h) {
  double distance = std::fabs(hour - centre_h);
  distance = std::min(distance, 24 - distance);
  return std::exp(-0.5 * (distance / width_h) * (distance / width_h));
}

double declination_rad(int day_of_year) {
  return 23.44 * kPi / 180 * std::sin(2 * kPi * (284 + day_of_year) / 365.0);
}

std::string hex_upper(const std::uint8_t* data, std::size_t size) {
  std::string text(2 * size, '0');
  core::encode_hex_upper(data, size, text.data());
  return text;
}

}  // namespace

std::string SimulatedIdentity::system_title_hex() const {
  return hex_upper(system_title.data(), system_title.size());
}

std::string SimulatedIdentity::key_hex() const {
  return hex_upper(key.bytes.data(), key.bytes.size());
}

SimulatedIdentity simulated_identity(std::uint64_t seed, std::size_t index) {
  SimulatedIdentity identity;
  // "SAG": the FLAG manufacturer id Sagemcom meters put into their system title.
  identity.system_title = {0x53, 0x41, 0x47};
  const std::uint64_t title_bits = hash(seed, kIdentity, index, 1);
  for (std::size_t i = 3; i < identity.system_title.size(); ++i) {
    identity.system_title[i] = static_cast<std::uint8_t>(title_bits >> (8 * (i - 3)));
  }
  for (std::size_t i = 0; i < identity.key.bytes.size(); ++i) {
    const std::uint64_t key_bits = hash(seed, kIdentity, index, 2 + i / 8);
    identity.key.bytes[i] = static_cast<std::uint8_t>(key_bits >> (8 * (i % 8)));
  }
  const std::uint64_t number = hash(seed, kIdentity, index, 9) % 100'000'000'000ULL;
  identity.meter_number =
      "1" + std::string(11 - std::to_string(number).size(), '0') + std::to_string(number);
  return identity;
}

HouseholdProfile household_profile(std::uint64_t seed, std::size_t index, bool with_pv) {
  HouseholdProfile profile;
  auto vary = [&](double value, std::uint64_t which, double spread) {
    return value * (1 - spread + 2 * spread * uniform(seed, kProfile, index, which));
  };
  profile.base_load_w = vary(profile.base_load_w, 1, 0.3);
  profile.morning_peak_w = vary(profile.morning_peak_w, 2, 0.3);
  profile.midday_peak_w = vary(profile.midday_peak_w, 3, 0.3);
  profile.evening_peak_w = vary(profile.evening_peak_w, 4, 0.3);
  profile.pv_peak_w = with_pv ? vary(profile.pv_peak_w, 5, 0.4) : 0;
  profile.start_energy_in_wh = std::floor(vary(profile.start_energy_in_wh, 6, 0.5));
  profile.start_energy_out_wh = with_pv ? std::floor(vary(profile.start_energy_out_wh, 7, 0.5)) : 0;
  return profile;
}

LocalClock vienna_clock(double utc_seconds) {
  const auto whole = static_cast<std::int64_t>(std::floor(utc_seconds));
  const double local = utc_seconds + static_cast<double>(core::vienna_offset_seconds(whole));
  LocalClock clock;
  clock.local_day =
      core::floor_div(static_cast<std::int64_t>(std::floor(local)), core::kSecondsPerDay);
  clock.hour = (local - static_cast<double>(clock.local_day) * 86400) / 3600;
  const std::int64_t year = core::civil_from_days(clock.local_day).year;
  clock.day_of_year = static_cast<int>(clock.local_day - core::days_from_civil(year, 1, 1)) + 1;
  return clock;
}

SunTimes vienna_sun_times(int day_of_year, bool summer_time) {
  const double latitude = kLatitudeDeg * kPi / 180;
  const double cos_hour_angle = -std::tan(latitude) * std::tan(declination_rad(day_of_year));
  const double half_day_h = std::acos(std::clamp(cos_hour_angle, -1.0, 1.0)) * 180 / kPi / 15;
  // Solar noon in CET is earlier than 12:00 by Vienna's 1.4 degrees east of 15 E.
  const double noon_h = 12 - (kLongitudeDeg - 15) / 15 + (summer_time ? 1 : 0);
  return {noon_h - half_day_h, noon_h + half_day_h};
}

MeterTwin::MeterTwin(std::uint64_t seed, std::size_t index, HouseholdProfile profile,
                     double start_utc_seconds)
    : seed_(seed), index_(index), profile_(profile) {
  sample_.energy_in_wh = profile_.start_energy_in_wh;
  sample_.energy_out_wh = profile_.start_energy_out_wh;
  fill_instant(sample_, start_utc_seconds);
}

double MeterTwin::load_w(double utc_seconds) const {
  const LocalClock clock = vienna_clock(utc_seconds);
  const double h = clock.hour;
  const bool weekend = core::weekday_from_days(clock.local_day) >= 6;  // Saturday, Sunday
  const double morning_centre = weekend ? 8.5 : 6.9;
  double load = profile_.base_load_w + profile_.morning_peak_w * bell(h, morning_centre, 0.8) +
                profile_.midday_peak_w * (weekend ? 1.8 : 1.0) * bell(h, 12.5, 1.1) +
                profile_.evening_peak_w * bell(h, 19.0, 1.5) +
                0.3 * profile_.evening_peak_w * bell(h, 21.5, 1.0);
  // The fridge compressor: on for about 20 of every 45 minutes.
  if (std::fmod(utc_seconds + 600.0 * static_cast<double>(index_), 2700) < 1200) load += 90;
  // Something smaller changes every 30 s; a kettle, oven or washing machine heater now and then.
  load *= 0.88 + 0.24 * uniform(seed_, kLoadNoise, index_, bucket(utc_seconds, 30));
  const double appliance_chance = (h >= 6.5 && h < 22.5) ? 0.04 : 0.004;
  const std::uint64_t minute = bucket(utc_seconds, 60);
  if (uniform(seed_, kAppliance, index_, minute) < appliance_chance) {
    load += 1800 + 600 * uniform(seed_, kAppliance, index_, minute ^ 0xA5A5);
  }
  return load;
}

double MeterTwin::pv_w(double utc_seconds) const {
  if (profile_.pv_peak_w <= 0) return 0;
  const auto whole = static_cast<std::int64_t>(std::floor(utc_seconds));
  const LocalClock clock = vienna_clock(utc_seconds);
  const SunTimes sun = vienna_sun_times(clock.day_of_year, core::vienna_summer_time_at(whole));
  if (clock.hour <= sun.sunrise_hour || clock.hour >= sun.sunset_hour) return 0;
  const double progress = (clock.hour - sun.sunrise_hour) / (sun.sunset_hour - sun.sunrise_hour);
  const double shape = std::pow(std::sin(kPi * progress), 1.6);
  // Noon elevation relative to midsummer's: lower sun in winter gives less power.
  const double latitude = kLatitudeDeg * kPi / 180;
  const double season = std::cos(latitude - declination_rad(clock.day_of_year)) /
                        std::cos(latitude - 23.44 * kPi / 180);
  const double clear =
      0.35 + 0.65 * uniform(seed_, kCloudDay, static_cast<std::uint64_t>(clock.local_day));
  double clouds = clear;
  if (clear < 0.8) {  // broken clouds: the output jumps every two minutes
    clouds *= 0.55 + 0.45 * uniform(seed_, kCloudFlicker, index_, bucket(utc_seconds, 120));
  }
  return profile_.pv_peak_w * shape * season * clouds;
}

void MeterTwin::fill_instant(MeterSample& sample, double utc_seconds) const {
  sample.utc_seconds = utc_seconds;
  sample.load_w = load_w(utc_seconds);
  sample.pv_w = pv_w(utc_seconds);
  const double net = sample.load_w - sample.pv_w;
  sample.power_in_w = std::max(0.0, net);
  sample.power_out_w = std::max(0.0, -net);
  // Motors and power supplies lower the power factor at small loads; PV inverters run near 1.
  const double magnitude = std::fabs(net);
  sample.power_factor = std::clamp(0.80 + 0.19 * magnitude / (magnitude + 500), 0.5, 1.0);
  const std::uint64_t second = bucket(utc_seconds, 1);
  const double slow = 2.5 * std::sin(2 * kPi * utc_seconds / 10800.0);
  for (std::size_t phase = 0; phase < 3; ++phase) {
    const double phase_power = sample.load_w * profile_.phase_share[phase] - sample.pv_w / 3;
    // The grid sags a little under load and rises under export.
    const double voltage =
        kNominalVoltage + slow + 0.7 * static_cast<double>(phase) - 0.8 +
        1.5 * (2 * uniform(seed_, kVoltageNoise, index_ * 3 + phase, second) - 1) -
        0.004 * std::max(0.0, phase_power) + 0.003 * std::max(0.0, -phase_power);
    sample.voltage_v[phase] = std::clamp(voltage, 216.0, 244.0);
    sample.current_a[phase] =
        std::fabs(phase_power) / (sample.voltage_v[phase] * sample.power_factor);
  }
}

const MeterSample& MeterTwin::advance_to(double utc_seconds) {
  // The power is taken as constant over fixed 10-s cells of the time axis (the load's noise and
  // appliances change on 30-s and 60-s boundaries), so the counters come out the same whatever
  // the steps the caller takes.
  double now = sample_.utc_seconds;
  while (now < utc_seconds) {
    const double cell_start = std::floor(now / kIntegrationCellS) * kIntegrationCellS;
    const double until = std::min(cell_start + kIntegrationCellS, utc_seconds);
    const double mid = cell_start + kIntegrationCellS / 2;
    const double net = load_w(mid) - pv_w(mid);
    sample_.energy_in_wh += std::max(0.0, net) * (until - now) / 3600;
    sample_.energy_out_wh += std::max(0.0, -net) * (until - now) / 3600;
    now = until;
  }
  fill_instant(sample_, std::max(utc_seconds, sample_.utc_seconds));
  return sample_;
}

std::uint32_t first_frame_counter(std::int64_t now_utc_seconds, std::int64_t start_utc_seconds,
                                  std::uint32_t reserved) {
  constexpr std::int64_t kEpoch = 1577836800;  // 2020-01-01 UTC
  constexpr std::int64_t kSecondsPerCounter = 5;
  const std::int64_t by_time =
      (std::max(now_utc_seconds, start_utc_seconds) - kEpoch) / kSecondsPerCounter;
  const std::int64_t first = std::max<std::int64_t>({1, by_time, reserved});
  return static_cast<std::uint32_t>(std::min<std::int64_t>(first, 0xFFFFFFFF));
}

core::FramingSpec framing_spec(SimulatedFraming framing) {
  core::FramingSpec spec;
  spec.old_sagemcom_quirk = framing == SimulatedFraming::kOldSagemcom;
  return spec;
}

core::TelegramSpec telegram_spec(const MeterSample& sample, const SimulatedIdentity& identity,
                                 std::uint32_t invoke_id) {
  core::TelegramSpec spec;
  spec.layout = core::Layout::kEvn;
  spec.invoke_id = invoke_id;
  spec.meter_number = identity.meter_number;

  const auto utc = static_cast<std::int64_t>(std::floor(sample.utc_seconds));
  const core::LocalTime local = core::vienna_local_time(utc);
  const std::int64_t offset = local.offset_seconds;
  const std::int64_t second_of_day = local.second_of_day;
  const core::CivilDate& date = local.date;
  spec.time.year = static_cast<std::uint16_t>(date.year);
  spec.time.month = static_cast<std::uint8_t>(date.month);
  spec.time.day = static_cast<std::uint8_t>(date.day);
  spec.time.weekday = static_cast<std::uint8_t>(core::weekday_from_days(local.day));
  spec.time.hour = static_cast<std::uint8_t>(second_of_day / 3600);
  spec.time.minute = static_cast<std::uint8_t>(second_of_day / 60 % 60);
  spec.time.second = static_cast<std::uint8_t>(second_of_day % 60);
  spec.time.hundredths = 0;
  spec.time.deviation_min = static_cast<std::int16_t>(-offset / 60);
  spec.time.clock_status = offset == 7200 ? core::kClockStatusDaylightSaving : 0x00;

  auto set = [&spec](core::Quantity quantity, double raw) {
    spec.raw[static_cast<std::size_t>(quantity)] = static_cast<std::int64_t>(raw);
  };
  using core::Quantity;
  // Counters are cut (a meter shows a Wh once it is complete), instantaneous values rounded.
  set(Quantity::kEnergyImport, std::floor(sample.energy_in_wh));
  set(Quantity::kEnergyExport, std::floor(sample.energy_out_wh));
  set(Quantity::kPowerImport, std::round(sample.power_in_w));
  set(Quantity::kPowerExport, std::round(sample.power_out_w));
  const Quantity voltages[] = {Quantity::kVoltageL1, Quantity::kVoltageL2, Quantity::kVoltageL3};
  const Quantity currents[] = {Quantity::kCurrentL1, Quantity::kCurrentL2, Quantity::kCurrentL3};
  for (std::size_t phase = 0; phase < 3; ++phase) {
    set(voltages[phase], std::round(sample.voltage_v[phase] * 10));
    set(currents[phase], std::round(sample.current_a[phase] * 100));
  }
  set(Quantity::kPowerFactor, std::round(sample.power_factor * 1000));
  return spec;
}

std::optional<SimulatedFormat> simulated_format_from_name(std::string_view name) {
  if (name == "mbus") return SimulatedFormat::kMbus;
  if (name == "hdlc") return SimulatedFormat::kHdlc;
  if (name == "gbt") return SimulatedFormat::kGbt;
  if (name == "p1") return SimulatedFormat::kP1;
  if (name == "apdu") return SimulatedFormat::kApdu;
  return std::nullopt;
}

std::string encode_telegram_hex(const MeterSample& sample, const SimulatedIdentity& identity,
                                std::uint32_t frame_counter, SimulatedFraming framing,
                                core::GcmCipher& cipher) {
  SimulatedEncoding encoding;
  encoding.framing = framing;
  return encode_telegram_hex(sample, identity, frame_counter, encoding, cipher);
}

std::string encode_telegram_hex(const MeterSample& sample, const SimulatedIdentity& identity,
                                std::uint32_t frame_counter, const SimulatedEncoding& encoding,
                                core::GcmCipher& cipher) {
  core::TelegramSpec spec =
      telegram_spec(sample, identity, 0x80000000U | (frame_counter & 0x7FFFFFFFU));
  spec.layout = encoding.layout;
  const auto plaintext = encoding.format == SimulatedFormat::kP1
                             ? core::encode_p1_text(spec)
                             : core::encode_data_notification(spec);
  if (plaintext.empty()) return {};
  core::CipherSpec cipher_spec;
  cipher_spec.system_title = identity.system_title;
  cipher_spec.frame_counter = frame_counter;
  cipher_spec.keys.encryption = identity.key;
  const auto apdu = core::encode_general_glo_ciphering(plaintext, cipher_spec, cipher);
  if (apdu.empty()) return {};
  std::vector<std::uint8_t> out;
  switch (encoding.format) {
    case SimulatedFormat::kMbus:
      out = core::encode_mbus_frames(apdu, framing_spec(encoding.framing));
      break;
    case SimulatedFormat::kHdlc:
      out = core::encode_hdlc_frames(apdu);
      break;
    case SimulatedFormat::kGbt: {
      // Each block in an HDLC frame of its own, the LLC header in the first only.
      const auto blocks = core::encode_general_block_transfer(apdu, kSimulatedGbtBlockBytes);
      core::HdlcSpec hdlc;
      for (const auto& block : blocks) {
        const auto frames = core::encode_hdlc_frames(block, hdlc);
        if (frames.empty()) return {};
        out.insert(out.end(), frames.begin(), frames.end());
        hdlc.llc = false;
      }
      break;
    }
    case SimulatedFormat::kP1:  // the P1 port sends the ciphered APDU without a link layer
    case SimulatedFormat::kApdu:
      out = apdu;
      break;
  }
  if (out.empty()) return {};
  return hex_upper(out.data(), out.size());
}

// "@1790000000" (UTC epoch seconds) or Vienna local "YYYY-MM-DD[THH:MM[:SS]]".
std::optional<std::int64_t> parse_simulation_start(std::string_view text) {
  if (!text.empty() && text[0] == '@') return parse_int(text.substr(1));
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = parse_int(text.substr(0, 4));
  const auto month = parse_int(text.substr(5, 2));
  const auto day = parse_int(text.substr(8, 2));
  std::optional<std::int64_t> hour = 0, minute = 0, second = 0;
  if (text.size() > 10) {
    if ((text[10] != 'T' && text[10] != ' ') || text.size() < 16 || text[13] != ':') {
      return std::nullopt;
    }
    hour = parse_int(text.substr(11, 2));
    minute = parse_int(text.substr(14, 2));
    if (text.size() > 16) {
      if (text.size() != 19 || text[16] != ':') return std::nullopt;
      second = parse_int(text.substr(17, 2));
    }
  }
  if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const std::int64_t days =
      core::days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return core::vienna_local_to_utc(days * 86400 + *hour * 3600 + *minute * 60 + *second);
}

}  // namespace meter::app
