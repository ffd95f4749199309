// SPDX-License-Identifier: MIT
// Settings of `smartmeter run`: defaults < server.env < process environment < command line.
// The original Python decoder's names keep their meaning; new settings have new names.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "meter/app/values_window.h"
#include "meter/core/key_ring.h"
#include "meter/core/operator_profile.h"
#include "meter/core/telegram_decoder.h"

namespace meter::app {

using EnvMap = std::map<std::string, std::string>;

// An invalid setting or settings file: names it and says what is wrong. The service exits with
// status 2.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string setting, std::string problem)
      : std::runtime_error("invalid setting " + setting + ": " + problem),
        setting_(std::move(setting)),
        problem_(std::move(problem)) {}
  // A line of a settings file that is not NAME=VALUE, or names a setting a second time.
  static ConfigError at_line(const std::string& file, std::size_t line, std::string setting,
                             const std::string& problem) {
    return ConfigError(std::move(setting), problem,
                       file + " line " + std::to_string(line) + ": " + problem);
  }
  const std::string& setting() const { return setting_; }
  const std::string& problem() const { return problem_; }

 private:
  ConfigError(std::string setting, std::string problem, const std::string& message)
      : std::runtime_error(message), setting_(std::move(setting)), problem_(std::move(problem)) {}
  std::string setting_;
  std::string problem_;
};

// One setting as a source gives it, with where it came from ("server.env line 3",
// "environment", "flag --port"): shown by --print-config and in messages.
struct SettingValue {
  std::string value;
  std::string origin;
};
// One source of settings (the file, the process environment, command-line flags).
using SettingsLayer = std::map<std::string, SettingValue>;

// The command the settings are loaded for. `run` and `replay` decrypt: a key is required.
// `simulate` and `stats` decrypt nothing: a key that is given is checked but not kept.
enum class Command { kRun, kReplay, kSimulate, kStats, kPrices };
// "run", "replay", "simulate", "stats", "prices"
const char* command_name(Command command);
bool decrypts(Command command);

struct LoadOptions {
  Command command = Command::kRun;
};

enum class StorageKind { kSqlite, kMysql };

// A serial line's format, as SMARTMETER_SERIAL_FORMAT writes it: "2400 8E1" (baud rate, data
// bits, parity N/E/O, stop bits).
struct SerialFormat {
  unsigned baud = 2400;
  unsigned data_bits = 8;
  char parity = 'E';
  unsigned stop_bits = 1;
  std::string text() const;
};
// What a profile tells the decoder (nullptr: nothing, the bytes decide).
core::DecoderOptions decoder_options_for(const core::OperatorProfile* profile);
// A profile's line settings as a serial format.
SerialFormat serial_format_of(const core::LineSettings& line);
// Parses "2400 8E1"; nullopt when it is not such a format (or names an unsupported baud rate).
std::optional<SerialFormat> parse_serial_format(const std::string& text);

struct Config {
  // Where each setting that was given came from (name -> origin), for describe_config().
  std::map<std::string, std::string> origins;
  // Misspelt names, a repeated SMARTMETER_KEYS entry: logged at start, never fatal.
  std::vector<std::string> warnings;

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
  // Values topic rate: 0 publishes every telegram; N > 0 at most one message per meter per N s,
  // the window's last telegram or its means (values_window.h).
  std::int64_t values_publish_interval_seconds = 0;
  ValuesPublishMode values_publish_mode = ValuesPublishMode::kLast;
  std::string shared_group;  // subscribe to $share/<group>/<raw_topic> when set

  // SMARTMETER_SERIAL: read the meter from this serial device (a USB M-Bus adapter) instead of
  // the raw MQTT topic; empty: MQTT input.
  std::string serial_device;
  SerialFormat serial_format;  // default: the operator profile's line settings
  // SMARTMETER_OPERATOR: the grid operator's profile (core/operator_profile.h); nullptr when not
  // set (the layout then follows the bytes, the serial line is 2400 8E1).
  const core::OperatorProfile* operator_profile = nullptr;
  // SMARTMETER_TARIFF_FILE: the tariff file (TOML, docs/tariffs.md) the cost is computed with;
  // empty: no cost. `run` refuses to start when it is set and cannot be read or is wrong.
  std::filesystem::path tariff_file;

