// SPDX-License-Identifier: MIT
// The cost golden month: April 2026 of a simulated household with PV (MeterTwin, a reading
// every 30 s) in a real SQLite file, the price fixture (cost/prices-2026-04.csv, APG layout) and
// the tariff (cost/tariff.toml) go through `smartmeter stats --update`, `smartmeter prices
// import` and `smartmeter cost --update --interval month`; the month's totals are worked out
// here, independently: quarter-hour energies from the readings' counters, the tariff's figures
// written out below, the summer discount's window by local time. Not by calling the engine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "command_run.h"
#include "meter/app/simulator.h"
#include "meter/core/civil_time.h"
#include "meter/storage/sqlite_reading_store.h"

namespace meter::app {
namespace {

namespace fs = std::filesystem;

// 2026-04-01 00:00 and 2026-05-01 00:00 Vienna (CEST, UTC+2).
constexpr std::int64_t kMonthStart = 1774994400;
constexpr std::int64_t kMonthEnd = 1777586400;

// The tariff's figures (cost/tariff.toml), EUR.
constexpr double kVat = 0.20;
constexpr double kFactor = 1.03, kAdder = 0.015;  // markup on |spot|
constexpr double kFeedInShare = 0.80;             // floor 0
constexpr double kFeeGrossPerMonth = 5.75;
constexpr double kGridEnergy = 0.0577, kSummerDiscount = 0.20, kLosses = 0.00783;
constexpr double kPowerPerYear = 36.00, kMeteringPerMonth = 2.18;
constexpr double kLevy = 0.001;

using testing_support::CommandRun;

// The fixture's hourly prices by the hour's UTC start: "01.04.2026 13:00:00;...;-12,50".
std::map<std::int64_t, double> fixture_prices(const fs::path& file) {
  std::map<std::int64_t, double> prices;
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.size() < 20) continue;
    const int day = std::stoi(line.substr(0, 2));
    const int month = std::stoi(line.substr(3, 2));
    const int year = std::stoi(line.substr(6, 4));
    const int hour = std::stoi(line.substr(11, 2));
    std::string price = line.substr(line.rfind(';') + 1);
    for (char& c : price) c = c == ',' ? '.' : c;
    // April 2026 is summer time all month: local = UTC + 2 h.
    const std::int64_t local =
        core::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
            86400 +
        hour * 3600;
    prices[local - 7200] = std::stod(price);
  }
  return prices;
}

struct Totals {
  double import_wh = 0, export_wh = 0, energy = 0, grid = 0, levies = 0, fees = 0, vat = 0,
         feed_in = 0, net = 0;
};

class CostGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("smartmeter-cost-golden-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "server.env")
        << "SMARTMETER_STORAGE=sqlite\nSMARTMETER_SQLITE_FILE=" << (dir / "smartmeter.db").string()
        << "\nSMARTMETER_TARIFF_FILE=" << METER_COST_FIXTURES << "/tariff.toml\n";
    fs::permissions(dir / "server.env", fs::perms::owner_read | fs::perms::owner_write);
  }
  void TearDown() override { fs::remove_all(dir); }

  CommandRun smartmeter(const std::string& args) {
    return testing_support::run_command(
        std::string(METER_SMARTMETER_BIN) + " " + args + " --env " + (dir / "server.env").string(),
        dir);
  }

  fs::path dir;
};

