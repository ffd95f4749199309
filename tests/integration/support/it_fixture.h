// SPDX-License-Identifier: MIT
// The base of the service tests: a temporary directory with the env file, topics, client id and
// schema of its own, the `smartmeter run` child process, an MQTT client watching the values and
// status topics, and the database the service writes to.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "it_db.h"
#include "it_mqtt.h"
#include "it_process.h"
#include "it_servers.h"
#include "it_telegrams.h"

namespace meter::it {

enum class Backend { kSqlite, kMariaDb };
std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

// The values a history row holds, as stored.
struct StoredReading {
  std::string meter;
  std::int64_t frame_counter = 0;
  std::int64_t timestamp = 0;
  std::array<std::optional<double>, 11> values{};
  Field meter_time;
  Field meter_number;
  std::int64_t received_at = 0;
};

// One row of the debounced table, or what it must hold.
struct BucketRow {
  std::string meter;
  std::int64_t bucket_start = 0;
  std::int64_t timestamp = 0;
  std::int64_t samples = 0;
  std::array<std::optional<double>, 11> values{};  // WIn, WOut last; the others mean
  std::optional<double> pin_min, pin_max, pout_min, pout_max;
};

// The rows the service must have written for `sent` (one meter): one per closed bucket, i.e.
// every bucket but the one of the newest telegram.
std::vector<BucketRow> expected_buckets(const std::vector<TestTelegram>& sent,
                                        const std::string& meter, std::int64_t interval_s = 300);

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Storage settings for `backend` (MariaDB: a schema of this test's own). False, after
  // GTEST_SKIP/FAIL in the caller's name, when MariaDB is needed but not there: call through
  // USE_BACKEND().
  bool use_backend(Backend backend);
  // Writes `env` to the env file.
  void write_env();

  // Writes the env file, starts `smartmeter run` and waits until it is subscribed (its
  // retained "online" on the status topic). Adds a failure and returns false if it is not.
  // `write` false: start with the env file as it is (a test wrote its own).
  bool start_service(std::chrono::milliseconds timeout = std::chrono::seconds(20),
                     bool write = true);
  // SIGTERM and wait; the exit status (nullopt: did not exit within `timeout`).
  std::optional<int> stop_service(std::chrono::milliseconds timeout = std::chrono::seconds(15),
                                  std::chrono::milliseconds* took = nullptr);
  ServiceProcess& service() { return *service_; }

  // The test's MQTT client, connected and subscribed to the values and status topics.
  MqttClient& mqtt();
  // Publishes the telegrams' hex text to the raw topic (QoS 1, acknowledged by the broker).
  void publish(const std::vector<TestTelegram>& telegrams);
  void publish_text(const std::string& payload);

  // The database the service writes to (opened when it exists).
  Database& db();
  // Waits until `table(suffix)` has at least `rows` rows; false on timeout.
  bool wait_rows(std::int64_t rows, std::chrono::milliseconds timeout,
                 const std::string& suffix = "");

  // Records in the service's journal (data/journal/journal.log): the telegrams it received
  // and journaled. Counts the record magic, which hex payloads cannot contain.
  std::size_t journal_records();

  std::vector<StoredReading> stored_readings(const std::string& where = "");
  std::vector<BucketRow> stored_buckets();
  // COUNT(*) and COUNT(DISTINCT meter, frame_counter) of history (rows matching `where`).
  std::pair<std::int64_t, std::int64_t> counts(const std::string& where = "");

  // Checks that history holds exactly one row per sent telegram, with its values and times.
  // `only_this_meter`: other rows (legacy ones without a meter) are not counted.
  void expect_history_is(const std::vector<TestTelegram>& sent, const TestMeter& meter,
                         bool only_this_meter = false);
  void expect_buckets_are(const std::vector<BucketRow>& expected);

  std::filesystem::path dir_;
  std::filesystem::path env_file_;
  std::map<std::string, std::string> env_;
  std::string raw_topic_;
  std::string values_topic_;
  std::string status_topic_;
  std::string client_id_;
  std::string schema_;
  Backend backend_ = Backend::kSqlite;
  std::unique_ptr<ServiceProcess> service_;
  std::unique_ptr<MqttClient> mqtt_;
  std::unique_ptr<Database> db_;
};

// In a test body: use the backend, or end the test (skip without MariaDB).
#define USE_BACKEND(backend)                                            \
  do {                                                                  \
    if ((backend) == ::meter::it::Backend::kMariaDb) REQUIRE_MARIADB(); \
    ASSERT_TRUE(use_backend(backend));                                  \
  } while (false)

}  // namespace meter::it