  std::int64_t debounce_seconds = 300;
  std::int64_t raw_retention_days = 30;  // 0 keeps raw telegrams forever
  std::size_t batch_max_rows = 500;
  std::chrono::milliseconds batch_max_delay{200};
  std::string log_level = "info";

  // Dashboard, /api, /metrics, /healthz (SMARTMETER_HTTP_LISTEN; "off" disables).
  bool http_enabled = true;
  std::string http_host = "127.0.0.1";
  unsigned http_port = 8080;  // 0: any free port
  // Who may use it (docs/security.md). Without a password hash or token only a loopback
  // address may be listened on, unless http_allow_unauthenticated.
  std::string http_user = "smartmeter";
  std::string http_password_hash;  // argon2id, from `smartmeter passwd`
  std::string http_token_sha256;   // 64 hex digits, from `smartmeter passwd --token`
  std::string http_tls_cert;       // PEM files: HTTPS when both are set
  std::string http_tls_key;
  bool http_allow_unauthenticated = false;
  std::int64_t no_signal_seconds = 30;  // diagnosis "no signal" / "stale" after this long
  // Live state bounds: meters tracked at most, and silence after which a meter leaves it.
  std::size_t max_meters = 100;
  std::int64_t evict_silent_seconds = 86400;

  // Home Assistant MQTT discovery (retained config messages under <prefix>/sensor/...).
  bool ha_discovery = true;
  std::string ha_prefix = "homeassistant";

  // The local meter feed, GET /v1/json (EcoTracker local API) on a listener of its own
  // (SMARTMETER_LOCAL_FEED_LISTEN, default off), for the meter SMARTMETER_LOCAL_FEED_METER
  // (empty: the only one); beyond loopback only with SMARTMETER_LOCAL_FEED_OPEN.
  bool local_feed_enabled = false;
  std::string local_feed_host;
  unsigned local_feed_port = 0;
  std::string local_feed_meter;
  bool local_feed_open = false;
  // Day-ahead prices fetched by `run` (docs/prices.md): SMARTMETER_PRICES_SOURCE none, awattar
  // or smartenergy; SMARTMETER_PRICES_URL another base URL (a mirror, a test server);
  // SMARTMETER_PRICES_MARKET the bidding zone; SMARTMETER_PRICES_FETCH_AT the local time from
  // which the next day's prices are expected.
  std::string prices_source = "none";
  std::string prices_url;
  std::string prices_market = "AT";
  int prices_fetch_minute = 14 * 60;

  std::string subscription_topic() const;
  std::string http_listen() const;        // as the setting reads
  std::string local_feed_listen() const;  // as the setting reads
  std::string mqtt_uri() const;
  // What the profile tells the decoder (the provider layout where the bytes cannot tell it).
  core::DecoderOptions decoder_options() const;
};

// KEY=VALUE lines; `export `, blank lines and # comments allowed; values may be quoted.
// A line that is not NAME=VALUE, or a name given twice, is an error naming `file_name` and the
// line.
SettingsLayer parse_env_text(const std::string& text, const std::string& file_name);
// Reads the file; a missing file is fine (empty) unless `required`.
SettingsLayer read_env_file(const std::filesystem::path& file, bool required);
// The process environment, limited to names that are or look like settings (SMARTMETER_*,
// MQTT_*, DB_*) so that misspelt ones can be reported.
SettingsLayer process_environment();

// Later layers win (defaults < server.env < process environment < command line). Throws
// ConfigError naming the first invalid setting and where its value came from.
Config load_config(const std::vector<SettingsLayer>& layers, const std::string& host_name,
                   const LoadOptions& options = {});
// The same with plain NAME=VALUE maps, each taken as the process environment.
Config load_config(const std::vector<EnvMap>& layers, const std::string& host_name,
                   const LoadOptions& options = {});

// A profile in a few lines ("Wiener Netze: optical interface ..., 9600 8N1, ..."), each line
// starting with `indent`: for --print-config and `smartmeter check`.
std::string describe_operator_profile(const core::OperatorProfile& profile,
                                      const std::string& indent);
// The profile ids, comma-separated, for error messages.
std::string operator_ids();

// One line per setting, secrets masked, each with where its value came from:
// for `smartmeter run --print-config`.
std::string describe_config(const Config& config);

// The names load_config reads, for docs/settings.md and process_environment().
const std::vector<std::string>& known_settings();

}  // namespace meter::app
