// SPDX-License-Identifier: MIT
#include "meter/app/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "meter/core/hex.h"

namespace meter::app {
namespace {

const std::vector<std::string> kSettings = {
    "SMARTMETER_KEY",
    "SMARTMETER_AUTH_KEY",
    "SMARTMETER_KEYS",
    "SMARTMETER_STORAGE",
    "SMARTMETER_DATA_DIR",
    "SMARTMETER_SQLITE_FILE",
    "DB_HOST",
    "DB_PORT",
    "DB_USER",
    "DB_PASSWORD",
    "DB_TLS",
    "DB_TLS_CA_FILE",
    "SMARTMETER_DB_SCHEMA",
    "SMARTMETER_DB_TABLE",
    "MQTT_HOST",
    "MQTT_PORT",
    "MQTT_USER",
    "MQTT_PASSWORD",
    "MQTT_TLS",
    "MQTT_TLS_CA_FILE",
    "MQTT_CLIENT_ID",
    "SMARTMETER_RAWDATA_MQTT_TOPIC",
    "SMARTMETER_VALUES_MQTT_TOPIC",
    "SMARTMETER_STATUS_MQTT_TOPIC",
    "SMARTMETER_SHARED_SUBSCRIPTION",
    "SMARTMETER_DEBOUNCE_SECONDS",
    "SMARTMETER_RAW_RETENTION_DAYS",
    "SMARTMETER_BATCH_MAX_ROWS",
    "SMARTMETER_BATCH_MAX_DELAY_MS",
    "SMARTMETER_LOG_LEVEL",
    "SMARTMETER_HTTP_LISTEN",
    "SMARTMETER_NO_SIGNAL_SECONDS",
    "SMARTMETER_HA_DISCOVERY",
    "SMARTMETER_HA_PREFIX",
    // Live state bounds (meters).
    "SMARTMETER_MAX_METERS",
    "SMARTMETER_EVICT_SILENT_SECONDS",
};

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

class Settings {
 public:
  explicit Settings(const std::vector<EnvMap>& layers) {
    for (const auto& layer : layers) {
      for (const auto& [name, value] : layer) values_[name] = value;
    }
  }

  bool has(const std::string& name) const {
    auto it = values_.find(name);
    return it != values_.end() && !it->second.empty();
  }
  std::string text(const std::string& name, const std::string& fallback) const {
    return has(name) ? values_.at(name) : fallback;
  }
  std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const {
    if (!has(name)) return fallback;
    const std::string& value = values_.at(name);
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size()) {
      throw ConfigError(name, "'" + value + "' is not a whole number");
    }
    if (number < min || number > max) {
      throw ConfigError(name, std::to_string(number) + " is outside " + std::to_string(min) + ".." +
                                  std::to_string(max));
    }
    return number;
  }
  bool flag(const std::string& name, bool fallback) const {
    if (!has(name)) return fallback;
    std::string value = values_.at(name);
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value == "0" || value == "false" || value == "no" || value == "off") return false;
    throw ConfigError(name, "'" + value + "' is not one of 1/0, true/false, yes/no, on/off");
  }

 private:
  std::map<std::string, std::string> values_;
};

core::AesKey parse_key(const std::string& setting, const std::string& text) {
  auto key = core::AesKey::from_hex(text);
  if (!key) {
    throw ConfigError(setting,
                      "must be 32 hex digits (the 16-byte key from your grid operator), got " +
                          std::to_string(text.size()) + " characters");
  }
  return *key;
}

// "4B464D6750000009=KEY[/AUTHKEY], ..." (separators: comma, semicolon or blanks)
void parse_meter_keys(const std::string& text, Config& config) {
  std::string normalised = text;
  std::replace(normalised.begin(), normalised.end(), ';', ',');
  std::stringstream stream(normalised);
  std::size_t number = 0;
  for (std::string entry; std::getline(stream, entry, ',');) {
    entry = trim(entry);
    if (entry.empty()) continue;
    // Entries are named by position, never quoted: a key in the wrong place would be shown.
    const std::string which = "entry " + std::to_string(++number);
    const auto equals = entry.find('=');
    if (equals == std::string::npos) {
      throw ConfigError("SMARTMETER_KEYS", which + " is not SYSTEMTITLE=KEY[/AUTHKEY]");
    }
    const std::string title_text = trim(entry.substr(0, equals));
    std::string keys_text = trim(entry.substr(equals + 1));
    core::SystemTitle title{};
    const auto decoded =
        core::decode_hex(title_text.data(), title_text.size(), title.data(), title.size());
    if (title_text.size() != 16 || !decoded.ok || decoded.size != title.size()) {
      throw ConfigError("SMARTMETER_KEYS", which +
                                               ": the system title must be 16 hex digits, got " +
                                               std::to_string(title_text.size()) + " characters");
    }
    core::MeterKeys keys;
    const auto slash = keys_text.find('/');
    keys.encryption = parse_key("SMARTMETER_KEYS", trim(keys_text.substr(0, slash)));
    if (slash != std::string::npos) {
      keys.authentication = parse_key("SMARTMETER_KEYS", trim(keys_text.substr(slash + 1)));
    }
    config.keys.add(title, keys);
    ++config.meter_keys;
  }
}

