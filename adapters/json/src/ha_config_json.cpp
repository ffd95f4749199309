// SPDX-License-Identifier: MIT
#include "meter/json/ha_config_json.h"

#include <nlohmann/json.hpp>

namespace meter::json {

std::string HaConfigJson::config(const app::HaEntity& entity) const {
  nlohmann::ordered_json device;
  device["identifiers"] = nlohmann::json::array({entity.device.identifier});
  device["name"] = entity.device.name;
  if (!entity.device.manufacturer.empty()) device["manufacturer"] = entity.device.manufacturer;
  if (!entity.device.model.empty()) device["model"] = entity.device.model;

  nlohmann::ordered_json config;
  config["name"] = entity.name;
  config["unique_id"] = entity.unique_id;
  config["availability_topic"] = entity.availability_topic;
  config["payload_available"] = entity.payload_available;
  config["payload_not_available"] = entity.payload_not_available;
  config["device"] = std::move(device);
  config["state_topic"] = entity.state_topic;
  if (!entity.value_template.empty()) config["value_template"] = entity.value_template;
  config["device_class"] = entity.device_class;
  if (!entity.state_class.empty()) config["state_class"] = entity.state_class;
  if (!entity.unit.empty()) config["unit_of_measurement"] = entity.unit;
  if (entity.display_precision) config["suggested_display_precision"] = *entity.display_precision;
  if (entity.expire_after_s > 0) config["expire_after"] = entity.expire_after_s;
  if (!entity.options.empty()) config["options"] = entity.options;
  if (!entity.entity_category.empty()) config["entity_category"] = entity.entity_category;
  if (!entity.icon.empty()) config["icon"] = entity.icon;
  return config.dump();
}

}  // namespace meter::json
