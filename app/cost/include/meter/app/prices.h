// SPDX-License-Identifier: MIT
// Day-ahead market prices: the `prices` table's rows and the port that stores and reads them.
// A price is EUR/MWh, as the exchanges publish it (1 EUR/MWh = 0.1 ct/kWh), for one product:
// the hourly index or the quarter-hour auction (96 prices a day since delivery day
// 2025-10-01, 92 and 100 on the days the clocks change).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "meter/app/ports.h"

namespace meter::app {

enum class PriceProduct : std::uint8_t { kHour, kQuarterHour };
const char* to_string(PriceProduct product);  // "hour", "quarter-hour"
std::optional<PriceProduct> parse_price_product(std::string_view text);
std::int64_t duration_of(PriceProduct product);  // 3600, 900 seconds

// A spot series a tariff needs (for fetching and for reading the prices table).
struct PriceSeries {
  std::string market = "AT";
  PriceProduct product = PriceProduct::kHour;
  friend bool operator==(const PriceSeries&, const PriceSeries&) = default;
};

// One price: `market` names the bidding zone ("AT"), `start` is the interval's start (UTC epoch
// seconds, aligned to the product's duration), `source` where it came from ("APG csv",
// "aWATTar", ...), kept for the user's questions.
struct PricePoint {
  std::string market = "AT";
  PriceProduct product = PriceProduct::kHour;
  std::int64_t start = 0;
  double eur_per_mwh = 0;
  std::string source;

  friend bool operator==(const PricePoint&, const PricePoint&) = default;
};

struct PriceQuery {
  std::string market = "AT";
  PriceProduct product = PriceProduct::kHour;
  std::int64_t from = std::numeric_limits<std::int64_t>::min();   // start >= from
  std::int64_t until = std::numeric_limits<std::int64_t>::max();  // start < until
};

// Prices in memory, looked up by the instant they cover.
class PriceTable {
 public:
  PriceTable() = default;
  explicit PriceTable(std::span<const PricePoint> points);
  void add(const PricePoint& point);
  // The price of the product's interval that contains `utc_seconds`; nullopt when missing.
  std::optional<double> at(const std::string& market, PriceProduct product,
                           std::int64_t utc_seconds) const;
  std::size_t size() const { return prices_.size(); }

 private:
  std::map<std::tuple<std::string, PriceProduct, std::int64_t>, double> prices_;
};

// What the store holds of one market and product: the first and the last interval start, how
// many prices, and when a price last changed (`updated`, UTC epoch milliseconds; see
// PriceStore::store). `count` 0: none (the other fields are then 0).
struct PriceSummary {
  std::string market = "AT";
  PriceProduct product = PriceProduct::kHour;
  std::int64_t first_start = 0;
  std::int64_t last_start = 0;
  std::size_t count = 0;
  std::int64_t last_updated_ms = 0;

  friend bool operator==(const PriceSummary&, const PriceSummary&) = default;
};

// Where prices live (the `prices` table: market, product, intervalStart, price, source, updated,
// keyed by market, product and intervalStart). No vendor types.
class PriceStore {
 public:
  virtual ~PriceStore() = default;
  virtual Outcome open() = 0;  // connects if needed and creates the table
  // Inserts or replaces all points in one transaction: all of them or none. `changed` counts the
  // points that were new or had another price (or source); only those get a new `updated`
  // (milliseconds, later than every `updated` already in the table), so that a point stored
  // again with the same price is no change.
  virtual Outcome store(std::span<const PricePoint> points, std::size_t& changed) = 0;
  virtual Outcome prices(const PriceQuery& query, std::vector<PricePoint>& out) = 0;  // by start
  // The points of `query` whose `updated` is at or after `updated_since_ms`, by start: what
  // changed since a time, so that costs can be computed again for those intervals.
  virtual Outcome changed_since(const PriceQuery& query, std::int64_t updated_since_ms,
                                std::vector<PricePoint>& out) = 0;
  // The summary of each market and product the table holds (ordered by market, product).
  virtual Outcome summaries(std::vector<PriceSummary>& out) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;
};

}  // namespace meter::app
