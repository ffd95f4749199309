// SPDX-License-Identifier: MIT
// The `prices` table of both engines (columns, key) and what a PriceStore::store() call writes:
// the points that are new or differ from the stored ones, each once, with a fresh `updated`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "meter/app/prices.h"

namespace meter::storage::detail {

inline constexpr const char* kPricesTable = "prices";
inline constexpr std::size_t kMaxMarket = 16;
inline constexpr std::size_t kMaxPriceSource = 64;
// Column order of every insert and select; PRIMARY KEY (market, product, intervalStart).
inline std::vector<std::string> price_column_names() {
  return {"market", "product", "intervalStart", "price", "source", "updated"};
}

using PriceKey = std::tuple<std::string, app::PriceProduct, std::int64_t>;
struct StoredPrice {
  double eur_per_mwh = 0;
  std::string source;
};

// "" when every point can be stored, else why the first that cannot be stored cannot.
inline std::string check_price_points(std::span<const app::PricePoint> points) {
  for (const app::PricePoint& point : points) {
    if (point.market.empty() || point.market.size() > kMaxMarket) {
      return "market '" + point.market + "' must have 1 to 16 characters";
    }
    if (!std::isfinite(point.eur_per_mwh)) return "a price that is not a finite number";
    const std::int64_t step = app::duration_of(point.product);
    if (point.start % step != 0) {
      return "interval start " + std::to_string(point.start) + " is not aligned to " +
             std::to_string(step / 60) + " minutes";
    }
  }
  return {};
}

// The (market, product) groups of `points` with their first and last interval start: the
// ranges to read the stored prices of before comparing.
struct PriceRange {
  std::string market;
  app::PriceProduct product = app::PriceProduct::kHour;
  std::int64_t first = 0;
  std::int64_t last = 0;
};
inline std::vector<PriceRange> price_ranges(std::span<const app::PricePoint> points) {
  std::map<std::pair<std::string, app::PriceProduct>, PriceRange> ranges;
  for (const app::PricePoint& point : points) {
    auto [it, added] =
        ranges.try_emplace({point.market, point.product},
                           PriceRange{point.market, point.product, point.start, point.start});
    if (!added) {
      it->second.first = std::min(it->second.first, point.start);
      it->second.last = std::max(it->second.last, point.start);
    }
  }
  std::vector<PriceRange> out;
  out.reserve(ranges.size());
  for (auto& [key, range] : ranges) out.push_back(range);
  return out;
}

// The points to write: new ones and those whose price or source differs from `stored`; a point
// given twice counts once (the later one wins).
inline std::vector<app::PricePoint> changed_price_points(
    std::span<const app::PricePoint> points, const std::map<PriceKey, StoredPrice>& stored) {
  std::map<PriceKey, const app::PricePoint*> latest;
  for (const app::PricePoint& point : points) {
    latest[{point.market, point.product, point.start}] = &point;
  }
  std::vector<app::PricePoint> out;
  for (const auto& [key, point] : latest) {
    const auto it = stored.find(key);
    const std::string source = point->source.substr(0, kMaxPriceSource);
    if (it != stored.end() && it->second.eur_per_mwh == point->eur_per_mwh &&
        it->second.source == source) {
      continue;
    }
    app::PricePoint& changed = out.emplace_back(*point);
    changed.source = source;
  }
  return out;
}

// `updated` for one store() call: the wall clock in milliseconds, but later than `newest` (the
// table's largest `updated`), so that "changed since" never misses a change.
inline std::int64_t next_updated_ms(std::int64_t wall_ms, std::int64_t newest) {
  return std::max(wall_ms, newest + 1);
}
inline std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace meter::storage::detail
