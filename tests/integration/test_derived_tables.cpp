// SPDX-License-Identifier: MIT
// The derived tables (historyDebounced, statsQuarterHour, statsDaily) are computed from history:
// two instances on one shared subscription, a kill -9 and a database restart, late readings and
// a replay all give exactly the rows one uninterrupted run gives, row for row.
#include <signal.h>

#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

// Every column but the id, which depends on the order rows were written in.
constexpr const char* kDebouncedColumns =
    "meter, bucket_start, timestamp, samples, WIn, WOut, PIn, POut, U1, U2, U3, I1, I2, I3, PF, "
    "RIn, ROut, QIn, QOut, PInMin, PInMax, POutMin, POutMax, meter_time, meter_number, "
    "received_at, frame_counter";

class DerivedTables : public ServiceTest {
 protected:
  // Two meters whose clock is days behind the server's, telegrams interleaved.
  std::vector<TestTelegram> traffic(std::size_t per_meter) {
    std::vector<TestTelegram> out;
    const auto a = meter_a_.telegrams(0, per_meter);
    const auto b = meter_b_.telegrams(0, per_meter);
    for (std::size_t i = 0; i < per_meter; ++i) {
      out.push_back(a[i]);
      out.push_back(b[i]);
    }
    return out;
  }

  void SetUp() override {
    ServiceTest::SetUp();
    meter_a_.first_time = recent_bucket_start(3 * 24 * 60);
    meter_b_.first_time = recent_bucket_start(5 * 24 * 60) + 17;
  }

  Rows debounced_rows() {
    return db().query(std::string("SELECT ") + kDebouncedColumns + " FROM " +
                      db().table("Debounced") + " ORDER BY meter, bucket_start");
  }
  std::string stats_table(const std::string& name) {
    return backend_ == Backend::kMariaDb ? "`" + schema_ + "`.`" + name + "`" : name;
  }
  Rows stats_rows(const std::string& name) {
    return db().query("SELECT * FROM " + stats_table(name) + " ORDER BY meter, intervalStart");
  }
  // `smartmeter stats --update`: the statistics updater run to completion.
  void update_statistics() {
    const CommandResult update =
        run_smartmeter({"stats", "--update", "--env", env_file_.string()}, dir_, "", seconds(60));
    ASSERT_EQ(update.status, 0) << update.err;
  }
  // Waits until the debounced table has `rows` rows and stays so for a moment.
  bool wait_buckets(std::int64_t rows) { return wait_rows(rows, seconds(30), "Debounced"); }
  // A schema of its own for a second run in the same test.
  void use_schema(const std::string& schema) {
    schema_ = schema;
    env_["SMARTMETER_DB_SCHEMA"] = schema;
    db_.reset();
  }

  TestMeter meter_a_{"4B464D6750012345", "181220012345"};
  TestMeter meter_b_{"4B464D6750054321", "181220054321"};
};

void expect_same_rows(const Rows& got, const Rows& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << what << " row " << i;
  }
}

TEST_F(DerivedTables, TwoInstancesOnASharedSubscriptionGiveTheRowsOfOne) {
  USE_BACKEND(Backend::kMariaDb);
  const auto sent = traffic(200);  // per meter 3 closed buckets and the open one
  const std::string single = schema_;
  ASSERT_TRUE(start_service());
  publish(sent);
  ASSERT_TRUE(wait_rows(400, seconds(30)));
  ASSERT_TRUE(wait_buckets(6));
  ASSERT_EQ(stop_service(), 0);
  update_statistics();
  const Rows one = debounced_rows();
  const Rows quarter_hours = stats_rows("statsQuarterHour");
  const Rows days = stats_rows("statsDaily");
  EXPECT_GT(quarter_hours.size(), 2U);
  expect_buckets_are([&] {
    auto rows = expected_buckets(meter_a_.telegrams(0, 200), meter_a_.system_title());
    for (auto& row : expected_buckets(meter_b_.telegrams(0, 200), meter_b_.system_title())) {
      rows.push_back(row);
    }
    std::sort(rows.begin(), rows.end(), [](const BucketRow& x, const BucketRow& y) {
      return std::tie(x.meter, x.bucket_start) < std::tie(y.meter, y.bucket_start);
    });
    return rows;
  }());

  // Two instances, one group: each gets part of the stream and writes into one database.
  use_schema(single + "_two");
  env_["SMARTMETER_SHARED_SUBSCRIPTION"] = "derived";
  // A client id of its own: the first run's persistent session holds the unshared subscription.
  client_id_ += "-shared";
  env_["MQTT_CLIENT_ID"] = client_id_;
  ASSERT_TRUE(start_service());
  auto second_env = env_;
  second_env["MQTT_CLIENT_ID"] = client_id_ + "-second";
  second_env["SMARTMETER_DATA_DIR"] = (dir_ / "data-second").string();
  const auto second_env_file = dir_ / "second.env";
  write_env_file(second_env_file, second_env);
  ServiceProcess second(dir_, second_env_file, dir_ / "second.log");
  second.start();
  ASSERT_TRUE(second.wait_for_log("mqtt: connected", seconds(20))) << second.log();
  std::this_thread::sleep_for(seconds(1));  // its subscription is in place
  publish(sent);
  ASSERT_TRUE(wait_rows(400, seconds(30)));
  ASSERT_TRUE(wait_buckets(6));
  ASSERT_EQ(stop_service(), 0);
  ASSERT_EQ(second.stop(SIGTERM, seconds(15)), 0) << second.log();
  update_statistics();
  expect_same_rows(debounced_rows(), one, "historyDebounced");
  expect_same_rows(stats_rows("statsQuarterHour"), quarter_hours, "statsQuarterHour");
  expect_same_rows(stats_rows("statsDaily"), days, "statsDaily");
}

