// SPDX-License-Identifier: MIT
#include "meter/app/cost_updater.h"

#include <algorithm>
#include <limits>
#include <map>

#include "meter/core/civil_time.h"

namespace meter::app {

std::vector<CostEnergy> cost_energy(std::span<const StatsRow> quarter_hours,
                                    std::span<const PortalQuarterHour> portal, std::int64_t from,
                                    std::int64_t until) {
  std::vector<CostEnergy> out;
  if (until <= from) return out;
  out.reserve(static_cast<std::size_t>((until - from) / kQuarterHourSeconds));
  for (std::int64_t t = from; t < until; t += kQuarterHourSeconds)
    out.push_back({t, {}, {}, false});
  const auto slot = [&](std::int64_t start) -> CostEnergy* {
    if (start < from || start >= until || (start - from) % kQuarterHourSeconds != 0) return nullptr;
    return &out[static_cast<std::size_t>((start - from) / kQuarterHourSeconds)];
  };
  for (const StatsRow& row : quarter_hours) {
    CostEnergy* energy = slot(row.start);
    if (energy == nullptr) continue;
    energy->import_wh = row.energy_in_wh;
    energy->export_wh = row.energy_out_wh;
    energy->complete = row.complete && !row.gap && row.energy_in_wh.has_value();
  }
  for (const PortalQuarterHour& row : portal) {
    CostEnergy* energy = slot(row.start);
    if (energy == nullptr || !row.grid_draw_wh) continue;
    energy->import_wh = row.grid_draw_wh;
    if (row.feed_in_wh) energy->export_wh = row.feed_in_wh;
    energy->complete = energy->export_wh.has_value() || !row.feed_in_wh;
  }
  return out;
}

CostUpdater::CostUpdater(const CostEngine& engine, StatisticsStore& statistics, PriceStore& prices,
                         CostStore& costs, PortalStore* portal, CostUpdaterOptions options)
    : engine_(engine),
      statistics_(statistics),
      prices_(prices),
      costs_(costs),
      portal_(portal),
      options_(options) {}

Outcome CostUpdater::meter_span(const std::string& meter, std::int64_t& first, std::int64_t& end,
                                bool& any) {
  std::optional<std::pair<std::int64_t, std::int64_t>> span;
  if (auto got = statistics_.reading_span(meter, span); !got) return got;
  any = span.has_value();
  if (!any) return Outcome::success();
  first = core::floor_div(span->first, kQuarterHourSeconds) * kQuarterHourSeconds;
  // The quarter-hour the newest reading lies in (a reading on a boundary closes the one before).
  end = (core::floor_div(span->second - 1, kQuarterHourSeconds) + 1) * kQuarterHourSeconds;
  end = std::max(end, first + kQuarterHourSeconds);
  return Outcome::success();
}

Outcome load_cost_prices(const CostEngine& engine, PriceStore& prices, const std::string& meter,
                         std::int64_t from, std::int64_t until, PriceTable& table) {
  for (const PriceSeries& series : engine.price_series(meter, from, until)) {
    PriceQuery query;
    query.market = series.market;
    query.product = series.product;
    // An hourly price starts up to an hour before the first quarter-hour it covers.
    query.from = from - duration_of(series.product);
    query.until = until;
    std::vector<PricePoint> points;
    if (auto got = prices.prices(query, points); !got) return got;
    for (const PricePoint& point : points) table.add(point);
  }
  return Outcome::success();
}

Outcome CostUpdater::reprice(const std::string& meter, std::int64_t from, std::int64_t until,
                             std::size_t& written) {
  std::int64_t first = 0;
  std::int64_t end = 0;
  bool any = false;
  if (auto got = meter_span(meter, first, end, any); !got || !any) return got;
  from = std::max(from, first);
  until = std::min(until, end);
  if (until <= from) return Outcome::success();

  StatsQuery query;
  query.interval = StatsInterval::kQuarterHour;
  query.meter = meter;
  query.from = from;
  query.until = until;
  std::vector<StatsRow> rows;
  if (auto got = statistics_.rows(query, rows); !got) return got;
  std::vector<PortalQuarterHour> portal;
  if (portal_ != nullptr) {
    if (auto got = portal_->rows({meter, from, until}, portal); !got) return got;
  }
  PriceTable table;
  if (auto got = load_cost_prices(engine_, prices_, meter, from, until, table); !got) return got;
  const std::vector<CostEnergy> energy = cost_energy(rows, portal, from, until);
  const std::vector<CostQuarterHour> priced = engine_.price(meter, energy, table);

  std::vector<StoredCost> stored;
  if (auto got = costs_.quarter_hours(meter, from, until, stored); !got) return got;
  std::map<std::int64_t, const StoredCost*> by_start;
  for (const StoredCost& row : stored) by_start.emplace(row.cost.start, &row);
  std::vector<StoredCost> changed;
  const std::string& fingerprint = engine_.tariffs().fingerprint;
  for (const CostQuarterHour& cost : priced) {
    const auto it = by_start.find(cost.start);
    if (it != by_start.end() && it->second->cost == cost &&
        it->second->fingerprint == fingerprint) {
      continue;
    }
    changed.push_back({cost, fingerprint});
  }
  if (changed.empty()) return Outcome::success();
  if (auto stored_ok = costs_.store(changed); !stored_ok) return stored_ok;
  written += changed.size();
  return Outcome::success();
}

Outcome CostUpdater::open_once() {
  if (opened_) return Outcome::success();
  if (auto ok = statistics_.open(); !ok) return ok;
  if (auto ok = prices_.open(); !ok) return ok;
  if (auto ok = costs_.open(); !ok) return ok;
  if (portal_ != nullptr) {
    if (auto ok = portal_->open(); !ok) return ok;
  }
  opened_ = true;
  return Outcome::success();
}

Outcome CostUpdater::update_range(const std::string& meter, std::int64_t from, std::int64_t until,
                                  std::size_t* written) {
  if (auto ok = open_once(); !ok) return ok;
  std::vector<std::string> meters;
  if (meter.empty()) {
    if (auto got = statistics_.meters(meters); !got) return got;
  } else {
    meters.push_back(meter);
  }
  std::size_t count = 0;
  Outcome result = Outcome::success();
  for (const std::string& id : meters) {
    if (stopping()) break;
    std::int64_t first = 0;
    std::int64_t end = 0;
    bool any = false;
    if (auto got = meter_span(id, first, end, any); !got) return got;
    if (!any) continue;
    // Month by month, so that a year of history is never in memory at once.
    // Whole months: a charge on the month's peak quarter-hour depends on all of them.
    const std::int64_t begin = cost_interval_start(CostInterval::kMonth, std::max(from, first));
    for (std::int64_t t = std::max(begin, first); t < std::min(until, end) && !stopping();) {
      const std::int64_t next = std::min(
          {cost_interval_end(CostInterval::kMonth, cost_interval_start(CostInterval::kMonth, t)),
           until, end});
      if (auto done = reprice(id, t, next, count); !done) {
        result = Outcome::failure("meter " + id + ": " + done.error);
        break;
      }
      t = next;
    }
    if (!result) break;
  }
  if (written != nullptr) *written += count;
  return result;
}

Outcome CostUpdater::newest_price_change(std::int64_t& newest_ms,
                                         std::vector<PriceSummary>& summaries) {
  if (auto got = prices_.summaries(summaries); !got) return got;
  newest_ms = 0;
  for (const PriceSummary& summary : summaries) {
    newest_ms = std::max(newest_ms, summary.last_updated_ms);
  }
  return Outcome::success();
}

Outcome CostUpdater::reprice_changed_prices(std::size_t* written) {
  std::int64_t newest = 0;
  std::vector<PriceSummary> summaries;
  if (auto got = newest_price_change(newest, summaries); !got) return got;
  if (newest <= prices_seen_ms_) return Outcome::success();
  // The intervals whose prices arrived or changed since the last look, all meters.
  std::optional<std::int64_t> from;
  std::int64_t until = 0;
  for (const PriceSummary& summary : summaries) {
    if (summary.last_updated_ms <= prices_seen_ms_) continue;
    PriceQuery query;
    query.market = summary.market;
    query.product = summary.product;
    std::vector<PricePoint> changed;
    if (auto got = prices_.changed_since(query, prices_seen_ms_ + 1, changed); !got) return got;
    for (const PricePoint& point : changed) {
      from = std::min(from.value_or(point.start), point.start);
      until = std::max(until, point.start + duration_of(point.product));
    }
  }
  if (from) {
    if (auto done = update_range({}, *from, until, written); !done) return done;
  }
  if (!stopping()) prices_seen_ms_ = newest;
  return Outcome::success();
}

Outcome CostUpdater::update_once(std::size_t* written) {
  const bool full = passes_ % std::max<std::uint64_t>(1, options_.full_every) == 0;
  ++passes_;
  if (full) {
    if (auto ok = open_once(); !ok) return ok;
    std::int64_t newest = 0;
    std::vector<PriceSummary> summaries;
    if (auto got = newest_price_change(newest, summaries); !got) return got;
    Outcome done = update_range({}, std::numeric_limits<std::int64_t>::min(),
                                std::numeric_limits<std::int64_t>::max(), written);
    if (done && !stopping()) prices_seen_ms_ = std::max(prices_seen_ms_, newest);
    return done;
  }
  if (auto ok = open_once(); !ok) return ok;
  if (auto done = reprice_changed_prices(written); !done) return done;
  std::vector<std::string> meters;
  if (auto got = statistics_.meters(meters); !got) return got;
  for (const std::string& meter : meters) {
    if (stopping()) break;
    std::int64_t first = 0;
    std::int64_t end = 0;
    bool any = false;
    if (auto got = meter_span(meter, first, end, any); !got) return got;
    if (!any) continue;
    // From the start of the month: a charge on the month's peak quarter-hour moves with it.
    const std::int64_t from =
        cost_interval_start(CostInterval::kMonth, end - options_.recent_days * 86400);
    if (auto done = update_range(meter, from, end, written); !done) return done;
  }
  return Outcome::success();
}

}  // namespace meter::app
