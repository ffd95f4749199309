// SPDX-License-Identifier: MIT
// The real servers of the integration tests: a mosquitto and a MariaDB on 127.0.0.1, started by
// tools/test-servers.sh with all their data in a fresh temporary directory, and stopped (and the
// directory removed) when the test program ends. One set per test process: ctest runs every test
// in its own process, so tests never share a server and fault tests may restart theirs.
//
// Each server is started when a test first asks for it (a config test needs none, a SQLite test
// no MariaDB). Without mariadbd, tests that need MariaDB skip and say why (REQUIRE_MARIADB()).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace meter::it {

class Servers final : public ::testing::Environment {
 public:
  // The one instance, registered by it_main.cpp.
  static Servers& get();

  void SetUp() override;
  void TearDown() override;

  // Port of the test broker; starts it on first use. Fails the test (and returns 0) when it
  // cannot be started.
  unsigned mosquitto_port();
  // Port of the test MariaDB; starts it on first use. nullopt (and `why` says why) when mariadbd
  // is not installed or does not start.
  std::optional<unsigned> mariadb_port(std::string* why = nullptr);

  // tools/test-servers.sh <action> mosquitto|mariadb <dir>: true on success.
  bool control(const std::string& action, const std::string& kind);
  bool restart_mosquitto() { return control("restart", "mosquitto"); }
  bool restart_mariadb() { return control("restart", "mariadb"); }
  bool stop_mosquitto() { return control("stop", "mosquitto"); }
  bool start_mosquitto() { return control("start", "mosquitto"); }
  bool stop_mariadb() { return control("stop", "mariadb"); }
  bool start_mariadb() { return control("start", "mariadb"); }

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path server_dir(const std::string& kind) const { return dir_ / kind; }
  // The file test-servers.sh output goes to.
  std::filesystem::path log_file() const { return dir_ / "test-servers.log"; }

  static bool mariadbd_installed();

 private:
  Servers() = default;

  std::filesystem::path dir_;
  bool mosquitto_started_ = false;
  bool mariadb_started_ = false;
  std::string mariadb_error_;
};

}  // namespace meter::it

// Skips the test with a clear message when no MariaDB can be had.
#define REQUIRE_MARIADB()                                                               \
  do {                                                                                  \
    std::string why_no_mariadb_;                                                        \
    if (!::meter::it::Servers::get().mariadb_port(&why_no_mariadb_)) {                  \
      if (!::meter::it::Servers::mariadbd_installed()) GTEST_SKIP() << why_no_mariadb_; \
      FAIL() << why_no_mariadb_;                                                        \
    }                                                                                   \
  } while (false)
