// SPDX-License-Identifier: MIT
// Tells the world about each meter the service hears from, on MQTT and in the log:
//   - Home Assistant discovery (retained) once per meter, again after a reconnect of the broker
//     connection (a broker without persistence forgets retained messages), and anew when a meter
//     turns out to be single-phase (its L2/L3 entities removed);
//   - the meter's diagnosis (ok / no_signal / line_noise / wrong_key / stale) as retained text on
//     its diagnosis topic whenever it changes;
//   - one log line per diagnosis change, with advice;
//   - once: that the meter limit was reached; once per system title (up to kMaxTitleLogs) that
//     its intact frames do not decrypt (probably the wrong key) while it is no meter.
// Meters that leave the live state (evicted) are forgotten here too: the state stays bounded.
// Driven by snapshots of LiveState; call update() about once a second from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "meter/app/ha_discovery.h"
#include "meter/app/live_state.h"
#include "meter/app/ports.h"

namespace meter::app {

class MeterAnnouncer {
 public:
  // `discovery` false: only the diagnosis topic and the log. `format` writes the discovery
  // messages' JSON and must outlive the announcer.
  MeterAnnouncer(HaDiscoveryOptions options, bool discovery, MqttConnection& mqtt,
                 const HaConfigFormat& format);

  static constexpr std::size_t kMaxTitleLogs = 64;
  // MQTT messages per update at most: thousands of new meters do not hold up the caller's
  // thread (the service's main loop, which also watches for SIGTERM) for long.
  static constexpr std::size_t kMaxPublishesPerUpdate = 2000;

  void update(const LiveSnapshot& snapshot);

  // Messages published so far (for tests and the stats line).
  std::uint64_t published() const { return published_; }

 private:
  struct Known {
    bool announced = false;
    bool three_phase = true;
    std::vector<std::string> optional_keys;  // announced beyond the original eleven
    bool diagnosis_published = false;
    Diagnosis diagnosis = Diagnosis::kNoSignal;
    bool diagnosis_logged = false;
  };

  bool publish_all(const std::vector<HaMessage>& messages);
  void log_service_notes(const GlobalSnapshot& global);
  void forget_gone(const std::vector<MeterSnapshot>& meters);
  HaMeter ha_meter(const MeterSnapshot& meter) const;

  HaDiscoveryOptions options_;
  bool discovery_;
  MqttConnection& mqtt_;
  const HaConfigFormat& format_;
  std::map<std::string, Known> meters_;
  bool limit_logged_ = false;
  std::size_t budget_ = 0;  // messages this update may still publish
  std::set<std::string> titles_logged_;
  std::uint64_t reconnects_seen_ = 0;
  std::uint64_t published_ = 0;
};

}  // namespace meter::app
