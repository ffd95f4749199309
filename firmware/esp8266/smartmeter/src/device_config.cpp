// SPDX-License-Identifier: MIT
#include "device_config.h"

#include <stddef.h>

#include "meter_operator.h"
#include "text_writer.h"

namespace meter::firmware {
namespace {

constexpr uint32_t kMinStatusIntervalS = 10;
constexpr uint32_t kMaxStatusIntervalS = 86400;

#define METER_TEXT_FIELD(key, label, member, secret)                      \
  {                                                                       \
    key, label, FieldKind::kText, secret, offsetof(DeviceConfig, member), \
        sizeof(DeviceConfig::member)                                      \
  }

// Key names follow server.env where the service has the same setting; the FIRMWARE_ ones are
// the device's own (the service's MQTT_CLIENT_ID must not be reused: the broker would drop one
// of the two connections).
constexpr ConfigField kFields[] = {
    METER_TEXT_FIELD("WIFI_SSID", "WiFi network (SSID)", wifi_ssid, false),
    METER_TEXT_FIELD("WIFI_PASSWORD", "WiFi password", wifi_password, true),
    METER_TEXT_FIELD("MQTT_HOST", "MQTT broker (host name or IP address)", mqtt_host, false),
    {"MQTT_PORT", "MQTT port", FieldKind::kPort, false, 0, 0},
    METER_TEXT_FIELD("MQTT_USER", "MQTT user (empty: no login)", mqtt_user, false),
    METER_TEXT_FIELD("MQTT_PASSWORD", "MQTT password", mqtt_password, true),
    METER_TEXT_FIELD("SMARTMETER_RAWDATA_MQTT_TOPIC", "Telegram topic", raw_topic, false),
    METER_TEXT_FIELD("FIRMWARE_STATUS_MQTT_TOPIC", "Status topic", status_topic, false),
    METER_TEXT_FIELD("FIRMWARE_MQTT_CLIENT_ID", "MQTT client id (empty: smartmeter-<chip id>)",
                     client_id, false),
    METER_TEXT_FIELD("FIRMWARE_OTA_PASSWORD", "OTA update password (empty: OTA off)", ota_password,
                     true),
    {"FIRMWARE_SERIAL", "Meter serial format (8E1 or 8N1)", FieldKind::kSerialFormat, false, 0, 0},
    {"FIRMWARE_UART_SWAP", "Meter data on D7 instead of RX (0 or 1)", FieldKind::kSwitch, false, 0,
     0},
    {"FIRMWARE_STATUS_INTERVAL_S", "Status every ... seconds", FieldKind::kSeconds, false, 0, 0},
};

#undef METER_TEXT_FIELD

bool equals(const char* a, size_t a_length, const char* b) {
  size_t i = 0;
  for (; i < a_length; ++i) {
    if (b[i] == '\0' || a[i] != b[i]) return false;
  }
  return b[i] == '\0';
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

char* text_of(DeviceConfig* config, const ConfigField& field) {
  return reinterpret_cast<char*>(config) + field.offset;
}

const char* text_of(const DeviceConfig& config, const ConfigField& field) {
  return reinterpret_cast<const char*>(&config) + field.offset;
}

// Decimal number in [min, max]; no sign, no spaces.
bool parse_number(const char* text, size_t length, uint32_t min, uint32_t max, uint32_t* out) {
  if (length == 0 || length > 10) return false;
  uint64_t value = 0;
  for (size_t i = 0; i < length; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (value < min || value > max) return false;
  *out = static_cast<uint32_t>(value);
  return true;
}

ConfigError set_field(DeviceConfig* config, const ConfigField& field, const char* value,
                      size_t length) {
  for (size_t i = 0; i < length; ++i) {
    if (static_cast<uint8_t>(value[i]) < 0x20 || value[i] == 0x7F) return ConfigError::kBadValue;
  }
  uint32_t number = 0;
  switch (field.kind) {
    case FieldKind::kText: {
      if (length >= field.capacity) return ConfigError::kValueTooLong;
      char* text = text_of(config, field);
      for (size_t i = 0; i < length; ++i) text[i] = value[i];
      text[length] = '\0';
      return ConfigError::kNone;
    }
    case FieldKind::kPort:
      if (!parse_number(value, length, 1, 65535, &number)) return ConfigError::kBadValue;
      config->mqtt_port = static_cast<uint16_t>(number);
      return ConfigError::kNone;
    case FieldKind::kSerialFormat:
      if (equals(value, length, "8E1")) {
        config->serial_format = SerialFormat::k8E1;
      } else if (equals(value, length, "8N1")) {
        config->serial_format = SerialFormat::k8N1;
      } else {
        return ConfigError::kBadValue;
      }
      return ConfigError::kNone;
    case FieldKind::kSwitch:
      if (!parse_number(value, length, 0, 1, &number)) return ConfigError::kBadValue;
      config->uart_swap = number == 1;
      return ConfigError::kNone;
    case FieldKind::kSeconds:
      if (!parse_number(value, length, kMinStatusIntervalS, kMaxStatusIntervalS, &number)) {
        return ConfigError::kBadValue;
      }
      config->status_interval_s = number;
      return ConfigError::kNone;
  }
  return ConfigError::kBadValue;
}

const ConfigField* find_field(const char* key, size_t length) {
  for (const ConfigField& field : kFields) {
    if (equals(key, length, field.key)) return &field;
  }
  return nullptr;
}

// One `KEY=value` line (without its newline). Decodes the value into `value` (at most
// `capacity` bytes; longer values report kValueTooLong) and applies it.
ConfigError parse_line(const char* line, size_t length, DeviceConfig* config) {
  size_t i = 0;
  while (i < length && is_space(line[i])) ++i;
  if (i == length || line[i] == '#') return ConfigError::kNone;
  constexpr char kExport[] = "export ";
  if (length - i > sizeof kExport - 1 && equals(line + i, sizeof kExport - 1, kExport)) {
    i += sizeof kExport - 1;
    while (i < length && is_space(line[i])) ++i;
  }
  const size_t key_start = i;
  while (i < length && line[i] != '=' && !is_space(line[i])) ++i;
  const size_t key_length = i - key_start;
  while (i < length && is_space(line[i])) ++i;
  if (key_length == 0 || i == length || line[i] != '=') return ConfigError::kSyntax;
  ++i;
  while (i < length && is_space(line[i])) ++i;

  char value[129];  // the largest field plus one, so "too long" is still detected
  size_t value_length = 0;
  bool too_long = false;
  auto put = [&](char c) {
    if (value_length < sizeof value) {
      value[value_length++] = c;
    } else {
      too_long = true;
    }
  };
  if (i < length && (line[i] == '"' || line[i] == '\'')) {
    const char quote = line[i++];
    bool closed = false;
    for (; i < length; ++i) {
      if (line[i] == quote) {
        closed = true;
        ++i;
        break;
      }
      if (quote == '"' && line[i] == '\\' && i + 1 < length &&
          (line[i + 1] == '"' || line[i + 1] == '\\')) {
        ++i;
      }
      put(line[i]);
    }
    while (i < length && is_space(line[i])) ++i;
    if (!closed || (i < length && line[i] != '#')) return ConfigError::kSyntax;
  } else {
    size_t end = i;
    while (end < length && !(line[end] == '#' && end > i && is_space(line[end - 1]))) ++end;
    while (end > i && is_space(line[end - 1])) --end;
    for (; i < end; ++i) put(line[i]);
  }
  const ConfigField* field = find_field(line + key_start, key_length);
  if (field == nullptr) return ConfigError::kNone;
  if (too_long) return ConfigError::kValueTooLong;
  return set_field(config, *field, value, value_length);
}

}  // namespace

void set_defaults(DeviceConfig* config) {
  *config = DeviceConfig{};
  config->mqtt_port = 1883;
  TextWriter(config->raw_topic, sizeof config->raw_topic).append("sensors/smartmeter");
  TextWriter(config->status_topic, sizeof config->status_topic).append("status/smartmeter");
  // The build's operator decides until FIRMWARE_SERIAL says otherwise.
  config->serial_format = kOperator.line.parity == 'N' ? SerialFormat::k8N1 : SerialFormat::k8E1;
  config->uart_swap = false;
  config->status_interval_s = 60;
}

const char* to_string(ConfigError error) {
  switch (error) {
    case ConfigError::kNone:
      return "ok";
    case ConfigError::kSyntax:
      return "not a KEY=value line (or a quote is not closed)";
    case ConfigError::kValueTooLong:
      return "value too long";
    case ConfigError::kBadValue:
      return "invalid value";
  }
  return "unknown error";
}

ConfigParseResult parse_config(const char* text, size_t length, DeviceConfig* config) {
  uint32_t line_number = 0;
  size_t start = 0;
  while (start < length) {
    size_t end = start;
    while (end < length && text[end] != '\n') ++end;
    ++line_number;
    const ConfigError error = parse_line(text + start, end - start, config);
    if (error != ConfigError::kNone) return {error, line_number};
    start = end + 1;
  }
  return {ConfigError::kNone, 0};
}

ConfigError set_config_value(DeviceConfig* config, const char* key, const char* value,
                             size_t value_length) {
  const ConfigField* field = find_config_field(key);
  if (field == nullptr) return ConfigError::kNone;
  return set_field(config, *field, value, value_length);
}

bool format_config_value(const DeviceConfig& config, const ConfigField& field, char* out,
                         size_t capacity) {
  if (capacity == 0) return false;
  TextWriter text(out, capacity);
  switch (field.kind) {
    case FieldKind::kText:
      text.append(text_of(config, field));
      break;
    case FieldKind::kPort:
      text.append_uint(config.mqtt_port);
      break;
    case FieldKind::kSerialFormat:
      text.append(config.serial_format == SerialFormat::k8N1 ? "8N1" : "8E1");
      break;
    case FieldKind::kSwitch:
      text.append(config.uart_swap ? "1" : "0");
      break;
    case FieldKind::kSeconds:
      text.append_uint(config.status_interval_s);
      break;
  }
  return text.ok();
}

size_t write_config(const DeviceConfig& config, char* out, size_t capacity) {
  if (capacity == 0) return 0;
  TextWriter file(out, capacity);
  char value[129];
  for (const ConfigField& field : kFields) {
    if (!format_config_value(config, field, value, sizeof value)) return 0;
    file.append(field.key);
    file.append("=\"");
    for (const char* p = value; *p != '\0'; ++p) {
      if (*p == '"' || *p == '\\') file.append_char('\\');
      file.append_char(*p);
    }
    file.append("\"\n");
  }
  return file.finished_size();
}

const char* find_config_problem(const DeviceConfig& config) {
  auto has_wildcard = [](const char* topic) {
    for (const char* p = topic; *p != '\0'; ++p) {
      if (*p == '+' || *p == '#') return true;
    }
    return false;
  };
  if (config.wifi_ssid[0] == '\0') return "WIFI_SSID";
  if (config.mqtt_host[0] == '\0') return "MQTT_HOST";
  if (config.mqtt_port == 0) return "MQTT_PORT";
  if (config.raw_topic[0] == '\0' || has_wildcard(config.raw_topic)) {
    return "SMARTMETER_RAWDATA_MQTT_TOPIC";
  }
  if (config.status_topic[0] == '\0' || has_wildcard(config.status_topic)) {
    return "FIRMWARE_STATUS_MQTT_TOPIC";
  }
  if (config.status_interval_s < kMinStatusIntervalS) return "FIRMWARE_STATUS_INTERVAL_S";
  return nullptr;
}

size_t config_field_count() { return sizeof kFields / sizeof kFields[0]; }

const ConfigField& config_field(size_t index) { return kFields[index]; }

const ConfigField* find_config_field(const char* key) {
  size_t length = 0;
  while (key[length] != '\0') ++length;
  return find_field(key, length);
}

}  // namespace meter::firmware
