// SPDX-License-Identifier: MIT
// The 5-minute (configurable) table `<table>Debounced`: one row per meter per aligned bucket of
// meter time, computed from the bucket's readings in `history` (so every instance, a restart
// and a replay compute the same row). A bucket is complete, and gets its row, once the meter
// has a reading in a later bucket; a reading that arrives later for a complete bucket makes
// the store compute that bucket again (ReadingStore::refresh_debounced).
//
// Row values: WIn/WOut (and RIn/ROut) = the counters of the bucket's newest reading; every
// other quantity = the mean over the bucket's readings; PIn/POut also min and max; samples =
// readings in the bucket. A reading seen twice (same frame counter and meter time) counts once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/app/reading.h"

namespace meter::app {

// Start of the aligned bucket of `interval_s` seconds that holds `timestamp` (also negative).
std::int64_t bucket_of(std::int64_t timestamp, std::int64_t interval_s);

// The row of one bucket from its readings (one meter, all inside the bucket, any order).
DebouncedRow debounce_bucket(const std::string& meter, std::int64_t bucket_start,
                             std::span<const Reading> readings);

// The buckets a batch of readings touched: per meter (meter != ""), its distinct bucket starts,
// ascending. Only readings with meter time count (meter_time set), as in the table.
struct MeterBuckets {
  std::string meter;
  std::vector<std::int64_t> bucket_starts;
};
std::vector<MeterBuckets> touched_buckets(std::span<const Reading> readings,
                                          std::int64_t interval_s);

// Of one meter's touched buckets plus the bucket of `previous` (its newest reading before the
// first touched bucket, which may just have become complete), those that are complete given
// `newest` (its newest reading): ascending.
std::vector<std::int64_t> buckets_to_refresh(const MeterBuckets& touched,
                                             std::optional<std::int64_t> previous,
                                             std::optional<std::int64_t> newest,
                                             std::int64_t interval_s);

// The rows of the buckets the readings fall in, readings grouped by meter and bucket.
std::vector<DebouncedRow> debounce_readings(std::span<const Reading> readings,
                                            std::int64_t interval_s);

}  // namespace meter::app
