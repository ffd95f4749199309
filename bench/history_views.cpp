// SPDX-License-Identifier: MIT
// Time to the first chart of the history views: a year of 5-second readings of one meter
// (about 6.3 million history rows) in SQLite or MariaDB, written through the service's own store
// and brought into the statistics tables by the statistics updater, then each view's API answer
// (/api/meters/{id}/history, what the page waits for before it draws) timed cold: a new Api per
// request, so that nothing is cached. Once with the statistics tables (the running service) and
// once from history alone (statistics not yet computed). A small timed program, not a test.
//
//   history_views --sqlite FILE [--days 365]
//   history_views --mariadb HOST:PORT [--schema NAME] [--days 365]
//
// The data is written once: a second run on the same file or schema only times.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "meter/app/live_state.h"
#include "meter/app/statistics_store.h"
#include "meter/core/civil_time.h"
#include "meter/http/api.h"
#include "meter/storage/mysql_history_query.h"
#include "meter/storage/mysql_reading_store.h"
#include "meter/storage/mysql_statistics_store.h"
#include "meter/storage/sqlite_history_query.h"
#include "meter/storage/sqlite_reading_store.h"
#include "meter/storage/sqlite_statistics_store.h"

namespace {

using namespace meter;
using Clock = std::chrono::steady_clock;

constexpr const char* kMeter = "4B464D6750000042";
constexpr std::int64_t kStepS = 5;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A household: a base load with a daily and a weekly rhythm, counters that add it up.
void fill(app::ReadingStore& store, std::int64_t from, std::int64_t until) {
  std::vector<app::Reading> batch;
  double energy_in = 10'000'000;
  std::uint32_t counter = 1;
  const auto started = Clock::now();
  for (std::int64_t t = from; t < until; t += kStepS) {
    const std::int64_t minute = core::vienna_local_time(t).second_of_day / 60;
    const double power =
        static_cast<double>(250 + 900 * ((minute / 37 + t / 86400) % 5 == 0) + minute % 240);
    energy_in += power * kStepS / 3600.0;
    app::Reading r;
    r.meter = kMeter;
    r.meter_number = "181220000042";
    r.frame_counter = counter++;
    r.timestamp = t;
    r.received_at_ms = t * 1000;
    const auto set = [&](core::Quantity q, double v) { r.values[static_cast<std::size_t>(q)] = v; };
    set(core::Quantity::kEnergyImport, static_cast<double>(static_cast<std::int64_t>(energy_in)));
    set(core::Quantity::kEnergyExport, 1000);
    set(core::Quantity::kPowerImport, power);
    set(core::Quantity::kPowerExport, 0);
    set(core::Quantity::kVoltageL1, 230 + static_cast<double>(minute % 7));
    set(core::Quantity::kVoltageL2, 231);
    set(core::Quantity::kVoltageL3, 229);
    set(core::Quantity::kCurrentL1, power / 690);
    set(core::Quantity::kCurrentL2, power / 690);
    set(core::Quantity::kCurrentL3, power / 690);
    set(core::Quantity::kPowerFactor, 0.95);
    batch.push_back(std::move(r));
    if (batch.size() == 5000 || t + kStepS >= until) {
      if (auto written = store.write({batch, {}, {}}); !written) {
        std::fprintf(stderr, "writing history: %s\n", written.error.c_str());
        std::exit(1);
      }
      batch.clear();
    }
  }
  std::printf("wrote %u readings in %.0f s\n", counter - 1, ms_since(started) / 1000);
}

struct Stores {
  std::unique_ptr<app::ReadingStore> store;
  std::unique_ptr<app::HistoryQuery> history;
  std::unique_ptr<app::StatisticsStore> statistics;
};

}  // namespace

