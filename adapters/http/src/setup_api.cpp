// SPDX-License-Identifier: MIT
// GET /api/telegrams: the setup view's last telegrams per meter (app/live's TelegramLog), each
// decoded or with its error in plain words, and per meter what to check for its diagnosis.
#include <nlohmann/json.hpp>

#include "meter/app/telegram_log.h"
#include "meter/http/api.h"

namespace meter::http {
namespace {

using nlohmann::json;

json number_or_null(const app::OptionalValue& value) { return value ? json(*value) : json(); }

json telegram_json(const app::LoggedTelegram& t, std::int64_t now_ms) {
  json out{{"received_at", t.received_ms},
           {"age_s", std::max<std::int64_t>(0, (now_ms - t.received_ms) / 1000)},
           {"size", t.size},
           {"head", t.head},
           {"decoded", t.decoded},
           {"frame_counter", t.frame_counter ? json(*t.frame_counter) : json()}};
  if (t.decoded) {
    out["meter_time"] = t.meter_time;
    out["power_in"] = number_or_null(t.power_in);
    out["power_out"] = number_or_null(t.power_out);
  } else {
    out["error"] = core::error_name(t.error);
    out["error_text"] = core::to_string(t.error);
    out["offset"] = t.offset;
    out["offset_unit"] = core::is_text_error(t.error) ? "character" : "byte";
  }
  return out;
}

// What to check for a group of telegrams: the meter's diagnosis, the service-wide one for the
// telegrams no meter can be named for, and for a title that never decoded what that means.
void add_diagnosis(json& group, const std::string& meter, const app::LiveSnapshot& live) {
  if (meter.empty()) {
    group["diagnosis"] = app::diagnosis_name(live.global.diagnosis);
    group["reason"] = live.global.reason;
    group["check"] = app::diagnosis_advice(live.global.diagnosis);
    return;
  }
  for (const auto& m : live.meters) {
    if (m.meter != meter) continue;
    group["meter_number"] = m.meter_number;
    group["diagnosis"] = app::diagnosis_name(m.diagnosis);
    group["reason"] = m.reason;
    group["check"] = app::diagnosis_advice(m.diagnosis);
    return;
  }
  for (const auto& title : live.global.titles) {
    if (title.title != meter) continue;
    const auto diagnosis =
        title.probably_wrong_key ? app::Diagnosis::kWrongKey : app::Diagnosis::kStale;
    group["diagnosis"] = app::diagnosis_name(diagnosis);
    group["reason"] = title.probably_wrong_key
                          ? "intact frames from this system title, none decrypted"
                          : "none of this system title's telegrams decoded";
    group["check"] = title.probably_wrong_key
                         ? app::diagnosis_advice(diagnosis)
                         : "A system title that never decoded: if it is your meter, check its "
                           "key; if not, a neighbour's meter or reader shares the topic.";
    return;
  }
  group["diagnosis"] = nullptr;
  group["reason"] = "no longer in the live state";
  group["check"] = "";
}

}  // namespace

Response Api::telegrams() {
  const std::int64_t now = sources_.now_ms();
  const app::LiveSnapshot live = sources_.live->snapshot(now);
  json groups = json::array();
  if (sources_.telegrams != nullptr) {
    for (const auto& group : sources_.telegrams->snapshot()) {
      json item{{"meter", group.meter.empty() ? json() : json(group.meter)},
                {"telegrams", json::array()}};
      for (const auto& t : group.telegrams) item["telegrams"].push_back(telegram_json(t, now));
      add_diagnosis(item, group.meter, live);
      groups.push_back(std::move(item));
    }
  }
  const app::Diagnosis overall = live.overall;
  std::string reason = live.global.reason;
  for (const auto& m : live.meters) {
    if (m.diagnosis == overall) {
      reason = m.reason;
      break;
    }
  }
  json body{{"diagnosis", app::diagnosis_name(overall)},
            {"reason", reason},
            {"check", app::diagnosis_advice(overall)},
            {"per_meter", app::TelegramLog::kPerMeter},
            {"meters", std::move(groups)}};
  return {200, "application/json", body.dump()};
}

}  // namespace meter::http
