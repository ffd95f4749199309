// SPDX-License-Identifier: MIT
#include "meter/app/config.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
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
    "SMARTMETER_VALUES_PUBLISH_INTERVAL",
    "SMARTMETER_VALUES_PUBLISH_MODE",
    "SMARTMETER_STATUS_MQTT_TOPIC",
    "SMARTMETER_SHARED_SUBSCRIPTION",
    "SMARTMETER_DEBOUNCE_SECONDS",
    "SMARTMETER_RAW_RETENTION_DAYS",
    "SMARTMETER_BATCH_MAX_ROWS",
    "SMARTMETER_BATCH_MAX_DELAY_MS",
    "SMARTMETER_LOG_LEVEL",
    "SMARTMETER_HTTP_LISTEN",
    // Access to the dashboard and API, HTTPS (docs/security.md).
    "SMARTMETER_HTTP_USER",
    "SMARTMETER_HTTP_PASSWORD_HASH",
    "SMARTMETER_HTTP_TOKEN_SHA256",
    "SMARTMETER_HTTP_TLS_CERT",
    "SMARTMETER_HTTP_TLS_KEY",
    "SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED",
    "SMARTMETER_NO_SIGNAL_SECONDS",
    "SMARTMETER_HA_DISCOVERY",
    "SMARTMETER_HA_PREFIX",
    // Live state bounds (meters).
    "SMARTMETER_MAX_METERS",
    "SMARTMETER_EVICT_SILENT_SECONDS",
    // Direct serial input (USB M-Bus adapter).
    "SMARTMETER_SERIAL",
    "SMARTMETER_SERIAL_FORMAT",
    // The grid operator's profile (docs/operators.md).
    "SMARTMETER_OPERATOR",
    // The local meter feed (EcoTracker local API) for batteries and inverters.
    "SMARTMETER_LOCAL_FEED_LISTEN",
    "SMARTMETER_LOCAL_FEED_METER",
    "SMARTMETER_LOCAL_FEED_OPEN",
    // Cost: the tariff file (docs/tariffs.md).
    "SMARTMETER_TARIFF_FILE",
    // Day-ahead prices.
    "SMARTMETER_PRICES_SOURCE",
    "SMARTMETER_PRICES_URL",
    "SMARTMETER_PRICES_MARKET",
    "SMARTMETER_PRICES_FETCH_AT",
};

// Read by the command line before the settings are loaded.
const std::vector<std::string> kReadBeforeLoading = {"SMARTMETER_ENV_FILE"};

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

bool is_known(const std::string& name) {
  return std::find(kSettings.begin(), kSettings.end(), name) != kSettings.end() ||
         std::find(kReadBeforeLoading.begin(), kReadBeforeLoading.end(), name) !=
             kReadBeforeLoading.end();
}

