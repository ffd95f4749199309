// SPDX-License-Identifier: MIT
#include "it_fixture.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

namespace meter::it {
namespace {

namespace fs = std::filesystem;

std::atomic<int> g_test_counter{0};

const char* const kValueColumns[11] = {"WIn", "WOut", "PIn", "POut", "U1", "U2",
                                       "U3",  "I1",   "I2",  "I3",   "PF"};

std::string value_column_list() {
  std::string out;
  for (const char* column : kValueColumns) out += std::string(", ") + column;
  return out;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

::testing::AssertionResult near(const std::optional<double>& actual, double expected,
                                const std::string& what) {
  if (!actual) return ::testing::AssertionFailure() << what << " is NULL, expected " << expected;
  if (std::abs(*actual - expected) > 1e-6 * std::max(1.0, std::abs(expected))) {
    return ::testing::AssertionFailure() << what << " = " << *actual << ", expected " << expected;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "MariaDb";
}

std::vector<BucketRow> expected_buckets(const std::vector<TestTelegram>& sent,
                                        const std::string& meter, std::int64_t interval_s) {
  std::vector<TestTelegram> sorted = sent;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  std::vector<BucketRow> rows;
  if (sorted.empty()) return rows;
  const std::int64_t open_bucket = sorted.back().timestamp - sorted.back().timestamp % interval_s;
  std::map<std::int64_t, std::vector<const TestTelegram*>> buckets;
  for (const auto& t : sorted) buckets[t.timestamp - t.timestamp % interval_s].push_back(&t);
  for (const auto& [start, members] : buckets) {
    if (start == open_bucket) continue;
    BucketRow row;
    row.meter = meter;
    row.bucket_start = start;
    row.timestamp = start;
    row.samples = static_cast<std::int64_t>(members.size());
    for (std::size_t q = 0; q < 11; ++q) {
      if (q < 2) {
        row.values[q] = members.back()->values[q];
      } else {
        double sum = 0;
        for (const auto* t : members) sum += t->values[q];
        row.values[q] = sum / static_cast<double>(members.size());
      }
    }
    auto [pin_min, pin_max] =
        std::minmax_element(members.begin(), members.end(),
                            [](auto* a, auto* b) { return a->values[2] < b->values[2]; });
    auto [pout_min, pout_max] =
        std::minmax_element(members.begin(), members.end(),
                            [](auto* a, auto* b) { return a->values[3] < b->values[3]; });
    row.pin_min = (*pin_min)->values[2];
    row.pin_max = (*pin_max)->values[2];
    row.pout_min = (*pout_min)->values[3];
    row.pout_max = (*pout_max)->values[3];
    rows.push_back(row);
  }
  return rows;
}

void ServiceTest::SetUp() {
  const int number = ++g_test_counter;
  const std::string id = std::to_string(::getpid()) + "-" + std::to_string(number);
  dir_ = Servers::get().dir() / ("test-" + id);
  fs::create_directories(dir_);
  env_file_ = dir_ / "server.env";
  raw_topic_ = "it/" + id + "/smartmeter";
  values_topic_ = raw_topic_ + "/values";
  status_topic_ = raw_topic_ + "/status";
  client_id_ = "smartmeter-it-" + id;
  schema_ = "it_" + std::to_string(::getpid()) + "_" + std::to_string(number);
  env_ = {
      {"SMARTMETER_KEY", kKey},
      {"MQTT_HOST", "127.0.0.1"},
      {"SMARTMETER_RAWDATA_MQTT_TOPIC", raw_topic_},
      {"SMARTMETER_VALUES_MQTT_TOPIC", values_topic_},
      {"SMARTMETER_STATUS_MQTT_TOPIC", status_topic_},
      {"MQTT_CLIENT_ID", client_id_},
      {"SMARTMETER_DATA_DIR", (dir_ / "data").string()},
      {"SMARTMETER_LOG_LEVEL", "info"},
  };
  service_ = std::make_unique<ServiceProcess>(dir_, env_file_, dir_ / "service.log");
}

void ServiceTest::TearDown() {
  if (service_ && service_->running()) {
    if (!service_->stop(SIGTERM, std::chrono::seconds(15))) {
      ADD_FAILURE() << "the service did not stop within 15 s of SIGTERM";
    }
  }
  if (HasFailure() && service_) {
    std::string log = service_->log();
    if (log.size() > 6000) log = "...\n" + log.substr(log.size() - 6000);
    std::printf("---- service log (%s) ----\n%s---- end of service log ----\n",
                service_->log_file().c_str(), log.c_str());
  }
  mqtt_.reset();
  db_.reset();
  service_.reset();
  if (std::getenv("METER_IT_KEEP") == nullptr) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

std::size_t ServiceTest::journal_records() {
  const std::string text = read_text(dir_ / "data" / "journal" / "journal.log");
  std::size_t records = 0;
  for (auto at = text.find("\x89SMJ"); at != std::string::npos; at = text.find("\x89SMJ", at + 4)) {
    ++records;
  }
  return records;
}

bool ServiceTest::use_backend(Backend backend) {
  backend_ = backend;
  db_.reset();
  if (backend == Backend::kSqlite) {
    env_.erase("DB_HOST");
    env_["SMARTMETER_STORAGE"] = "sqlite";
    return true;
  }
  const auto port = Servers::get().mariadb_port();
  if (!port) return false;
  env_["SMARTMETER_STORAGE"] = "mysql";
  env_["DB_HOST"] = "127.0.0.1";
  env_["DB_PORT"] = std::to_string(*port);
  env_["DB_USER"] = MariaDatabase::kUser;
  env_["DB_PASSWORD"] = MariaDatabase::kPassword;
  env_["SMARTMETER_DB_SCHEMA"] = schema_;
  return true;
}

void ServiceTest::write_env() {
  if (env_.count("MQTT_PORT") == 0) {
    env_["MQTT_PORT"] = std::to_string(Servers::get().mosquitto_port());
  }
  // Tests run side by side: the dashboard on any free port, never the user's 8080.
  if (env_.count("SMARTMETER_HTTP_LISTEN") == 0) env_["SMARTMETER_HTTP_LISTEN"] = "127.0.0.1:0";
  write_env_file(env_file_, env_);
}

MqttClient& ServiceTest::mqtt() {
  if (!mqtt_) {
    mqtt_ = std::make_unique<MqttClient>(Servers::get().mosquitto_port(),
                                         "it-client-" + client_id_.substr(14));
    EXPECT_TRUE(mqtt_->connect()) << "test client cannot connect to the test broker";
    EXPECT_TRUE(mqtt_->subscribe(values_topic_));
    EXPECT_TRUE(mqtt_->subscribe(status_topic_));
  }
  return *mqtt_;
}

bool ServiceTest::start_service(std::chrono::milliseconds timeout, bool write) {
  if (write) write_env();
  const std::size_t from = mqtt().count(status_topic_);
  service_->start();
  if (!mqtt().wait_message(status_topic_, "online", from, timeout)) {
    ADD_FAILURE() << "the service did not report \"online\" on " << status_topic_ << " within "
                  << timeout.count() << " ms (running: " << service_->running() << ")";
    return false;
  }
  return true;
}

std::optional<int> ServiceTest::stop_service(std::chrono::milliseconds timeout,
                                             std::chrono::milliseconds* took) {
  return service_->stop(SIGTERM, timeout, took);
}

void ServiceTest::publish(const std::vector<TestTelegram>& telegrams) {
  std::vector<std::string> payloads;
  payloads.reserve(telegrams.size());
  for (const auto& t : telegrams) payloads.push_back(t.hex);
  ASSERT_TRUE(mqtt().publish_all(raw_topic_, payloads)) << "publishing to the test broker failed";
}

void ServiceTest::publish_text(const std::string& payload) {
  ASSERT_TRUE(mqtt().publish(raw_topic_, payload)) << "publishing to the test broker failed";
}

Database& ServiceTest::db() {
  if (!db_) {
    if (backend_ == Backend::kSqlite) {
      const fs::path file = dir_ / "data" / "smartmeter.db";
      for (int i = 0; i < 500 && !fs::exists(file); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      db_ = std::make_unique<SqliteDatabase>(
          file, env_.count("SMARTMETER_DB_TABLE") != 0 ? env_["SMARTMETER_DB_TABLE"] : "history");
    } else {
      db_ = std::make_unique<MariaDatabase>(
          *Servers::get().mariadb_port(), schema_,
          env_.count("SMARTMETER_DB_TABLE") != 0 ? env_["SMARTMETER_DB_TABLE"] : "history");
    }
  }
  return *db_;
}

bool ServiceTest::wait_rows(std::int64_t rows, std::chrono::milliseconds timeout,
                            const std::string& suffix) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (db().count(suffix) >= rows) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::pair<std::int64_t, std::int64_t> ServiceTest::counts(const std::string& where) {
  const std::string filter = where.empty() ? "" : " WHERE " + where;
  const std::int64_t all = db().scalar("SELECT COUNT(*) FROM " + db().table() + filter);
  const std::int64_t distinct =
      db().scalar("SELECT COUNT(*) FROM (SELECT DISTINCT meter, frame_counter FROM " +
                  db().table() + filter + ") AS d");
  return {all, distinct};
}

std::vector<StoredReading> ServiceTest::stored_readings(const std::string& where) {
  const Rows rows =
      db().query("SELECT meter, frame_counter, timestamp, meter_time, meter_number, received_at" +
                 value_column_list() + " FROM " + db().table() +
                 (where.empty() ? "" : " WHERE " + where) + " ORDER BY meter, frame_counter");
  std::vector<StoredReading> out;
  for (const Row& row : rows) {
    StoredReading r;
    r.meter = row[0].value_or("");
    r.frame_counter = as_int(row[1]);
    r.timestamp = as_int(row[2]);
    r.meter_time = row[3];
    r.meter_number = row[4];
    r.received_at = as_int(row[5]);
    for (std::size_t q = 0; q < 11; ++q) r.values[q] = as_double(row[6 + q]);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<BucketRow> ServiceTest::stored_buckets() {
  const Rows rows = db().query(
      "SELECT meter, bucket_start, timestamp, samples, PInMin, PInMax, POutMin, POutMax" +
      value_column_list() + " FROM " + db().table("Debounced") + " ORDER BY meter, bucket_start");
  std::vector<BucketRow> out;
  for (const Row& row : rows) {
    BucketRow b;
    b.meter = row[0].value_or("");
    b.bucket_start = as_int(row[1]);
    b.timestamp = as_int(row[2]);
    b.samples = as_int(row[3]);
    b.pin_min = as_double(row[4]);
    b.pin_max = as_double(row[5]);
    b.pout_min = as_double(row[6]);
    b.pout_max = as_double(row[7]);
    for (std::size_t q = 0; q < 11; ++q) b.values[q] = as_double(row[8 + q]);
    out.push_back(std::move(b));
  }
  return out;
}

void ServiceTest::expect_history_is(const std::vector<TestTelegram>& sent, const TestMeter& meter,
                                    bool only_this_meter) {
  const auto [all, distinct] =
      counts(only_this_meter ? "meter = '" + meter.system_title() + "'" : "");
  EXPECT_EQ(all, static_cast<std::int64_t>(sent.size())) << "history rows";
  EXPECT_EQ(distinct, all) << "some (meter, frame_counter) is stored twice";
  const auto stored = stored_readings("meter = '" + meter.system_title() + "'");
  std::map<std::int64_t, const StoredReading*> by_counter;
  for (const auto& r : stored) by_counter[r.frame_counter] = &r;
  const std::int64_t now = wall_ms();
  std::size_t missing = 0;
  for (const auto& t : sent) {
    auto it = by_counter.find(t.frame_counter);
    if (it == by_counter.end()) {
      if (++missing <= 5) ADD_FAILURE() << "frame counter " << t.frame_counter << " not stored";
      continue;
    }
    const StoredReading& r = *it->second;
    EXPECT_EQ(r.timestamp, t.timestamp) << "meter time of frame counter " << t.frame_counter;
    EXPECT_EQ(r.meter_time.value_or("NULL"), t.meter_time);
    EXPECT_EQ(r.meter_number.value_or("NULL"), meter.meter_number());
    EXPECT_GT(r.received_at, now - 15 * 60 * 1000) << "received_at is server time in ms";
    EXPECT_LE(r.received_at, now + 1000);
    for (std::size_t q = 0; q < 11; ++q) {
      EXPECT_TRUE(near(
          r.values[q], t.values[q],
          std::string(kValueColumns[q]) + " of frame counter " + std::to_string(t.frame_counter)));
    }
  }
  EXPECT_EQ(missing, 0u) << "telegrams not in history";
}

void ServiceTest::expect_buckets_are(const std::vector<BucketRow>& expected) {
  const auto stored = stored_buckets();
  ASSERT_EQ(stored.size(), expected.size()) << "rows in " << db().table("Debounced");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const BucketRow& want = expected[i];
    const BucketRow& got = stored[i];
    SCOPED_TRACE("bucket starting " + std::to_string(want.bucket_start));
    EXPECT_EQ(got.meter, want.meter);
    EXPECT_EQ(got.bucket_start, want.bucket_start);
    EXPECT_EQ(got.timestamp, want.bucket_start) << "timestamp = bucket start";
    EXPECT_EQ(got.samples, want.samples);
    for (std::size_t q = 0; q < 11; ++q) {
      EXPECT_TRUE(near(got.values[q], *want.values[q], kValueColumns[q]));
    }
    EXPECT_TRUE(near(got.pin_min, *want.pin_min, "PInMin"));
    EXPECT_TRUE(near(got.pin_max, *want.pin_max, "PInMax"));
    EXPECT_TRUE(near(got.pout_min, *want.pout_min, "POutMin"));
    EXPECT_TRUE(near(got.pout_max, *want.pout_max, "POutMax"));
  }
}

}  // namespace meter::it