TEST_F(DerivedTables, AKillAndADatabaseRestartLoseNoClosedBucket) {
  USE_BACKEND(Backend::kMariaDb);
  TestMeter meter;
  meter.first_time = recent_bucket_start(3 * 24 * 60);  // the meter's clock 3 days behind
  const auto sent = meter.telegrams(0, 400);            // 6 closed buckets of 60, 40 open
  ASSERT_TRUE(start_service());
  publish({sent.begin(), sent.begin() + 190});
  ASSERT_TRUE(wait_rows(190, seconds(30)));
  service().kill_hard();
  ASSERT_TRUE(Servers::get().restart_mariadb());
  db_.reset();
  ASSERT_TRUE(start_service());
  publish({sent.begin() + 190, sent.end()});
  ASSERT_TRUE(wait_rows(400, seconds(30)));
  ASSERT_TRUE(wait_buckets(6));
  ASSERT_EQ(stop_service(), 0);
  const auto expected = expected_buckets(sent, meter.system_title());
  ASSERT_EQ(expected.size(), 6U);
  expect_buckets_are(expected);
}

class DerivedTablesOn : public DerivedTables, public ::testing::WithParamInterface<Backend> {};

TEST_P(DerivedTablesOn, ALateReadingRecomputesItsBucketAndReplayRebuildsTheTables) {
  USE_BACKEND(GetParam());
  TestMeter meter;
  meter.first_time = recent_bucket_start(2 * 24 * 60);
  const auto sent = meter.telegrams(0, 200);
  std::vector<TestTelegram> on_time(sent.begin(), sent.begin() + 10);
  on_time.insert(on_time.end(), sent.begin() + 30, sent.end());  // 10..29 come late
  ASSERT_TRUE(start_service());
  publish(on_time);
  ASSERT_TRUE(wait_rows(180, seconds(30)));
  ASSERT_TRUE(wait_buckets(3));
  publish({sent.begin() + 10, sent.begin() + 30});
  ASSERT_TRUE(wait_rows(200, seconds(30)));
  const auto expected = expected_buckets(sent, meter.system_title());
  for (int i = 0; i < 100 && stored_buckets().front().samples != 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(stop_service(), 0);
  expect_buckets_are(expected);
  update_statistics();
  const Rows buckets = debounced_rows();
  const Rows quarter_hours = stats_rows("statsQuarterHour");
  const Rows days = stats_rows("statsDaily");

  // Derived tables gone: replay of the raw archive and a statistics update bring them back.
  db().exec("DELETE FROM " + db().table("Debounced"));
  db().exec("DELETE FROM " + stats_table("statsQuarterHour"));
  db().exec("DELETE FROM " + stats_table("statsDaily"));
  const CommandResult replay =
      run_smartmeter({"replay", "--env", env_file_.string()}, dir_, "", seconds(60));
  ASSERT_EQ(replay.status, 0) << replay.err;
  update_statistics();
  expect_same_rows(debounced_rows(), buckets, "historyDebounced");
  expect_same_rows(stats_rows("statsQuarterHour"), quarter_hours, "statsQuarterHour");
  expect_same_rows(stats_rows("statsDaily"), days, "statsDaily");
}

INSTANTIATE_TEST_SUITE_P(Backends, DerivedTablesOn,
                         ::testing::Values(Backend::kSqlite, Backend::kMariaDb), backend_name);

}  // namespace
}  // namespace meter::it
