// SPDX-License-Identifier: MIT
#include "meter/app/local_feed.h"

namespace meter::app {
namespace {

const MeterSnapshot* choose(const LiveSnapshot& live, const std::string& chosen,
                            LocalFeedAnswer& answer) {
  if (chosen.empty()) {
    if (live.meters.empty()) {
      answer.state = LocalFeedState::kNoMeter;
      answer.message = "no meter has sent a telegram that decoded yet";
      return nullptr;
    }
    if (live.meters.size() > 1) {
      answer.state = LocalFeedState::kSeveral;
      answer.message = std::to_string(live.meters.size()) +
                       " meters are known: choose one with SMARTMETER_LOCAL_FEED_METER";
      return nullptr;
    }
    return &live.meters.front();
  }
  for (const auto& m : live.meters) {
    if (m.meter == chosen || (!m.meter_number.empty() && m.meter_number == chosen)) return &m;
  }
  answer.state = LocalFeedState::kUnknownMeter;
  answer.message = "meter " + chosen + " (SMARTMETER_LOCAL_FEED_METER) has not sent a telegram";
  return nullptr;
}

double net(const OptionalValue& in, const OptionalValue& out) {
  return in.value_or(0.0) - out.value_or(0.0);
}

}  // namespace

LocalFeedAnswer local_feed_values(const LiveSnapshot& live, const TelegramLog& log,
                                  const std::string& chosen, std::int64_t stale_after_ms) {
  LocalFeedAnswer answer;
  const MeterSnapshot* meter = choose(live, chosen, answer);
  if (meter == nullptr) return answer;
  answer.meter = meter->meter;
  if (!meter->latest || meter->last_decoded_ms == 0 ||
      live.now_ms - meter->last_decoded_ms > stale_after_ms) {
    answer.state = LocalFeedState::kNoReading;
    answer.message = "meter " + meter->meter + " has no reading of the last " +
                     std::to_string(stale_after_ms / 1000) + " s";
    return answer;
  }
  const Reading& r = *meter->latest;
  using core::Quantity;
  LocalFeedValues& v = answer.values;
  v.power = net(r[Quantity::kPowerImport], r[Quantity::kPowerExport]);
  v.energy_in = r[Quantity::kEnergyImport].value_or(0.0);
  v.energy_out = r[Quantity::kEnergyExport].value_or(0.0);

  // The mean over the decoded telegrams of the last minute (of server time), this one included.
  double sum = 0;
  std::size_t count = 0;
  for (const LoggedTelegram& t : log.of(meter->meter)) {
    if (!t.decoded) continue;
    if (meter->last_decoded_ms - t.received_ms > kLocalFeedAverageMs) break;  // newest first
    sum += net(t.power_in, t.power_out);
    ++count;
  }
  v.power_avg = count > 0 ? sum / static_cast<double>(count) : v.power;

  constexpr std::array<Quantity, 3> kVoltage = {Quantity::kVoltageL1, Quantity::kVoltageL2,
                                                Quantity::kVoltageL3};
  constexpr std::array<Quantity, 3> kCurrent = {Quantity::kCurrentL1, Quantity::kCurrentL2,
                                                Quantity::kCurrentL3};
  std::array<double, 3> apparent{};
  double total = 0;
  bool complete = true;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& u = r[kVoltage[i]];
    const auto& a = r[kCurrent[i]];
    if (!u || !a) {
      complete = false;
      break;
    }
    apparent[i] = *u * *a;
    total += apparent[i];
  }
  if (complete) {
    std::array<double, 3> phases{};
    for (std::size_t i = 0; i < 3; ++i) {
      phases[i] = total > 0 ? v.power * apparent[i] / total : v.power / 3;
    }
    v.phases = phases;
  }
  answer.state = LocalFeedState::kOk;
  return answer;
}

}  // namespace meter::app
