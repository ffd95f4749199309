// SPDX-License-Identifier: MIT
#include "meter/app/prices.h"

namespace meter::app {

const char* to_string(PriceProduct product) {
  return product == PriceProduct::kQuarterHour ? "quarter-hour" : "hour";
}

std::optional<PriceProduct> parse_price_product(std::string_view text) {
  if (text == "hour") return PriceProduct::kHour;
  if (text == "quarter-hour") return PriceProduct::kQuarterHour;
  return std::nullopt;
}

std::int64_t duration_of(PriceProduct product) {
  return product == PriceProduct::kQuarterHour ? 900 : 3600;
}

PriceTable::PriceTable(std::span<const PricePoint> points) {
  for (const PricePoint& point : points) add(point);
}

void PriceTable::add(const PricePoint& point) {
  prices_[{point.market, point.product, point.start}] = point.eur_per_mwh;
}

std::optional<double> PriceTable::at(const std::string& market, PriceProduct product,
                                     std::int64_t utc_seconds) const {
  const std::int64_t step = duration_of(product);
  // Floor division: instants before 1970 still find their interval.
  std::int64_t start = utc_seconds / step * step;
  if (start > utc_seconds) start -= step;
  const auto it = prices_.find({market, product, start});
  if (it == prices_.end()) return std::nullopt;
  return it->second;
}

}  // namespace meter::app
