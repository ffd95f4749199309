// SPDX-License-Identifier: MIT
// Port: where statistics rows live and where their readings come from. Adapters (SQLite,
// MariaDB) open their own connection, read the service's `history` table and upsert into
//
//   statsQuarterHour, statsDaily   (with SMARTMETER_DB_TABLE=history, the default), else
//   <table>StatsQuarterHour, <table>StatsDaily
//
// keyed by (meter, intervalStart). No vendor types.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "meter/app/ports.h"
#include "meter/app/statistics.h"

namespace meter::app {

struct StatsTableNames {
  std::string quarter_hour;
  std::string daily;
  const std::string& of(StatsInterval interval) const {
    return interval == StatsInterval::kDay ? daily : quarter_hour;
  }
};
StatsTableNames stats_table_names(const std::string& history_table);

struct StatsQuery {
  StatsInterval interval = StatsInterval::kQuarterHour;
  std::string meter;                                              // empty: all meters
  std::int64_t from = std::numeric_limits<std::int64_t>::min();   // start >= from
  std::int64_t until = std::numeric_limits<std::int64_t>::max();  // start < until
};

class StatisticsStore {
 public:
  virtual ~StatisticsStore() = default;

  // Connects if needed and creates the statistics tables (the history table may not exist yet:
  // then there are no meters and no readings).
  virtual Outcome open() = 0;
  // The meters that have readings in history.
  virtual Outcome meters(std::vector<std::string>& out) = 0;
  // The meters with history rows whose id (auto-increment) is above `after_id`, and the highest
  // id now (`newest_id`, `after_id` when there are no rows): what changed since a last look.
  // `oldest[i]` is the smallest timestamp among those rows of meter `out[i]` (a late reading).
  virtual Outcome meters_since(std::int64_t after_id, std::vector<std::string>& out,
                               std::vector<std::int64_t>& oldest, std::int64_t& newest_id) = 0;
  // Oldest and newest reading timestamp of a meter; nullopt when it has none.
  virtual Outcome reading_span(const std::string& meter,
                               std::optional<std::pair<std::int64_t, std::int64_t>>& out) = 0;
  // A meter's readings with from <= timestamp < until, ordered by timestamp; at least meter,
  // timestamp and WIn, WOut, PIn, POut are filled.
  virtual Outcome readings(const std::string& meter, std::int64_t from, std::int64_t until,
                           std::vector<Reading>& out) = 0;
  // Start of the meter's newest stored row of that interval; nullopt when there is none.
  virtual Outcome newest_row_start(const std::string& meter, StatsInterval interval,
                                   std::optional<std::int64_t>& out) = 0;
  // Inserts or replaces rows (all of one interval kind or mixed), in one transaction.
  virtual Outcome upsert(std::span<const StatsRow> rows) = 0;
  // Stored rows, ordered by meter, then start.
  virtual Outcome rows(const StatsQuery& query, std::vector<StatsRow>& out) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;
};

// Keeps the statistics tables up to date with history: per meter and interval kind it
// recomputes from the newest stored row (which may have been open) onwards, and from the
// oldest timestamp among the history rows added since its last look (a late reading), in chunks of
// `chunk_days` local days, reading history incrementally. The first pass visits every meter;
// later passes only the meters with history rows added since (and those with backlog left), so
// that idle meters cost nothing. One instance per thread.
class StatisticsUpdater {
 public:
  explicit StatisticsUpdater(StatisticsStore& store, StatsOptions options = {},
                             std::int64_t chunk_days = 2, std::size_t max_chunks_per_update = 16);

  // One pass over all meters, at most max_chunks_per_update chunks per meter and kind (so that
  // a year of backlog does not block the caller); `rows_written` adds the rows upserted.
  // Call it every minute from the service; it opens the store on first use.
  Outcome update_once(std::size_t* rows_written = nullptr);
  // Passes until everything is up to date (for `smartmeter stats --update`).
  Outcome update_all(std::size_t* rows_written = nullptr);
  // A pass ends early (between meters or chunks, as a success that leaves work) once `*stop` is
  // true: the service's shutdown does not wait for a pass over many meters.
  void stop_when(const std::atomic<bool>* stop) { stop_ = stop; }

 private:
  Outcome update_meter(const std::string& meter, StatsInterval interval, std::size_t& rows,
                       bool& more);

  StatisticsStore& store_;
  StatsOptions options_;
  std::int64_t chunk_days_;
  std::size_t max_chunks_;
  bool stopping() const { return stop_ != nullptr && stop_->load(); }

  bool opened_ = false;
  bool more_ = false;  // the last pass left work for the next
  const std::atomic<bool>* stop_ = nullptr;
  bool visited_all_ = false;      // a pass over every meter has completed
  std::int64_t seen_id_ = 0;      // history rows up to this id are accounted for
  std::set<std::string> behind_;  // meters with backlog left by the last pass
  // Where the last pass stopped per (meter, interval): lets a pass walk past a hole that has
  // no rows to restart from.
  std::map<std::pair<std::string, StatsInterval>, std::int64_t> cursors_;
  // Per (meter, interval): recompute from here, for history rows added older than the newest
  // stored row (late or replayed readings).
  std::map<std::pair<std::string, StatsInterval>, std::int64_t> rewinds_;
};

}  // namespace meter::app
