// SPDX-License-Identifier: MIT
// Prometheus text exposition format 0.0.4: per family one "# HELP" and one "# TYPE" line, then
// its samples "name{label="value",...} number". Label values escape \, " and newline; HELP text
// escapes \ and newline. Counters end in _total.
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "meter/http/api.h"

namespace meter::http {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsWriter {
 public:
  // Starts a family; its samples follow.
  void family(const std::string& name, const char* type, const std::string& help) {
    name_ = name;
    out_ += "# HELP " + name + " " + escape(help, false) + "\n";
    out_ += "# TYPE " + name + " " + type + "\n";
  }
  void sample(double value, const Labels& labels = {}) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first + "=\"" + escape(labels[i].second, true) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ';
    append_number(value);
    out_ += '\n';
  }
  void sample(std::uint64_t value, const Labels& labels = {}) {
    sample(static_cast<double>(value), labels);
  }
  std::string take() { return std::move(out_); }

 private:
  static std::string escape(const std::string& text, bool quote) {
    std::string out;
    for (const char c : text) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '"' && quote) {
        out += "\\\"";
      } else {
        out += c;
      }
    }
    return out;
  }
  void append_number(double value) {
    if (std::isnan(value)) {
      out_ += "NaN";
    } else if (std::isinf(value)) {
      out_ += value > 0 ? "+Inf" : "-Inf";
    } else {
      char text[32];
      const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
      out_.append(text, ec == std::errc() ? end : text);
    }
  }

  std::string name_;
  std::string out_;
};

constexpr std::array<app::Diagnosis, app::kDiagnosisCount> kDiagnoses = {
    app::Diagnosis::kOk, app::Diagnosis::kNoSignal, app::Diagnosis::kLineNoise,
    app::Diagnosis::kWrongKey, app::Diagnosis::kStale};

double seconds_since(std::int64_t now_ms, std::int64_t then_ms) {
  return static_cast<double>(std::max<std::int64_t>(0, now_ms - then_ms)) / 1000.0;
}

}  // namespace

