// SPDX-License-Identifier: MIT
// TLS to the broker and to MariaDB with a throw-away CA. The servers insist on TLS (a TLS-only
// listener; a database user created REQUIRE SSL), so a stored telegram proves the service spoke
// TLS to both. A CA that did not sign the server's certificate stops the connection with a log
// line saying what to check, and a CA file that is missing is a usage error naming the setting.
#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <thread>

#include "sec_support.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

constexpr const char* kTlsUser = "smartmeter_tls";
constexpr const char* kTlsPassword = "tls-only-password";

// The CA of this test program, made before the first server starts: test-servers.sh reads
// TEST_SERVERS_TLS_DIR when it starts mosquitto and MariaDB.
const TestPki& pki() {
  static const TestPki kPki = [] {
    TestPki p = make_test_pki(Servers::get().dir() / "pki");
    ::setenv("TEST_SERVERS_TLS_DIR", p.dir.c_str(), 1);
    return p;
  }();
  return kPki;
}

class Tls : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_NO_THROW(pki());
    env_["SMARTMETER_HTTP_LISTEN"] = "off";
  }

  // The broker's TLS-only listener (the plain one stays for the test's own client).
  unsigned tls_port() {
    Servers::get().mosquitto_port();
    std::ifstream in(Servers::get().server_dir("mosquitto") / "tls_port");
    unsigned port = 0;
    in >> port;
    return port;
  }

  void use_tls_broker(const std::filesystem::path& ca) {
    env_["MQTT_TLS"] = "1";
    env_["MQTT_PORT"] = std::to_string(tls_port());
    env_["MQTT_TLS_CA_FILE"] = ca.string();
  }

  // MariaDB as a user that may only log in over TLS.
  void use_tls_database(const std::filesystem::path& ca) {
    ASSERT_TRUE(use_backend(Backend::kMariaDb));
    mariadb_as_root({std::string("CREATE USER IF NOT EXISTS '") + kTlsUser +
                         "'@'%' IDENTIFIED BY '" + kTlsPassword + "' REQUIRE SSL",
                     "GRANT ALL PRIVILEGES ON `" + schema_ + "`.* TO '" + kTlsUser + "'@'%'"});
    env_["DB_USER"] = kTlsUser;
    env_["DB_PASSWORD"] = kTlsPassword;
    env_["DB_TLS"] = "1";
    env_["DB_TLS_CA_FILE"] = ca.string();
  }
};

TEST_F(Tls, TelegramsTravelOverTlsToBrokerAndDatabase) {
  REQUIRE_MARIADB();
  const unsigned db_port = *Servers::get().mariadb_port();
  use_tls_database(pki().ca);
  use_tls_broker(pki().ca);

  // The servers refuse what is not TLS, and TLS with a CA that did not sign their certificate.
  EXPECT_TRUE(mariadb_login_error(db_port, kTlsUser, kTlsPassword, false))
      << "the REQUIRE SSL user logged in without TLS";
  EXPECT_FALSE(mariadb_login_error(db_port, kTlsUser, kTlsPassword, true, pki().ca.string()))
      << *mariadb_login_error(db_port, kTlsUser, kTlsPassword, true, pki().ca.string());
  EXPECT_TRUE(mariadb_login_error(db_port, kTlsUser, kTlsPassword, true, pki().other_ca.string()))
      << "the client accepted a server certificate of another CA";
  {
    MqttClient plain(tls_port(), "it-plain-to-tls-" + client_id_.substr(14));
    EXPECT_FALSE(plain.connect(milliseconds(1500))) << "the TLS listener took a plain client";
  }

  ASSERT_TRUE(start_service());
  TestMeter meter;
  const auto sent = meter.telegrams(0, 30);
  publish(sent);
  ASSERT_TRUE(wait_rows(30, seconds(20))) << db().count() << " of 30 stored";
  expect_history_is(sent, meter);
  EXPECT_TRUE(mqtt().wait_count(values_topic_, sent.size(), seconds(10)));
  const std::string log = service().log();
  EXPECT_NE(log.find("mqtt: connected to ssl://127.0.0.1:" + std::to_string(tls_port())),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("database: cannot"), std::string::npos) << log;
  EXPECT_EQ(stop_service(), 0);
}

