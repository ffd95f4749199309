// SPDX-License-Identifier: MIT
// The storage behaviour suite on a real MariaDB server on 127.0.0.1 (tools/test-servers.sh),
// plus keys, connection failures and a server restart. A global environment starts the server
// for the whole run and stops it at the end; under ctest a fixture starts one server for all
// tests (METER_TEST_MARIADB_DIR) and the environment uses it. Without mariadbd every test
// skips and says so.
#include <mysql.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "meter/storage/mysql_reading_store.h"
#include "store_behaviour.h"

namespace meter::storage::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUser = "smartmeter";
constexpr const char* kPassword = "smartmeter-test";

std::string servers_script() {
  const char* from_env = std::getenv("METER_TEST_SERVERS");
  return from_env != nullptr && *from_env != '\0' ? from_env : METER_TEST_SERVERS;
}

bool mariadbd_installed() {
  if (fs::exists("/usr/sbin/mariadbd")) return true;
  return std::system("command -v mariadbd >/dev/null 2>&1") == 0;
}

// Runs tools/test-servers.sh; its output goes to the test log.
bool servers(const std::string& action, const fs::path& dir) {
  const std::string command =
      "'" + servers_script() + "' " + action + " mariadb '" + dir.string() + "'";
  std::fflush(stdout);
  return std::system(command.c_str()) == 0;
}

unsigned read_port(const fs::path& dir) {
  std::ifstream in(dir / "port");
  unsigned port = 0;
  in >> port;
  return port;
}

fs::path make_temp_dir(const char* prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

// A MariaDB server for this test run.
class MariaDbServer : public ::testing::Environment {
 public:
  void SetUp() override {
    if (const char* shared = std::getenv("METER_TEST_MARIADB_DIR");
        shared != nullptr && *shared != '\0' && servers("status", shared)) {
      dir_ = shared;
      owned_ = false;
    } else if (!mariadbd_installed()) {
      skip_ =
          "mariadbd is not installed (Debian package mariadb-server): MariaDB storage tests "
          "skipped";
      return;
    } else {
      dir_ = make_temp_dir("meter-mariadb-");
      owned_ = true;
      if (!servers("start", dir_)) {
        error_ = "tools/test-servers.sh start mariadb " + dir_.string() + " failed";
        return;
      }
    }
    port_ = read_port(dir_);
    if (port_ == 0) error_ = "no port in " + (dir_ / "port").string();
  }

  void TearDown() override {
    if (!owned_) return;
    servers("stop", dir_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Non-empty: why the tests cannot run (skip) or why they must fail.
  const std::string& skip() const { return skip_; }
  const std::string& error() const { return error_; }
  unsigned port() const { return port_; }

 private:
  fs::path dir_;
  bool owned_ = false;
  unsigned port_ = 0;
  std::string skip_;
  std::string error_;
};

MariaDbServer* g_server = nullptr;

MYSQL* connect_direct(unsigned port) {
  MYSQL* connection = mysql_init(nullptr);
  if (mysql_real_connect(connection, "127.0.0.1", kUser, kPassword, nullptr, port, nullptr, 0) ==
      nullptr) {
    const std::string message = mysql_error(connection);
    mysql_close(connection);
    throw std::runtime_error("cannot connect to the test server: " + message);
  }
  return connection;
}

Rows run_query(MYSQL* connection, const std::string& sql) {
  if (mysql_real_query(connection, sql.data(), sql.size()) != 0) {
    throw std::runtime_error(sql + ": " + mysql_error(connection));
  }
  Rows rows;
  MYSQL_RES* result = mysql_store_result(connection);
  if (result == nullptr) return rows;
  const unsigned fields = mysql_num_fields(result);
  while (MYSQL_ROW values = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    Row row;
    for (unsigned i = 0; i < fields; ++i) {
      if (values[i] == nullptr) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(values[i], lengths[i]));
      }
    }
    rows.push_back(std::move(row));
  }
  mysql_free_result(result);
  return rows;
}

// A schema name of at most 64 characters from the test's name.
std::string schema_for(const std::string& test_id) {
  std::string name = "t_";
  for (char c : test_id) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name += word ? c : '_';
  }
  if (name.size() > 64)
    name = name.substr(0, 40) + "_" + std::to_string(std::hash<std::string>{}(name) % 1000000000);
  return name;
}

