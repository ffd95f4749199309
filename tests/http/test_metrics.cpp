// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "meter/app/live_state.h"
#include "meter/http/api.h"
#include "prometheus_text.h"

namespace meter::http {
namespace {

using test::parse_prometheus_text;

constexpr std::int64_t kStart = 1'795'000'000'000;

core::Telegram telegram(std::uint32_t counter, const char* meter_number) {
  core::Telegram t;
  t.system_title = {0x4B, 0x46, 0x4D, 0x67, 0x50, 0x01, 0x23, 0x45};
  t.encrypted = true;
  t.frame_counter = counter;
  t.has_time = true;
  t.timestamp_utc = kStart / 1000;
  t.meter_number.assign(meter_number);
  t[core::Quantity::kEnergyImport] = {true, 4815162, 0, core::kUnitWattHour, true};
  t[core::Quantity::kPowerImport] = {true, 1284, 0, core::kUnitWatt, true};
  t[core::Quantity::kVoltageL1] = {true, 2316, -1, core::kUnitVolt, true};
  t[core::Quantity::kVoltageL2] = {true, 2334, -1, core::kUnitVolt, true};
  t[core::Quantity::kCurrentL3] = {true, 98, -2, core::kUnitAmpere, true};
  return t;
}

app::ServiceStatus status() {
  app::ServiceStatus s;
  s.received = 12;
  s.decoded = 9;
  s.errors[static_cast<std::size_t>(core::DecodeError::kBadChecksum)] = 2;
  s.oversized = 1;
  s.mqtt_connected = true;
  s.database_up = false;
  s.journal_pending_bytes = 4096;
  return s;
}

app::LiveSnapshot snapshot(const char* meter_number = "181220012345") {
  app::LiveState live(kStart, 30'000);
  live.record_decoded(telegram(100, meter_number), kStart + 1000);
  live.record_decoded(telegram(103, meter_number), kStart + 6000);
  core::Telegram cleared;
  live.record_failure(core::DecodeError::kBadChecksum, &cleared, kStart + 7000);
  return live.snapshot(kStart + 9000);
}

TEST(Metrics, EverySampleHasHelpAndTypeAndParses) {
  const std::string text = metrics_text(status(), snapshot(), "1.2.3");
  const auto parsed = parse_prometheus_text(text);
  for (const auto& error : parsed.errors) ADD_FAILURE() << error;
  EXPECT_GE(parsed.families.size(), 30u);
  for (const auto& [name, family] : parsed.families) {
    EXPECT_EQ(name.rfind("smartmeter_", 0), 0u) << name;
  }
}

TEST(Metrics, ServiceCountersAndStates) {
  const auto m = parse_prometheus_text(metrics_text(status(), snapshot(), "1.2.3"));
  ASSERT_TRUE(m.errors.empty());
  EXPECT_EQ(m.find("smartmeter_build_info", {{"version", "1.2.3"}})->value, 1);
  EXPECT_EQ(m.find("smartmeter_telegrams_received_total")->value, 12);
  EXPECT_EQ(m.find("smartmeter_telegrams_decoded_total")->value, 9);
  EXPECT_EQ(m.find("smartmeter_telegram_errors_total", {{"cause", "checksum"}})->value, 2);
  // Oversized payloads count as too_large; every cause is listed, seen or not.
  EXPECT_EQ(m.find("smartmeter_telegram_errors_total", {{"cause", "too_large"}})->value, 1);
  EXPECT_EQ(m.find("smartmeter_telegram_errors_total", {{"cause", "wrong_key"}})->value, 0);
  EXPECT_EQ(m.families.at("smartmeter_telegram_errors_total").samples.size(),
            static_cast<std::size_t>(core::kDecodeErrorCount));
  EXPECT_EQ(m.families.at("smartmeter_telegram_errors_total").type, "counter");
  EXPECT_EQ(m.find("smartmeter_mqtt_connected")->value, 1);
  EXPECT_EQ(m.find("smartmeter_database_up")->value, 0);
  EXPECT_EQ(m.find("smartmeter_journal_pending_bytes")->value, 4096);
  EXPECT_EQ(m.families.at("smartmeter_journal_pending_bytes").type, "gauge");
  EXPECT_EQ(m.find("smartmeter_unattributed_errors_total", {{"cause", "checksum"}})->value, 1);
}

TEST(Metrics, PerMeterAgeGapsDiagnosisAndValues) {
  const auto m = parse_prometheus_text(metrics_text(status(), snapshot(), "1"));
  ASSERT_TRUE(m.errors.empty());
  const std::map<std::string, std::string> meter{{"meter", "4B464D6750012345"}};
  EXPECT_EQ(m.find("smartmeter_last_telegram_age_seconds", meter)->value, 3.0);
  EXPECT_EQ(m.find("smartmeter_last_telegram_any_age_seconds")->value, 2.0);
  EXPECT_EQ(m.find("smartmeter_frame_counter_gaps_total", meter)->value, 1);
  EXPECT_EQ(m.find("smartmeter_frames_missed_total", meter)->value, 2);
  EXPECT_EQ(m.find("smartmeter_frame_counter_replays_total", meter)->value, 0);
  EXPECT_EQ(m.find("smartmeter_meter_telegrams_decoded_total", meter)->value, 2);
  EXPECT_EQ(
      m.find("smartmeter_meter_diagnosis", {{"meter", "4B464D6750012345"}, {"state", "ok"}})->value,
      1);
  EXPECT_EQ(
      m.find("smartmeter_meter_diagnosis", {{"meter", "4B464D6750012345"}, {"state", "wrong_key"}})
          ->value,
      0);
  EXPECT_EQ(m.find("smartmeter_diagnosis", {{"state", "ok"}})->value, 1);
  EXPECT_EQ(m.find("smartmeter_power_import_watts", meter)->value, 1284);
  EXPECT_EQ(m.find("smartmeter_energy_import_watt_hours_total", meter)->value, 4815162);
  EXPECT_DOUBLE_EQ(
      m.find("smartmeter_voltage_volts", {{"meter", "4B464D6750012345"}, {"phase", "L2"}})->value,
      233.4);
  EXPECT_DOUBLE_EQ(
      m.find("smartmeter_current_amperes", {{"meter", "4B464D6750012345"}, {"phase", "L3"}})->value,
      0.98);
  // Registers the meter did not send have no sample.
  EXPECT_EQ(m.find("smartmeter_voltage_volts", {{"meter", "4B464D6750012345"}, {"phase", "L3"}}),
            nullptr);
  EXPECT_EQ(m.find("smartmeter_power_export_watts", meter), nullptr);
}

TEST(Metrics, LabelValuesAreEscaped) {
  const std::string text = metrics_text(status(), snapshot("12\"3\\4"), "1");
  EXPECT_NE(text.find(R"(meter_number="12\"3\\4")"), std::string::npos);
  const auto m = parse_prometheus_text(text);
  ASSERT_TRUE(m.errors.empty());
  EXPECT_NE(m.find("smartmeter_meter_info",
                   {{"meter", "4B464D6750012345"}, {"meter_number", "12\"3\\4"}}),
            nullptr);
}

TEST(Metrics, NoMeterYetStillValid) {
  app::LiveState live(kStart, 30'000);
  const auto m = parse_prometheus_text(metrics_text({}, live.snapshot(kStart + 1), "1"));
  ASSERT_TRUE(m.errors.empty());
  EXPECT_EQ(m.find("smartmeter_diagnosis", {{"state", "no_signal"}})->value, 1);
  EXPECT_TRUE(m.families.at("smartmeter_last_telegram_age_seconds").samples.empty());
  EXPECT_EQ(m.find("smartmeter_last_telegram_any_age_seconds"), nullptr);
}

// The checker itself must reject what Prometheus rejects, or the tests above prove nothing.
TEST(PrometheusText, RejectsInvalidExposition) {
  const auto errors = [](const std::string& text) { return parse_prometheus_text(text).errors; };
  EXPECT_TRUE(errors("# HELP a_total x\n# TYPE a_total counter\na_total 1\n").empty());
  EXPECT_FALSE(errors("a_total 1\n").empty());                                   // no HELP/TYPE
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a counter\na 1\n").empty());           // no _total
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a gauge\na{l=\"\\q\"} 1\n").empty());  // bad escape
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a gauge\na{l=\"v} 1\n").empty());      // unterminated
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a gauge\na one\n").empty());           // not a number
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a gauge\na 1\na 2\n").empty());        // same series
  EXPECT_FALSE(errors("# HELP 1a x\n# TYPE 1a gauge\n1a 1\n").empty());          // bad name
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a gauge\na{__l=\"v\"} 1\n").empty());  // reserved
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a gauge\n# HELP b x\n# TYPE b gauge\n"
                      "a 1\nb 1\na{x=\"y\"} 1\n")
                   .empty());                                       // split family
  EXPECT_FALSE(errors("# HELP a x\n# TYPE a gauge\na 1").empty());  // no newline
  EXPECT_TRUE(errors("# HELP a x\n# TYPE a gauge\na NaN\n").empty());
}

