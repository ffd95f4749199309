// SPDX-License-Identifier: MIT
#include "meter/app/service_options.h"

namespace meter::app {

LiveStateOptions live_state_options(const Config& config) {
  LiveStateOptions options;
  options.no_signal_after_ms = config.no_signal_seconds * 1000;
  options.max_meters = config.max_meters;
  options.evict_after_ms = config.evict_silent_seconds * 1000;
  options.configured = config.keys.titles();
  options.single_expected_meter = config.keys.has_default() && options.configured.empty();
  return options;
}

HaDiscoveryOptions ha_discovery_options(const Config& config) {
  HaDiscoveryOptions options;
  options.prefix = config.ha_prefix;
  options.values_topic = config.values_topic;
  options.status_topic = config.status_topic;
  options.expire_after_s = ha_expire_after_seconds(config.values_publish_interval_seconds);
  return options;
}

}  // namespace meter::app
