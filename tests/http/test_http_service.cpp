// SPDX-License-Identifier: MIT
// `smartmeter run` with its HTTP server on a free port, a real mosquitto and SQLite: telegrams
// published to the broker show up in the API, /metrics (scraped and parsed) and /healthz.
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "it_fixture.h"
#include "prometheus_text.h"

namespace meter::it {
namespace {

using nlohmann::json;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class HttpServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    env_["SMARTMETER_HTTP_LISTEN"] = "127.0.0.1:0";  // any free port; the log names it
    meter_.first_time = now_s() - 120;
  }

  // Starts the service and finds the HTTP port in its log.
  void start() {
    ASSERT_TRUE(start_service());
    ASSERT_TRUE(service().wait_for_log("http: dashboard at http://127.0.0.1:", seconds(10)));
    std::smatch match;
    const std::string log = service().log();
    ASSERT_TRUE(std::regex_search(log, match, std::regex(R"(http://127\.0\.0\.1:(\d+)/)")));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(match[1].str()));
    client_->set_read_timeout(5, 0);
  }

  httplib::Result get(const std::string& path) {
    auto result = client_->Get(path);
    EXPECT_TRUE(result) << path << ": " << httplib::to_string(result.error());
    return result;
  }
  json get_json(const std::string& path, int status = 200) {
    auto result = get(path);
    if (!result) return json{};
    EXPECT_EQ(result->status, status) << path << ": " << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
    return json::parse(result->body);
  }
  // Polls `path` until `ready` holds for its JSON (or `timeout` passes).
  json wait_json(const std::string& path, const std::function<bool(const json&)>& ready,
                 std::chrono::milliseconds timeout = seconds(10)) {
    const auto deadline = Clock::now() + timeout;
    json body;
    while (Clock::now() < deadline) {
      auto result = client_->Get(path);
      if (result && result->status == 200) {
        body = json::parse(result->body);
        if (ready(body)) return body;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << path << " did not become ready; last answer: " << body.dump();
    return body;
  }

  TestMeter meter_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServiceTest, ApiMetricsAndHealthShowWhatWasPublished) {
  start();
  const std::string id = meter_.system_title();

  // Frame counters 1000, 1001, 1002, 1004: one telegram lost. Then text that is not hex, and a
  // telegram damaged on the wire (a payload byte changed: its checksum no longer matches).
  std::vector<TestTelegram> sent = {meter_.telegram(0), meter_.telegram(1), meter_.telegram(2),
                                    meter_.telegram(4)};
  publish(sent);
  publish_text("hello, this is not a telegram");
  std::string damaged = meter_.telegram(5).hex;
  damaged[60] = damaged[60] == '0' ? '1' : '0';
  publish_text(damaged);

  const json health = wait_json("/api/meters/" + id + "/health", [](const json& h) {
    return h.value("decoded", 0) == 4 && h.contains("unattributed_errors") &&
           h["unattributed_errors"].size() == 2;
  });
  EXPECT_EQ(health["diagnosis"], "ok");
  EXPECT_EQ(health["frame_counter_gaps"], 1);
  EXPECT_EQ(health["frames_missed"], 1);
  EXPECT_EQ(health["replays"], 0);
  EXPECT_EQ(health["last_frame_counter"], sent.back().frame_counter);
  EXPECT_EQ(health["unattributed_errors"]["not_hex"], 1);
  EXPECT_EQ(health["unattributed_errors"]["checksum"], 1);
  EXPECT_LE(health["last_telegram_age_s"].get<int>(), 10);

  const json meters = get_json("/api/meters")["meters"];
  ASSERT_EQ(meters.size(), 1u);
  EXPECT_EQ(meters[0]["meter"], id);
  EXPECT_EQ(meters[0]["meter_number"], meter_.meter_number());
  EXPECT_EQ(meters[0]["live"], true);

  // By meter number as well as by system title.
  const json latest = get_json("/api/meters/" + meter_.meter_number() + "/latest");
  EXPECT_EQ(latest["meter"], id);
  const json& reading = latest["reading"];
  EXPECT_EQ(reading["frame_counter"], sent.back().frame_counter);
  EXPECT_EQ(reading["timestamp"], sent.back().timestamp);
  EXPECT_EQ(reading["meter_time"], sent.back().meter_time);
  const char* const keys[11] = {"WIn", "WOut", "PIn", "POut", "U1", "U2",
                                "U3",  "I1",   "I2",  "I3",   "PF"};
  for (std::size_t i = 0; i < 11; ++i) {
    EXPECT_DOUBLE_EQ(reading["values"][keys[i]]["value"].get<double>(), sent.back().values[i])
        << keys[i];
  }
  EXPECT_EQ(reading["values"]["PIn"]["unit"], "W");

  const json status = get_json("/api/status");
  EXPECT_EQ(status["telegrams"]["received"], 6);
  EXPECT_EQ(status["telegrams"]["decoded"], 4);
  EXPECT_EQ(status["mqtt"]["connected"], true);

  // Once stored, the readings are in the 24-hour chart.
  const json power = wait_json("/api/meters/" + id + "/power", [](const json& p) {
    int samples = 0;
    for (const auto& n : p["samples"]) samples += n.get<int>();
    return samples == 4;
  });
  EXPECT_EQ(power["step"], 300);
  EXPECT_GE(power["t"].size(), 288u);  // and the current, partial bucket
  EXPECT_LE(power["t"].size(), 289u);

  // /metrics, scraped and parsed.
  auto scraped = get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->status, 200);
  EXPECT_EQ(scraped->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto metrics = test::parse_prometheus_text(scraped->body);
  for (const auto& error : metrics.errors) ADD_FAILURE() << error;
  const std::map<std::string, std::string> of_meter{{"meter", id}};
  ASSERT_NE(metrics.find("smartmeter_telegrams_received_total"), nullptr);
  EXPECT_EQ(metrics.find("smartmeter_telegrams_received_total")->value, 6);
  EXPECT_EQ(metrics.find("smartmeter_telegrams_decoded_total")->value, 4);
  EXPECT_EQ(metrics.find("smartmeter_telegram_errors_total", {{"cause", "not_hex"}})->value, 1);
  EXPECT_EQ(metrics.find("smartmeter_telegram_errors_total", {{"cause", "checksum"}})->value, 1);
  EXPECT_EQ(metrics.find("smartmeter_frame_counter_gaps_total", of_meter)->value, 1);
  EXPECT_EQ(metrics.find("smartmeter_mqtt_connected")->value, 1);
  EXPECT_EQ(metrics.find("smartmeter_database_up")->value, 1);
  EXPECT_GE(metrics.find("smartmeter_journal_pending_bytes")->value, 0);
  EXPECT_LE(metrics.find("smartmeter_last_telegram_age_seconds", of_meter)->value, 10);
  EXPECT_DOUBLE_EQ(metrics.find("smartmeter_power_import_watts", of_meter)->value,
                   sent.back().values[2]);

  auto healthz = get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200) << healthz->body;
  EXPECT_EQ(json::parse(healthz->body)["status"], "ok");
}

