// SPDX-License-Identifier: MIT
#include "meter/app/debouncer.h"

#include <algorithm>

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

std::int64_t Debouncer::bucket_of(std::int64_t timestamp) const {
  const std::int64_t floor =
      timestamp >= 0 ? timestamp / interval_s_ : (timestamp - interval_s_ + 1) / interval_s_;
  return floor * interval_s_;
}

DebouncedRow Debouncer::close(const std::string& meter, const Accumulator& bucket) {
  DebouncedRow row;
  row.meter = meter;
  row.bucket_start = bucket.bucket_start;
  row.samples = bucket.samples;
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    if (is_counter(static_cast<Quantity>(i))) {
      row.values[i] = bucket.last[i];
    } else if (bucket.counts[i] > 0) {
      row.values[i] = bucket.sums[i] / static_cast<double>(bucket.counts[i]);
    }
  }
  row.power_in_min = bucket.power_in_min;
  row.power_in_max = bucket.power_in_max;
  row.power_out_min = bucket.power_out_min;
  row.power_out_max = bucket.power_out_max;
  return row;
}

void Debouncer::add(const Reading& reading, std::vector<DebouncedRow>& closed) {
  const std::int64_t bucket = bucket_of(reading.timestamp);
  auto it = open_.find(reading.meter);
  if (it != open_.end()) {
    if (bucket < it->second.bucket_start) return;  // late reading of a closed bucket
    if (bucket > it->second.bucket_start) {
      closed.push_back(close(reading.meter, it->second));
      it->second = Accumulator{};
    }
  } else {
    it = open_.emplace(reading.meter, Accumulator{}).first;
  }
  Accumulator& a = it->second;
  const std::pair<std::uint32_t, std::int64_t> key{reading.frame_counter, reading.timestamp};
  if (std::find(a.seen.begin(), a.seen.end(), key) != a.seen.end()) return;
  a.seen.push_back(key);
  a.bucket_start = bucket;
  ++a.samples;
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    const OptionalValue& value = reading.values[i];
    if (!value) continue;
    a.sums[i] += *value;
    ++a.counts[i];
    if (reading.timestamp >= a.last_timestamp) a.last[i] = value;
  }
  a.last_timestamp = std::max(a.last_timestamp, reading.timestamp);
  widen(a.power_in_min, a.power_in_max, reading[Quantity::kPowerImport]);
  widen(a.power_out_min, a.power_out_max, reading[Quantity::kPowerExport]);
}

}  // namespace meter::app