// A CA file that is set must be there now: a TLS handshake failing later reads like a
// network problem.
void check_readable_file(const char* setting, const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError(setting, "'" + path + "' is not a file");
  }
  if (!std::ifstream(path)) throw ConfigError(setting, "'" + path + "' cannot be read");
}

// "HOST:PORT", "[IPv6]:PORT" or "off". Port 0 takes any free port (it is logged).
void parse_http_listen(const std::string& text, Config& config) {
  const char* setting = "SMARTMETER_HTTP_LISTEN";
  if (text == "off") {
    config.http_enabled = false;
    return;
  }
  const auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  unsigned number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (host.empty() || port.empty() || error != std::errc() || end != port.data() + port.size() ||
      number > 65535) {
    throw ConfigError(setting, "'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:8080) or off");
  }
  const bool host_ok = std::all_of(host.begin(), host.end(), [](unsigned char ch) {
    return std::isalnum(ch) != 0 || ch == '.' || ch == '-' || ch == ':' || ch == '_';
  });
  if (!host_ok) throw ConfigError(setting, "'" + host + "' is not a host name or address");
  config.http_enabled = true;
  config.http_host = host;
  config.http_port = number;
}

bool valid_identifier(const std::string& name) {
  return !name.empty() && name.size() <= 48 &&
         std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

bool valid_topic(const std::string& topic, bool allow_wildcards) {
  if (topic.empty() || topic.size() > 1024) return false;
  if (!allow_wildcards && topic.find_first_of("#+") != std::string::npos) return false;
  return topic.find('\0') == std::string::npos;
}

}  // namespace

std::string Config::subscription_topic() const {
  return shared_group.empty() ? raw_topic : "$share/" + shared_group + "/" + raw_topic;
}

std::string Config::http_listen() const {
  if (!http_enabled) return "off";
  const bool v6 = http_host.find(':') != std::string::npos;
  return (v6 ? "[" + http_host + "]" : http_host) + ":" + std::to_string(http_port);
}

std::string Config::mqtt_uri() const {
  return (mqtt_tls ? "ssl://" : "tcp://") + mqtt_host + ":" + std::to_string(mqtt_port);
}

EnvMap parse_env_text(const std::string& text) {
  EnvMap values;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string name = trim(line.substr(0, equals));
    std::string value = trim(line.substr(equals + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto comment = value.find(" #"); comment != std::string::npos) {
      value = trim(value.substr(0, comment));
    }
    values[name] = value;
  }
  return values;
}

EnvMap read_env_file(const std::filesystem::path& file, bool required) {
  std::ifstream stream(file);
  if (!stream) {
    if (required) throw ConfigError("--env", "cannot read " + file.string());
    return {};
  }
  std::stringstream text;
  text << stream.rdbuf();
  return parse_env_text(text.str());
}

EnvMap process_environment() {
  EnvMap values;
  for (const auto& name : kSettings) {
    if (const char* value = std::getenv(name.c_str())) values[name] = value;
  }
  return values;
}

const std::vector<std::string>& known_settings() { return kSettings; }

