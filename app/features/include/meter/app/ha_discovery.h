// SPDX-License-Identifier: MIT
// Home Assistant MQTT discovery for one meter: the retained config messages that make Home
// Assistant create a device with sensors fed from the values topic the service publishes.
//
//   <prefix>/sensor/smartmeter_<title>/<object>/config   (title = system title, lower-case hex)
//
// Sensors: energy_in / energy_out (device_class energy, state_class total_increasing, Wh: what
// the Energy dashboard accepts for grid consumption and return), power_in / power_out (W),
// voltage_l1..l3 (V), current_l1..l3 (A), power_factor, those of reactive energy and power and
// the tariff registers that the meter sends (options.sent_optional_keys), a diagnostic enum sensor
// "diagnosis" (ok / no_signal / line_noise / wrong_key / stale) read from a per-meter text topic.
// With a tariff file (options.cost): price_now (the gross import price, EUR/kWh, state_class
// measurement, no device class: Home Assistant's monetary class takes a currency only),
// cost_today and cost_month (device_class monetary, state_class total with a last reset at the
// local day's / month's start, EUR), read from the retained JSON on ha_cost_topic() (see
// https://developers.home-assistant.io/docs/core/entity/sensor/: monetary sensors take an ISO
// 4217 currency as unit and state_class total or none).
// Every sensor is available while the service's status topic says "online"; the value sensors
// also expire (expire_after) when their meter's messages stop.
//
// The value templates read the values JSON ({"WIn":{"value":..,"unit":"Wh"},..,"systemTitle":..})
// and render nothing for another meter's message or a register this meter does not send; Home
// Assistant ignores an empty state for numeric sensors, so several meters can share one values
// topic. Pure functions: the caller publishes (retained, QoS 1); the JSON of a config message is
// written by a HaConfigFormat (the json adapter's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meter::app {

struct HaMeter {
  std::string system_title;  // 16 hex digits; identifies the device and its entities
  std::string meter_number;  // as printed on the meter; part of the device name when known
  std::string manufacturer;  // empty: from the system title's FLAG id (SAG, KFM, LGZ, ISK)
  std::string model;         // e.g. "T210-D"; left out when empty
};

struct HaDiscoveryOptions {
  std::string prefix = "homeassistant";
  std::string values_topic = "sensors/smartmeter/values";  // state topic of the value sensors
  std::string status_topic = "sensors/smartmeter/status";  // availability
  std::string payload_online = "online";
  std::string payload_offline = "offline";
  // Where the diagnosis of this meter is published (plain text, retained); empty:
  // ha_diagnosis_topic()'s default <status_topic>/<SYSTEMTITLE>.
  std::string diagnosis_topic;
  bool three_phase = true;  // false: no L2/L3 voltage and current sensors
  // Keys of the registers beyond the original eleven that this meter sends (RIn, ROut, QIn,
  // QOut, WIn1, WIn2, WOut1, WOut2; see ha_optional_keys()): a sensor each.
  std::vector<std::string> sent_optional_keys;
  bool cost = false;  // price now, cost today, cost this month (a tariff file is set)
  // expire_after of the value sensors in seconds (0: left out): Home Assistant shows a sensor
  // as unavailable when no message came for this long. See ha_expire_after_seconds().
  int expire_after_s = 0;
};

// The values JSON keys that get a sensor only when the meter sends them.
const std::vector<std::string>& ha_optional_keys();

// How a meter's telegrams reach Home Assistant: EVN's meters send one every 5 s.
inline constexpr int kMeterTelegramSeconds = 5;

// expire_after for a values topic that carries a message per meter every
// max(publish_interval_s, kMeterTelegramSeconds) seconds (publish_interval_s 0: every
// telegram): three such periods, at least 60 s, so that a lost message or two and a slow
// telegram do not blank the sensors, but a dead meter shows as unavailable within minutes.
int ha_expire_after_seconds(std::int64_t publish_interval_s);

struct HaMessage {
  std::string topic;
  std::string payload;  // JSON config, or empty to remove the entity
  bool retain = true;
};

// The device block every entity of a meter carries.
struct HaDevice {
  std::string identifier;  // smartmeter_<title>
  std::string name;
  std::string manufacturer;  // empty: left out
  std::string model;         // empty: left out
};

// One entity's discovery config, as data. Empty strings and an absent precision are left out of
// the message.
struct HaEntity {
  std::string topic;  // <prefix>/sensor/<node>/<object>/config
  std::string name;
  std::string unique_id;
  std::string availability_topic;
  std::string payload_available;
  std::string payload_not_available;
  HaDevice device;
  std::string state_topic;
  std::string value_template;
  std::string last_reset_value_template;  // state_class total that starts again (a day's cost)
  std::string device_class;               // empty: none
  std::string state_class;
  std::string unit;
  std::optional<int> display_precision;
  int expire_after_s = 0;            // 0: left out
  std::vector<std::string> options;  // states of an enum sensor
  std::string entity_category;
  std::string icon;
};

// Port: writes an entity as the JSON payload Home Assistant reads (the json adapter implements it).
class HaConfigFormat {
 public:
  virtual ~HaConfigFormat() = default;
  virtual std::string config(const HaEntity& entity) const = 0;
};

// The diagnosis states, as the diagnosis topic carries them.
const std::vector<std::string>& ha_diagnosis_states();

// The topic the diagnosis sensor of `meter` reads.
std::string ha_diagnosis_topic(const HaMeter& meter, const HaDiscoveryOptions& options);

// The retained JSON the cost sensors of `meter` read: <status_topic>/<SYSTEMTITLE>/cost with
// {"systemTitle", "priceNowEurPerKwh" (null: unknown), "costTodayEur", "costThisMonthEur",
//  "todayStart", "monthStart" (local ISO times)} (json::cost_state_json writes it).
std::string ha_cost_topic(const HaMeter& meter, const HaDiscoveryOptions& options);

// One entity per sensor, then the diagnosis (and the cost sensors with options.cost). Empty when
// the system title is not 16 hex digits.
std::vector<HaEntity> ha_discovery_entities(const HaMeter& meter,
                                            const HaDiscoveryOptions& options);
// One config message per entity, its payload written by `format`.
std::vector<HaMessage> ha_discovery_messages(const HaMeter& meter,
                                             const HaDiscoveryOptions& options,
                                             const HaConfigFormat& format);

// Empty retained payloads on every topic ha_discovery_messages() may have used (all phases):
// Home Assistant removes the entities (the device with its last one), the broker forgets them.
std::vector<HaMessage> ha_removal_messages(const HaMeter& meter, const HaDiscoveryOptions& options);

}  // namespace meter::app
