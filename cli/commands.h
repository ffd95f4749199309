// SPDX-License-Identifier: MIT
// Subcommands of the `smartmeter` executable; each registers itself on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace meter::cli {

// Exit statuses shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDecodeFailed = 1;
inline constexpr int kExitUsage = 2;

void add_decode_command(CLI::App& app, int& exit_status);
void add_run_command(CLI::App& app, int& exit_status);
void add_simulate_command(CLI::App& app, int& exit_status);

}  // namespace meter::cli
