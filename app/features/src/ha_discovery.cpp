// SPDX-License-Identifier: MIT
#include "meter/app/ha_discovery.h"

#include <algorithm>
#include <cctype>

namespace meter::app {
namespace {

struct SensorSpec {
  const char* object;  // object id in the topic and unique id
  const char* name;
  const char* json_key;  // key in the values JSON
  const char* device_class;
  const char* state_class;
  const char* unit;  // nullptr: no unit
  int precision;     // suggested_display_precision
  bool third_phase;  // only with three_phase
};

// Energy counters as the meter sends them (Wh): Home Assistant's Energy dashboard accepts any
// energy unit for grid sensors with state_class total_increasing and converts for display.
constexpr SensorSpec kSensors[] = {
    {"energy_in", "Energy import", "WIn", "energy", "total_increasing", "Wh", 0, false},
    {"energy_out", "Energy export", "WOut", "energy", "total_increasing", "Wh", 0, false},
    {"power_in", "Power import", "PIn", "power", "measurement", "W", 0, false},
    {"power_out", "Power export", "POut", "power", "measurement", "W", 0, false},
    {"voltage_l1", "Voltage L1", "U1", "voltage", "measurement", "V", 1, false},
    {"voltage_l2", "Voltage L2", "U2", "voltage", "measurement", "V", 1, true},
    {"voltage_l3", "Voltage L3", "U3", "voltage", "measurement", "V", 1, true},
    {"current_l1", "Current L1", "I1", "current", "measurement", "A", 2, false},
    {"current_l2", "Current L2", "I2", "current", "measurement", "A", 2, true},
    {"current_l3", "Current L3", "I3", "current", "measurement", "A", 2, true},
    {"power_factor", "Power factor", "PF", "power_factor", "measurement", nullptr, 3, false},
};

constexpr const char* kDiagnosisObject = "diagnosis";

bool valid_title(const std::string& title) {
  return title.size() == 16 && std::all_of(title.begin(), title.end(),
                                           [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The first three bytes of a DLMS system title are the maker's FLAG id in ASCII.
std::string manufacturer_of(const std::string& title) {
  std::string flag;
  for (std::size_t i = 0; i < 6; i += 2) {
    flag += static_cast<char>(std::stoi(title.substr(i, 2), nullptr, 16));
  }
  if (flag == "SAG") return "Sagemcom";
  if (flag == "KFM") return "Kaifa";
  if (flag == "LGZ") return "Landis+Gyr";
  if (flag == "ISK") return "Iskraemeco";
  return {};
}

std::string node_id(const HaMeter& meter) { return "smartmeter_" + lower(meter.system_title); }

std::string config_topic(const HaMeter& meter, const HaDiscoveryOptions& options,
                         const std::string& object) {
  return options.prefix + "/sensor/" + node_id(meter) + "/" + object + "/config";
}

HaDevice device_of(const HaMeter& meter) {
  const std::string title = upper(meter.system_title);
  HaDevice device;
  device.identifier = node_id(meter);
  device.name = "Smart meter " + (meter.meter_number.empty() ? title : meter.meter_number);
  device.manufacturer = meter.manufacturer.empty() ? manufacturer_of(title) : meter.manufacturer;
  device.model = meter.model;
  return device;
}

HaEntity common(const HaMeter& meter, const HaDiscoveryOptions& options, const std::string& object,
                const std::string& name) {
  HaEntity entity;
  entity.topic = config_topic(meter, options, object);
  entity.name = name;
  entity.unique_id = node_id(meter) + "_" + object;
  entity.availability_topic = options.status_topic;
  entity.payload_available = options.payload_online;
  entity.payload_not_available = options.payload_offline;
  entity.device = device_of(meter);
  return entity;
}

// Renders the value only for this meter's messages that carry the register, else nothing.
std::string value_template(const std::string& title, const char* key) {
  return "{% if value_json.systemTitle == '" + title + "' and value_json." + key +
         " is defined %}{{ value_json." + key + ".value }}{% endif %}";
}

}  // namespace

int ha_expire_after_seconds(std::int64_t publish_interval_s) {
  constexpr std::int64_t kMissedMessages = 3;
  constexpr std::int64_t kAtLeast = 60;
  const std::int64_t period = std::max<std::int64_t>(publish_interval_s, kMeterTelegramSeconds);
  return static_cast<int>(std::max(kAtLeast, kMissedMessages * period));
}

const std::vector<std::string>& ha_diagnosis_states() {
  static const std::vector<std::string> kStates = {"ok", "no_signal", "line_noise", "wrong_key",
                                                   "stale"};
  return kStates;
}

std::string ha_diagnosis_topic(const HaMeter& meter, const HaDiscoveryOptions& options) {
  if (!options.diagnosis_topic.empty()) return options.diagnosis_topic;
  return options.status_topic + "/" + upper(meter.system_title);
}

std::vector<HaEntity> ha_discovery_entities(const HaMeter& meter,
                                            const HaDiscoveryOptions& options) {
  if (!valid_title(meter.system_title)) return {};
  const std::string title = upper(meter.system_title);
  std::vector<HaEntity> entities;
  for (const SensorSpec& sensor : kSensors) {
    if (sensor.third_phase && !options.three_phase) continue;
    HaEntity entity = common(meter, options, sensor.object, sensor.name);
    entity.state_topic = options.values_topic;
    entity.value_template = value_template(title, sensor.json_key);
    entity.device_class = sensor.device_class;
    entity.state_class = sensor.state_class;
    if (sensor.unit != nullptr) entity.unit = sensor.unit;
    entity.display_precision = sensor.precision;
    entity.expire_after_s = options.expire_after_s;
    entities.push_back(std::move(entity));
  }
  HaEntity diagnosis = common(meter, options, kDiagnosisObject, "Diagnosis");
  diagnosis.state_topic = ha_diagnosis_topic(meter, options);
  diagnosis.device_class = "enum";
  diagnosis.options = ha_diagnosis_states();
  diagnosis.entity_category = "diagnostic";
  diagnosis.icon = "mdi:meter-electric-outline";
  entities.push_back(std::move(diagnosis));
  return entities;
}

std::vector<HaMessage> ha_discovery_messages(const HaMeter& meter,
                                             const HaDiscoveryOptions& options,
                                             const HaConfigFormat& format) {
  std::vector<HaMessage> messages;
  for (const HaEntity& entity : ha_discovery_entities(meter, options)) {
    messages.push_back({entity.topic, format.config(entity), true});
  }
  return messages;
}

std::vector<HaMessage> ha_removal_messages(const HaMeter& meter,
                                           const HaDiscoveryOptions& options) {
  if (!valid_title(meter.system_title)) return {};
  // Every sensor, also L2/L3 of a meter now announced as single-phase.
  std::vector<HaMessage> messages;
  for (const SensorSpec& sensor : kSensors) {
    messages.push_back({config_topic(meter, options, sensor.object), "", true});
  }
  messages.push_back({config_topic(meter, options, kDiagnosisObject), "", true});
  return messages;
}

}  // namespace meter::app