TEST_F(HttpServiceTest, WrongKeyIsDiagnosed) {
  start();
  // The meter encrypts with another key than the service has.
  publish({meter_.with_key(0, kOtherKey), meter_.with_key(1, kOtherKey),
           meter_.with_key(2, kOtherKey)});
  const json health = wait_json("/api/meters/" + meter_.system_title() + "/health",
                                [](const json& h) { return h.value("received", 0) == 3; });
  EXPECT_EQ(health["diagnosis"], "wrong_key");
  EXPECT_EQ(health["decoded"], 0);
  EXPECT_EQ(health["errors"]["wrong_key"], 3);
  const auto metrics = test::parse_prometheus_text(get("/metrics")->body);
  ASSERT_TRUE(metrics.errors.empty());
  EXPECT_EQ(metrics
                .find("smartmeter_meter_diagnosis",
                      {{"meter", meter_.system_title()}, {"state", "wrong_key"}})
                ->value,
            1);
}

TEST_F(HttpServiceTest, DashboardIsServed) {
  start();
  auto page = get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<title>Smart meter</title>"), std::string::npos);
  for (const std::string path : {"/app.js", "/style.css", "/vendor/uplot/uPlot.iife.min.js"}) {
    auto asset = get(path);
    ASSERT_TRUE(asset);
    EXPECT_EQ(asset->status, 200) << path;
    EXPECT_GT(asset->body.size(), 1000u) << path;
    // Unchanged files are not sent again.
    const std::string etag = asset->get_header_value("ETag");
    ASSERT_FALSE(etag.empty()) << path;
    auto again = client_->Get(path, {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << path;
  }
  EXPECT_EQ(get("/no-such-file")->status, 404);
  EXPECT_EQ(get("/api/no-such-endpoint")->status, 404);
}

TEST_F(HttpServiceTest, HealthzFailsWithoutTheBroker) {
  start();
  // Healthy once the writer has opened the database.
  auto deadline = Clock::now() + seconds(10);
  httplib::Result answer = get("/healthz");
  while (answer && answer->status != 200 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
    answer = get("/healthz");
  }
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;

  ASSERT_TRUE(Servers::get().stop_mosquitto());
  deadline = Clock::now() + seconds(15);
  answer = get("/healthz");
  while (answer && answer->status == 200 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));
    answer = get("/healthz");
  }
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  const json body = json::parse(answer->body);
  EXPECT_EQ(body["status"], "unhealthy");
  EXPECT_NE(body["reasons"].dump().find("mqtt"), std::string::npos) << body.dump();
  ASSERT_TRUE(Servers::get().start_mosquitto());
}

TEST_F(HttpServiceTest, OffMeansNoServer) {
  env_["SMARTMETER_HTTP_LISTEN"] = "off";
  ASSERT_TRUE(start_service());
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(service().log().find("http: dashboard at"), std::string::npos) << service().log();
}

}  // namespace
}  // namespace meter::it
