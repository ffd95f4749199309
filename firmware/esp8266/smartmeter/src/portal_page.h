// SPDX-License-Identifier: MIT
// The first-boot configuration portal's page and form handling (the web server itself is
// Arduino glue in firmware_app.cpp).
//
//   GET  /      -> render_portal_page(): one form field per DeviceConfig key
//   POST /save  -> apply_portal_field() per key, then find_config_problem(), then /config.env
//
// Stored secrets (WiFi, MQTT and OTA passwords) are never sent back to the browser: their fields
// are empty, and an empty secret field keeps the stored value.
//
// Freestanding (cross-compiled for the ESP8266): <stddef.h>, <stdint.h> only.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "device_config.h"

namespace meter::firmware {

// The HTML page with the form and, when `message` is not empty, a notice above it (an error
// such as "MQTT_HOST: invalid value"). NUL-terminated; returns the length, or 0 when `capacity`
// is too small.
size_t render_portal_page(const DeviceConfig& config, const char* message, char* out,
                          size_t capacity);

// Applies one submitted form field. An empty secret field keeps the stored secret.
ConfigError apply_portal_field(DeviceConfig* config, const ConfigField& field, const char* value,
                               size_t length);

// Room render_portal_page() needs for any config (all fields at their longest, escaped).
inline constexpr size_t kPortalPageCapacity = 8192;

}  // namespace meter::firmware