// Edits (insert, delete, replace, swap two neighbours) from one name to the other, ignoring case.
std::size_t edit_distance(const std::string& a_text, const std::string& b_text) {
  const std::string a = upper(a_text);
  const std::string b = upper(b_text);
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The known setting a misspelt name most likely meant ("" when none is close); ties go to the
// one listed first.
std::string closest_setting(const std::string& name) {
  constexpr std::size_t kMaxEdits = 3;
  std::string best;
  std::size_t best_distance = kMaxEdits + 1;
  for (const auto& known : kSettings) {
    const std::size_t distance = edit_distance(name, known);
    if (distance < best_distance) {
      best = known;
      best_distance = distance;
    }
  }
  return best;
}

// Names this program would read if spelt right: SMARTMETER_*, MQTT_*, DB_* in any case, and
// near misses of a known name (SMARTMETR_KEY).
bool looks_like_a_setting(const std::string& name) {
  const std::string name_upper = upper(name);
  for (const char* prefix : {"SMARTMETER_", "MQTT_", "DB_"}) {
    if (name_upper.rfind(prefix, 0) == 0) return true;
  }
  return std::any_of(kSettings.begin(), kSettings.end(),
                     [&](const std::string& known) { return edit_distance(name, known) <= 2; });
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) == 0 &&
         std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// The layers merged, later ones winning; remembers where each value came from and which names
// were not settings.
class Settings {
 public:
  explicit Settings(const std::vector<SettingsLayer>& layers) {
    for (const auto& layer : layers) {
      for (const auto& [name, value] : layer) {
        if (is_known(name)) {
          values_[name] = value;
        } else if (looks_like_a_setting(name)) {
          unknown_.push_back({name, value.origin, closest_setting(name)});
        }
      }
    }
  }

  bool has(const std::string& name) const {
    auto it = values_.find(name);
    return it != values_.end() && !it->second.value.empty();
  }
  std::string text(const std::string& name, const std::string& fallback) const {
    return has(name) ? values_.at(name).value : fallback;
  }
  std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const {
    if (!has(name)) return fallback;
    const std::string& value = values_.at(name).value;
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
    std::string value = values_.at(name).value;
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value == "0" || value == "false" || value == "no" || value == "off") return false;
    throw ConfigError(name, "'" + value + "' is not one of 1/0, true/false, yes/no, on/off");
  }

  // Origins of the values that are in effect (an empty value means the default).
  std::map<std::string, std::string> origins() const {
    std::map<std::string, std::string> result;
    for (const auto& [name, value] : values_) {
      if (!value.value.empty()) result[name] = value.origin;
    }
    return result;
  }

  std::vector<std::string> unknown_name_warnings() const {
    std::vector<std::string> warnings;
    for (const auto& unknown : unknown_) {
      warnings.push_back(unknown.name + " (" + unknown.origin +
                         ") is not a setting and is ignored" +
                         (unknown.closest.empty() ? "; the settings are listed in docs/settings.md"
                                                  : "; did you mean " + unknown.closest + "?"));
    }
    return warnings;
  }

  // The error with where the bad value came from, or which misspelt name was probably meant
  // to set the missing one.
  ConfigError explain(const ConfigError& error) const {
    std::string problem = error.problem();
    if (auto it = values_.find(error.setting()); it != values_.end() && has(error.setting())) {
      problem += " (" + it->second.origin + ")";
    }
    for (const auto& unknown : unknown_) {
      if (unknown.closest == error.setting()) {
        problem += "; " + unknown.name + " (" + unknown.origin + ") is not a setting: misspelt?";
      }
    }
    return ConfigError(error.setting(), problem);
  }

 private:
  struct Unknown {
    std::string name;
    std::string origin;
    std::string closest;
  };
  std::map<std::string, SettingValue> values_;
  std::vector<Unknown> unknown_;
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
  std::map<core::SystemTitle, std::pair<std::size_t, core::MeterKeys>> seen;  // title -> entry
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
    // The same title twice: with two keys one of them is wrong and we cannot tell which; with the
    // same key it is a harmless copy (kept once, with a warning).
    if (const auto it = seen.find(title); it != seen.end()) {
      const std::string titles = "entries " + std::to_string(it->second.first) + " and " +
                                 std::to_string(number) + " are both for system title " +
                                 title_text;
      const core::MeterKeys& first = it->second.second;
      if (first.encryption != keys.encryption || first.authentication != keys.authentication) {
        throw ConfigError("SMARTMETER_KEYS", titles + " with different keys; keep the right one");
      }
      config.warnings.push_back("SMARTMETER_KEYS: " + titles + " with the same key; one is enough");
      continue;
    }
    seen.emplace(title, std::pair{number, keys});
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

// Why `host` is neither an IP address nor a host name that could be looked up ("" if it is one).
// Underscores are allowed: container networks resolve service names such as mqtt_broker.
std::string host_problem(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
      ::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return "";
  }
  if (host.find("://") != std::string::npos)
    return ": give the host only, without tcp:// or similar";
  if (host.find(':') != std::string::npos) return " is not an IPv6 address";
  const char* not_a_name =
      " is not a host name (letters, digits, - and _ between dots) or an IP address";
  std::string name = host;
  if (!name.empty() && name.back() == '.') name.pop_back();  // fully qualified: "broker.lan."
  if (name.empty() || name.size() > 253 || name.back() == '.') return not_a_name;
  std::stringstream labels(name);
  bool numeric = false;
  for (std::string label; std::getline(labels, label, '.');) {
    const bool ok =
        !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
        std::all_of(label.begin(), label.end(),
                    [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '_'; });
    if (!ok) return not_a_name;
    numeric = std::all_of(label.begin(), label.end(),
                          [](unsigned char c) { return std::isdigit(c) != 0; });
  }
  // No top-level domain is all digits, so 999.1.1.1 was meant as an IPv4 address.
  if (numeric) return " is not an IPv4 address (four numbers 0-255, e.g. 192.168.1.20)";
  return "";
}

