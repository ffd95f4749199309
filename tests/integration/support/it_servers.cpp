// SPDX-License-Identifier: MIT
#include "it_servers.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace meter::it {
namespace {

namespace fs = std::filesystem;

std::string servers_script() {
  const char* from_env = std::getenv("METER_TEST_SERVERS");
  return from_env != nullptr && *from_env != '\0' ? from_env : METER_TEST_SERVERS;
}

unsigned read_port(const fs::path& dir) {
  std::ifstream in(dir / "port");
  unsigned port = 0;
  in >> port;
  return port;
}

std::string tail(const fs::path& file, std::size_t max_chars) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > max_chars ? all.substr(all.size() - max_chars) : all;
}

// Stops whatever the environment started even when a test calls exit() or a fatal gtest
// failure skips TearDown.
void stop_at_exit() { Servers::get().TearDown(); }

// When the test program is killed (a ctest timeout), nothing of it runs any more: a watchdog
// shell, in a session of its own, waits for the end of a pipe only this process holds, then
// stops the servers and removes the directory. Idempotent after a normal TearDown.
void start_watchdog(const fs::path& dir) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  const std::string script = servers_script();
  std::string command = "cat >/dev/null; ";
  for (const char* kind : {"mosquitto", "mariadb"}) {
    command +=
        "'" + script + "' stop " + kind + " '" + (dir / kind).string() + "' >/dev/null 2>&1; ";
  }
  if (std::getenv("METER_IT_KEEP") == nullptr) command += "rm -rf '" + dir.string() + "'";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::dup2(fds[0], 0);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);
  // fds[1] stays open (close-on-exec, so no child inherits it) until this process ends.
}

}  // namespace

Servers& Servers::get() {
  static Servers* instance = new Servers();  // owned by gtest once registered
  return *instance;
}

bool Servers::mariadbd_installed() {
  // METER_IT_NO_MARIADB=1 behaves as if mariadbd were not installed (to check the skips).
  if (const char* off = std::getenv("METER_IT_NO_MARIADB"); off != nullptr && *off == '1') {
    return false;
  }
  if (fs::exists("/usr/sbin/mariadbd")) return true;
  return std::system("command -v mariadbd >/dev/null 2>&1") == 0;
}

void Servers::SetUp() {
  if (!dir_.empty()) return;
  std::string pattern = (fs::temp_directory_path() / "smartmeter-it-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "integration: cannot create a temporary directory\n");
    std::abort();
  }
  dir_ = pattern;
  start_watchdog(dir_);
  std::atexit(stop_at_exit);
}

void Servers::TearDown() {
  if (dir_.empty()) return;
  if (mosquitto_started_) control("stop", "mosquitto");
  if (mariadb_started_) control("stop", "mariadb");
  mosquitto_started_ = false;
  mariadb_started_ = false;
  if (std::getenv("METER_IT_KEEP") == nullptr) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  } else {
    std::fprintf(stderr, "integration: kept %s\n", dir_.c_str());
  }
  dir_.clear();
}

bool Servers::control(const std::string& action, const std::string& kind) {
  if (dir_.empty()) SetUp();
  const std::string command = "'" + servers_script() + "' " + action + " " + kind + " '" +
                              server_dir(kind).string() + "' >>'" + log_file().string() + "' 2>&1";
  std::fflush(stdout);
  std::fflush(stderr);
  const bool ok = std::system(command.c_str()) == 0;
  if (ok && (action == "start" || action == "restart")) {
    (kind == "mosquitto" ? mosquitto_started_ : mariadb_started_) = true;
  }
  if (!ok) {
    std::fprintf(stderr, "integration: `test-servers.sh %s %s` failed:\n%s\n", action.c_str(),
                 kind.c_str(), tail(log_file(), 3000).c_str());
  }
  return ok;
}

unsigned Servers::mosquitto_port() {
  if (!mosquitto_started_) {
    if (!control("start", "mosquitto")) {
      ADD_FAILURE() << "cannot start mosquitto (Debian packages mosquitto, mosquitto-clients); "
                       "see the output above";
      return 0;
    }
  }
  return read_port(server_dir("mosquitto"));
}

std::optional<unsigned> Servers::mariadb_port(std::string* why) {
  if (!mariadb_started_) {
    if (!mariadb_error_.empty()) {
      if (why != nullptr) *why = mariadb_error_;
      return std::nullopt;
    }
    if (!mariadbd_installed()) {
      mariadb_error_ =
          "mariadbd is not installed (Debian package mariadb-server): MariaDB test skipped";
    } else if (!control("start", "mariadb")) {
      mariadb_error_ = "tools/test-servers.sh start mariadb failed:\n" + tail(log_file(), 3000);
    }
    if (!mariadb_error_.empty()) {
      if (why != nullptr) *why = mariadb_error_;
      return std::nullopt;
    }
  }
  return read_port(server_dir("mariadb"));
}

}  // namespace meter::it
