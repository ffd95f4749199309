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
  bool optional;     // only when the meter sends it (HaDiscoveryOptions::sent_optional_keys)
};

// Energy counters as the meter sends them (Wh): Home Assistant's Energy dashboard accepts any
// energy unit for grid sensors with state_class total_increasing and converts for display.
constexpr SensorSpec kSensors[] = {
    {"energy_in", "Energy import", "WIn", "energy", "total_increasing", "Wh", 0, false, false},
    {"energy_out", "Energy export", "WOut", "energy", "total_increasing", "Wh", 0, false, false},
    {"power_in", "Power import", "PIn", "power", "measurement", "W", 0, false, false},
    {"power_out", "Power export", "POut", "power", "measurement", "W", 0, false, false},
    {"voltage_l1", "Voltage L1", "U1", "voltage", "measurement", "V", 1, false, false},
    {"voltage_l2", "Voltage L2", "U2", "voltage", "measurement", "V", 1, true, false},
    {"voltage_l3", "Voltage L3", "U3", "voltage", "measurement", "V", 1, true, false},
    {"current_l1", "Current L1", "I1", "current", "measurement", "A", 2, false, false},
    {"current_l2", "Current L2", "I2", "current", "measurement", "A", 2, true, false},
    {"current_l3", "Current L3", "I3", "current", "measurement", "A", 2, true, false},
    {"power_factor", "Power factor", "PF", "power_factor", "measurement", nullptr, 3, false, false},
    // What some meters send beyond the eleven above: reactive energy and power (Wiener Netze,
    // KSM West), tariff registers (Landis+Gyr E450). Reactive energy has no device class that
    // every Home Assistant release knows, so it goes without one.
    {"reactive_energy_in", "Reactive energy import", "RIn", nullptr, "total_increasing", "varh", 0,
     false, true},
    {"reactive_energy_out", "Reactive energy export", "ROut", nullptr, "total_increasing", "varh",
     0, false, true},
    {"reactive_power_in", "Reactive power import", "QIn", "reactive_power", "measurement", "var", 0,
     false, true},
    {"reactive_power_out", "Reactive power export", "QOut", "reactive_power", "measurement", "var",
     0, false, true},
    {"energy_in_t1", "Energy import tariff 1", "WIn1", "energy", "total_increasing", "Wh", 0, false,
     true},
    {"energy_in_t2", "Energy import tariff 2", "WIn2", "energy", "total_increasing", "Wh", 0, false,
     true},
    {"energy_out_t1", "Energy export tariff 1", "WOut1", "energy", "total_increasing", "Wh", 0,
     false, true},
    {"energy_out_t2", "Energy export tariff 2", "WOut2", "energy", "total_increasing", "Wh", 0,
     false, true},
};

constexpr const char* kDiagnosisObject = "diagnosis";

struct CostSensorSpec {
  const char* object;
  const char* name;
  const char* json_key;   // in the cost JSON
  const char* reset_key;  // the start of the day or month; nullptr: no reset (a price)
  int precision;
};
constexpr CostSensorSpec kCostSensors[] = {
    {"price_now", "Import price now", "priceNowEurPerKwh", nullptr, 4},
    {"cost_today", "Cost today", "costTodayEur", "todayStart", 2},
    {"cost_month", "Cost this month", "costThisMonthEur", "monthStart", 2},
};

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

std::string ha_cost_topic(const HaMeter& meter, const HaDiscoveryOptions& options) {
  return options.status_topic + "/" + upper(meter.system_title) + "/cost";
}

const std::vector<std::string>& ha_optional_keys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys;
    for (const SensorSpec& sensor : kSensors) {
      if (sensor.optional) keys.emplace_back(sensor.json_key);
    }
    return keys;
  }();
  return kKeys;
}

std::vector<HaEntity> ha_discovery_entities(const HaMeter& meter,
                                            const HaDiscoveryOptions& options) {
  if (!valid_title(meter.system_title)) return {};
  const std::string title = upper(meter.system_title);
  std::vector<HaEntity> entities;
  for (const SensorSpec& sensor : kSensors) {
    if (sensor.third_phase && !options.three_phase) continue;
    if (sensor.optional &&
        std::find(options.sent_optional_keys.begin(), options.sent_optional_keys.end(),
                  sensor.json_key) == options.sent_optional_keys.end()) {
      continue;
    }
    HaEntity entity = common(meter, options, sensor.object, sensor.name);
    entity.state_topic = options.values_topic;
    entity.value_template = value_template(title, sensor.json_key);
    if (sensor.device_class != nullptr) entity.device_class = sensor.device_class;
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
  if (!options.cost) return entities;
  for (const CostSensorSpec& sensor : kCostSensors) {
    HaEntity entity = common(meter, options, sensor.object, sensor.name);
    entity.state_topic = ha_cost_topic(meter, options);
    const std::string key = std::string("value_json.") + sensor.json_key;
    // Nothing while the value is unknown (null), which Home Assistant ignores.
    entity.value_template =
        "{% if " + key + " is defined and " + key + " is not none %}{{ " + key + " }}{% endif %}";
    if (sensor.reset_key != nullptr) {
      entity.device_class = "monetary";
      entity.state_class = "total";
      entity.unit = "EUR";
      entity.last_reset_value_template = std::string("{{ value_json.") + sensor.reset_key + " }}";
    } else {
      entity.state_class = "measurement";
      entity.unit = "EUR/kWh";
      entity.icon = "mdi:cash";
    }
    entity.display_precision = sensor.precision;
    entities.push_back(std::move(entity));
  }
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
  // Every sensor, also L2/L3 of a meter now announced as single-phase and registers it no
  // longer sends.
  std::vector<HaMessage> messages;
  for (const SensorSpec& sensor : kSensors) {
    messages.push_back({config_topic(meter, options, sensor.object), "", true});
  }
  messages.push_back({config_topic(meter, options, kDiagnosisObject), "", true});
  for (const CostSensorSpec& sensor : kCostSensors) {
    messages.push_back({config_topic(meter, options, sensor.object), "", true});
  }
  return messages;
}

}  // namespace meter::app