TEST(Health, OkOnlyWithBrokerAndDatabase) {
  app::LiveState live(kStart, 30'000);
  app::ServiceStatus s;
  s.mqtt_connected = true;
  s.database_up = true;
  const auto ok = health_response(s, live.snapshot(kStart));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok.body)["status"], "ok");

  s.database_up = false;
  s.journal_pending_bytes = 777;
  const auto no_db = health_response(s, live.snapshot(kStart));
  EXPECT_EQ(no_db.status, 503);
  const auto body = nlohmann::json::parse(no_db.body);
  EXPECT_EQ(body["status"], "unhealthy");
  ASSERT_EQ(body["reasons"].size(), 1u);
  EXPECT_NE(body["reasons"][0].get<std::string>().find("777 bytes"), std::string::npos);

  s.mqtt_connected = false;
  EXPECT_EQ(nlohmann::json::parse(health_response(s, live.snapshot(kStart)).body)["reasons"].size(),
            2u);
}

TEST(Health, AJournalThatCannotBeWrittenIsNamedWithTheTelegramsHeldInMemory) {
  app::LiveState live(kStart, 30'000);
  app::ServiceStatus s;
  s.mqtt_connected = true;
  s.database_up = true;
  s.journal_error = "disk full: cannot append to data/journal/journal.log: No space left on device";
  s.held = 12;
  const auto full = health_response(s, live.snapshot(kStart));
  EXPECT_EQ(full.status, 503);
  const auto body = nlohmann::json::parse(full.body);
  EXPECT_EQ(body["journal_writable"], false);
  ASSERT_EQ(body["reasons"].size(), 1u);
  EXPECT_EQ(body["reasons"][0], "journal: " + s.journal_error + ", 12 telegrams held in memory");

  const std::string metrics = metrics_text(s, live.snapshot(kStart), "test");
  EXPECT_NE(metrics.find("smartmeter_journal_writable 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("smartmeter_telegrams_held_in_memory 12\n"), std::string::npos);
  EXPECT_NE(metrics.find("smartmeter_telegrams_lost_total 0\n"), std::string::npos);
}

}  // namespace
}  // namespace meter::http
