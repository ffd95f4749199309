// SPDX-License-Identifier: MIT
#include "meter/app/meter_announcer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace meter::app {
namespace {

constexpr int kQosAtLeastOnce = 1;

// A meter that sends L1 values but no L2 voltage is single-phase (PROTOCOL: absent, not zero).
bool sends_three_phases(const MeterSnapshot& meter) {
  if (!meter.latest) return true;  // not known yet: announce all, correct later
  const Reading& reading = *meter.latest;
  return reading[core::Quantity::kVoltageL2].has_value() ||
         !reading[core::Quantity::kVoltageL1].has_value();
}

// The optional registers (reactive, tariff) the meter's latest reading holds, in table order.
std::vector<std::string> sent_optional_keys(const MeterSnapshot& meter) {
  std::vector<std::string> keys;
  if (!meter.latest) return keys;
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    const std::string key = core::kQuantities[i].key;
    const auto& optional = ha_optional_keys();
    if (meter.latest->values[i].has_value() &&
        std::find(optional.begin(), optional.end(), key) != optional.end()) {
      keys.push_back(key);
    }
  }
  return keys;
}

bool includes(const std::vector<std::string>& all, const std::vector<std::string>& some) {
  return std::all_of(some.begin(), some.end(), [&all](const std::string& key) {
    return std::find(all.begin(), all.end(), key) != all.end();
  });
}

}  // namespace

MeterAnnouncer::MeterAnnouncer(HaDiscoveryOptions options, bool discovery, MqttConnection& mqtt,
                               const HaConfigFormat& format)
    : options_(std::move(options)), discovery_(discovery), mqtt_(mqtt), format_(format) {}

HaMeter MeterAnnouncer::ha_meter(const MeterSnapshot& meter) const {
  HaMeter ha;
  ha.system_title = meter.meter;
  ha.meter_number = meter.meter_number;
  return ha;
}

bool MeterAnnouncer::publish_all(const std::vector<HaMessage>& messages) {
  if (budget_ < messages.size()) return false;  // the next update goes on
  budget_ -= messages.size();
  for (const auto& message : messages) {
    if (!mqtt_.publish(message.topic, message.payload, kQosAtLeastOnce, message.retain)) {
      return false;
    }
    ++published_;
  }
  return true;
}

void MeterAnnouncer::log_service_notes(const GlobalSnapshot& global) {
  if (global.limit_reached_ms != 0 && !limit_logged_) {
    limit_logged_ = true;
    spdlog::warn(
        "meters: the limit of {} meters is reached (SMARTMETER_MAX_METERS); telegrams of further "
        "system titles are still stored, but not shown on the dashboard, in /metrics or in Home "
        "Assistant",
        global.max_meters);
  }
  for (const UnattributedTitle& title : global.titles) {
    if (!title.probably_wrong_key || titles_logged_.size() >= kMaxTitleLogs) continue;
    if (!titles_logged_.insert(title.title).second) continue;
    spdlog::warn("system title {}: intact frames do not decrypt ({}): probably the wrong key. {}",
                 title.title, core::error_name(title.last_error),
                 diagnosis_advice(Diagnosis::kWrongKey));
  }
}

void MeterAnnouncer::forget_gone(const std::vector<MeterSnapshot>& meters) {
  // Both are ordered by meter id: one merge walk.
  auto next = meters.begin();
  for (auto it = meters_.begin(); it != meters_.end();) {
    while (next != meters.end() && next->meter < it->first) ++next;
    if (next != meters.end() && next->meter == it->first) {
      ++it;
    } else {
      it = meters_.erase(it);
    }
  }
}

void MeterAnnouncer::update(const LiveSnapshot& snapshot) {
  log_service_notes(snapshot.global);
  forget_gone(snapshot.meters);
  // After a reconnect the broker may have lost retained messages: say everything again.
  if (const auto reconnects = mqtt_.reconnects(); reconnects != reconnects_seen_) {
    reconnects_seen_ = reconnects;
    for (auto& [id, known] : meters_) {
      known.announced = false;
      known.diagnosis_published = false;
    }
  }
  if (!mqtt_.connected()) return;

  budget_ = kMaxPublishesPerUpdate;
  for (const MeterSnapshot& meter : snapshot.meters) {
    if (budget_ == 0) break;  // many new meters: announced over the next updates
    Known& known = meters_[meter.meter];
    const HaMeter ha = ha_meter(meter);
    HaDiscoveryOptions options = options_;

    const bool three_phase = sends_three_phases(meter);
    std::vector<std::string> optional_keys = sent_optional_keys(meter);
    // Entities of registers the meter no longer sends are removed; new ones just announced.
    if (known.announced &&
        (known.three_phase != three_phase || !includes(optional_keys, known.optional_keys))) {
      options.three_phase = known.three_phase;
      if (discovery_ && !publish_all(ha_removal_messages(ha, options))) continue;
      known.announced = false;
    }
    if (known.announced && optional_keys != known.optional_keys) known.announced = false;
    if (discovery_ && !known.announced) {
      options.three_phase = three_phase;
      options.sent_optional_keys = optional_keys;
      known.announced = publish_all(ha_discovery_messages(ha, options, format_));
      known.three_phase = three_phase;
      known.optional_keys = std::move(optional_keys);
    }

    if (!known.diagnosis_logged || known.diagnosis != meter.diagnosis) {
      const auto level =
          meter.diagnosis == Diagnosis::kOk ? spdlog::level::info : spdlog::level::warn;
      // The reason of "ok" already says what its advice would ("telegrams arrive and decode").
      if (meter.diagnosis == Diagnosis::kOk) {
        spdlog::log(level, "meter {}: ok ({}).", meter.meter, meter.reason);
      } else {
        spdlog::log(level, "meter {}: {} ({}). {}", meter.meter, diagnosis_name(meter.diagnosis),
                    meter.reason, diagnosis_advice(meter.diagnosis));
      }
      known.diagnosis_logged = true;
      known.diagnosis_published = false;
      known.diagnosis = meter.diagnosis;
    }
    if (!known.diagnosis_published && budget_ > 0) {
      --budget_;
      known.diagnosis_published = mqtt_.publish(
          ha_diagnosis_topic(ha, options_), diagnosis_name(meter.diagnosis), kQosAtLeastOnce, true);
      if (known.diagnosis_published) ++published_;
    }
  }
}

}  // namespace meter::app