std::string metrics_text(const app::ServiceStatus& s, const app::LiveSnapshot& live,
                         const std::string& version) {
  MetricsWriter w;
  w.family("smartmeter_build_info", "gauge", "Version of the running smartmeter service.");
  w.sample(1.0, {{"version", version}});
  w.family("smartmeter_start_time_seconds", "gauge", "Start of the service, UTC epoch seconds.");
  w.sample(static_cast<double>(live.global.started_ms) / 1000.0);

  w.family("smartmeter_telegrams_received_total", "counter",
           "Raw telegrams received on the MQTT topic.");
  w.sample(s.received);
  w.family("smartmeter_telegrams_decoded_total", "counter", "Telegrams decoded.");
  w.sample(s.decoded);
  w.family("smartmeter_telegram_errors_total", "counter",
           "Telegrams rejected, by cause (see docs/decoding.md).");
  for (int i = 0; i < core::kDecodeErrorCount; ++i) {
    const auto error = static_cast<core::DecodeError>(i);
    std::uint64_t count = s.errors[static_cast<std::size_t>(i)];
    if (error == core::DecodeError::kTooLarge) count += s.oversized;
    w.sample(count, {{"cause", core::error_name(error)}});
  }
  w.family("smartmeter_values_published_total", "counter",
           "Decoded values published on the values topic.");
  w.sample(s.published);
  w.family("smartmeter_values_publish_failures_total", "counter",
           "Decoded values that could not be published (broker not connected).");
  w.sample(s.publish_failures);

  w.family("smartmeter_readings_stored_total", "counter", "Readings written to the database.");
  w.sample(s.stored_readings);
  w.family("smartmeter_debounced_rows_stored_total", "counter",
           "Rows written to the debounced table.");
  w.sample(s.stored_debounced);
  w.family("smartmeter_database_write_failures_total", "counter",
           "Database writes that failed (retried from the journal).");
  w.sample(s.store_failures);
  w.family("smartmeter_database_up", "gauge",
           "1 when the last database write succeeded, 0 when it failed or none was possible.");
  w.sample(s.database_up ? 1.0 : 0.0);
  w.family("smartmeter_journal_pending_bytes", "gauge",
           "Telegrams in the journal not yet in the database (the spool), in bytes.");
  w.sample(s.journal_pending_bytes);
  w.family("smartmeter_journal_failures_total", "counter",
           "Telegrams that could not be appended to the journal.");
  w.sample(s.journal_failures);
  w.family("smartmeter_journal_writable", "gauge",
           "1 while the journal takes records, 0 while it cannot be written (disk full).");
  w.sample(s.journal_error.empty() ? 1.0 : 0.0);
  w.family("smartmeter_telegrams_held_in_memory", "gauge",
           "Telegrams held in memory because the journal cannot be written.");
  w.sample(s.held);
  w.family("smartmeter_telegrams_stored_from_memory_total", "counter",
           "Held telegrams written to the database directly.");
  w.sample(s.stored_from_memory);
  w.family("smartmeter_telegrams_lost_total", "counter",
           "Telegrams lost: neither the journal nor the memory queue could take them.");
  w.sample(s.lost);
  w.family("smartmeter_journal_damaged_bytes_total", "counter",
           "Bytes of the journal found damaged at the start and dropped (kept in "
           "journal.log.damaged).");
  w.sample(s.journal_damaged_bytes);
  w.family("smartmeter_journal_damaged_stretches_total", "counter",
           "Damaged stretches of the journal found at the start.");
  w.sample(s.journal_damaged_stretches);
  if (!s.prices_source.empty()) {
    w.family("smartmeter_prices_fetch_ok", "gauge",
             "1 when the last fetch of day-ahead prices succeeded, 0 when it failed.");
    w.sample(s.prices_last_attempt != 0 && s.prices_error.empty() ? 1.0 : 0.0);
    w.family("smartmeter_prices_newest_interval_end_seconds", "gauge",
             "End of the newest stored day-ahead price (UTC epoch seconds; absent without any).");
    if (s.prices_newest_end != 0) w.sample(static_cast<double>(s.prices_newest_end));
  }
  w.family("smartmeter_mqtt_connected", "gauge", "1 while connected to the MQTT broker.");
  w.sample(s.mqtt_connected ? 1.0 : 0.0);
  w.family("smartmeter_mqtt_reconnects_total", "counter", "Reconnections to the MQTT broker.");
  w.sample(s.mqtt_reconnects);

  w.family("smartmeter_last_telegram_any_age_seconds", "gauge",
           "Seconds since any telegram was received (absent before the first).");
  if (live.global.last_received_ms != 0) {
    w.sample(seconds_since(live.now_ms, live.global.last_received_ms));
  }
  w.family("smartmeter_unattributed_errors_total", "counter",
           "Rejected telegrams that named no meter (damaged frames, not hex), by cause.");
  for (int i = 0; i < core::kDecodeErrorCount; ++i) {
    const auto count = live.global.errors[static_cast<std::size_t>(i)];
    if (count > 0)
      w.sample(count, {{"cause", core::error_name(static_cast<core::DecodeError>(i))}});
  }
  w.family("smartmeter_diagnosis", "gauge",
           "Overall diagnosis: 1 for the current state, 0 for the others.");
  for (const auto d : kDiagnoses) {
    w.sample(live.overall == d ? 1.0 : 0.0, {{"state", app::diagnosis_name(d)}});
  }

  const auto per_meter = [&](const std::string& name, const char* type, const std::string& help,
                             const auto& emit) {
    w.family(name, type, help);
    for (const auto& m : live.meters) emit(m, Labels{{"meter", m.meter}});
  };
  per_meter("smartmeter_meter_info", "gauge",
            "Meters seen since the start: system title and number.",
            [&](const app::MeterSnapshot& m, const Labels&) {
              w.sample(1.0, {{"meter", m.meter}, {"meter_number", m.meter_number}});
            });
  per_meter("smartmeter_meter_diagnosis", "gauge",
            "Diagnosis per meter: 1 for the current state, 0 for the others.",
            [&](const app::MeterSnapshot& m, const Labels&) {
              for (const auto d : kDiagnoses) {
                w.sample(m.diagnosis == d ? 1.0 : 0.0,
                         {{"meter", m.meter}, {"state", app::diagnosis_name(d)}});
              }
            });
  per_meter("smartmeter_meter_telegrams_received_total", "counter",
            "Telegrams received from the meter (decoded or not).",
            [&](const app::MeterSnapshot& m, const Labels& l) { w.sample(m.received, l); });
  per_meter("smartmeter_meter_telegrams_decoded_total", "counter",
            "Telegrams of the meter decoded.",
            [&](const app::MeterSnapshot& m, const Labels& l) { w.sample(m.decoded, l); });
  per_meter("smartmeter_meter_errors_total", "counter",
            "Rejected telegrams of the meter, by cause (causes seen so far).",
            [&](const app::MeterSnapshot& m, const Labels&) {
              for (int i = 0; i < core::kDecodeErrorCount; ++i) {
                const auto count = m.errors[static_cast<std::size_t>(i)];
                if (count == 0) continue;
                w.sample(count, {{"meter", m.meter},
                                 {"cause", core::error_name(static_cast<core::DecodeError>(i))}});
              }
            });
  per_meter(
      "smartmeter_frame_counter_gaps_total", "counter",
      "Times the meter's frame counter jumped by more than one (telegrams lost).",
      [&](const app::MeterSnapshot& m, const Labels& l) { w.sample(m.frame_counter_gaps, l); });
  per_meter("smartmeter_frames_missed_total", "counter",
            "Telegrams missing according to the frame counter.",
            [&](const app::MeterSnapshot& m, const Labels& l) { w.sample(m.frames_missed, l); });
  per_meter("smartmeter_frame_counter_replays_total", "counter",
            "Telegrams whose frame counter did not increase (redelivered or replayed).",
            [&](const app::MeterSnapshot& m, const Labels& l) { w.sample(m.replays, l); });
  per_meter("smartmeter_last_telegram_age_seconds", "gauge",
            "Seconds since the meter's last telegram was received.",
            [&](const app::MeterSnapshot& m, const Labels& l) {
              w.sample(seconds_since(live.now_ms, m.last_received_ms), l);
            });
  per_meter("smartmeter_last_decoded_age_seconds", "gauge",
            "Seconds since the meter's last telegram was decoded (absent before the first).",
            [&](const app::MeterSnapshot& m, const Labels& l) {
              if (m.last_decoded_ms != 0)
                w.sample(seconds_since(live.now_ms, m.last_decoded_ms), l);
            });
  per_meter("smartmeter_meter_timestamp_seconds", "gauge",
            "Meter clock of the newest reading, UTC epoch seconds.",
            [&](const app::MeterSnapshot& m, const Labels& l) {
              if (m.latest) w.sample(static_cast<double>(m.latest->timestamp), l);
            });

  // The newest values, for dashboards that scrape rather than subscribe.
  struct ValueFamily {
    const char* name;
    const char* type;
    const char* help;
    core::Quantity quantity;
    const char* phase;
  };
  static constexpr std::array<ValueFamily, 11> kValues = {{
      {"smartmeter_energy_import_watt_hours_total", "counter", "Active energy imported (+A), Wh.",
       core::Quantity::kEnergyImport, nullptr},
      {"smartmeter_energy_export_watt_hours_total", "counter", "Active energy exported (-A), Wh.",
       core::Quantity::kEnergyExport, nullptr},
      {"smartmeter_power_import_watts", "gauge", "Active power imported now (+P), W.",
       core::Quantity::kPowerImport, nullptr},
      {"smartmeter_power_export_watts", "gauge", "Active power exported now (-P), W.",
       core::Quantity::kPowerExport, nullptr},
      {"smartmeter_voltage_volts", "gauge", "Voltage per phase, V.", core::Quantity::kVoltageL1,
       "L1"},
      {"smartmeter_voltage_volts", "gauge", "", core::Quantity::kVoltageL2, "L2"},
      {"smartmeter_voltage_volts", "gauge", "", core::Quantity::kVoltageL3, "L3"},
      {"smartmeter_current_amperes", "gauge", "Current per phase, A.", core::Quantity::kCurrentL1,
       "L1"},
      {"smartmeter_current_amperes", "gauge", "", core::Quantity::kCurrentL2, "L2"},
      {"smartmeter_current_amperes", "gauge", "", core::Quantity::kCurrentL3, "L3"},
      {"smartmeter_power_factor", "gauge", "Power factor.", core::Quantity::kPowerFactor, nullptr},
  }};
  for (const auto& v : kValues) {
    if (*v.help != '\0') w.family(v.name, v.type, v.help);  // phases share one family
    for (const auto& m : live.meters) {
      if (!m.latest) continue;
      const auto& value = (*m.latest)[v.quantity];
      if (!value) continue;
      Labels labels{{"meter", m.meter}};
      if (v.phase != nullptr) labels.emplace_back("phase", v.phase);
      w.sample(*value, labels);
    }
  }
  return w.take();
}

Response health_response(const app::ServiceStatus& s, const app::LiveSnapshot& live) {
  nlohmann::json reasons = nlohmann::json::array();
  if (!s.mqtt_connected) reasons.push_back("mqtt: not connected to the broker");
  if (!s.database_up) {
    reasons.push_back("database: not writable (" + std::to_string(s.journal_pending_bytes) +
                      " bytes wait in the journal)");
  }
  if (!s.journal_error.empty()) {
    reasons.push_back("journal: " + s.journal_error + ", " + std::to_string(s.held.load()) +
                      " telegrams held in memory");
  }
  const bool ok = reasons.empty();
  nlohmann::json body{{"status", ok ? "ok" : "unhealthy"},
                      {"mqtt_connected", s.mqtt_connected},
                      {"database_up", s.database_up.load()},
                      {"journal_pending_bytes", s.journal_pending_bytes},
                      {"journal_writable", s.journal_error.empty()},
                      {"diagnosis", app::diagnosis_name(live.overall)}};
  if (!ok) body["reasons"] = reasons;
  return {ok ? 200 : 503, "application/json", body.dump()};
}

}  // namespace meter::http
