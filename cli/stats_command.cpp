// SPDX-License-Identifier: MIT
// `smartmeter stats`: quarter-hour and daily statistics from history (update, export as CSV or
// JSON, monthly peak quarter-hours), and the background updater `smartmeter run` starts.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/app/statistics_store.h"
#include "meter/core/civil_time.h"
#include "meter/storage/mysql_statistics_store.h"
#include "meter/storage/sqlite_statistics_store.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

constexpr auto kUpdateEvery = std::chrono::minutes(1);
constexpr auto kFirstUpdateAfter = std::chrono::seconds(10);

struct StatsOptions {
  std::shared_ptr<SettingsFile> settings_file = std::make_shared<SettingsFile>();
  bool update = false;
  std::string meter;
  std::string from;
  std::string to;
  std::string interval = "day";
  std::string format = "csv";
  bool peaks = false;
};

std::unique_ptr<app::StatisticsStore> make_stats_store(const app::Config& config) {
  if (config.storage == app::StorageKind::kSqlite) {
    return std::make_unique<storage::SqliteStatisticsStore>(config.sqlite_file, config.db_table);
  }
  return std::make_unique<storage::MysqlStatisticsStore>(mysql_settings(config));
}

int run_stats(const StatsOptions& options) {
  const auto loaded =
      load_settings(*options.settings_file, "stats", "host", {.key_required = false});
  if (!loaded) return kExitUsage;
  const app::Config& config = *loaded;
  app::StatsQuery query;
  query.interval =
      options.interval == "day" ? app::StatsInterval::kDay : app::StatsInterval::kQuarterHour;
  if (options.peaks) query.interval = app::StatsInterval::kQuarterHour;
  query.meter = options.meter;
  for (const auto& [text, bound, next_day] :
       {std::tuple{&options.from, &query.from, 0}, std::tuple{&options.to, &query.until, 1}}) {
    if (text->empty()) continue;
    std::int64_t day = 0;
    if (!core::parse_iso_day(text->data(), text->size(), &day)) {
      std::cerr << "smartmeter stats: '" << *text << "' is not a date YYYY-MM-DD\n";
      return kExitUsage;
    }
    *bound = core::vienna_day_start_utc(day + next_day);  // --to is the last day included
  }

  auto store = make_stats_store(config);
  if (auto opened = store->open(); !opened) {
    std::cerr << "smartmeter stats: cannot open " << store->describe() << ": " << opened.error
              << "\n";
    return 1;
  }
  if (options.update) {
    app::StatisticsUpdater updater(*store);
    std::size_t written = 0;
    if (auto updated = updater.update_all(&written); !updated) {
      std::cerr << "smartmeter stats: " << updated.error << "\n";
      return 1;
    }
    std::cerr << "statistics updated: " << written << " row(s) written\n";
  }
  std::vector<app::StatsRow> rows;
  if (auto got = store->rows(query, rows); !got) {
    std::cerr << "smartmeter stats: " << got.error << "\n";
    return 1;
  }
  if (!options.peaks) {
    std::cout << (options.format == "json" ? app::stats_json(rows) + "\n" : app::stats_csv(rows));
    return kExitOk;
  }
  std::cout << "meter,month,start,start_local,energy_in_wh,mean_power_w\n";
  for (const app::MonthlyPeak& peak : app::monthly_peaks(rows)) {
    std::cout << peak.meter << "," << peak.month << "," << peak.start << ","
              << app::vienna_iso(peak.start) << "," << peak.energy_in_wh << ","
              << peak.mean_power_w() << "\n";
  }
  return kExitOk;
}

}  // namespace

class StatisticsUpdates {
 public:
  explicit StatisticsUpdates(const app::Config& config)
      : store_(make_stats_store(config)), thread_([this] { loop(); }) {}
  ~StatisticsUpdates() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;  // also ends a pass in progress
    }
    wake_.notify_all();
    thread_.join();
  }
  StatisticsUpdates(const StatisticsUpdates&) = delete;
  StatisticsUpdates& operator=(const StatisticsUpdates&) = delete;

 private:
  void loop() {
    app::StatisticsUpdater updater(*store_);
    updater.stop_when(&stop_);
    std::string last_error;
    auto wait = std::chrono::steady_clock::duration(kFirstUpdateAfter);
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, wait, [this] { return stop_.load(); })) break;
      }
      wait = kUpdateEvery;
      std::size_t written = 0;
      spdlog::debug("statistics: pass begins");
      const app::Outcome updated = updater.update_once(&written);
      if (!updated && updated.error != last_error) {
        spdlog::warn("statistics: {} (retrying every minute)", updated.error);
      } else if (updated && !last_error.empty()) {
        spdlog::info("statistics: up to date again");
      }
      last_error = updated ? std::string() : updated.error;
      spdlog::debug("statistics: pass ends, {} row(s) updated", written);
    }
    store_->close();
  }

  std::unique_ptr<app::StatisticsStore> store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::shared_ptr<StatisticsUpdates> start_statistics_updates(const app::Config& config) {
  return std::make_shared<StatisticsUpdates>(config);
}

void add_stats_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* command = app.add_subcommand(
      "stats",
      "Quarter-hour and daily statistics per meter (energy, mean/min/max power, coverage, gaps; "
      "Vienna local days) as CSV or JSON. `smartmeter run` keeps them up to date every minute.");
  add_settings_file_option(command, options->settings_file,
                           "Settings file as for `run` (storage settings)");
  command->add_flag("--update", options->update,
                    "Bring the statistics tables up to date with history first");
  command->add_option("--meter", options->meter, "Only this meter (system title)");
  command->add_option("--from", options->from, "First local day, YYYY-MM-DD");
  command->add_option("--to", options->to, "Last local day (included), YYYY-MM-DD");
  command->add_option("--interval", options->interval, "quarter-hour or day (default day)")
      ->check(CLI::IsMember({"quarter-hour", "day"}));
  command->add_option("--format", options->format, "csv (default) or json")
      ->check(CLI::IsMember({"csv", "json"}));
  command->add_flag("--peaks", options->peaks,
                    "Print each month's peak quarter-hour (import) per meter instead");
  command->callback([options, &exit_status] { exit_status = run_stats(*options); });
}

}  // namespace meter::cli
