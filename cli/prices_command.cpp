// SPDX-License-Identifier: MIT
// `smartmeter prices`: day-ahead prices in the `prices` table: import an APG or ENTSO-E CSV
// export, fetch from the configured source (aWATTar, smartENERGY), show what is stored.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/app/price_csv.h"
#include "meter/app/price_fetch.h"
#include "meter/app/prices.h"
#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"
#include "meter/prices/price_feeds.h"
#include "meter/storage/mysql_price_store.h"
#include "meter/storage/sqlite_price_store.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

struct PricesOptions {
  std::shared_ptr<SettingsFile> settings_file = std::make_shared<SettingsFile>();
  std::string file;
  std::string market;
  std::string from;
  std::string to;
  std::string product;
  std::string format = "csv";
};

constexpr int kExitFailed = 1;

// The settings, with the log on stderr (stdout carries what the command prints).
std::optional<app::Config> settings(const PricesOptions& options) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("smartmeter-prices"));
  return load_settings(*options.settings_file, app::Command::kPrices, "host");
}

std::unique_ptr<app::PriceStore> open_store(const app::Config& config) {
  auto store = make_price_store(config);
  if (auto opened = store->open(); !opened) {
    std::cerr << "smartmeter prices: cannot open " << store->describe() << ": " << opened.error
              << "\n";
    return nullptr;
  }
  return store;
}

// --from/--to as local days; [from, until) in UTC seconds (the --to day included).
bool local_span(const PricesOptions& options, std::int64_t default_from_day,
                std::int64_t default_to_day, std::int64_t& from, std::int64_t& until) {
  LocalDays days;
  if (!parse_day_options("prices", options.from, options.to, days)) return false;
  const std::int64_t first = days.first.value_or(default_from_day);
  const std::int64_t last = days.last.value_or(default_to_day);
  if (last < first) {
    std::cerr << "smartmeter prices: --to " << options.to << " is before --from " << options.from
              << "\n";
    return false;
  }
  from = core::vienna_day_start_utc(first);
  until = core::vienna_day_start_utc(last + 1);
  return true;
}

std::int64_t today() {
  return core::vienna_local_day(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
}

// "quarter-hour 2025-10-26T00:00:00+02:00 .. 2025-10-26T23:45:00+01:00, 100 price(s), 100 changed"
std::string stored_line(app::PriceProduct product, std::int64_t first, std::int64_t last,
                        std::size_t count, std::size_t changed) {
  return std::string(app::to_string(product)) + " " + app::vienna_iso(first) + " .. " +
         app::vienna_iso(last) + ", " + std::to_string(count) + " price(s), " +
         std::to_string(changed) + " changed";
}

int run_import(const PricesOptions& options) {
  const auto config = settings(options);
  if (!config) return kExitUsage;
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    std::cerr << "smartmeter prices import: cannot read " << options.file << "\n";
    return kExitFailed;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string market = options.market.empty() ? config->prices_market : options.market;
  app::PriceFile file;
  if (auto parsed = app::parse_price_csv(text.str(), options.file, market, file); !parsed) {
    std::cerr << "smartmeter prices import: " << parsed.error << "; nothing was stored\n";
    return kExitFailed;
  }
  const auto store = open_store(*config);
  if (!store) return kExitFailed;
  std::size_t changed = 0;
  if (auto stored = store->store(file.points, changed); !stored) {
    std::cerr << "smartmeter prices import: " << stored.error << "; nothing was stored\n";
    return kExitFailed;
  }
  std::cout << options.file << " (" << file.format << ", market " << market << "): stored "
            << stored_line(file.product, file.points.front().start, file.points.back().start,
                           file.points.size(), changed)
            << "\n";
  if (file.unpriced_tail > 0) {
    std::cout << file.unpriced_tail << " row(s) at the end without a price (not published yet) "
              << "left out\n";
  }
  return kExitOk;
}

int run_fetch(const PricesOptions& options) {
  const auto config = settings(options);
  if (!config) return kExitUsage;
  if (config->prices_source == "none") {
    std::cerr << "smartmeter prices fetch: no source: set SMARTMETER_PRICES_SOURCE=awattar or "
                 "smartenergy (docs/prices.md)\n";
    return kExitUsage;
  }
  std::int64_t from = 0;
  std::int64_t until = 0;
  if (!local_span(options, today(), today() + 1, from, until)) return kExitUsage;
  const auto feed = make_price_feed(*config);
  const auto store = open_store(*config);
  if (!store) return kExitFailed;
  app::PriceFetchReport report;
  if (auto fetched = app::fetch_prices(*feed, *store, from, until, report); !fetched) {
    std::cerr << "smartmeter prices fetch: " << fetched.error << "; nothing was stored\n";
    return kExitFailed;
  }
  if (report.received == 0) {
    std::cout << feed->describe() << ": no prices for " << app::vienna_iso(from) << " .. "
              << app::vienna_iso(until) << " (not published yet?)\n";
    return kExitFailed;
  }
  std::cout << feed->describe() << ": stored "
            << stored_line(feed->product(), *report.first_start, *report.last_start,
                           report.received, report.changed)
            << "\n";
  return kExitOk;
}

int run_show(const PricesOptions& options) {
  const auto config = settings(options);
  if (!config) return kExitUsage;
  std::int64_t from = 0;
  std::int64_t until = 0;
  if (!local_span(options, today(), today() + 1, from, until)) return kExitUsage;
  const auto store = open_store(*config);
  if (!store) return kExitFailed;
  const std::string market = options.market.empty() ? config->prices_market : options.market;
  std::vector<app::PricePoint> points;
  for (const app::PriceProduct product :
       {app::PriceProduct::kHour, app::PriceProduct::kQuarterHour}) {
    if (!options.product.empty() && options.product != app::to_string(product)) continue;
    std::vector<app::PricePoint> some;
    if (auto read = store->prices({market, product, from, until}, some); !read) {
      std::cerr << "smartmeter prices show: " << read.error << "\n";
      return kExitFailed;
    }
    points.insert(points.end(), some.begin(), some.end());
  }
  std::cout << (options.format == "json" ? prices::prices_json(points) + "\n"
                                         : app::prices_csv(points));
  if (points.empty()) {
    std::cerr << "smartmeter prices show: no prices for " << app::vienna_iso(from) << " .. "
              << app::vienna_iso(until) << " in " << store->describe() << "\n";
  }
  return kExitOk;
}

void add_days(CLI::App* command, const std::shared_ptr<PricesOptions>& options) {
  command->add_option("--from", options->from, "First local day, YYYY-MM-DD (default today)");
  command->add_option("--to", options->to,
                      "Last local day (included), YYYY-MM-DD (default tomorrow)");
}

void add_common(CLI::App* command, const std::shared_ptr<PricesOptions>& options) {
  add_settings_file_option(command, options->settings_file,
                           "Settings file as for `run` (storage and SMARTMETER_PRICES_* settings)");
}

}  // namespace