// MQTT_HOST, DB_HOST: an address or host name; an IPv6 address may be given in brackets.
std::string parse_host(const char* setting, std::string host, const char* port_setting) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string problem = host_problem(host);
  const auto colon = host.find(':');
  if (!problem.empty() && colon != std::string::npos && colon == host.rfind(':') &&
      host.find("://") == std::string::npos) {
    problem = ": the port goes in " + std::string(port_setting);
  }
  if (!problem.empty()) throw ConfigError(setting, "'" + host + "'" + problem);
  return host;
}

// "HOST:PORT", "[IPv6]:PORT" or "off" (`enabled` false). Port 0 takes any free port (it is
// logged).
struct Listen {
  bool enabled = false;
  std::string host;
  unsigned port = 0;
};
Listen parse_listen(const char* setting, const std::string& text) {
  if (text == "off") return {};
  const auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  unsigned number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (host.empty() || port.empty() || error != std::errc() || end != port.data() + port.size() ||
      number > 65535) {
    throw ConfigError(setting, "'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:8080, port 0 to " +
                                   "65535) or off");
  }
  const bool v6 = host.find(':') != std::string::npos;
  if (v6 != bracketed) {
    throw ConfigError(setting, "'" + text + "': write an IPv6 address in brackets ([::1]:8080), " +
                                   "nothing else");
  }
  if (const std::string problem = host_problem(host); !problem.empty()) {
    throw ConfigError(setting, "'" + host + "'" + problem);
  }
  return {true, host, number};
}

void parse_http_listen(const std::string& text, Config& config) {
  const Listen listen = parse_listen("SMARTMETER_HTTP_LISTEN", text);
  config.http_enabled = listen.enabled;
  if (!listen.enabled) return;
  config.http_host = listen.host;
  config.http_port = listen.port;
}

// 127.0.0.0/8, ::1 and localhost: only this machine can connect.
bool loopback(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return host == "::1" || host == "localhost";
}

