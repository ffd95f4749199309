// SPDX-License-Identifier: MIT
// What the settings mean for the parts `smartmeter run` wires around the service: the live state
// (which meters are expected, the meter limit, eviction) and Home Assistant discovery.
#pragma once

#include "meter/app/config.h"
#include "meter/app/ha_discovery.h"
#include "meter/app/live_state.h"

namespace meter::app {

// Meters named in SMARTMETER_KEYS are known from the start; with SMARTMETER_KEY alone one meter
// is expected (its wrong key shows even before anything decodes).
LiveStateOptions live_state_options(const Config& config);

// Discovery messages under SMARTMETER_HA_PREFIX for the values and status topics.
HaDiscoveryOptions ha_discovery_options(const Config& config);

}  // namespace meter::app