TEST_F(CostGolden, AprilOfASimulatedHouseholdAsWorkedOutByHand) {
  // A month of readings, from half an hour before the month to half an hour after it.
  const std::int64_t first = kMonthStart - 1800;
  const std::int64_t last = kMonthEnd + 1800;
  MeterTwin twin(7, 0, household_profile(7, 0, true), static_cast<double>(first));
  const std::string title = simulated_identity(7, 0).system_title_hex();
  std::map<std::int64_t, std::pair<double, double>> counters;  // at each quarter-hour boundary
  {
    storage::SqliteReadingStore store(dir / "smartmeter.db");
    ASSERT_TRUE(store.open());
    std::vector<Reading> batch;
    std::uint32_t frame = 1;
    for (std::int64_t t = first; t <= last; t += 30) {
      const MeterSample& s = twin.advance_to(static_cast<double>(t));
      Reading r;
      r.meter = title;
      r.frame_counter = frame++;
      r.timestamp = t;
      // Whole Wh, as the meter sends them and the history table stores them.
      const double in = std::floor(s.energy_in_wh);
      const double out = std::floor(s.energy_out_wh);
      r.values[static_cast<std::size_t>(core::Quantity::kEnergyImport)] = in;
      r.values[static_cast<std::size_t>(core::Quantity::kEnergyExport)] = out;
      r.values[static_cast<std::size_t>(core::Quantity::kPowerImport)] = s.power_in_w;
      r.values[static_cast<std::size_t>(core::Quantity::kPowerExport)] = s.power_out_w;
      if (t % 900 == 0) counters[t] = {in, out};
      batch.push_back(r);
      if (batch.size() == 5000) {
        ASSERT_TRUE(store.write({batch, {}, {}}));
        batch.clear();
      }
    }
    ASSERT_TRUE(store.write({batch, {}, {}}));
  }

  // The month by hand.
  const auto prices = fixture_prices(fs::path(METER_COST_FIXTURES) / "prices-2026-04.csv");
  ASSERT_EQ(prices.size(), 720U);
  Totals want;
  for (std::int64_t t = kMonthStart; t < kMonthEnd; t += 900) {
    const double in_kwh = (counters.at(t + 900).first - counters.at(t).first) / 1000;
    const double out_kwh = (counters.at(t + 900).second - counters.at(t).second) / 1000;
    const double spot = prices.at(t - (t % 3600)) / 1000;  // EUR/kWh of the quarter-hour's hour
    want.import_wh += in_kwh * 1000;
    want.export_wh += out_kwh * 1000;
    want.energy += in_kwh * (spot + (kFactor - 1) * std::abs(spot) + kAdder);
    // Summer discount: 1 April - 30 September, 10:00 - 16:00 local (UTC+2 all April).
    const std::int64_t local_hour = ((t + 7200) % 86400) / 3600;
    const bool summer = local_hour >= 10 && local_hour < 16;
    want.grid += in_kwh * kGridEnergy * (summer ? 1 - kSummerDiscount : 1) + in_kwh * kLosses;
    want.levies += in_kwh * kLevy;
    want.feed_in += out_kwh * std::max(0.0, kFeedInShare * spot);
  }
  // Flat charges for the whole month: the metering fee, 30/365 of the yearly power charge
  // (2026 has 365 days; April's 720 hours), the supplier's fee without its VAT.
  want.grid += kMeteringPerMonth + kPowerPerYear * (30.0 / 365.0);
  want.fees = kFeeGrossPerMonth / (1 + kVat);
  want.vat = kVat * (want.energy + want.grid + want.levies + want.fees);
  want.net = want.energy + want.grid + want.levies + want.fees + want.vat - want.feed_in;

  ASSERT_EQ(smartmeter("stats --update").status, 0);
  const CommandRun imported =
      smartmeter(std::string("prices import ") + METER_COST_FIXTURES + "/prices-2026-04.csv");
  ASSERT_EQ(imported.status, 0) << imported.err;
  const CommandRun run =
      smartmeter("cost --update --from 2026-04-01 --to 2026-04-30 --interval month --format json");
  ASSERT_EQ(run.status, 0) << run.err;
  const auto months = nlohmann::json::parse(run.out);
  ASSERT_EQ(months.size(), 1U) << run.out;
  const auto& m = months[0];
  EXPECT_EQ(m.at("meter"), title);
  EXPECT_EQ(m.at("startLocal"), "2026-04-01T00:00:00+02:00");
  EXPECT_EQ(m.at("quarterHours"), 2880);
  EXPECT_EQ(m.at("incomplete"), 0) << run.err;
  const std::pair<const char*, double> checks[] = {
      {"importWh", want.import_wh}, {"exportWh", want.export_wh}, {"energyEur", want.energy},
      {"gridEur", want.grid},       {"leviesEur", want.levies},   {"feesEur", want.fees},
      {"vatEur", want.vat},         {"feedInEur", want.feed_in},  {"netEur", want.net}};
  for (const auto& [key, expected] : checks) {
    EXPECT_NEAR(m.at(key).get<double>(), expected, 1e-6) << key;
    std::printf("%-10s by hand %14.6f   smartmeter cost %14.6f\n", key, expected,
                m.at(key).get<double>());
  }
  // The same month as CSV, and its days add up to it.
  const CommandRun days = smartmeter("cost --from 2026-04-01 --to 2026-04-30 --interval day");
  ASSERT_EQ(days.status, 0) << days.err;
  std::istringstream lines(days.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("meter,interval,start,start_local,end,import_wh", 0), 0U) << line;
  int count = 0;
  while (std::getline(lines, line)) ++count;
  EXPECT_EQ(count, 30);
}

TEST_F(CostGolden, BadRangesAndUnknownMetersAreClearErrors) {
  CommandRun run = smartmeter("cost --from 2026-04-31");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("--from '2026-04-31' is not a date YYYY-MM-DD"), std::string::npos)
      << run.err;
  run = smartmeter("cost --from 2026-04-10 --to 2026-04-01");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("lies before --from"), std::string::npos) << run.err;
  run = smartmeter("cost --interval week");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("quarter-hour, day or month"), std::string::npos) << run.err;
  run = smartmeter("cost --meter 0000000000000000");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("no costs are stored for meter 0000000000000000"), std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace meter::app
