// SPDX-License-Identifier: MIT
// `smartmeter portal`: the grid operator's quarter-hour export (its customer portal's CSV).
// `import FILE` stores it apart from our readings (table portalQuarterHour), `compare` sets our
// quarter-hours against it per quarter-hour, day or month. docs/portal.md describes both.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/app/energy_report.h"
#include "meter/app/portal_file.h"
#include "meter/app/reconciliation.h"
#include "meter/app/statistics_store.h"
#include "meter/core/civil_time.h"
#include "meter/json/reconciliation_json.h"
#include "meter/storage/mysql_portal_store.h"
#include "meter/storage/sqlite_portal_store.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

struct PortalOptions {
  std::shared_ptr<SettingsFile> settings_file = std::make_shared<SettingsFile>();
  std::string file;
  std::string meter;
  std::string metering_point;
  std::string from;
  std::string to;
  std::string interval = "day";
  double tolerance_wh = app::ReconcileOptions{}.tolerance_wh;
  std::string format = "csv";
  bool update = false;
};

std::string local_minute(std::int64_t utc) {
  const core::LocalTime t = core::vienna_local_time(utc);
  char text[48];
  (void)std::snprintf(
      text, sizeof text, "%04lld-%02u-%02u %02lld:%02lld %s", static_cast<long long>(t.date.year),
      t.date.month, t.date.day, static_cast<long long>(t.second_of_day / 3600),
      static_cast<long long>(t.second_of_day / 60 % 60), t.offset_seconds == 7200 ? "CEST" : "CET");
  return text;
}

std::optional<app::Config> settings(const PortalOptions& options) {
  // Messages go to stderr so that stdout holds only what was asked for (CSV/JSON).
  spdlog::set_default_logger(spdlog::stderr_color_mt("smartmeter-portal"));
  return load_settings(*options.settings_file, app::Command::kStats, "host");
}

int run_import(const PortalOptions& options) {
  const auto config = settings(options);
  if (!config) return kExitUsage;
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    std::cerr << "smartmeter portal import: cannot read " << options.file << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string name = std::filesystem::path(options.file).filename().string();
  app::PortalFile file;
  if (auto parsed = app::parse_portal_file(text.str(), name, options.metering_point, file);
      !parsed) {
    std::cerr << "smartmeter portal import: " << parsed.error << "\n";
    return 1;
  }
  auto statistics = make_statistics_store(*config);
  auto portal = make_portal_store(*config);
  std::vector<std::string> meters;
  if (auto opened = statistics->open(); !opened || !statistics->meters(meters)) {
    std::cerr << "smartmeter portal import: cannot read the meters of " << statistics->describe()
              << (opened ? "" : ": " + opened.error) << "\n";
    return 1;
  }
  if (auto opened = portal->open(); !opened) {
    std::cerr << "smartmeter portal import: cannot open " << portal->describe() << ": "
              << opened.error << "\n";
    return 1;
  }
  app::PortalImportResult result;
  if (auto stored = app::import_portal_rows(*portal, file.rows, file.metering_point, name,
                                            options.meter, meters, result);
      !stored) {
    std::cerr << "smartmeter portal import: " << stored.error << "\n";
    return 1;
  }
  std::cout << "format:         " << file.format << "\n"
            << "metering point: " << file.metering_point << "\n"
            << "meter:          " << result.meter << "\n"
            << "first interval: " << local_minute(file.rows.front().start) << "\n"
            << "last interval:  " << local_minute(file.rows.back().start) << " - "
            << local_minute(file.rows.back().start + 900) << "\n"
            << "rows:           " << result.rows << "\n"
            << "changed:        " << result.changed << "\n";
  return kExitOk;
}

