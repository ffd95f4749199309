// SPDX-License-Identifier: MIT
// Database faults the integration suite lacks, while telegrams keep coming: MariaDB read-only
// for a while (the service's user may only use its schema, so read_only binds it), and a slow
// database (another session holds `LOCK TABLES history WRITE`), also for longer than the client's
// read timeout. Each checks the promise of the README: no reading lost and none stored twice,
//   COUNT(*) == COUNT(DISTINCT meter, frame_counter) == telegrams published.
#include <atomic>
#include <thread>

#include "sec_support.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

constexpr const char* kAppUser = "smartmeter_app";
constexpr const char* kAppPassword = "app-only-password";

// Publishes from its own thread with its own client, ten telegrams every 100 ms, so faults
// happen mid-stream; `ok` turns false when the broker did not take a batch.
class Publisher {
 public:
  Publisher(const std::string& topic, std::vector<std::string> payloads)
      : client_(Servers::get().mosquitto_port(), "it-pub-" + topic.substr(3, 12)) {
    ok_ = client_.connect();
    thread_ = std::thread([this, topic, payloads = std::move(payloads)] {
      for (std::size_t at = 0; at < payloads.size() && ok_; at += 10) {
        const auto end =
            payloads.begin() + static_cast<std::ptrdiff_t>(std::min(at + 10, payloads.size()));
        ok_ = client_.publish_all(topic, {payloads.begin() + static_cast<std::ptrdiff_t>(at), end});
        std::this_thread::sleep_for(milliseconds(100));
      }
    });
  }
  ~Publisher() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }

 private:
  MqttClient client_;
  std::thread thread_;
  std::atomic<bool> ok_{true};
};

class DbFaults : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    env_["SMARTMETER_HTTP_LISTEN"] = "off";
  }
  // The service logs in as a user with all privileges on its schema and nothing global.
  void use_schema_user() {
    ASSERT_TRUE(use_backend(Backend::kMariaDb));
    mariadb_as_root({std::string("CREATE USER IF NOT EXISTS '") + kAppUser +
                         "'@'%' IDENTIFIED BY '" + kAppPassword + "'",
                     "GRANT ALL PRIVILEGES ON `" + schema_ + "`.* TO '" + kAppUser + "'@'%'"});
    env_["DB_USER"] = kAppUser;
    env_["DB_PASSWORD"] = kAppPassword;
  }
  std::unique_ptr<Publisher> publisher(const std::vector<TestTelegram>& telegrams) {
    std::vector<std::string> payloads;
    for (const auto& t : telegrams) payloads.push_back(t.hex);
    return std::make_unique<Publisher>(raw_topic_, std::move(payloads));
  }
  // Sessions of the service waiting for a table lock right now.
  std::int64_t writers_waiting_for_lock() {
    return db().scalar(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for "
        "table%' AND USER <> 'system user'");
  }
  void expect_everything_stored_once(const std::vector<TestTelegram>& sent, const TestMeter& meter,
                                     milliseconds timeout) {
    ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(sent.size()), timeout))
        << db().count() << " of " << sent.size() << " stored";
    std::this_thread::sleep_for(milliseconds(300));
    expect_history_is(sent, meter);
    expect_buckets_are(expected_buckets(sent, meter.system_title()));
    EXPECT_EQ(db().count("Raw"), static_cast<std::int64_t>(sent.size()))
        << "raw archive rows: telegrams lost or archived twice";
  }
  // Holds `LOCK TABLES history WRITE` in a session of its own for `hold`, once a write of the
  // service waits for it.
  void lock_history_for(milliseconds hold) {
    MariaDatabase locker(*Servers::get().mariadb_port(), schema_);
    locker.exec("LOCK TABLES " + db().table() + " WRITE");
    const auto locked_at = Clock::now();
    bool waited = false;
    while (Clock::now() - locked_at < hold) {
      waited = waited || writers_waiting_for_lock() > 0;
      std::this_thread::sleep_for(milliseconds(100));
    }
    locker.exec("UNLOCK TABLES");
    EXPECT_TRUE(waited) << "no write of the service waited for the lock: the test proved nothing";
  }
};

TEST_F(DbFaults, ReadOnlyDatabaseThenWritableAgain) {
  REQUIRE_MARIADB();
  use_schema_user();
  ASSERT_TRUE(start_service());
  const TestMeter meter;
  const auto sent = meter.telegrams(0, 300);
  auto pub = publisher(sent);
  ASSERT_TRUE(wait_rows(50, seconds(15))) << "nothing stored before the fault";
  db().exec("SET GLOBAL read_only = 1");
  const bool failed = service().wait_for_log("readings wait in the journal", seconds(10));
  std::this_thread::sleep_for(milliseconds(1500));
  db().exec("SET GLOBAL read_only = 0");
  ASSERT_TRUE(failed) << "no write failed while read-only: the test proved nothing\n"
                      << service().log();
  EXPECT_NE(service().log().find("read-only"), std::string::npos) << service().log();
  pub->join();
  ASSERT_TRUE(pub->ok());
  expect_everything_stored_once(sent, meter, seconds(40));
  EXPECT_TRUE(service().running());
  EXPECT_EQ(stop_service(), 0);
}

TEST_F(DbFaults, LockedHistoryTableSlowsWritesDown) {
  REQUIRE_MARIADB();
  USE_BACKEND(Backend::kMariaDb);
  ASSERT_TRUE(start_service());
  const TestMeter meter;
  const auto sent = meter.telegrams(0, 300);
  auto pub = publisher(sent);
  ASSERT_TRUE(wait_rows(50, seconds(15))) << "nothing stored before the lock";
  lock_history_for(seconds(3));
  pub->join();
  ASSERT_TRUE(pub->ok());
  expect_everything_stored_once(sent, meter, seconds(30));
  EXPECT_TRUE(service().running());
  EXPECT_EQ(stop_service(), 0);
}

// Longer than the client's 10 s read timeout: the service gives up on the blocked write,
// reconnects and writes again while the server may still run the first attempt.
TEST_F(DbFaults, LockLongerThanTheClientTimeout) {
  REQUIRE_MARIADB();
  USE_BACKEND(Backend::kMariaDb);
  ASSERT_TRUE(start_service());
  const TestMeter meter;
  const auto sent = meter.telegrams(0, 600);
  auto pub = publisher(sent);
  ASSERT_TRUE(wait_rows(20, seconds(15))) << "nothing stored before the lock";
  lock_history_for(seconds(12));
  pub->join();
  ASSERT_TRUE(pub->ok());
  expect_everything_stored_once(sent, meter, seconds(40));
  EXPECT_NE(service().log().find("database:"), std::string::npos)
      << "the write never timed out: the test proved less than it says";
  EXPECT_TRUE(service().running());
  EXPECT_EQ(stop_service(), 0);
}

}  // namespace
}  // namespace meter::it
