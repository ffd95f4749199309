// SPDX-License-Identifier: MIT
// The numbers of the local meter feed (EverHome EcoTracker's local API, GET /v1/json), which
// zero-export battery and inverter controllers poll: one meter's latest reading as net power and
// energy counters. The HTTP adapter serialises them; this decides which meter and what the
// numbers are.
//
// Field meanings (EverHome's developer page https://everhome.cloud/de/entwickler/ecotracker, as
// quoted in https://github.com/sdeigm/uni-meter/issues/258, and uni-meter's EcoTracker output):
//   power             W, the net power at the meter: import positive, export negative
//   powerAvg          W, the same averaged over a recent window (here: the telegrams of the
//                     last kAverageMs)
//   powerPhase1..3    W per phase. The meters read here send voltage and current per phase but
//                     no signed power per phase, so the net power is split in proportion to
//                     U x I of each phase (the three add up to `power`); left out when the
//                     telegram has no voltage or current per phase
//   energyCounterIn   Wh imported (1-0:1.8.0), energyCounterOut Wh exported (1-0:2.8.0)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "meter/app/live_state.h"
#include "meter/app/telegram_log.h"

namespace meter::app {

struct LocalFeedValues {
  double power = 0;
  double power_avg = 0;
  std::optional<std::array<double, 3>> phases;
  double energy_in = 0;
  double energy_out = 0;
};

enum class LocalFeedState : std::uint8_t {
  kOk,
  kNoMeter,       // no meter known yet
  kSeveral,       // several meters and none chosen (SMARTMETER_LOCAL_FEED_METER)
  kUnknownMeter,  // the chosen meter is not among the live meters
  kNoReading,     // the meter sent nothing that decoded, or it is older than stale_after_ms
};

struct LocalFeedAnswer {
  LocalFeedState state = LocalFeedState::kNoMeter;
  std::string message;  // why not kOk, in plain words
  std::string meter;    // the meter answered for
  LocalFeedValues values;
};

inline constexpr std::int64_t kLocalFeedAverageMs = 60'000;

// `chosen`: a system title or meter number; empty: the one meter there is. A reading older than
// `stale_after_ms` is not given out (a controller must not regulate on old numbers).
LocalFeedAnswer local_feed_values(const LiveSnapshot& live, const TelegramLog& log,
                                  const std::string& chosen, std::int64_t stale_after_ms);

}  // namespace meter::app
