// SPDX-License-Identifier: MIT
// Read side of the stored history, for the dashboard and the API: downsampled power for charts,
// hourly counter ranges for daily energy, quarter-hour counters for the monthly peak, per-phase
// voltage and current for the history view. Times are
// meter time, UTC epoch seconds; a range is [from, to). Implementations have their own
// connection, never block the writer (SQLite WAL readers, MariaDB reads) and return an empty
// result, not an error, while the tables do not exist yet. Calls may come from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "meter/app/ports.h"
#include "meter/app/reading.h"

namespace meter::app {

struct MeterSummary {
  std::string meter;  // as in history.meter
  std::string meter_number;
  std::int64_t first_timestamp = 0;
  std::int64_t last_timestamp = 0;
};

// One chart point: the readings of [start, start + step).
struct PowerPoint {
  std::int64_t start = 0;
  std::int64_t samples = 0;
  OptionalValue power_in_mean, power_in_max, power_out_mean, power_out_max;
};

// Per-phase means within one aligned bucket: voltage U1..U3 (V) and current I1..I3 (A).
struct PhasePoint {
  std::int64_t start = 0;
  std::int64_t samples = 0;
  OptionalValue u1, u2, u3, i1, i2, i3;
};

// Energy counters within one aligned bucket of history (an hour, a quarter hour): the lowest and
// highest value of WIn and WOut in it. Counters only grow, so the highest is the bucket's end.
struct CounterBucket {
  std::int64_t start = 0;
  std::int64_t samples = 0;
  OptionalValue energy_in_min, energy_in_max, energy_out_min, energy_out_max;
};

class HistoryQuery {
 public:
  virtual ~HistoryQuery() = default;

  // Meters with at least one row in history, newest first.
  virtual Outcome meters(std::vector<MeterSummary>& out) = 0;
  // Buckets of `step_s` seconds (aligned to multiples of step_s) with at least one reading.
  virtual Outcome power(const std::string& meter, std::int64_t from, std::int64_t to,
                        std::int64_t step_s, std::vector<PowerPoint>& out) = 0;
  // Buckets of `step_s` seconds (aligned) with at least one energy counter.
  virtual Outcome counters(const std::string& meter, std::int64_t from, std::int64_t to,
                           std::int64_t step_s, std::vector<CounterBucket>& out) = 0;
  // Buckets of `step_s` seconds (aligned) with at least one reading: per-phase means. Stores
  // that cannot answer it say so (the history view then shows no phases).
  virtual Outcome phases(const std::string& meter, std::int64_t from, std::int64_t to,
                         std::int64_t step_s, std::vector<PhasePoint>& out) {
    (void)meter, (void)from, (void)to, (void)step_s;
    out.clear();
    return Outcome::failure("per-phase history is not available from this store");
  }
  virtual std::string describe() const = 0;
};

}  // namespace meter::app
