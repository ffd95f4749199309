// SPDX-License-Identifier: MIT
#include <CLI/CLI.hpp>

#include "commands.h"

// An exception nothing expected (bad_alloc) ends the process with its message, as it should.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{
      "smartmeter: reads EVN / Netz NOE smart meters (Kaifa MA309/M110, Sagemcom T210-D/S210).\n"
      "Decrypts and decodes the meter's M-Bus telegrams into energy, power, voltage, current\n"
      "and power factor."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "smartmeter 0.1.0");
  int exit_status = meter::cli::kExitOk;
  meter::cli::add_decode_command(app, exit_status);
  meter::cli::add_run_command(app, exit_status);
  meter::cli::add_simulate_command(app, exit_status);
  meter::cli::add_stats_command(app, exit_status);
  meter::cli::add_check_command(app, exit_status);
  meter::cli::add_tariff_command(app, exit_status);
  meter::cli::add_prices_command(app, exit_status);
  meter::cli::add_portal_command(app, exit_status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : meter::cli::kExitUsage;
  }
  return exit_status;
}