TEST_F(Tls, BrokerCertificateOfAnotherCaIsRefused) {
  USE_BACKEND(Backend::kSqlite);
  use_tls_broker(pki().other_ca);
  write_env();
  mqtt();  // subscribed to the status topic before the service starts
  service().start();
  ASSERT_TRUE(service().wait_for_log("TCP/TLS connect failure", seconds(15))) << service().log();
  // Telegrams published after the service's first attempt; a client that skipped the
  // certificate check would have connected, said "online" and stored them.
  TestMeter meter;
  publish(meter.telegrams(0, 5));
  std::this_thread::sleep_for(seconds(2));
  EXPECT_TRUE(service().running());
  EXPECT_EQ(mqtt().count(status_topic_), 0u) << "the service connected to the broker";
  EXPECT_LE(db().count(), 0) << "telegrams were stored";
  const std::string log = service().log();
  EXPECT_NE(log.find("MQTT_TLS_CA_FILE " + pki().other_ca.string()), std::string::npos)
      << "the log does not say which CA file failed:\n"
      << log;
  EXPECT_EQ(log.find("mqtt: connected"), std::string::npos) << log;
  EXPECT_EQ(stop_service(), 0);
}

TEST_F(Tls, DatabaseCertificateOfAnotherCaIsRefusedAndTheJournalKeepsTheTelegrams) {
  REQUIRE_MARIADB();
  use_tls_database(pki().other_ca);
  use_tls_broker(pki().ca);
  ASSERT_TRUE(start_service());
  TestMeter meter;
  const auto sent = meter.telegrams(0, 10);
  publish(sent);
  ASSERT_TRUE(service().wait_for_log("database: cannot open", seconds(15))) << service().log();
  const auto deadline = Clock::now() + seconds(10);
  while (journal_records() < sent.size() && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(journal_records(), sent.size()) << "telegrams not journaled";
  EXPECT_LE(db().count(), 0) << "telegrams were stored although the CA does not fit";
  const std::string log = service().log();
  EXPECT_NE(log.find("certificate"), std::string::npos) << "the log does not name the cause:\n"
                                                        << log;
  stop_service(seconds(15));

  // With the right CA the same journal reaches the database: nothing was lost.
  env_["DB_TLS_CA_FILE"] = pki().ca.string();
  ASSERT_TRUE(start_service());
  ASSERT_TRUE(wait_rows(10, seconds(20))) << db().count() << " of 10 stored";
  expect_history_is(sent, meter);
  EXPECT_EQ(stop_service(), 0);
}

TEST_F(Tls, MissingCaFileIsAUsageErrorNamingTheSetting) {
  for (const char* setting : {"MQTT_TLS_CA_FILE", "DB_TLS_CA_FILE"}) {
    SCOPED_TRACE(setting);
    std::map<std::string, std::string> env = env_;
    env["MQTT_TLS"] = "1";
    env["DB_HOST"] = "127.0.0.1";
    env["DB_TLS"] = "1";
    env[setting] = (dir_ / "no-such-ca.crt").string();
    write_env_file(env_file_, env);
    const CommandResult run =
        run_smartmeter({"run", "--env", env_file_.string()}, dir_, "", seconds(10));
    EXPECT_EQ(run.status, 2) << run.out << run.err;
    EXPECT_NE(run.err.find(setting), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("no-such-ca.crt"), std::string::npos) << run.err;
    EXPECT_EQ(run.out.find("running:"), std::string::npos) << "the service started: " << run.out;
  }
}

}  // namespace
}  // namespace meter::it
