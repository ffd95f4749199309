// SPDX-License-Identifier: MIT
// What a meter's quarter-hours cost under a tariff set and day-ahead prices. Pure: no I/O, no
// clock. Money is EUR; every amount is net (without VAT) except `vat_eur` and the totals.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/app/prices.h"
#include "meter/app/reading.h"
#include "meter/app/tariff.h"

namespace meter::app {

// The energy of one quarter-hour [start, start + 900) as the cost engine prices it: from
// statsQuarterHour, or the operator's remaining grid draw for members of an energy community.
// `complete` false: the energy is partial or unknown (a gap): the cost is flagged, never zero.
struct CostEnergy {
  std::int64_t start = 0;
  OptionalValue import_wh;  // drawn from the grid
  OptionalValue export_wh;  // fed in
  bool complete = false;
};

// Why a quarter-hour's cost is not final.
enum class CostFlag : std::uint8_t {
  kEnergyGap = 1,     // the energy is partial or unknown
  kMissingPrice = 2,  // a spot price the tariff needs is not in the prices table
  kNoTariff = 4,      // no tariff is valid for this meter at this time
};

struct CostQuarterHour {
  std::string meter;
  std::int64_t start = 0;  // UTC epoch seconds
  std::int64_t end = 0;
  OptionalValue import_wh, export_wh;  // the energy priced
  OptionalValue spot_eur_per_mwh;      // the spot price used, where the tariff has one
  double energy_eur = 0;               // supplier's energy price x import
  double grid_energy_eur = 0;          // grid-usage energy price (summer discount applied)
  double grid_losses_eur = 0;          // Netzverlustentgelt
  double grid_fixed_eur = 0;           // flat power charge, metering fee: spread per interval
  double fees_eur = 0;                 // supplier's monthly/yearly fees: spread per interval
  double levies_eur = 0;               // Elektrizitätsabgabe and other per-kWh levies
  double vat_eur = 0;                  // on everything above
  double feed_in_eur = 0;              // income for export (positive = money received)
  double total_eur = 0;                // everything above + VAT - feed-in
  std::uint8_t flags = 0;              // CostFlag bits; 0: final
  std::string tariff;                  // the name of the tariff that applied

  bool complete() const { return flags == 0; }
  friend bool operator==(const CostQuarterHour&, const CostQuarterHour&) = default;
};

// The price of one more kWh drawn from the grid at an instant, gross (with VAT): "price now".
// All three figures include VAT; fees and fixed charges are not in them (they do not grow with
// the energy).
struct UnitPrice {
  double energy_eur_per_kwh = 0;  // supplier, with VAT
  double grid_eur_per_kwh = 0;  // grid energy (summer discount applied) + losses + levies, with VAT
  double total_eur_per_kwh = 0;  // both
  bool complete = false;         // false: a spot price is missing
};

class CostEngine {
 public:
  explicit CostEngine(TariffSet tariffs);

  // The spot series the tariffs valid for `meter` in [from, until) need.
  std::vector<PriceSeries> price_series(const std::string& meter, std::int64_t from,
                                        std::int64_t until) const;
  // Prices one meter's quarter-hours (any order; the result is ordered by start). Fees and
  // fixed grid charges are spread over the quarter-hours by time (tariff.h, Fee); the charge on
  // the month's peak quarter-hour goes to the highest quarter-hour among `energy` of that month,
  // so pass whole months for it to be final.
  std::vector<CostQuarterHour> price(const std::string& meter, std::span<const CostEnergy> energy,
                                     const PriceTable& prices) const;
  // The gross import price at `utc_seconds`; nullopt without a valid tariff.
  std::optional<UnitPrice> import_price_at(const std::string& meter, std::int64_t utc_seconds,
                                           const PriceTable& prices) const;
  const TariffSet& tariffs() const { return tariffs_; }

 private:
  TariffSet tariffs_;
};

}  // namespace meter::app