int run_compare(const PortalOptions& options) {
  const auto config = settings(options);
  if (!config) return kExitUsage;
  LocalDays days;
  if (!parse_day_options("portal compare", options.from, options.to, days)) return kExitUsage;
  if (options.tolerance_wh < 0) {
    std::cerr << "smartmeter portal compare: --tolerance must not be negative\n";
    return kExitUsage;
  }
  const app::StatsQuery range =
      app::local_days_query(app::StatsInterval::kQuarterHour, options.meter, days.first, days.last);
  auto statistics = make_statistics_store(*config);
  auto portal = make_portal_store(*config);
  if (auto opened = portal->open(); !opened) {
    std::cerr << "smartmeter portal compare: cannot open " << portal->describe() << ": "
              << opened.error << "\n";
    return 1;
  }
  if (auto opened = statistics->open(); !opened) {
    std::cerr << "smartmeter portal compare: cannot open " << statistics->describe() << ": "
              << opened.error << "\n";
    return 1;
  }
  if (options.update) {
    app::StatisticsUpdater updater(*statistics);
    if (auto updated = updater.update_all(nullptr); !updated) {
      std::cerr << "smartmeter portal compare: " << updated.error << "\n";
      return 1;
    }
  }
  app::ReconcileOptions reconcile_options;
  reconcile_options.interval = *app::parse_reconcile_interval(options.interval);
  reconcile_options.tolerance_wh = options.tolerance_wh;
  app::Reconciliation reconciliation;
  if (auto done = app::reconcile(*statistics, *portal, options.meter, range.from, range.until,
                                 reconcile_options, reconciliation);
      !done) {
    std::cerr << "smartmeter portal compare: " << done.error << "\n";
    return 1;
  }
  if (reconciliation.rows.empty()) {
    std::cerr << "smartmeter portal compare: no quarter-hours of the operator in this range; "
                 "import its export first (smartmeter portal import FILE)\n";
  }
  std::cout << (options.format == "json" ? json::reconciliation_json(reconciliation) + "\n"
                                         : app::reconciliation_csv(reconciliation));
  return kExitOk;
}

}  // namespace

std::unique_ptr<app::PortalStore> make_portal_store(const app::Config& config) {
  if (config.storage == app::StorageKind::kSqlite) {
    return std::make_unique<storage::SqlitePortalStore>(config.sqlite_file);
  }
  return std::make_unique<storage::MysqlPortalStore>(mysql_settings(config));
}

void add_portal_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<PortalOptions>();
  CLI::App* portal = app.add_subcommand(
      "portal",
      "The grid operator's billed quarter-hours (the CSV export of its customer portal: Netz NÖ "
      "Smart Meter Webportal, Wiener Netze Smart Meter portal): import them and compare them "
      "with ours. See docs/portal.md.");
  portal->require_subcommand(1);

  CLI::App* import = portal->add_subcommand(
      "import",
      "Store an export's quarter-hours (one transaction; a bad line refuses the whole file). "
      "Known formats:\n" +
          app::portal_formats_text());
  add_settings_file_option(import, options->settings_file,
                           "Settings file as for `run` (storage settings)");
  import->add_option("FILE", options->file, "The CSV file as the portal saved it")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("--meter", options->meter,
                     "Our meter id (system title) the file belongs to; required when the service "
                     "knows more than one meter, remembered per metering point");
  import->add_option("--metering-point", options->metering_point,
                     "The metering point (Zählpunkt AT00...) when neither the file's name nor "
                     "its header carries it");
  import->callback([options, &exit_status] { exit_status = run_import(*options);
});

CLI::App* compare = portal->add_subcommand(
    "compare",
    "Our quarter-hours (statsQuarterHour) against the operator's: per interval both sides' "
    "import and export over the quarter-hours both have, the difference (Wh and %), how many "
    "disagree beyond the tolerance and how many only one side has.");
add_settings_file_option(compare, options->settings_file,
                         "Settings file as for `run` (storage settings)");
compare->add_option("--from", options->from, "First local day, YYYY-MM-DD");
compare->add_option("--to", options->to, "Last local day (included), YYYY-MM-DD");
compare->add_option("--interval", options->interval, "quarter-hour, day (default) or month")
    ->check(CLI::IsMember({"quarter-hour", "day", "month"}));
compare->add_option("--tolerance", options->tolerance_wh,
                    "Wh a quarter-hour may differ without counting as disagreeing (default 5)");
compare->add_option("--format", options->format, "csv (default) or json")
    ->check(CLI::IsMember({"csv", "json"}));
compare->add_option("--meter", options->meter, "Only this meter (system title)");
compare->add_flag("--update", options->update,
                  "Bring the statistics tables up to date with history first");
compare->callback([options, &exit_status] { exit_status = run_compare(*options); });
}  // namespace meter::cli

}  // namespace meter::cli
