// SPDX-License-Identifier: MIT
// Subcommands of the `smartmeter` executable; each registers itself on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

namespace meter::app {
struct Config;
class StatisticsStore;
}  // namespace meter::app

namespace meter::cli {

// Exit statuses shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDecodeFailed = 1;
inline constexpr int kExitUsage = 2;

void add_decode_command(CLI::App& app, int& exit_status);
void add_run_command(CLI::App& app, int& exit_status);
void add_simulate_command(CLI::App& app, int& exit_status);
void add_stats_command(CLI::App& app, int& exit_status);

// The statistics tables the settings name, on a connection of their own (`run`, `stats`).
std::unique_ptr<app::StatisticsStore> make_statistics_store(const app::Config& config);

}  // namespace meter::cli