class MariaDbBackend {
 public:
  static constexpr bool kOriginalEngine = true;

  MariaDbBackend() = default;
  MariaDbBackend(const MariaDbBackend&) = delete;
  MariaDbBackend& operator=(const MariaDbBackend&) = delete;
  ~MariaDbBackend() { tear_down(); }

  void set_up(const std::string& test_id) {
    if (g_server == nullptr || !g_server->skip().empty()) {
      skip_ = g_server == nullptr ? "no MariaDB environment" : g_server->skip();
      return;
    }
    if (!g_server->error().empty()) throw std::runtime_error(g_server->error());
    port_ = g_server->port();
    schema_ = schema_for(test_id);
    connection_ = connect_direct(port_);
    run_query(connection_, "DROP DATABASE IF EXISTS `" + schema_ + "`");
  }
  std::string skip_reason() const { return skip_; }
  void tear_down() {
    if (connection_ != nullptr) {
      try {
        run_query(connection_, "DROP DATABASE IF EXISTS `" + schema_ + "`");
      } catch (const std::exception&) {
      }
      mysql_close(connection_);
      connection_ = nullptr;
    }
  }

  MysqlSettings settings(const std::string& table = "history") const {
    MysqlSettings settings;
    settings.host = "127.0.0.1";
    settings.port = port_;
    settings.user = kUser;
    settings.password = kPassword;
    settings.schema = schema_;
    settings.table = table;
    return settings;
  }

  std::unique_ptr<app::ReadingStore> make_store(const std::string& table) {
    return std::make_unique<MysqlReadingStore>(settings(table));
  }

  Rows query(const std::string& sql) { return run_query(connection_, sql); }

  void exec(const std::string& sql) {
    run_query(connection_, "CREATE DATABASE IF NOT EXISTS `" + schema_ + "`");
    run_query(connection_, sql);
  }

  std::string t(const std::string& table) const { return "`" + schema_ + "`.`" + table + "`"; }
  const std::string& schema() const { return schema_; }

  // PROTOCOL.md 1.6, the original system's SaveToDB.CreateTable, written out as MySQL DDL.
  std::string original_ddl(const std::string& table) const {
    return "CREATE TABLE " + t(table) +
           " (\n"
           "  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n"
           "  `timestamp` int(10) unsigned NOT NULL DEFAULT 0,\n"
           "  `WIn` int(10) unsigned NOT NULL DEFAULT 0,\n"
           "  `WOut` int(10) unsigned NOT NULL DEFAULT 0,\n"
           "  `PIn` double unsigned NOT NULL DEFAULT 0,\n"
           "  `POut` double unsigned NOT NULL DEFAULT 0,\n"
           "  `U1` double unsigned NOT NULL DEFAULT 0,\n"
           "  `U2` double unsigned NOT NULL DEFAULT 0,\n"
           "  `U3` double unsigned NOT NULL DEFAULT 0,\n"
           "  `I1` double unsigned NOT NULL DEFAULT 0,\n"
           "  `I2` double unsigned NOT NULL DEFAULT 0,\n"
           "  `I3` double unsigned NOT NULL DEFAULT 0,\n"
           "  `PF` double NOT NULL DEFAULT 0,\n"
           "  PRIMARY KEY (`id`,`timestamp`),\n"
           "  UNIQUE KEY `id_UNIQUE` (`id`)\n"
           ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  }

 private:
  std::string skip_;
  std::string schema_;
  unsigned port_ = 0;
  MYSQL* connection_ = nullptr;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Mariadb, StoreBehaviour, MariaDbBackend);

class MariaDbOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    backend_.set_up(std::string("only_") + info->name());
    if (const std::string why = backend_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override { backend_.tear_down(); }

  // index name -> "u:col,col" or "k:col,col"
  std::map<std::string, std::string> indexes(const std::string& table) {
    std::map<std::string, std::string> out;
    for (const Row& row : backend_.query(
             "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
             "WHERE TABLE_SCHEMA='" +
             backend_.schema() + "' AND TABLE_NAME='" + table +
             "' ORDER BY INDEX_NAME, SEQ_IN_INDEX")) {
      std::string& entry = out[*row[0]];
      entry += entry.empty() ? (*row[1] == "0" ? "u:" : "k:") : ",";
      entry += *row[2];
    }
    return out;
  }

  // column -> "type NULL|NOT NULL"
  std::map<std::string, std::string> columns(const std::string& table) {
    std::map<std::string, std::string> out;
    for (const Row& row : backend_.query(
             "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
             "WHERE TABLE_SCHEMA='" +
             backend_.schema() + "' AND TABLE_NAME='" + table + "'")) {
      out[*row[0]] = *row[1] + (*row[2] == "YES" ? " NULL" : " NOT NULL");
    }
    return out;
  }

  MariaDbBackend backend_;
};

TEST_F(MariaDbOnly, CreatesTheSchemaAndTheOriginalKeys) {
  MysqlReadingStore store(backend_.settings());
  const auto opened = store.open();
  ASSERT_TRUE(opened) << opened.error;
  const auto history = indexes("history");
  EXPECT_EQ(history.at("PRIMARY"), "u:id,timestamp");
  EXPECT_EQ(history.at("id_UNIQUE"), "u:id");
  EXPECT_EQ(history.at("uq_meter_frame_counter"), "u:meter,frame_counter");
  EXPECT_EQ(history.at("ix_meter_timestamp"), "k:meter,timestamp");
  EXPECT_EQ(history.at("ix_timestamp"), "k:timestamp");
  const auto debounced = indexes("historyDebounced");
  EXPECT_EQ(debounced.at("PRIMARY"), "u:id,timestamp");
  EXPECT_EQ(debounced.at("uq_meter_bucket_start"), "u:meter,bucket_start");
  const auto raw = indexes("historyRaw");
  EXPECT_EQ(raw.at("PRIMARY"), "u:id");
  EXPECT_EQ(raw.at("ix_received_at"), "k:received_at");

  const auto cols = columns("history");
  EXPECT_EQ(cols.at("id"), "int(10) unsigned NOT NULL");
  EXPECT_EQ(cols.at("timestamp"), "int(10) unsigned NOT NULL");
  EXPECT_EQ(cols.at("WIn"), "int(10) unsigned NULL");
  EXPECT_EQ(cols.at("PIn"), "double NULL");
  EXPECT_EQ(cols.at("PF"), "double NULL");
  EXPECT_EQ(cols.at("meter"), "varchar(16) NOT NULL");
  EXPECT_EQ(cols.at("frame_counter"), "int(10) unsigned NULL");
  EXPECT_EQ(cols.at("meter_time"), "varchar(32) NULL");
  EXPECT_EQ(cols.at("received_at"), "bigint(20) NULL");
  EXPECT_EQ(columns("historyRaw").at("payload"), "text NOT NULL");
}

TEST_F(MariaDbOnly, MigrationAltersTheOriginalColumnsAndAddsKeys) {
  backend_.exec(backend_.original_ddl("history"));
  MysqlReadingStore store(backend_.settings());
  ASSERT_TRUE(store.open());
  const auto cols = columns("history");
  EXPECT_EQ(cols.at("timestamp"), "int(10) unsigned NOT NULL");  // part of the primary key
  EXPECT_EQ(cols.at("WIn"), "int(10) unsigned NULL");
  EXPECT_EQ(cols.at("PIn"), "double NULL");  // `double unsigned` is gone
  EXPECT_EQ(cols.at("PF"), "double NULL");
  EXPECT_EQ(cols.at("QOut"), "double NULL");
  const auto keys = indexes("history");
  EXPECT_EQ(keys.at("PRIMARY"), "u:id,timestamp");
  EXPECT_EQ(keys.at("id_UNIQUE"), "u:id");
  EXPECT_EQ(keys.at("uq_meter_frame_counter"), "u:meter,frame_counter");
  EXPECT_EQ(keys.at("ix_timestamp"), "k:timestamp");
  EXPECT_EQ(keys.size(), 5U);
  ASSERT_TRUE(store.open());  // nothing left to do, no duplicate keys
  EXPECT_EQ(indexes("history").size(), 5U);
}