// The password hash, the token's SHA-256, HTTPS and the rule that only loopback may go
// without credentials. A value is never quoted in a message (it could be the password itself).
void parse_http_access(const Settings& s, const LoadOptions& options, Config& c) {
  c.http_user = s.text("SMARTMETER_HTTP_USER", c.http_user);
  if (c.http_user.empty() || c.http_user.size() > 64 ||
      c.http_user.find_first_of(":\r\n") != std::string::npos) {
    throw ConfigError("SMARTMETER_HTTP_USER", "must be 1 to 64 characters without ':'");
  }
  c.http_password_hash = s.text("SMARTMETER_HTTP_PASSWORD_HASH", "");
  if (!c.http_password_hash.empty() && c.http_password_hash.rfind("$argon2id$", 0) != 0) {
    throw ConfigError("SMARTMETER_HTTP_PASSWORD_HASH",
                      "is not a password hash (it starts with $argon2id$): never the password "
                      "itself; run `smartmeter passwd` and paste the line it prints");
  }
  c.http_token_sha256 = s.text("SMARTMETER_HTTP_TOKEN_SHA256", "");
  if (!c.http_token_sha256.empty() &&
      (c.http_token_sha256.size() != 64 ||
       !std::all_of(c.http_token_sha256.begin(), c.http_token_sha256.end(),
                    [](unsigned char ch) { return std::isxdigit(ch) != 0; }))) {
    throw ConfigError("SMARTMETER_HTTP_TOKEN_SHA256",
                      "is not a SHA-256 (64 hex digits): never the token itself; run "
                      "`smartmeter passwd --token` and paste the line it prints");
  }
  c.http_tls_cert = s.text("SMARTMETER_HTTP_TLS_CERT", "");
  c.http_tls_key = s.text("SMARTMETER_HTTP_TLS_KEY", "");
  if (c.http_tls_cert.empty() != c.http_tls_key.empty()) {
    throw ConfigError(
        c.http_tls_cert.empty() ? "SMARTMETER_HTTP_TLS_CERT" : "SMARTMETER_HTTP_TLS_KEY",
        "HTTPS needs both SMARTMETER_HTTP_TLS_CERT and SMARTMETER_HTTP_TLS_KEY");
  }
  check_readable_file("SMARTMETER_HTTP_TLS_CERT", c.http_tls_cert);
  check_readable_file("SMARTMETER_HTTP_TLS_KEY", c.http_tls_key);
  c.http_allow_unauthenticated = s.flag("SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED", false);
  if (options.command != Command::kRun || !c.http_enabled || loopback(c.http_host)) return;
  const bool credentials = !c.http_password_hash.empty() || !c.http_token_sha256.empty();
  if (!credentials && !c.http_allow_unauthenticated) {
    throw ConfigError(
        "SMARTMETER_HTTP_LISTEN",
        "'" + c.http_listen() +
            "' lets other machines read your meter, and no password or token is set. Run "
            "`smartmeter passwd` and add the line it prints to server.env (and "
            "SMARTMETER_HTTP_TLS_CERT/SMARTMETER_HTTP_TLS_KEY for HTTPS); or listen on "
            "127.0.0.1:8080; or, if something in front (a reverse proxy with a login, a port "
            "published on loopback only) already controls access, set "
            "SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED=1 (docs/security.md)");
  }
  if (credentials && c.http_tls_cert.empty()) {
    c.warnings.push_back(
        "SMARTMETER_HTTP_LISTEN: other machines can connect over plain HTTP, "
        "so the password or token crosses the network readable by anyone on "
        "the way: set SMARTMETER_HTTP_TLS_CERT and SMARTMETER_HTTP_TLS_KEY");
  }
}

// The local meter feed follows the dashboard's access rules (the password or the token, when
// either is set), unless SMARTMETER_LOCAL_FEED_OPEN=1 opens it: the batteries and inverters that
// poll it cannot log in. Beyond loopback without either it refuses to start.
void parse_local_feed(const std::string& text, const std::string& meter, bool open,
                      const LoadOptions& options, Config& config) {
  const Listen listen = parse_listen("SMARTMETER_LOCAL_FEED_LISTEN", text);
  config.local_feed_enabled = listen.enabled;
  config.local_feed_host = listen.host;
  config.local_feed_port = listen.port;
  config.local_feed_meter = meter;
  config.local_feed_open = open;
  if (options.command != Command::kRun || !listen.enabled || open || loopback(listen.host)) {
    return;
  }
  if (config.http_password_hash.empty() && config.http_token_sha256.empty()) {
    throw ConfigError("SMARTMETER_LOCAL_FEED_LISTEN",
                      "'" + text +
                          "' lets other machines read your power every few seconds, and no "
                          "password or token is set. Batteries and inverters cannot log in: set "
                          "SMARTMETER_LOCAL_FEED_OPEN=1 to serve the feed to the network without "
                          "a login (docs/local-feed.md), or listen on 127.0.0.1");
  }
  config.warnings.push_back(
      "SMARTMETER_LOCAL_FEED_LISTEN: the feed asks for the dashboard's password or token, which "
      "batteries and inverters cannot send; set SMARTMETER_LOCAL_FEED_OPEN=1 for them");
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

std::string Config::local_feed_listen() const {
  if (!local_feed_enabled) return "off";
  const bool v6 = local_feed_host.find(':') != std::string::npos;
  return (v6 ? "[" + local_feed_host + "]" : local_feed_host) + ":" +
         std::to_string(local_feed_port);
}

std::string Config::http_listen() const {
  if (!http_enabled) return "off";
  const bool v6 = http_host.find(':') != std::string::npos;
  return (v6 ? "[" + http_host + "]" : http_host) + ":" + std::to_string(http_port);
}

std::string Config::mqtt_uri() const {
  const bool v6 = mqtt_host.find(':') != std::string::npos;
  return (mqtt_tls ? "ssl://" : "tcp://") + (v6 ? "[" + mqtt_host + "]" : mqtt_host) + ":" +
         std::to_string(mqtt_port);
}

SettingsLayer parse_env_text(const std::string& text, const std::string& file_name) {
  SettingsLayer values;
  std::map<std::string, std::size_t> first_line;
  std::stringstream stream(text);
  std::size_t number = 0;
  for (std::string line; std::getline(stream, line);) {
    ++number;
    // Quoting the line could show a key, so messages name the setting and the line only.
    const auto error = [&](std::string setting, const std::string& problem) {
      return ConfigError::at_line(file_name, number, std::move(setting), problem);
    };
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // editors' BOM
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const auto equals = line.find('=');
    if (equals == std::string::npos) {
      const auto word_end = std::find_if(line.begin(), line.end(), [](unsigned char c) {
        return std::isalnum(c) == 0 && c != '_';
      });
      const std::string word(line.begin(), word_end);
      if (is_known(word)) throw error(word, word + " has no '=' (write " + word + "=VALUE)");
      throw error("", "not NAME=VALUE (no '=')");
    }
    const std::string name = trim(line.substr(0, equals));
    if (!valid_name(name)) {
      throw error("", "the name before '=' is not a name (letters, digits and _)");
    }
    std::string value = trim(line.substr(equals + 1));
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      const auto close = value.find(value.front(), 1);
      if (close == std::string::npos) {
        throw error(name, name + ": the value's opening quote is not closed");
      }
      const std::string after = trim(value.substr(close + 1));
      if (!after.empty() && after.front() != '#') {
        throw error(name, name + ": text after the closing quote");
      }
      value = value.substr(1, close - 1);
    } else if (!value.empty() && value.front() == '#') {
      value.clear();  // NAME= # comment
    } else if (const auto comment = value.find(" #"); comment != std::string::npos) {
      value = trim(value.substr(0, comment));
    }
    if (const auto [first, added] = first_line.emplace(name, number); !added) {
      throw error(name, name + " is set twice (first on line " + std::to_string(first->second) +
                            "); keep one");
    }
    values[name] = {value, file_name + " line " + std::to_string(number)};
  }
  return values;
}

