// SPDX-License-Identifier: MIT
// The 5-minute (configurable) table: one row per meter per aligned bucket of meter time.
// A bucket is closed, and its row produced, when a reading of the same meter in a later bucket
// arrives; readings older than the open bucket do not reopen a closed one (the row would
// already be stored). After a restart the open buckets are rebuilt from `history`
// (ReadingStore::readings_to_debounce), so a restart or a failed write loses no bucket.
//
// Row values: WIn/WOut (and RIn/ROut) = the last reading's counters in the bucket; every
// other quantity = the mean over the bucket's readings; PIn/POut also min and max. A reading
// seen again (same meter, frame counter and meter time) is ignored.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "meter/app/reading.h"

namespace meter::app {

class Debouncer {
 public:
  explicit Debouncer(std::int64_t interval_s) : interval_s_(interval_s) {}

  std::int64_t bucket_of(std::int64_t timestamp) const;
  // Adds a reading; appends the rows of buckets this reading closes to `closed`.
  void add(const Reading& reading, std::vector<DebouncedRow>& closed);
  std::size_t open_buckets() const { return open_.size(); }

 private:
  struct Accumulator {
    std::int64_t bucket_start = 0;
    std::int64_t samples = 0;
    std::int64_t last_timestamp = 0;
    std::array<double, core::kQuantityCount> sums{};
    std::array<std::int64_t, core::kQuantityCount> counts{};
    std::array<OptionalValue, core::kQuantityCount> last{};
    OptionalValue power_in_min, power_in_max, power_out_min, power_out_max;
    // (frame counter, meter time) of the readings taken: a reading delivered twice (broker
    // redelivery, journal replay, duplicate archive rows) counts once.
    std::vector<std::pair<std::uint32_t, std::int64_t>> seen;
  };

  static DebouncedRow close(const std::string& meter, const Accumulator& bucket);

  std::int64_t interval_s_;
  std::map<std::string, Accumulator> open_;
};

}  // namespace meter::app