TEST_F(MariaDbOnly, RejectsASchemaNameThatIsNotAnIdentifier) {
  auto settings = backend_.settings();
  settings.schema = "smartmeter`; DROP DATABASE mysql; --";
  MysqlReadingStore store(settings);
  const auto opened = store.open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error.find("schema name"), std::string::npos) << opened.error;
  EXPECT_FALSE(store.validate());
  EXPECT_TRUE(MysqlReadingStore(backend_.settings()).validate());
}

TEST_F(MariaDbOnly, UnreachableServerFailsFastWithAClearMessage) {
  auto settings = backend_.settings();
  settings.port = 1;  // nothing listens there
  MysqlReadingStore store(settings);
  const auto begin = std::chrono::steady_clock::now();
  const auto opened = store.open();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error.rfind("database unreachable: ", 0), 0U) << opened.error;
  const auto written = store.write(batch_of({full_reading(kMeterA, 1, 1)}));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error.rfind("database unreachable: ", 0), 0U) << written.error;
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));
}

TEST_F(MariaDbOnly, WrongPasswordIsReported) {
  auto settings = backend_.settings();
  settings.password = "wrong";
  MysqlReadingStore store(settings);
  const auto opened = store.open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error.find("Access denied"), std::string::npos) << opened.error;
}

TEST_F(MariaDbOnly, RequiredTlsIsNeverSilentlyDropped) {
  auto settings = backend_.settings();
  settings.tls = true;  // the test server has no certificate
  MysqlReadingStore store(settings);
  const auto opened = store.open();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error.rfind("database unreachable: ", 0), 0U) << opened.error;
  EXPECT_NE(opened.error.find("SSL"), std::string::npos) << opened.error;
}

// A private server, so that stopping it disturbs no other test running in parallel.
TEST(MariaDbRestart, FailsWhileTheServerIsDownAndReconnectsAfterwards) {
  if (!mariadbd_installed()) GTEST_SKIP() << "mariadbd is not installed (mariadb-server)";
  const fs::path dir = make_temp_dir("meter-mariadb-restart-");
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      servers("stop", dir);
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};
  ASSERT_TRUE(servers("start", dir));
  MysqlSettings settings;
  settings.host = "127.0.0.1";
  settings.port = read_port(dir);
  settings.user = kUser;
  settings.password = kPassword;
  settings.schema = "restart_test";
  MysqlReadingStore store(settings);
  ASSERT_TRUE(store.open());
  ASSERT_TRUE(store.write(batch_of({full_reading(kMeterA, 1, 100)})));

  ASSERT_TRUE(servers("stop", dir));
  const auto failed = store.write(batch_of({full_reading(kMeterA, 2, 105)}));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error.rfind("database unreachable: ", 0), 0U) << failed.error;
  std::size_t rows = 0;
  const std::vector<app::MeterBuckets> touched{{kMeterA, {0}}};
  EXPECT_FALSE(store.refresh_debounced(touched, 300, rows));

  ASSERT_TRUE(servers("start", dir));  // same port, same data
  const auto retried = store.write(batch_of({full_reading(kMeterA, 2, 105)}));
  ASSERT_TRUE(retried) << retried.error;

  // Restarted while the store holds a connection: the dead connection is noticed (ping) and
  // replaced before the write, so the write itself succeeds.
  ASSERT_TRUE(servers("restart", dir));
  const auto after_restart = store.write(batch_of({full_reading(kMeterA, 3, 110)}));
  ASSERT_TRUE(after_restart) << after_restart.error;
  // The three readings share bucket 0, which no later reading has completed.
  ASSERT_TRUE(store.refresh_debounced(touched, 300, rows));
  EXPECT_EQ(rows, 0U);
  store.close();
}

}  // namespace meter::storage::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  meter::storage::testing::g_server = new meter::storage::testing::MariaDbServer;
  ::testing::AddGlobalTestEnvironment(meter::storage::testing::g_server);  // owns it
  return RUN_ALL_TESTS();
}