SettingsLayer read_env_file(const std::filesystem::path& file, bool required) {
  std::ifstream stream(file);
  if (!stream) {
    if (required) throw ConfigError("--env", "cannot read " + file.string());
    return {};
  }
  std::stringstream text;
  text << stream.rdbuf();
  return parse_env_text(text.str(), file.string());
}

SettingsLayer process_environment() {
  SettingsLayer values;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals == std::string::npos) continue;
    std::string name = text.substr(0, equals);
    if (is_known(name) || looks_like_a_setting(name)) {
      values[name] = {text.substr(equals + 1), "environment"};
    }
  }
  return values;
}

const std::vector<std::string>& known_settings() { return kSettings; }

const char* command_name(Command command) {
  switch (command) {
    case Command::kRun:
      return "run";
    case Command::kReplay:
      return "replay";
    case Command::kSimulate:
      return "simulate";
    case Command::kStats:
      return "stats";
    case Command::kPrices:
      return "prices";
  }
  return "run";
}

bool decrypts(Command command) { return command == Command::kRun || command == Command::kReplay; }

namespace {

void read_price_settings(const Settings& s, Config& c) {
  c.prices_source = s.text("SMARTMETER_PRICES_SOURCE", "none");
  if (c.prices_source != "none" && c.prices_source != "awattar" &&
      c.prices_source != "smartenergy") {
    throw ConfigError("SMARTMETER_PRICES_SOURCE",
                      "'" + c.prices_source + "' is not none, awattar or smartenergy");
  }
  c.prices_url = s.text("SMARTMETER_PRICES_URL", "");
  if (!c.prices_url.empty() && !c.prices_url.starts_with("http://") &&
      !c.prices_url.starts_with("https://")) {
    throw ConfigError("SMARTMETER_PRICES_URL", "'" + c.prices_url + "' is not an http(s):// URL");
  }
  c.prices_market = s.text("SMARTMETER_PRICES_MARKET", "AT");
  if (c.prices_market.empty() || c.prices_market.size() > 16 ||
      !valid_identifier(c.prices_market)) {
    throw ConfigError("SMARTMETER_PRICES_MARKET", "use 1 to 16 letters or digits, e.g. AT");
  }
  const std::string at = s.text("SMARTMETER_PRICES_FETCH_AT", "14:00");
  const auto two_digits = [&](std::size_t i) {
    return std::isdigit(static_cast<unsigned char>(at[i])) != 0 &&
           std::isdigit(static_cast<unsigned char>(at[i + 1])) != 0;
  };
  const bool shaped = at.size() == 5 && at[2] == ':' && two_digits(0) && two_digits(3);
  const int hour = shaped ? (at[0] - '0') * 10 + (at[1] - '0') : 99;
  const int minute = shaped ? (at[3] - '0') * 10 + (at[4] - '0') : 99;
  if (hour > 23 || minute > 59) {
    throw ConfigError("SMARTMETER_PRICES_FETCH_AT", "'" + at + "' is not a local time HH:MM");
  }
  c.prices_fetch_minute = hour * 60 + minute;
}

Config read_settings(const Settings& s, const std::string& host_name, const LoadOptions& options) {
  Config c;

  if (decrypts(options.command) && !s.has("SMARTMETER_KEY") && !s.has("SMARTMETER_KEYS")) {
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
  // Checked above; a command that decrypts nothing keeps no copy of the secret.
  if (!decrypts(options.command)) {
    c.keys = {};
    c.meter_keys = 0;
  }

  c.db_host = s.has("DB_HOST") ? parse_host("DB_HOST", s.text("DB_HOST", ""), "DB_PORT") : "";
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

  c.mqtt_host = parse_host("MQTT_HOST", s.text("MQTT_HOST", "localhost"), "MQTT_PORT");
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

  c.values_publish_interval_seconds = s.integer("SMARTMETER_VALUES_PUBLISH_INTERVAL", 0, 0, 86400);
  const std::string publish_mode = s.text("SMARTMETER_VALUES_PUBLISH_MODE", "last");
  if (publish_mode != "last" && publish_mode != "mean") {
    throw ConfigError("SMARTMETER_VALUES_PUBLISH_MODE",
                      "'" + publish_mode +
                          "' is not last (the window's last telegram) or mean (the means of "
                          "power, voltage and current over the window)");
  }
  c.values_publish_mode =
      publish_mode == "mean" ? ValuesPublishMode::kMean : ValuesPublishMode::kLast;
  if (c.values_publish_mode == ValuesPublishMode::kMean && c.values_publish_interval_seconds == 0) {
    throw ConfigError("SMARTMETER_VALUES_PUBLISH_MODE",
                      "mean needs a window: set SMARTMETER_VALUES_PUBLISH_INTERVAL to the seconds "
                      "per message (e.g. 60)");
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
  parse_http_access(s, options, c);
  parse_local_feed(s.text("SMARTMETER_LOCAL_FEED_LISTEN", "off"),
                   s.text("SMARTMETER_LOCAL_FEED_METER", ""),
                   s.flag("SMARTMETER_LOCAL_FEED_OPEN", false), options, c);
  c.no_signal_seconds = s.integer("SMARTMETER_NO_SIGNAL_SECONDS", 30, 5, 86400);
  c.ha_discovery = s.flag("SMARTMETER_HA_DISCOVERY", true);
  c.ha_prefix = s.text("SMARTMETER_HA_PREFIX", c.ha_prefix);
  if (c.ha_prefix.empty() || !valid_topic(c.ha_prefix, false)) {
    throw ConfigError("SMARTMETER_HA_PREFIX", "not a valid MQTT topic (no + or #)");
  }
  c.max_meters = static_cast<std::size_t>(s.integer("SMARTMETER_MAX_METERS", 100, 1, 1'000'000));
  c.evict_silent_seconds = s.integer("SMARTMETER_EVICT_SILENT_SECONDS", 86400, 5, 366 * 86400);
  read_price_settings(s, c);
  c.serial_device = s.text("SMARTMETER_SERIAL", "");
  if (s.has("SMARTMETER_OPERATOR")) {
    const std::string id = s.text("SMARTMETER_OPERATOR", "");
    c.operator_profile = core::find_operator_profile(id.c_str(), id.size());
    if (c.operator_profile == nullptr) {
      throw ConfigError("SMARTMETER_OPERATOR",
                        "'" + id + "' is not a known operator; use one of: " + operator_ids());
    }
    c.serial_format = serial_format_of(c.operator_profile->line);
  }
  // An explicit SMARTMETER_SERIAL_FORMAT wins over the profile's line settings.
  const std::string serial_format = s.text("SMARTMETER_SERIAL_FORMAT", c.serial_format.text());
  const auto format = parse_serial_format(serial_format);
  if (!format) {
    throw ConfigError("SMARTMETER_SERIAL_FORMAT",
                      "'" + serial_format +
                          "' is not a serial format such as '2400 8E1' (baud rate, data bits 5-8, "
                          "parity N, E or O, stop bits 1 or 2)");
  }
  c.serial_format = *format;
  // Read and checked by the command that needs it (the file format lives in adapters/tariff).
  c.tariff_file = s.text("SMARTMETER_TARIFF_FILE", "");
  return c;
}

}  // namespace

Config load_config(const std::vector<SettingsLayer>& layers, const std::string& host_name,
                   const LoadOptions& options) {
  const Settings settings(layers);
  try {
    Config config = read_settings(settings, host_name, options);
    config.origins = settings.origins();
    std::vector<std::string> warnings = settings.unknown_name_warnings();
    warnings.insert(warnings.end(), config.warnings.begin(), config.warnings.end());
    config.warnings = std::move(warnings);
    return config;
  } catch (const ConfigError& error) {
    throw settings.explain(error);
  }
}

Config load_config(const std::vector<EnvMap>& layers, const std::string& host_name,
                   const LoadOptions& options) {
  std::vector<SettingsLayer> settings_layers;
  for (const auto& layer : layers) {
    SettingsLayer& values = settings_layers.emplace_back();
    for (const auto& [name, value] : layer) values[name] = {value, "environment"};
  }
  return load_config(settings_layers, host_name, options);
}

std::string describe_config(const Config& c) {
  std::ostringstream out;
  auto line = [&](const char* name, const std::string& value) {
    const auto origin = c.origins.find(name);
    out << name << "=" << value << "  # "
        << (origin == c.origins.end() ? "default" : origin->second) << "\n";
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
  line("SMARTMETER_VALUES_PUBLISH_INTERVAL", std::to_string(c.values_publish_interval_seconds));
  line("SMARTMETER_VALUES_PUBLISH_MODE",
       c.values_publish_mode == ValuesPublishMode::kMean ? "mean" : "last");
  line("SMARTMETER_STATUS_MQTT_TOPIC", c.status_topic);
  line("SMARTMETER_DEBOUNCE_SECONDS", std::to_string(c.debounce_seconds));
  line("SMARTMETER_RAW_RETENTION_DAYS", std::to_string(c.raw_retention_days));
  line("SMARTMETER_BATCH_MAX_ROWS", std::to_string(c.batch_max_rows));
  line("SMARTMETER_BATCH_MAX_DELAY_MS", std::to_string(c.batch_max_delay.count()));
  line("SMARTMETER_LOG_LEVEL", c.log_level);
  line("SMARTMETER_HTTP_LISTEN", c.http_listen());
  line("SMARTMETER_HTTP_USER", c.http_user);
  line("SMARTMETER_HTTP_PASSWORD_HASH", secret(c.http_password_hash));
  line("SMARTMETER_HTTP_TOKEN_SHA256", secret(c.http_token_sha256));
  line("SMARTMETER_HTTP_TLS_CERT", c.http_tls_cert);
  line("SMARTMETER_HTTP_TLS_KEY", c.http_tls_key);
  line("SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED", c.http_allow_unauthenticated ? "1" : "0");
  line("SMARTMETER_NO_SIGNAL_SECONDS", std::to_string(c.no_signal_seconds));
  line("SMARTMETER_HA_DISCOVERY", c.ha_discovery ? "1" : "0");
  line("SMARTMETER_HA_PREFIX", c.ha_prefix);
  line("SMARTMETER_MAX_METERS", std::to_string(c.max_meters));
  line("SMARTMETER_EVICT_SILENT_SECONDS", std::to_string(c.evict_silent_seconds));
  line("SMARTMETER_SERIAL", c.serial_device);
  line("SMARTMETER_SERIAL_FORMAT", c.serial_format.text());
  line("SMARTMETER_OPERATOR", c.operator_profile == nullptr ? "" : c.operator_profile->id);
  if (c.operator_profile != nullptr) out << describe_operator_profile(*c.operator_profile, "#   ");
  line("SMARTMETER_LOCAL_FEED_LISTEN", c.local_feed_listen());
  line("SMARTMETER_LOCAL_FEED_METER", c.local_feed_meter);
  line("SMARTMETER_LOCAL_FEED_OPEN", c.local_feed_open ? "1" : "0");
  line("SMARTMETER_TARIFF_FILE", c.tariff_file.string());
  line("SMARTMETER_PRICES_SOURCE", c.prices_source);
  line("SMARTMETER_PRICES_URL", c.prices_url);
  line("SMARTMETER_PRICES_MARKET", c.prices_market);
  char fetch_at[32];
  (void)std::snprintf(fetch_at, sizeof fetch_at, "%02d:%02d", c.prices_fetch_minute / 60,
                      c.prices_fetch_minute % 60);
  line("SMARTMETER_PRICES_FETCH_AT", fetch_at);
  return out.str();
}

std::string operator_ids() {
  std::string ids;
  for (const core::OperatorProfile& profile : core::kOperatorProfiles) {
    ids += (ids.empty() ? "" : ", ") + std::string(profile.id);
  }
  return ids;
}

std::string describe_operator_profile(const core::OperatorProfile& p, const std::string& indent) {
  std::string text = indent + p.name + " (" + p.meters + ")\n";
  if (!core::operator_readable(p)) return text + indent + p.not_readable + "\n";
  const core::LineSettings& line = p.line;
  text +=
      indent + core::plug_name(p.plug) + ", " + std::to_string(line.baud) + " " +
      std::to_string(line.data_bits) + line.parity + std::to_string(line.stop_bits) +
      (p.line_confirmed ? ""
                        : " (not confirmed for this operator: try 8E1/8N1 if nothing arrives)") +
      ", " + p.framing + " framing\n";
  text += indent + "keys: " + core::keys_sent_name(p.keys) + "; from " + p.key_from + "\n";
  text += indent + "value layout: " + p.layout + "\n";
  return text;
}

core::DecoderOptions decoder_options_for(const core::OperatorProfile* profile) {
  core::DecoderOptions options;
  if (profile != nullptr) {
    options.layout =
        core::provider_layout_from_name(profile->layout).value_or(core::ProviderLayout::kAuto);
  }
  return options;
}

core::DecoderOptions Config::decoder_options() const {
  return decoder_options_for(operator_profile);
}

SerialFormat serial_format_of(const core::LineSettings& line) {
  return {line.baud, line.data_bits, line.parity, line.stop_bits};
}

std::string SerialFormat::text() const {
  return std::to_string(baud) + " " + std::to_string(data_bits) + parity +
         std::to_string(stop_bits);
}

std::optional<SerialFormat> parse_serial_format(const std::string& text) {
  static const unsigned kBauds[] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
  std::istringstream in(text);
  SerialFormat format;
  std::string frame;
  std::string rest;
  if (!(in >> format.baud >> frame) || (in >> rest) || frame.size() != 3) return std::nullopt;
  if (std::find(std::begin(kBauds), std::end(kBauds), format.baud) == std::end(kBauds))
    return std::nullopt;
  format.data_bits = static_cast<unsigned>(frame[0] - '0');
  format.parity = static_cast<char>(std::toupper(static_cast<unsigned char>(frame[1])));
  format.stop_bits = static_cast<unsigned>(frame[2] - '0');
  if (format.data_bits < 5 || format.data_bits > 8) return std::nullopt;
  if (format.parity != 'N' && format.parity != 'E' && format.parity != 'O') return std::nullopt;
  if (format.stop_bits != 1 && format.stop_bits != 2) return std::nullopt;
  return format;
}

}  // namespace meter::app
