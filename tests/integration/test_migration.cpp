// SPDX-License-Identifier: MIT
// Switching from the Python decoder: its MariaDB tables (the DDL of PROTOCOL.md section 1.6)
// with rows in them and its server.env as users have it. `smartmeter run` keeps every old row
// untouched and appends the new readings with meter time and without gaps.
#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

// The original's table (SaveToDB.CreateTable; PROTOCOL.md 1.6), for `history` and
// `historyDebounced` alike.
std::string original_ddl(const std::string& table) {
  return "CREATE TABLE " + table +
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

// A row as the original inserted it: server time, floats into the int columns.
std::string original_insert(const std::string& table, int i) {
  const long long server_time = 1700000000LL + 5LL * i;
  return "INSERT INTO " + table +
         " (timestamp, WIn, WOut, PIn, POut, U1, U2, U3, I1, I2, I3, PF) VALUES (" +
         std::to_string(server_time) + ", " + std::to_string(4000000.0 + i) + ", 12.0, " +
         std::to_string(800 + i) + ", 0, 231.6, 232.1, 230.9, 1.5, 0.12, 2.01, 0.78)";
}

class Migration : public ServiceTest {};

TEST_F(Migration, TheOriginalTablesAndServerEnvKeepWorking) {
  REQUIRE_MARIADB();
  ASSERT_TRUE(use_backend(Backend::kMariaDb));
  const unsigned db_port = *Servers::get().mariadb_port();

  // The original system's database, as it has been filling it.
  MariaDatabase admin(db_port, schema_);
  admin.exec("CREATE DATABASE `" + schema_ + "`");
  admin.exec(original_ddl(admin.table()));
  admin.exec(original_ddl(admin.table("Debounced")));
  for (int i = 0; i < 50; ++i) admin.exec(original_insert(admin.table(), i));
  for (int i = 0; i < 10; ++i) admin.exec(original_insert(admin.table("Debounced"), i * 60));
  const std::string legacy_columns =
      "id, timestamp, WIn, WOut, PIn, POut, U1, U2, U3, I1, I2, I3, PF";
  const Rows legacy =
      admin.query("SELECT " + legacy_columns + " FROM " + admin.table() + " ORDER BY id");
  const Rows legacy_debounced = admin.query("SELECT " + legacy_columns + " FROM " +
                                            admin.table("Debounced") + " ORDER BY id");
  ASSERT_EQ(legacy.size(), 50u);

  // The original's server.env (envTemplate.tempenv), nothing added: no data dir, no client id,
  // no status topic. The broker ignores the login (anonymous access).
  status_topic_ = "sensors/smartmeter/status";
  write_text(env_file_,
             "DB_USER=\"smartmeter\"\n"
             "DB_PASSWORD=\"smartmeter-test\"\n"
             "DB_HOST=\"127.0.0.1\"\n"
             "DB_PORT=" +
                 std::to_string(db_port) +
                 "\n"
                 "MQTT_USER=\"fancyMQTTUser\"\n"
                 "MQTT_PASSWORD=\"topsecretButBetterDifferentThanDBPW\"\n"
                 "MQTT_HOST=\"127.0.0.1\"\n"
                 "MQTT_PORT=" +
                 std::to_string(Servers::get().mosquitto_port()) +
                 "\n"
                 "SMARTMETER_RAWDATA_MQTT_TOPIC=\"" +
                 raw_topic_ +
                 "\"\n"
                 "SMARTMETER_VALUES_MQTT_TOPIC=\"" +
                 values_topic_ +
                 "\"\n"
                 "SMARTMETER_DB_SCHEMA=\"" +
                 schema_ +
                 "\"\n"
                 "SMARTMETER_DB_TABLE=\"history\"\n"
                 "SMARTMETER_KEY=\"" +
                 kKey + "\"\n");
  std::filesystem::permissions(
      env_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ASSERT_TRUE(start_service(seconds(30), false));

  TestMeter meter;
  const auto sent = meter.telegrams(0, 100);
  publish(sent);
  ASSERT_TRUE(wait_rows(150, seconds(30))) << db().count() << " rows, expected 50 + 100";
  std::this_thread::sleep_for(milliseconds(300));

  // Old rows untouched, new ones after them with meter time, one per telegram.
  EXPECT_EQ(admin.query("SELECT " + legacy_columns + " FROM " + admin.table() +
                        " WHERE id <= 50 ORDER BY id"),
            legacy);
  EXPECT_EQ(admin.scalar("SELECT COUNT(*) FROM " + admin.table() + " WHERE meter = ''"), 50);
  EXPECT_EQ(admin.scalar("SELECT MIN(id) FROM " + admin.table() + " WHERE meter <> ''"), 51)
      << "new rows continue the old ids";
  expect_history_is(sent, meter, true);
  EXPECT_EQ(admin.query("SELECT " + legacy_columns + " FROM " + admin.table("Debounced") +
                        " WHERE meter = '' ORDER BY id"),
            legacy_debounced);
  const auto buckets = expected_buckets(sent, meter.system_title());
  EXPECT_EQ(admin.scalar("SELECT COUNT(*) FROM " + admin.table("Debounced") + " WHERE meter <> ''"),
            static_cast<std::int64_t>(buckets.size()));

  // The value columns accept NULL now (registers a meter does not send), signed PF included.
  for (const char* column : {"WIn", "PIn", "U2", "PF"}) {
    EXPECT_EQ(
        admin.query("SELECT IS_NULLABLE FROM information_schema.COLUMNS WHERE "
                    "TABLE_SCHEMA = '" +
                    schema_ + "' AND TABLE_NAME = 'history' AND COLUMN_NAME = '" + column + "'"),
        Rows{{Field("YES")}})
        << column;
  }

  // A second start on the migrated tables: nothing to migrate, readings keep coming.
  ASSERT_EQ(stop_service(), 0);
  const auto more = meter.telegrams(100, 20);
  ASSERT_TRUE(start_service(seconds(30), false));
  publish(more);
  ASSERT_TRUE(wait_rows(170, seconds(30))) << db().count() << " rows, expected 170";
  std::vector<TestTelegram> all = sent;
  all.insert(all.end(), more.begin(), more.end());
  std::this_thread::sleep_for(milliseconds(300));
  expect_history_is(all, meter, true);
  EXPECT_EQ(service().log().find("[error]"), std::string::npos) << service().log();
}

}  // namespace
}  // namespace meter::it
