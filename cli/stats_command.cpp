// SPDX-License-Identifier: MIT
// `smartmeter stats`: quarter-hour and daily statistics from history (update, export as CSV or
// JSON, monthly peak quarter-hours) through the energy report; the statistics store `smartmeter
// run` updates.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <tuple>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/app/energy_report.h"
#include "meter/app/statistics_store.h"
#include "meter/core/civil_time.h"
#include "meter/json/stats_json.h"
#include "meter/storage/mysql_statistics_store.h"
#include "meter/storage/sqlite_statistics_store.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

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

int run_stats(const StatsOptions& options) {
  // stdout carries the rows (CSV or JSON); warnings go to stderr so that a pipe gets data only.
  spdlog::set_default_logger(spdlog::stderr_color_mt("smartmeter-stats"));
  const auto loaded = load_settings(*options.settings_file, app::Command::kStats, "host");
  if (!loaded) return kExitUsage;
  const app::Config& config = *loaded;
  const app::StatsInterval interval = options.interval == "day" && !options.peaks
                                          ? app::StatsInterval::kDay
                                          : app::StatsInterval::kQuarterHour;
  LocalDays days;
  if (!parse_day_options("stats", options.from, options.to, days)) return kExitUsage;
  const app::StatsQuery query =
      app::local_days_query(interval, options.meter, days.first, days.last);

  auto store = make_statistics_store(config);
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
  const app::EnergyReport report(nullptr, store.get());
  if (options.peaks) {
    std::vector<app::MonthlyPeak> peaks;
    if (auto got = report.monthly_peaks(query, peaks); !got) {
      std::cerr << "smartmeter stats: " << got.error << "\n";
      return 1;
    }
    std::cout << app::peaks_csv(peaks);
    return kExitOk;
  }
  std::vector<app::StatsRow> rows;
  if (auto got = report.statistics(query, rows); !got) {
    std::cerr << "smartmeter stats: " << got.error << "\n";
    return 1;
  }
  std::cout << (options.format == "json" ? json::stats_json(rows) + "\n" : app::stats_csv(rows));
  return kExitOk;
}

}  // namespace

bool parse_day_options(const std::string& command, const std::string& from, const std::string& to,
                       LocalDays& out) {
  out = {};
  for (const auto& [text, day, flag] :
       {std::tuple{&from, &out.first, "--from"}, std::tuple{&to, &out.last, "--to"}}) {
    if (text->empty()) continue;
    std::int64_t parsed = 0;
    if (!core::parse_iso_day(text->data(), text->size(), &parsed)) {
      std::cerr << "smartmeter " << command << ": " << flag << " '" << *text
                << "' is not a date YYYY-MM-DD\n";
      return false;
    }
    *day = parsed;
  }
  return true;
}

bool parse_day_range(const std::string& command, const std::string& from, const std::string& to,
                     LocalDays& out) {
  if (!parse_day_options(command, from, to, out)) return false;
  if (out.first && out.last && *out.last < *out.first) {
    std::cerr << "smartmeter " << command << ": --to " << to << " lies before --from " << from
              << "\n";
    return false;
  }
  return true;
}

std::unique_ptr<app::StatisticsStore> make_statistics_store(const app::Config& config) {
  if (config.storage == app::StorageKind::kSqlite) {
    return std::make_unique<storage::SqliteStatisticsStore>(config.sqlite_file, config.db_table);
  }
  return std::make_unique<storage::MysqlStatisticsStore>(mysql_settings(config));
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
