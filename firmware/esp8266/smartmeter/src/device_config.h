// SPDX-License-Identifier: MIT
// The device's settings: WiFi, broker, topics, OTA and the serial line. Nothing is compiled in:
// they come from the first-boot portal (saved as /config.env in flash) and, optionally, from a
// header generated out of server.env by tools/firmware-config.py.
//
// Text format (the one of server.env, so the same keys mean the same everywhere):
//
//   # comment
//   MQTT_HOST="192.168.1.10"        double quotes: \" and \\ are escapes
//   MQTT_PORT=1883                  unquoted: trimmed, " #..." starts a comment
//   export MQTT_USER='meter'        single quotes: literal
//
// Keys this device does not use (DB_*, SMARTMETER_KEY, ...) are ignored, so a whole server.env
// parses. Parsing stops at the first line it cannot take and names that line.
//
// Freestanding (cross-compiled for the ESP8266): <stddef.h>, <stdint.h> only; fixed-size fields.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace meter::firmware {

enum class SerialFormat : uint8_t { k8E1, k8N1 };

struct DeviceConfig {
  char wifi_ssid[33];  // 802.11 allows 32 bytes
  char wifi_password[65];
  char mqtt_host[65];
  uint16_t mqtt_port;
  char mqtt_user[65];
  char mqtt_password[65];
  char raw_topic[129];     // SMARTMETER_RAWDATA_MQTT_TOPIC
  char status_topic[129];  // FIRMWARE_STATUS_MQTT_TOPIC
  char client_id[41];      // empty: "smartmeter-<chip id>"
  char ota_password[65];   // empty: over-the-air updates are off
  SerialFormat serial_format;
  bool uart_swap;  // true: meter data on D7 (GPIO13) instead of RX (GPIO3)
  uint32_t status_interval_s;
};

// The defaults: port 1883, raw topic sensors/smartmeter, status topic status/smartmeter, 8E1,
// RX pin, status every 60 s; all other fields empty.
void set_defaults(DeviceConfig* config);

enum class ConfigError : uint8_t {
  kNone,
  kSyntax,        // no `KEY=` or an unterminated quote
  kValueTooLong,  // longer than the field holds
  kBadValue,      // control character, bad number, port, serial format or switch
};

const char* to_string(ConfigError error);

struct ConfigParseResult {
  ConfigError error;
  uint32_t line;  // 1-based line of the error; 0 when error == kNone
};

// Applies every known KEY=value line of `text` to `config` (fields not mentioned keep their
// value, so defaults and earlier sources stay). On an error the lines before it are applied.
ConfigParseResult parse_config(const char* text, size_t length, DeviceConfig* config);

// Sets one field by its key. Unknown keys are ignored (kNone).
ConfigError set_config_value(DeviceConfig* config, const char* key, const char* value,
                             size_t value_length);

// Writes every field as KEY="value" lines (the stored /config.env) with a NUL; returns the
// length, or 0 when `capacity` is too small.
size_t write_config(const DeviceConfig& config, char* out, size_t capacity);

// The key of the first setting the device cannot run without or that is invalid (no SSID, no
// broker, a topic with MQTT wildcards, status interval below 10 s), or nullptr when it can run.
const char* find_config_problem(const DeviceConfig& config);

// Field table, shared by the parser, the writer and the portal form.
enum class FieldKind : uint8_t { kText, kPort, kSerialFormat, kSwitch, kSeconds };

struct ConfigField {
  const char* key;
  const char* label;  // for the portal form
  FieldKind kind;
  bool secret;      // never shown again; an empty form field keeps the stored value
  size_t offset;    // into DeviceConfig (kText: the char array)
  size_t capacity;  // kText: array size including the NUL
};

size_t config_field_count();
const ConfigField& config_field(size_t index);
const ConfigField* find_config_field(const char* key);

// The field's value as text (NUL-terminated); returns false when `capacity` is too small.
bool format_config_value(const DeviceConfig& config, const ConfigField& field, char* out,
                         size_t capacity);

}  // namespace meter::firmware
