// SPDX-License-Identifier: MIT
// Settings of `smartmeter run`: defaults < server.env < process environment < command line.
// The original Python decoder's names keep their meaning; new settings have new names.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "meter/core/key_ring.h"

namespace meter::app {

using EnvMap = std::map<std::string, std::string>;

// An invalid setting: names it and says what is wrong. The service exits with status 2.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string setting, const std::string& problem)
      : std::runtime_error("invalid setting " + setting + ": " + problem),
        setting_(std::move(setting)) {}
  const std::string& setting() const { return setting_; }

 private:
  std::string setting_;
};

enum class StorageKind { kSqlite, kMysql };

struct Config {
  // Keys: SMARTMETER_KEY (default), SMARTMETER_AUTH_KEY, SMARTMETER_KEYS (per meter).
  core::KeyRing keys;
  std::size_t meter_keys = 0;  // entries from SMARTMETER_KEYS

  StorageKind storage = StorageKind::kSqlite;
  std::filesystem::path data_dir = "data";
  std::filesystem::path sqlite_file;  // default: data_dir / "smartmeter.db"
  std::string db_host;
  unsigned db_port = 3306;
  std::string db_user;
  std::string db_password;
  std::string db_schema = "smartmeter";
  std::string db_table = "history";
  bool db_tls = false;
  std::string db_tls_ca_file;

  std::string mqtt_host = "localhost";
  unsigned mqtt_port = 1883;
  std::string mqtt_user;
  std::string mqtt_password;
  bool mqtt_tls = false;
  std::string mqtt_tls_ca_file;
  std::string mqtt_client_id;
  std::string raw_topic = "sensors/smartmeter";
  std::string values_topic = "sensors/smartmeter/values";
  std::string status_topic = "sensors/smartmeter/status";
  std::string shared_group;  // subscribe to $share/<group>/<raw_topic> when set

  std::int64_t debounce_seconds = 300;
  std::int64_t raw_retention_days = 30;  // 0 keeps raw telegrams forever
  std::size_t batch_max_rows = 500;
  std::chrono::milliseconds batch_max_delay{200};
  std::string log_level = "info";

  // Dashboard, /api, /metrics, /healthz (SMARTMETER_HTTP_LISTEN; "off" disables).
  bool http_enabled = true;
  std::string http_host = "127.0.0.1";
  unsigned http_port = 8080;            // 0: any free port
  std::int64_t no_signal_seconds = 30;  // diagnosis "no signal" / "stale" after this long
  // Live state bounds: meters tracked at most, and silence after which a meter leaves it.
  std::size_t max_meters = 100;
  std::int64_t evict_silent_seconds = 86400;

  // Home Assistant MQTT discovery (retained config messages under <prefix>/sensor/...).
  bool ha_discovery = true;
  std::string ha_prefix = "homeassistant";

  std::string subscription_topic() const;
  std::string http_listen() const;  // as the setting reads
  std::string mqtt_uri() const;
};

// KEY=VALUE lines; `export `, blank lines and # comments allowed; values may be quoted.
EnvMap parse_env_text(const std::string& text);
// Reads the file; a missing file is fine (empty map) unless `required`.
EnvMap read_env_file(const std::filesystem::path& file, bool required);
// The process environment, limited to the names this program reads.
EnvMap process_environment();

// Later maps win. Throws ConfigError naming the first invalid setting.
Config load_config(const std::vector<EnvMap>& layers, const std::string& host_name);

// One line per setting, secrets masked: for `smartmeter run --print-config`.
std::string describe_config(const Config& config);

// The names load_config reads, for the README and process_environment().
const std::vector<std::string>& known_settings();

}  // namespace meter::app
