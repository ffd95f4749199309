// SPDX-License-Identifier: MIT
#include "meter/app/debouncer.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

namespace meter::app {
namespace {

using core::Quantity;

bool is_counter(Quantity q) {
  return q == Quantity::kEnergyImport || q == Quantity::kEnergyExport ||
         q == Quantity::kReactiveEnergyImport || q == Quantity::kReactiveEnergyExport;
}

void widen(OptionalValue& min, OptionalValue& max, const OptionalValue& value) {
  if (!value) return;
  min = min ? std::min(*min, *value) : *value;
  max = max ? std::max(*max, *value) : *value;
}

}  // namespace

std::int64_t bucket_of(std::int64_t timestamp, std::int64_t interval_s) {
  const std::int64_t floor =
      timestamp >= 0 ? timestamp / interval_s : (timestamp - interval_s + 1) / interval_s;
  return floor * interval_s;
}

DebouncedRow debounce_bucket(const std::string& meter, std::int64_t bucket_start,
                             std::span<const Reading> readings) {
  // Oldest first (ties by frame counter), so "last" does not depend on the order given.
  std::vector<const Reading*> sorted;
  sorted.reserve(readings.size());
  for (const auto& reading : readings) sorted.push_back(&reading);
  std::sort(sorted.begin(), sorted.end(), [](const Reading* a, const Reading* b) {
    return std::pair(a->timestamp, a->frame_counter) < std::pair(b->timestamp, b->frame_counter);
  });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const Reading* a, const Reading* b) {
                             return a->timestamp == b->timestamp &&
                                    a->frame_counter == b->frame_counter;
                           }),
               sorted.end());

  DebouncedRow row;
  row.meter = meter;
  row.bucket_start = bucket_start;
  row.samples = static_cast<std::int64_t>(sorted.size());
  std::array<double, core::kQuantityCount> sums{};
  std::array<std::int64_t, core::kQuantityCount> counts{};
  for (const Reading* reading : sorted) {
    for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
      const OptionalValue& value = reading->values[i];
      if (!value) continue;
      sums[i] += *value;
      ++counts[i];
      if (is_counter(static_cast<Quantity>(i))) row.values[i] = value;  // the newest wins
    }
    widen(row.power_in_min, row.power_in_max, (*reading)[Quantity::kPowerImport]);
    widen(row.power_out_min, row.power_out_max, (*reading)[Quantity::kPowerExport]);
  }
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    if (!is_counter(static_cast<Quantity>(i)) && counts[i] > 0) {
      row.values[i] = sums[i] / static_cast<double>(counts[i]);
    }
  }
  return row;
}

std::vector<MeterBuckets> touched_buckets(std::span<const Reading> readings,
                                          std::int64_t interval_s) {
  std::map<std::string, std::set<std::int64_t>> touched;
  for (const auto& reading : readings) {
    if (reading.meter.empty() || reading.meter_time.empty()) continue;
    touched[reading.meter].insert(bucket_of(reading.timestamp, interval_s));
  }
  std::vector<MeterBuckets> out;
  out.reserve(touched.size());
  for (auto& [meter, buckets] : touched) {
    out.push_back({meter, {buckets.begin(), buckets.end()}});
  }
  return out;
}

std::vector<std::int64_t> buckets_to_refresh(const MeterBuckets& touched,
                                             std::optional<std::int64_t> previous,
                                             std::optional<std::int64_t> newest,
                                             std::int64_t interval_s) {
  std::set<std::int64_t> candidates(touched.bucket_starts.begin(), touched.bucket_starts.end());
  if (previous) candidates.insert(bucket_of(*previous, interval_s));
  std::vector<std::int64_t> out;
  if (!newest) return out;
  for (const std::int64_t bucket : candidates) {
    if (bucket + interval_s <= *newest) out.push_back(bucket);
  }
  return out;
}

std::vector<DebouncedRow> debounce_readings(std::span<const Reading> readings,
                                            std::int64_t interval_s) {
  std::map<std::pair<std::string, std::int64_t>, std::vector<Reading>> buckets;
  for (const auto& reading : readings) {
    buckets[{reading.meter, bucket_of(reading.timestamp, interval_s)}].push_back(reading);
  }
  std::vector<DebouncedRow> rows;
  rows.reserve(buckets.size());
  for (const auto& [key, members] : buckets) {
    rows.push_back(debounce_bucket(key.first, key.second, members));
  }
  return rows;
}

}  // namespace meter::app