Config load_config(const std::vector<EnvMap>& layers, const std::string& host_name) {
  const Settings s(layers);
  Config c;

  if (!s.has("SMARTMETER_KEY") && !s.has("SMARTMETER_KEYS")) {
    throw ConfigError("SMARTMETER_KEY",
                      "not set: put the 32-hex-digit key from your grid operator in server.env");
  }
  if (s.has("SMARTMETER_KEY")) {
    core::MeterKeys keys{parse_key("SMARTMETER_KEY", s.text("SMARTMETER_KEY", "")), std::nullopt};
    if (s.has("SMARTMETER_AUTH_KEY")) {
      keys.authentication = parse_key("SMARTMETER_AUTH_KEY", s.text("SMARTMETER_AUTH_KEY", ""));
    }
    c.keys.set_default(keys);
  }
  if (s.has("SMARTMETER_KEYS")) parse_meter_keys(s.text("SMARTMETER_KEYS", ""), c);

  c.db_host = s.text("DB_HOST", "");
  std::string storage = s.text("SMARTMETER_STORAGE", c.db_host.empty() ? "sqlite" : "mysql");
  std::transform(storage.begin(), storage.end(), storage.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (storage == "sqlite") {
    c.storage = StorageKind::kSqlite;
  } else if (storage == "mysql" || storage == "mariadb") {
    c.storage = StorageKind::kMysql;
    if (c.db_host.empty()) throw ConfigError("DB_HOST", "required when SMARTMETER_STORAGE=mysql");
  } else {
    throw ConfigError("SMARTMETER_STORAGE", "'" + storage + "' is not sqlite or mysql");
  }
  c.data_dir = s.text("SMARTMETER_DATA_DIR", "data");
  if (std::error_code ec;
      std::filesystem::exists(c.data_dir, ec) && !std::filesystem::is_directory(c.data_dir, ec)) {
    throw ConfigError("SMARTMETER_DATA_DIR", "'" + c.data_dir.string() + "' is not a directory");
  }
  c.sqlite_file = s.text("SMARTMETER_SQLITE_FILE", (c.data_dir / "smartmeter.db").string());
  c.db_port = static_cast<unsigned>(s.integer("DB_PORT", 3306, 1, 65535));
  c.db_user = s.text("DB_USER", "");
  c.db_password = s.text("DB_PASSWORD", "");
  c.db_tls = s.flag("DB_TLS", false);
  c.db_tls_ca_file = s.text("DB_TLS_CA_FILE", "");
  check_readable_file("DB_TLS_CA_FILE", c.db_tls_ca_file);
  c.db_schema = s.text("SMARTMETER_DB_SCHEMA", "smartmeter");
  c.db_table = s.text("SMARTMETER_DB_TABLE", "history");
  if (!valid_identifier(c.db_schema)) {
    throw ConfigError("SMARTMETER_DB_SCHEMA", "use letters, digits and _ only (at most 48)");
  }
  if (!valid_identifier(c.db_table)) {
    throw ConfigError("SMARTMETER_DB_TABLE", "use letters, digits and _ only (at most 48)");
  }

  c.mqtt_host = s.text("MQTT_HOST", "localhost");
  c.mqtt_tls = s.flag("MQTT_TLS", false);
  c.mqtt_port = static_cast<unsigned>(s.integer("MQTT_PORT", c.mqtt_tls ? 8883 : 1883, 1, 65535));
  c.mqtt_user = s.text("MQTT_USER", "");
  c.mqtt_password = s.text("MQTT_PASSWORD", "");
  c.mqtt_tls_ca_file = s.text("MQTT_TLS_CA_FILE", "");
  check_readable_file("MQTT_TLS_CA_FILE", c.mqtt_tls_ca_file);
  c.mqtt_client_id = s.text("MQTT_CLIENT_ID", "smartmeter-" + host_name);
  if (c.mqtt_client_id.size() > 64)
    throw ConfigError("MQTT_CLIENT_ID", "longer than 64 characters");
  c.raw_topic = s.text("SMARTMETER_RAWDATA_MQTT_TOPIC", c.raw_topic);
  c.values_topic = s.text("SMARTMETER_VALUES_MQTT_TOPIC", c.values_topic);
  c.status_topic = s.text("SMARTMETER_STATUS_MQTT_TOPIC", c.status_topic);
  c.shared_group = s.text("SMARTMETER_SHARED_SUBSCRIPTION", "");
  if (!valid_topic(c.raw_topic, true)) {
    throw ConfigError("SMARTMETER_RAWDATA_MQTT_TOPIC", "not a valid MQTT topic filter");
  }
  if (!valid_topic(c.values_topic, false)) {
    throw ConfigError("SMARTMETER_VALUES_MQTT_TOPIC", "not a valid MQTT topic (no + or #)");
  }
  if (!valid_topic(c.status_topic, false)) {
    throw ConfigError("SMARTMETER_STATUS_MQTT_TOPIC", "not a valid MQTT topic (no + or #)");
  }
  if (!c.shared_group.empty() && !valid_identifier(c.shared_group)) {
    throw ConfigError("SMARTMETER_SHARED_SUBSCRIPTION", "use letters, digits and _ only");
  }

  c.debounce_seconds = s.integer("SMARTMETER_DEBOUNCE_SECONDS", 300, 10, 86400);
  if (86400 % c.debounce_seconds != 0) {
    throw ConfigError("SMARTMETER_DEBOUNCE_SECONDS",
                      "must divide a day evenly (e.g. 60, 300, 900) so buckets align");
  }
  c.raw_retention_days = s.integer("SMARTMETER_RAW_RETENTION_DAYS", 30, 0, 36500);
  c.batch_max_rows =
      static_cast<std::size_t>(s.integer("SMARTMETER_BATCH_MAX_ROWS", 500, 1, 10000));
  c.batch_max_delay =
      std::chrono::milliseconds(s.integer("SMARTMETER_BATCH_MAX_DELAY_MS", 200, 1, 60000));
  c.log_level = s.text("SMARTMETER_LOG_LEVEL", "info");
  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (std::find(kLevels.begin(), kLevels.end(), c.log_level) == kLevels.end()) {
    throw ConfigError("SMARTMETER_LOG_LEVEL",
                      "'" + c.log_level + "' is not trace, debug, info, warn or error");
  }
  parse_http_listen(s.text("SMARTMETER_HTTP_LISTEN", "127.0.0.1:8080"), c);
  c.no_signal_seconds = s.integer("SMARTMETER_NO_SIGNAL_SECONDS", 30, 5, 86400);
  c.ha_discovery = s.flag("SMARTMETER_HA_DISCOVERY", true);
  c.ha_prefix = s.text("SMARTMETER_HA_PREFIX", c.ha_prefix);
  if (c.ha_prefix.empty() || !valid_topic(c.ha_prefix, false)) {
    throw ConfigError("SMARTMETER_HA_PREFIX", "not a valid MQTT topic (no + or #)");
  }
  c.max_meters = static_cast<std::size_t>(s.integer("SMARTMETER_MAX_METERS", 100, 1, 1'000'000));
  c.evict_silent_seconds = s.integer("SMARTMETER_EVICT_SILENT_SECONDS", 86400, 5, 366 * 86400);
  return c;
}

std::string describe_config(const Config& c) {
  std::ostringstream out;
  auto line = [&](const char* name, const std::string& value) {
    out << name << "=" << value << "\n";
  };
  auto secret = [](const std::string& value) { return value.empty() ? "" : "(set)"; };
  line("SMARTMETER_KEY", c.keys.empty() ? "" : "(set)");
  line("SMARTMETER_KEYS", std::to_string(c.meter_keys) + " meter(s)");
  line("SMARTMETER_STORAGE", c.storage == StorageKind::kSqlite ? "sqlite" : "mysql");
  line("SMARTMETER_DATA_DIR", c.data_dir.string());
  if (c.storage == StorageKind::kSqlite) {
    line("SMARTMETER_SQLITE_FILE", c.sqlite_file.string());
  } else {
    line("DB_HOST", c.db_host);
    line("DB_PORT", std::to_string(c.db_port));
    line("DB_USER", c.db_user);
    line("DB_PASSWORD", secret(c.db_password));
    line("DB_TLS", c.db_tls ? "1" : "0");
    line("DB_TLS_CA_FILE", c.db_tls_ca_file);
    line("SMARTMETER_DB_SCHEMA", c.db_schema);
  }
  line("SMARTMETER_DB_TABLE", c.db_table);
  line("MQTT_HOST", c.mqtt_host);
  line("MQTT_PORT", std::to_string(c.mqtt_port));
  line("MQTT_USER", c.mqtt_user);
  line("MQTT_PASSWORD", secret(c.mqtt_password));
  line("MQTT_TLS", c.mqtt_tls ? "1" : "0");
  line("MQTT_TLS_CA_FILE", c.mqtt_tls_ca_file);
  line("MQTT_CLIENT_ID", c.mqtt_client_id);
  line("SMARTMETER_RAWDATA_MQTT_TOPIC", c.subscription_topic());
  line("SMARTMETER_VALUES_MQTT_TOPIC", c.values_topic);
  line("SMARTMETER_STATUS_MQTT_TOPIC", c.status_topic);
  line("SMARTMETER_DEBOUNCE_SECONDS", std::to_string(c.debounce_seconds));
  line("SMARTMETER_RAW_RETENTION_DAYS", std::to_string(c.raw_retention_days));
  line("SMARTMETER_BATCH_MAX_ROWS", std::to_string(c.batch_max_rows));
  line("SMARTMETER_BATCH_MAX_DELAY_MS", std::to_string(c.batch_max_delay.count()));
  line("SMARTMETER_LOG_LEVEL", c.log_level);
  line("SMARTMETER_HTTP_LISTEN", c.http_listen());
  line("SMARTMETER_NO_SIGNAL_SECONDS", std::to_string(c.no_signal_seconds));
  line("SMARTMETER_HA_DISCOVERY", c.ha_discovery ? "1" : "0");
  line("SMARTMETER_HA_PREFIX", c.ha_prefix);
  line("SMARTMETER_MAX_METERS", std::to_string(c.max_meters));
  line("SMARTMETER_EVICT_SILENT_SECONDS", std::to_string(c.evict_silent_seconds));
  return out.str();
}

}  // namespace meter::app
