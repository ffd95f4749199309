// SPDX-License-Identifier: MIT
// The `--env FILE` option and settings loading shared by the subcommands that read the
// service's settings but need no meter key (`simulate`, `stats`).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "meter/app/config.h"
#include "meter/storage/mysql_reading_store.h"

namespace meter::cli {

struct SettingsFile {
  std::string path;
  bool given = false;
};

inline void add_settings_file_option(CLI::App* command, const std::shared_ptr<SettingsFile>& file,
                                     const std::string& help) {
  command
      ->add_option_function<std::string>(
          "--env",
          [file](const std::string& path) {
            file->path = path;
            file->given = true;
          },
          help + "; default ./server.env (or SMARTMETER_ENV_FILE)")
      ->type_name("FILE");
}

// defaults < settings file < process environment. A placeholder key satisfies the service's
// loader, which then checks everything else. nullopt after printing the reason.
inline std::optional<app::Config> load_settings_without_key(const SettingsFile& file,
                                                            const char* command) {
  const char* env = std::getenv("SMARTMETER_ENV_FILE");
  const std::string path = file.given                       ? file.path
                           : env != nullptr && *env != '\0' ? env
                                                            : "server.env";
  try {
    return app::load_config({{{"SMARTMETER_KEY", std::string(32, '0')}},
                             app::read_env_file(path, file.given),
                             app::process_environment()},
                            "host");
  } catch (const app::ConfigError& error) {
    std::cerr << "smartmeter " << command << ": " << error.what() << "\n";
    return std::nullopt;
  }
}

// The MariaDB/MySQL connection the settings describe (every command's stores share it).
inline storage::MysqlSettings mysql_settings(const app::Config& config) {
  storage::MysqlSettings settings;
  settings.host = config.db_host;
  settings.port = config.db_port;
  settings.user = config.db_user;
  settings.password = config.db_password;
  settings.schema = config.db_schema;
  settings.table = config.db_table;
  settings.tls = config.db_tls;
  settings.tls_ca_file = config.db_tls_ca_file;
  return settings;
}

}  // namespace meter::cli
