// SPDX-License-Identifier: MIT
// The `--env FILE` option and the settings loading every subcommand that reads the service's
// settings shares (`run`, `replay`, `simulate`, `stats`).
#pragma once

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Warns when `file` exists and other users may read it (`holds`: what they would read). A file
// readable by the service's own group (the package's 640 root:smartmeter) is not "others".
inline void warn_if_readable_by_others(const std::string& file, const char* holds) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return;
  const bool others = (info.st_mode & S_IROTH) != 0;
  const bool foreign_group = (info.st_mode & S_IRGRP) != 0 && info.st_gid != ::getegid();
  if (others || foreign_group) {
    spdlog::warn("{} can be read by other users and holds {}; chmod 600 {}", file, holds, file);
  }
}

// SMARTMETER_ENV_FILE names the default settings file (the container sets /server.env).
inline std::string settings_file_path(const SettingsFile& file) {
  const char* env = std::getenv("SMARTMETER_ENV_FILE");
  return file.given ? file.path : env != nullptr && *env != '\0' ? env : "server.env";
}

// defaults < settings file < process environment < `flags` (the command's own options), for
// `command` (which decides whether a key is required). Warnings (misspelt names, a readable
// file) go to the log; nullopt after printing the reason.
inline std::optional<app::Config> load_settings(const SettingsFile& file, app::Command command,
                                                const std::string& host_name,
                                                const app::SettingsLayer& flags = {}) {
  const std::string path = settings_file_path(file);
  try {
    const app::SettingsLayer from_file = app::read_env_file(path, file.given);
    if (!from_file.empty()) warn_if_readable_by_others(path, "your meter key");
    app::Config config =
        app::load_config({from_file, app::process_environment(), flags}, host_name, {command});
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    for (const auto& warning : config.warnings) spdlog::warn("{}", warning);
    return config;
  } catch (const app::ConfigError& error) {
    std::cerr << "smartmeter " << app::command_name(command) << ": " << error.what() << "\n";
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
