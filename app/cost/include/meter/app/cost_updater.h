// SPDX-License-Identifier: MIT
// Keeps costQuarterHour up to date: for each meter it prices its quarter-hours again
// (CostEngine) from statsQuarterHour (or, for members of an energy community, the operator's
// remaining grid draw where the portal rows carry it) and the day-ahead prices the tariffs need,
// and stores the quarter-hours whose cost, energy, flags or tariff fingerprint differ from what
// is stored. So a changed tariff file (fingerprint), a price that arrived or changed, and a new
// or late reading all lead to the same recompute. Quarter-hours inside a hole in the readings
// are priced as energy gaps (flagged, with unknown energy), never as zero.
//
// One pass (update_once) reprices each meter from the start of the month that holds the day
// `recent_days` before its newest quarter-hour (a charge on the month's peak quarter-hour can
// move to a new one); the first pass, and every `full_every` passes after it, sweep each meter's
// whole history month by month (readings older than the recent window). Prices that arrived or
// changed since the last pass (PriceStore::changed_since) are priced again in every pass. One
// instance per thread; pure apart from the ports.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "meter/app/cost.h"
#include "meter/app/cost_store.h"
#include "meter/app/portal.h"
#include "meter/app/prices.h"
#include "meter/app/statistics_store.h"

namespace meter::app {

struct CostUpdaterOptions {
  std::int64_t recent_days = 2;
  std::uint64_t full_every = 360;  // passes (6 h at one pass a minute)
};

class CostUpdater {
 public:
  // `portal` is optional; every reference must outlive the updater.
  CostUpdater(const CostEngine& engine, StatisticsStore& statistics, PriceStore& prices,
              CostStore& costs, PortalStore* portal = nullptr, CostUpdaterOptions options = {});

  // One pass over all meters with readings; `written` adds the quarter-hours stored.
  Outcome update_once(std::size_t* written = nullptr);
  // Every quarter-hour of `meter` (empty: all meters) with from <= start < until, month by
  // month (for `smartmeter cost --update` and the benchmark).
  Outcome update_range(const std::string& meter, std::int64_t from, std::int64_t until,
                       std::size_t* written = nullptr);
  // Prices [from, until) of one meter again and stores what differs.
  Outcome reprice(const std::string& meter, std::int64_t from, std::int64_t until,
                  std::size_t& written);
  // A pass ends early (between meters or months) once `*stop` is true.
  void stop_when(const std::atomic<bool>* stop) { stop_ = stop; }

 private:
  Outcome open_once();
  Outcome newest_price_change(std::int64_t& newest_ms, std::vector<PriceSummary>& summaries);
  // Prices again, for every meter, the intervals whose prices changed since the last look.
  Outcome reprice_changed_prices(std::size_t* written);
  bool stopping() const { return stop_ != nullptr && stop_->load(); }
  // The quarter-hours [first, end) the meter has readings for; false when it has none.
  Outcome meter_span(const std::string& meter, std::int64_t& first, std::int64_t& end, bool& any);

  const CostEngine& engine_;
  StatisticsStore& statistics_;
  PriceStore& prices_;
  CostStore& costs_;
  PortalStore* portal_;
  CostUpdaterOptions options_;
  std::uint64_t passes_ = 0;
  std::int64_t prices_seen_ms_ = 0;  // prices updated up to then are accounted for
  bool opened_ = false;
  const std::atomic<bool>* stop_ = nullptr;
};

// The spot prices the tariffs of `meter` need for [from, until) (an hourly price from the hour
// that holds `from`), added to `table`.
Outcome load_cost_prices(const CostEngine& engine, PriceStore& prices, const std::string& meter,
                         std::int64_t from, std::int64_t until, PriceTable& table);

// The energy the cost engine prices for [from, until): one CostEnergy per quarter-hour, from
// the statistics rows (complete when the row is complete, without a gap and with energy), the
// quarter-hours without a row as gaps; portal rows with a remaining grid draw replace the
// import (and their feed-in the export) as the operator billed it.
std::vector<CostEnergy> cost_energy(std::span<const StatsRow> quarter_hours,
                                    std::span<const PortalQuarterHour> portal, std::int64_t from,
                                    std::int64_t until);

}  // namespace meter::app