std::unique_ptr<app::PriceStore> make_price_store(const app::Config& config) {
  if (config.storage == app::StorageKind::kSqlite) {
    return std::make_unique<storage::SqlitePriceStore>(config.sqlite_file);
  }
  return std::make_unique<storage::MysqlPriceStore>(mysql_settings(config));
}

std::unique_ptr<app::PriceFeed> make_price_feed(const app::Config& config) {
  prices::FeedSettings feed;
  feed.source = config.prices_source;
  feed.base_url = config.prices_url;
  feed.market = config.prices_market;
  return prices::make_price_feed(feed);
}

void add_prices_command(CLI::App& app, int& exit_status) {
  CLI::App* prices = app.add_subcommand(
      "prices",
      "Day-ahead electricity prices (EUR/MWh, hourly and quarter-hour) in the `prices` table of "
      "the service's database: import a CSV export, fetch from the configured source, show. "
      "See docs/prices.md.");
  prices->require_subcommand(1);

  auto import_options = std::make_shared<PricesOptions>();
  CLI::App* import_command = prices->add_subcommand(
      "import",
      "Store the prices of a day-ahead price export: APG (markt.apg.at, Day-Ahead-Preise, CSV) "
      "or ENTSO-E Transparency (Day-ahead Prices, Export CSV), hourly or quarter-hour; the format "
      "is told by the header. A file with a hole, an interval twice, a row of another "
      "resolution or a price that is not a number is refused as a whole, naming the line.\n"
      "Example: smartmeter prices import AT-2026-03.csv");
  import_command->add_option("FILE", import_options->file, "The CSV file")->required();
  import_command->add_option(
      "--market", import_options->market,
      "Bidding zone the prices are for (default SMARTMETER_PRICES_MARKET, AT)");
  add_common(import_command, import_options);
  import_command->callback(
      [import_options, &exit_status] { exit_status = run_import(*import_options); });

  auto fetch_options = std::make_shared<PricesOptions>();
  CLI::App* fetch = prices->add_subcommand(
      "fetch",
      "Fetch prices from SMARTMETER_PRICES_SOURCE (awattar: hourly; smartenergy: quarter-hour, "
      "today and tomorrow only) and store them. `smartmeter run` does this at start and daily.\n"
      "Example: smartmeter prices fetch --from 2026-03-01 --to 2026-03-31");
  add_days(fetch, fetch_options);
  add_common(fetch, fetch_options);
  fetch->callback([fetch_options, &exit_status] { exit_status = run_fetch(*fetch_options); });

  auto show_options = std::make_shared<PricesOptions>();
  CLI::App* show = prices->add_subcommand(
      "show",
      "Print the stored prices of local days as CSV (market,product,intervalStart,localStart,"
      "eurPerMWh,ctPerKWh,source) or JSON.\n"
      "Example: smartmeter prices show --from 2026-03-29 --to 2026-03-29 --product quarter-hour");
  add_days(show, show_options);
  show->add_option("--product", show_options->product, "hour or quarter-hour (default both)")
      ->check(CLI::IsMember({"hour", "quarter-hour"}));
  show->add_option("--market", show_options->market,
                   "Bidding zone (default SMARTMETER_PRICES_MARKET, AT)");
  show->add_option("--format", show_options->format, "csv (default) or json")
      ->check(CLI::IsMember({"csv", "json"}));
  add_common(show, show_options);
  show->callback([show_options, &exit_status] { exit_status = run_show(*show_options); });
}  // namespace meter::cli

}  // namespace meter::cli
