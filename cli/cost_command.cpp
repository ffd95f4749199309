// SPDX-License-Identifier: MIT
// `smartmeter cost`: what the quarter-hours cost, per quarter-hour, local day or month, split
// into energy, grid, levies, fees, VAT and feed-in (docs/cost.md); `--update` prices them again
// first, as `smartmeter run` does after each statistics pass.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/app/cost_updater.h"
#include "meter/app/cost_view.h"
#include "meter/app/portal.h"
#include "meter/app/prices.h"
#include "meter/app/statistics_store.h"
#include "meter/json/cost_json.h"
#include "meter/storage/mysql_cost_store.h"
#include "meter/storage/sqlite_cost_store.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

struct CostOptions {
  std::shared_ptr<SettingsFile> settings_file = std::make_shared<SettingsFile>();
  bool update = false;
  std::string meter;
  std::string from;
  std::string to;
  std::string interval = "day";
  std::string format = "csv";
};

constexpr const char* kName = "smartmeter cost";

int run_cost(const CostOptions& options) {
  // stdout carries the rows (CSV or JSON); warnings go to stderr so that a pipe gets data only.
  spdlog::set_default_logger(spdlog::stderr_color_mt("smartmeter-cost"));
  const auto loaded = load_settings(*options.settings_file, app::Command::kStats, "host");
  if (!loaded) return kExitUsage;
  const app::Config& config = *loaded;
  LocalDays days;
  if (!parse_day_range("cost", options.from, options.to, days)) return kExitUsage;
  const auto interval = app::parse_cost_interval(options.interval);
  if (!interval) {
    std::cerr << kName << ": --interval must be quarter-hour, day or month\n";
    return kExitUsage;
  }
  auto parts = make_cost_parts(config, "cost");
  if (!parts) return kExitUsage;
  app::CostStore& costs = *parts->costs;
  if (auto opened = costs.open(); !opened) {
    std::cerr << kName << ": cannot open " << costs.describe() << ": " << opened.error << "\n";
    return 1;
  }
  const app::CostQuery query =
      app::local_days_cost_query(*interval, options.meter, days.first, days.last);
  if (options.update) {
    if (!parts->engine) {
      std::cerr << kName
                << ": --update needs a tariff file: set SMARTMETER_TARIFF_FILE (docs/tariffs.md)\n";
      return kExitUsage;
    }
    auto statistics = make_statistics_store(config);
    app::CostUpdater updater(*parts->engine, *statistics, *parts->prices, costs,
                             parts->portal.get());
    std::size_t written = 0;
    if (auto updated = updater.update_range(options.meter, query.from, query.until, &written);
        !updated) {
      std::cerr << kName << ": " << updated.error << "\n";
      return 1;
    }
    std::cerr << "costs updated: " << written << " quarter-hour(s) written\n";
  }
  if (!options.meter.empty()) {
    std::vector<std::string> meters;
    if (auto got = costs.meters(meters); !got) {
      std::cerr << kName << ": " << got.error << "\n";
      return 1;
    }
    if (std::find(meters.begin(), meters.end(), options.meter) == meters.end()) {
      std::cerr << kName << ": no costs are stored for meter " << options.meter;
      if (!meters.empty()) {
        std::cerr << " (meters with costs:";
        for (const auto& m : meters) std::cerr << " " << m;
        std::cerr << ")";
      }
      std::cerr << "\n";
      return 1;
    }
  }
  const app::CostView view(parts->engine.get(), costs, parts->prices.get());
  std::vector<app::CostTotal> totals;
  if (auto got = view.totals(query, totals); !got) {
    std::cerr << kName << ": " << got.error << "\n";
    return 1;
  }
  std::cout << (options.format == "json" ? json::cost_totals_json(totals) + "\n"
                                         : app::cost_csv(totals));
  app::CostTotal all;
  for (const app::CostTotal& total : totals) {
    all.quarter_hours += total.quarter_hours;
    all.incomplete += total.incomplete;
    all.energy_gaps += total.energy_gaps;
    all.missing_prices += total.missing_prices;
    all.no_tariff += total.no_tariff;
  }
  if (totals.empty()) {
    std::cerr << kName << ": no costs stored in that range"
              << (parts->engine ? " (`smartmeter cost --update` prices the stored statistics)"
                                : " (set SMARTMETER_TARIFF_FILE and run the service, or use "
                                  "--update)")
              << "\n";
  } else if (all.incomplete > 0) {
    std::cerr << kName << ": " << all.incomplete << " of " << all.quarter_hours
              << " quarter-hours are incomplete (" << all.energy_gaps << " with gaps in the "
              << "readings, " << all.missing_prices << " without a spot price, " << all.no_tariff
              << " without a valid tariff): see docs/cost.md\n";
  }
  return kExitOk;
}

}  // namespace

CostParts::CostParts() = default;
CostParts::~CostParts() = default;
CostParts::CostParts(CostParts&&) noexcept = default;
CostParts& CostParts::operator=(CostParts&&) noexcept = default;

std::optional<CostParts> make_cost_parts(const app::Config& config, const std::string& command) {
  auto tariffs = load_tariffs(config, command);
  if (!tariffs) return std::nullopt;
  CostParts parts;
  if (!config.tariff_file.empty())
    parts.engine = std::make_unique<app::CostEngine>(std::move(*tariffs));
  parts.prices = make_price_store(config);
  parts.costs = make_cost_store(config);
  parts.portal = make_portal_store(config);
  return parts;
}

std::unique_ptr<app::CostStore> make_cost_store(const app::Config& config) {
  if (config.storage == app::StorageKind::kSqlite) {
    return std::make_unique<storage::SqliteCostStore>(config.sqlite_file, config.db_table);
  }
  return std::make_unique<storage::MysqlCostStore>(mysql_settings(config));
}

void add_cost_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<CostOptions>();
  CLI::App* command = app.add_subcommand(
      "cost",
      "What the stored quarter-hours cost under the tariff file (SMARTMETER_TARIFF_FILE), per "
      "quarter-hour, Vienna local day or month, as CSV or JSON: energy, grid (energy, losses, "
      "flat charges), levies, fees, VAT, feed-in income and the net amount, with counts of the "
      "incomplete quarter-hours (gaps in the readings, missing spot prices, no valid tariff). "
      "`smartmeter run` keeps the costs up to date after each statistics pass.");
  add_settings_file_option(command, options->settings_file,
                           "Settings file as for `run` (storage, SMARTMETER_TARIFF_FILE)");
  command->add_flag("--update", options->update,
                    "Price the stored statistics of the range again first (needs the tariff "
                    "file and the prices table; `smartmeter stats --update` and `smartmeter "
                    "prices` fill those)");
  command->add_option("--meter", options->meter, "Only this meter (system title)");
  command->add_option("--from", options->from,
                      "First local day, YYYY-MM-DD (with --interval month: its month)");
  command->add_option("--to", options->to, "Last local day (included), YYYY-MM-DD");
  command->add_option("--interval", options->interval, "quarter-hour, day (default) or month");
  command->add_option("--format", options->format, "csv (default) or json")
      ->check(CLI::IsMember({"csv", "json"}));
  command->footer(
      "Example: smartmeter cost --env /etc/smartmeter/server.env --from 2026-11-01 "
      "--to 2026-11-30 --interval month\nColumns and what \"incomplete\" means: docs/cost.md.");
  command->callback([options, &exit_status] { exit_status = run_cost(*options); });
}

}  // namespace meter::cli
