// SPDX-License-Identifier: MIT
// Subcommands of the `smartmeter` executable; each registers itself on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "meter/core/key_ring.h"
#include "meter/core/operator_profile.h"

namespace meter::app {
struct Config;
struct TariffSet;
class StatisticsStore;
class PriceStore;
class PriceFeed;
class PortalStore;
class CostEngine;
class CostStore;
}  // namespace meter::app

namespace meter::cli {

// Exit statuses shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDecodeFailed = 1;
inline constexpr int kExitUsage = 2;

// The keys given as --key and --auth-key (32 hex digits each); nullopt after a message on stderr
// naming `command` when one is malformed.
std::optional<core::MeterKeys> keys_from_options(const std::string& command,
                                                 const std::string& key_hex,
                                                 const std::string& auth_key_hex);

// True (after saying why on stderr, naming `command`) when the operator's meters cannot be read
// as DLMS (Linz Netz, Netz OÖ): `run` and `check` stop then.
bool refuse_unreadable_operator(const core::OperatorProfile* profile, const std::string& command);
// The profile an --operator option names (nullptr for an empty one); false after a message
// listing the valid ids when it names none.
bool operator_from_option(const std::string& command, const std::string& id,
                          const core::OperatorProfile*& profile);

void add_decode_command(CLI::App& app, int& exit_status);
void add_run_command(CLI::App& app, int& exit_status);
void add_simulate_command(CLI::App& app, int& exit_status);
void add_stats_command(CLI::App& app, int& exit_status);
void add_check_command(CLI::App& app, int& exit_status);
void add_tariff_command(CLI::App& app, int& exit_status);

// The tariffs SMARTMETER_TARIFF_FILE names (an empty set when it is not set); nullopt after a
// message on stderr naming the file, line and field when the file is wrong (exit status 2).
std::optional<app::TariffSet> load_tariffs(const app::Config& config, const std::string& command);
void add_prices_command(CLI::App& app, int& exit_status);
void add_passwd_command(CLI::App& app, int& exit_status);

// The statistics tables the settings name, on a connection of their own (`run`, `stats`).
std::unique_ptr<app::StatisticsStore> make_statistics_store(const app::Config& config);
// The `prices` table in the settings' database, and the configured price source (nullptr for
// SMARTMETER_PRICES_SOURCE=none) (`run`, `prices`).
std::unique_ptr<app::PriceStore> make_price_store(const app::Config& config);
std::unique_ptr<app::PriceFeed> make_price_feed(const app::Config& config);
void add_portal_command(CLI::App& app, int& exit_status);

// --from/--to given as YYYY-MM-DD: Vienna local day numbers (absent: that side open). False
// after a message on stderr naming `command` and the option when one is no date.
struct LocalDays {
  std::optional<std::int64_t> first, last;
};
bool parse_day_options(const std::string& command, const std::string& from, const std::string& to,
                       LocalDays& out);
// The same, and also false (after a message) when --to lies before --from.
bool parse_day_range(const std::string& command, const std::string& from, const std::string& to,
                     LocalDays& out);

// The statistics tables the settings name, on a connection of their own (`run`, `stats`).
std::unique_ptr<app::StatisticsStore> make_statistics_store(const app::Config& config);
// The operator's quarter-hours (portalQuarterHour) in the storage the settings name.
std::unique_ptr<app::PortalStore> make_portal_store(const app::Config& config);
void add_cost_command(CLI::App& app, int& exit_status);

// What computing and showing costs needs, from the settings (`run`, `cost`): the engine (nullptr
// without SMARTMETER_TARIFF_FILE), the prices table, the cost table and the operator's
// quarter-hours, each on a connection of its own.
struct CostParts {
  CostParts();
  ~CostParts();
  CostParts(CostParts&&) noexcept;
  CostParts& operator=(CostParts&&) noexcept;
  std::unique_ptr<app::CostEngine> engine;
  std::unique_ptr<app::PriceStore> prices;
  std::unique_ptr<app::CostStore> costs;
  std::unique_ptr<app::PortalStore> portal;
};
// nullopt after a message on stderr naming `command` when the tariff file is wrong.
std::optional<CostParts> make_cost_parts(const app::Config& config, const std::string& command);
// The cost table (costQuarterHour and its views) in the storage the settings name.
std::unique_ptr<app::CostStore> make_cost_store(const app::Config& config);

}  // namespace meter::cli