int main(int argc, char** argv) {
  std::string sqlite, mariadb, schema = "history_bench";
  std::int64_t days = 365;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--sqlite")
      sqlite = argv[i + 1];
    else if (arg == "--mariadb")
      mariadb = argv[i + 1];
    else if (arg == "--schema")
      schema = argv[i + 1];
    else if (arg == "--days")
      days = std::strtoll(argv[i + 1], nullptr, 10);
  }
  if (sqlite.empty() == mariadb.empty() || days < 1) {
    std::fprintf(stderr,
                 "usage: history_views --sqlite FILE | --mariadb HOST:PORT [--schema NAME] "
                 "[--days N]\n");
    return 2;
  }
  Stores s;
  if (!sqlite.empty()) {
    s.store = std::make_unique<storage::SqliteReadingStore>(sqlite);
    s.history = std::make_unique<storage::SqliteHistoryQuery>(sqlite);
    s.statistics = std::make_unique<storage::SqliteStatisticsStore>(sqlite);
  } else {
    storage::MysqlSettings settings;
    settings.host = mariadb.substr(0, mariadb.find(':'));
    settings.port = static_cast<unsigned>(
        std::strtol(mariadb.substr(mariadb.find(':') + 1).c_str(), nullptr, 10));
    settings.user = std::getenv("DB_USER") != nullptr ? std::getenv("DB_USER") : "smartmeter";
    settings.password =
        std::getenv("DB_PASSWORD") != nullptr ? std::getenv("DB_PASSWORD") : "smartmeter-test";
    settings.schema = schema;
    s.store = std::make_unique<storage::MysqlReadingStore>(settings);
    s.history = std::make_unique<storage::MysqlHistoryQuery>(settings);
    s.statistics = std::make_unique<storage::MysqlStatisticsStore>(settings);
  }
  if (auto opened = s.store->open(); !opened) {
    std::fprintf(stderr, "opening the store: %s\n", opened.error.c_str());
    return 1;
  }
  // The year ends at local midnight of 2026-12-01; "now" is noon of that day.
  const std::int64_t last_day = core::days_from_civil(2026, 11, 30);
  const std::int64_t until = core::vienna_day_start_utc(last_day + 1);
  const std::int64_t from = core::vienna_day_start_utc(last_day + 1 - days);
  const std::int64_t now_s = until + 12 * 3600;
  std::vector<app::MeterSummary> meters;
  if (!s.history->meters(meters) || meters.empty()) {
    fill(*s.store, from, until);
    const auto started = Clock::now();
    app::StatisticsUpdater updater(*s.statistics, {}, 31, 1000);
    std::size_t rows = 0;
    if (auto updated = updater.update_all(&rows); !updated) {
      std::fprintf(stderr, "statistics: %s\n", updated.error.c_str());
      return 1;
    }
    std::printf("statistics: %zu rows in %.0f s\n", rows, ms_since(started) / 1000);
  }

  app::LiveState live{now_s * 1000, 30'000};
  struct View {
    const char* name;
    http::Params params;
  };
  const std::vector<View> views = {
      {"day", {{"period", "day"}, {"date", "2026-11-30"}}},
      {"day+compare", {{"period", "day"}, {"date", "2026-11-30"}, {"compare", "1"}}},
      {"week", {{"period", "week"}, {"date", "2026-11-30"}}},
      {"month", {{"period", "month"}, {"date", "2026-11-15"}}},
      {"month+compare", {{"period", "month"}, {"date", "2026-11-15"}, {"compare", "1"}}},
      {"year", {{"period", "year"}, {"date", "2026-06-01"}}},
      {"year+compare", {{"period", "year"}, {"date", "2026-06-01"}, {"compare", "1"}}},
  };
  std::printf("%s, %lld days of %llds readings; median of 5 cold answers (ms)\n",
              s.history->describe().c_str(), static_cast<long long>(days),
              static_cast<long long>(kStepS));
  std::printf("%-15s %16s %16s %10s\n", "view", "with statistics", "history only", "bytes");
  for (const View& view : views) {
    double medians[2] = {0, 0};
    int failed[2] = {0, 0};  // the HTTP status of a failed answer
    std::size_t bytes = 0;
    for (int with_stats = 1; with_stats >= 0; --with_stats) {
      std::vector<double> times;
      for (int run = 0; run < 5; ++run) {
        http::Api api({&live, [] { return app::ServiceStatus{}; }, s.history.get(),
                       with_stats != 0 ? s.statistics.get() : nullptr,
                       [now_s] { return now_s * 1000; }, "bench"});
        const auto started = Clock::now();
        const http::Response r =
            api.get(std::string("/api/meters/") + kMeter + "/history", view.params);
        times.push_back(ms_since(started));
        if (r.status != 200) {
          // Reported in the table, not fatal: history alone may outlast the read timeout.
          std::fprintf(stderr, "%s (%s): %d %s\n", view.name,
                       with_stats != 0 ? "with statistics" : "history only", r.status,
                       r.body.c_str());
          failed[with_stats != 0 ? 0 : 1] = r.status;
          break;
        }
        bytes = r.body.size();
      }
      if (failed[with_stats != 0 ? 0 : 1] != 0) continue;
      std::sort(times.begin(), times.end());
      medians[with_stats != 0 ? 0 : 1] = times[2];
    }
    char cells[2][32];
    for (int i = 0; i < 2; ++i) {
      if (failed[i] != 0) {
        (void)std::snprintf(cells[i], sizeof cells[i], "HTTP %d", failed[i]);
      } else {
        (void)std::snprintf(cells[i], sizeof cells[i], "%.1f", medians[i]);
      }
    }
    std::printf("%-15s %16s %16s %10zu\n", view.name, cells[0], cells[1], bytes);
  }
  return 0;
}
