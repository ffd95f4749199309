// SPDX-License-Identifier: MIT
#include <algorithm>

#include "meter/app/statistics_store.h"
#include "meter/core/civil_time.h"

namespace meter::app {

StatsTableNames stats_table_names(const std::string& history_table) {
  // The default table keeps the short names; another table name (a second instance in the same
  // database) prefixes its own.
  if (history_table == "history") return {"statsQuarterHour", "statsDaily"};
  return {history_table + "StatsQuarterHour", history_table + "StatsDaily"};
}

StatisticsUpdater::StatisticsUpdater(StatisticsStore& store, StatsOptions options,
                                     std::int64_t chunk_days, std::size_t max_chunks_per_update)
    : store_(store),
      options_(options),
      chunk_days_(std::max<std::int64_t>(1, chunk_days)),
      max_chunks_(std::max<std::size_t>(1, max_chunks_per_update)) {}

Outcome StatisticsUpdater::update_meter(const std::string& meter, StatsInterval interval,
                                        std::size_t& rows_written, bool& more) {
  more = false;
  std::optional<std::pair<std::int64_t, std::int64_t>> span;
  if (auto got = store_.reading_span(meter, span); !got) return got;
  if (!span) return Outcome::success();
  std::optional<std::int64_t> newest;
  if (auto got = store_.newest_row_start(meter, interval, newest); !got) return got;

  // From the newest stored row (it may have been open), or from the first reading; past a
  // hole without rows, from where the last pass stopped.
  std::int64_t from = newest ? *newest : interval_of(interval, span->first).start;
  const auto cursor = cursors_.find({meter, interval});
  if (cursor != cursors_.end()) from = std::max(from, cursor->second);
  // Rows added since the last look that are older (late, replayed): from their interval on,
  // until that range is done (over as many passes as it takes).
  const auto rewind = rewinds_.find({meter, interval});
  if (rewind != rewinds_.end()) from = std::min(from, rewind->second);
  const auto done_rewinding = [&] {
    if (rewind != rewinds_.end()) rewinds_.erase(rewind);
  };

  std::vector<Reading> readings;
  for (std::size_t chunk = 0; chunk < max_chunks_; ++chunk) {
    if (from > span->second) {
      done_rewinding();
      return Outcome::success();
    }
    if (stopping()) break;
    const std::int64_t until =
        core::vienna_day_start_utc(core::vienna_local_day(from) + chunk_days_);
    if (auto got =
            store_.readings(meter, from - options_.max_gap_s, until + options_.max_gap_s, readings);
        !got) {
      return got;
    }
    const std::vector<StatsRow> rows =
        compute_statistics(readings, interval, options_, from, until);
    if (!rows.empty()) {
      if (auto written = store_.upsert(rows); !written) return written;
      rows_written += rows.size();
    }
    if (until > span->second) {
      // Caught up: the next pass starts again at the newest (open) row.
      cursors_[{meter, interval}] = rows.empty() ? from : rows.back().start;
      done_rewinding();
      return Outcome::success();
    }
    from = until;
    cursors_[{meter, interval}] = from;
    if (rewind != rewinds_.end()) rewind->second = from;
  }
  more = true;
  return Outcome::success();
}

Outcome StatisticsUpdater::update_once(std::size_t* rows_written) {
  if (!opened_) {
    if (auto opened = store_.open(); !opened) return opened;
    opened_ = true;
  }
  // The newest history id first: rows added while this pass runs are the next pass's.
  std::vector<std::string> meters;
  std::vector<std::int64_t> oldest;
  std::int64_t newest_id = seen_id_;
  if (auto got = store_.meters_since(seen_id_, meters, oldest, newest_id); !got) return got;
  if (visited_all_) {
    // The readings may reach `max_gap_s` back into an earlier interval's computation.
    for (std::size_t i = 0; i < meters.size(); ++i) {
      for (const StatsInterval interval : {StatsInterval::kQuarterHour, StatsInterval::kDay}) {
        const std::int64_t start = interval_of(interval, oldest[i] - options_.max_gap_s).start;
        auto [it, added] = rewinds_.try_emplace({meters[i], interval}, start);
        if (!added) it->second = std::min(it->second, start);
      }
    }
  }
  if (!visited_all_) {
    if (auto got = store_.meters(meters); !got) return got;
  } else {
    meters.insert(meters.end(), behind_.begin(), behind_.end());
    std::sort(meters.begin(), meters.end());
    meters.erase(std::unique(meters.begin(), meters.end()), meters.end());
  }
  std::size_t rows = 0;
  std::set<std::string> behind;
  for (const std::string& meter : meters) {
    if (stopping()) {
      // Unfinished: this pass's meters stay due (seen_id_ is not advanced).
      if (rows_written != nullptr) *rows_written += rows;
      more_ = true;
      return Outcome::success();
    }
    for (const StatsInterval interval : {StatsInterval::kQuarterHour, StatsInterval::kDay}) {
      bool more = false;
      if (auto updated = update_meter(meter, interval, rows, more); !updated) {
        if (rows_written != nullptr) *rows_written += rows;
        return updated;
      }
      if (more) behind.insert(meter);
    }
  }
  if (rows_written != nullptr) *rows_written += rows;
  visited_all_ = true;
  seen_id_ = newest_id;
  behind_ = std::move(behind);
  more_ = !behind_.empty();
  return Outcome::success();
}

Outcome StatisticsUpdater::update_all(std::size_t* rows_written) {
  do {
    if (auto updated = update_once(rows_written); !updated) return updated;
  } while (more_ && !stopping());
  return Outcome::success();
}

}  // namespace meter::app
