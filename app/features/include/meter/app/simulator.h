// SPDX-License-Identifier: MIT
// A meter twin for `smartmeter simulate`, tests and load benchmarks: a household in Lower Austria
// with a daily load curve (base load, morning and evening peaks, appliance spikes, noise) and a
// PV system whose output follows the sun (sunrise and sunset by season, clouds per day).
//
// Everything is a pure function of (seed, meter index, meter time): the same seed gives the same
// system titles, keys and values, whatever the step between telegrams. No I/O, no clock; the
// caller decides the meter time of each telegram and does the publishing.
//
//   power(t)   = load(t) - pv(t)          net > 0: import (PIn), net < 0: export (POut)
//   WIn, WOut  = start counters + integral of PIn, POut (over fixed 10-s cells)
//   U1..U3     ~ 230 V +- a few volts; I1..I3 = |per-phase power| / (U * PF)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meter/core/gcm_cipher.h"
#include "meter/core/key_ring.h"
#include "meter/core/telegram_encoder.h"

namespace meter::app {

// Who a simulated meter is: derived from (seed, index) only.
struct SimulatedIdentity {
  core::SystemTitle system_title{};  // "SAG" manufacturer prefix + 5 bytes from the seed
  core::AesKey key;                  // the meter's encryption key (GUEK)
  std::string meter_number;          // 12 digits, as printed on EVN meters

  std::string system_title_hex() const;  // 16 upper-case hex digits
  std::string key_hex() const;           // 32 upper-case hex digits
};

SimulatedIdentity simulated_identity(std::uint64_t seed, std::size_t index);

// The household behind a meter; defaults vary a little per meter (see household_profile()).
struct HouseholdProfile {
  double base_load_w = 180;      // fridge, standby, router
  double morning_peak_w = 1100;  // around 07:00 local time
  double midday_peak_w = 500;    // around 12:30
  double evening_peak_w = 1700;  // around 19:00
  double pv_peak_w = 5000;       // 0: no PV system
  double start_energy_in_wh = 4'000'000;
  double start_energy_out_wh = 250'000;
  std::array<double, 3> phase_share{0.45, 0.32, 0.23};  // how the load spreads over L1..L3
};

// The profile of meter `index`: the defaults scaled by a few per cent from the seed.
HouseholdProfile household_profile(std::uint64_t seed, std::size_t index, bool with_pv);

// Europe/Vienna local time of a UTC instant, as hours since local midnight (0 <= h < 24), and
// the day of the year (1..366).
struct LocalClock {
  double hour = 0;
  int day_of_year = 1;
  std::int64_t local_day = 0;  // days since 1970-01-01 of the local date
};
LocalClock vienna_clock(double utc_seconds);

// Sunrise and sunset in local clock hours for a day of the year (Vienna, 48.2 N, 16.4 E).
struct SunTimes {
  double sunrise_hour = 6;
  double sunset_hour = 18;
};
SunTimes vienna_sun_times(int day_of_year, bool summer_time);

// The model's outputs at one instant.
struct MeterSample {
  double utc_seconds = 0;
  double load_w = 0;
  double pv_w = 0;
  double power_in_w = 0;
  double power_out_w = 0;
  double energy_in_wh = 0;
  double energy_out_wh = 0;
  std::array<double, 3> voltage_v{};
  std::array<double, 3> current_a{};
  double power_factor = 1;
};

class MeterTwin {
 public:
  MeterTwin(std::uint64_t seed, std::size_t index, HouseholdProfile profile,
            double start_utc_seconds);

  // Moves the meter's clock forward to `utc_seconds` (never backwards: an earlier time is
  // treated as the current one), integrating the power into the counters.
  const MeterSample& advance_to(double utc_seconds);
  const MeterSample& sample() const { return sample_; }

  // Household load, PV output and power factor at an instant: pure functions of the profile.
  double load_w(double utc_seconds) const;
  double pv_w(double utc_seconds) const;

  const HouseholdProfile& profile() const { return profile_; }

 private:
  void fill_instant(MeterSample& sample, double utc_seconds) const;

  std::uint64_t seed_;
  std::size_t index_;
  HouseholdProfile profile_;
  MeterSample sample_;
};

enum class SimulatedFraming : std::uint8_t {
  kEvn,          // 250 + 20 bytes in two M-Bus frames (current EVN meters)
  kOldSagemcom,  // first frame with L = 0x01 (257 bytes), the old Sagemcom firmware
};

core::FramingSpec framing_spec(SimulatedFraming framing);

// What goes on the raw topic, as each kind of meter sends it (`smartmeter simulate --format`).
enum class SimulatedFormat : std::uint8_t {
  kMbus,  // M-Bus long frames (EVN, KSM West)
  kHdlc,  // HDLC frame format type 3 with the LLC header (Wiener Netze, Kärnten, Burgenland)
  kGbt,   // general block transfer blocks, each in an HDLC frame (Landis+Gyr E450)
  kP1,    // a P1 text telegram inside general-glo-ciphering (Energienetze Steiermark)
  kApdu,  // the bare general-glo-ciphering APDU
};
// "mbus", "hdlc", "gbt", "p1", "apdu"; nullopt for anything else.
std::optional<SimulatedFormat> simulated_format_from_name(std::string_view name);

struct SimulatedEncoding {
  SimulatedFormat format = SimulatedFormat::kMbus;
  SimulatedFraming framing = SimulatedFraming::kEvn;  // M-Bus only
  core::Layout layout = core::Layout::kEvn;           // the A-XDR formats (not P1 text)
};
// Data bytes per general block transfer block (three blocks for an EVN-sized telegram).
inline constexpr std::size_t kSimulatedGbtBlockBytes = 120;

// The register values of a sample in EVN scaling (Wh, W, 0.1 V, 0.01 A, 0.001), with the
// meter's local time (deviation -60 or -120) at the sample's whole second.
core::TelegramSpec telegram_spec(const MeterSample& sample, const SimulatedIdentity& identity,
                                 std::uint32_t invoke_id);

// The first frame counter of a simulation run. Stored readings are keyed by (meter, frame
// counter), so a run must never reuse a counter of an earlier one. Two sources, the higher wins:
// the time (one counter per 5 s since 2020 at the later of the run's start and its meter time,
// which is enough for runs at the meters' pace) and `reserved`, the counter after the last one
// an earlier run may have used (its state file; 0 without one), which covers faster runs.
std::uint32_t first_frame_counter(std::int64_t now_utc_seconds, std::int64_t start_utc_seconds,
                                  std::uint32_t reserved);

// The meter time of a simulation's first telegram: "@1790000000" (UTC epoch seconds) or Vienna
// local "YYYY-MM-DD[THH:MM[:SS]]" (also with a space for the T); nullopt for anything else.
std::optional<std::int64_t> parse_simulation_start(std::string_view text);

// The complete encrypted telegram as the firmware publishes it: upper-case hex of the M-Bus
// frames. Empty when encryption fails.
std::string encode_telegram_hex(const MeterSample& sample, const SimulatedIdentity& identity,
                                std::uint32_t frame_counter, SimulatedFraming framing,
                                core::GcmCipher& cipher);
// The same in any format. Empty when encryption fails or the format's encoder returns nothing.
std::string encode_telegram_hex(const MeterSample& sample, const SimulatedIdentity& identity,
                                std::uint32_t frame_counter, const SimulatedEncoding& encoding,
                                core::GcmCipher& cipher);

}  // namespace meter::app
