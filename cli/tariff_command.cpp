// SPDX-License-Identifier: MIT
// `smartmeter tariff check FILE`: reads a tariff file (docs/tariffs.md) and prints what it
// understood, or what is wrong with it (file, line, field); and the tariff set the settings
// name (SMARTMETER_TARIFF_FILE) for the commands that compute cost.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/tariff/tariff_file.h"

namespace meter::cli {

std::optional<app::TariffSet> load_tariffs(const app::Config& config, const std::string& command) {
  if (config.tariff_file.empty()) return app::TariffSet{};
  tariff::TariffFileResult result = tariff::load_tariff_file(config.tariff_file);
  if (!result) {
    std::cerr << "smartmeter " << command << ": SMARTMETER_TARIFF_FILE: " << result.error->text()
              << "\n";
    return std::nullopt;
  }
  spdlog::info("tariffs: {} tariff(s) from {} ({})", result.set.tariffs.size(), result.set.source,
               result.set.fingerprint);
  return std::move(result.set);
}

void add_tariff_command(CLI::App& app, int& exit_status) {
  CLI::App* command = app.add_subcommand(
      "tariff", "Tariff files: check one before the service uses it (docs/tariffs.md)");
  command->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* check = command->add_subcommand(
      "check",
      "Read a tariff file and print what it says: every tariff, the meters it applies to, each "
      "price, fee and grid fee with its period and formula. A wrong file prints the file, line "
      "and field and exits with status 2.");
  check->add_option("FILE", *file, "the tariff file (TOML)")->required();
  check->callback([file, &exit_status] {
    const tariff::TariffFileResult result = tariff::load_tariff_file(*file);
    if (!result) {
      std::cerr << "smartmeter tariff check: " << result.error->text() << "\n";
      exit_status = kExitUsage;
      return;
    }
    std::cout << app::describe_tariffs(result.set);
    exit_status = kExitOk;
  });
}

}  // namespace meter::cli
