// SPDX-License-Identifier: MIT
// The real `smartmeter` binary as a child process: the service in the background (log to a
// file), or a command run to completion (stdout and stderr captured apart).
//
// The child gets the test's environment without any variable the service reads
// (SMARTMETER_*, DB_*, MQTT_*), so a developer's shell cannot change what a test means.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meter::it {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string smartmeter_binary();
std::string read_text(const std::filesystem::path& file);
void write_text(const std::filesystem::path& file, const std::string& text);

// `env` (KEY=VALUE lines as server.env) written with mode 600.
void write_env_file(const std::filesystem::path& file,
                    const std::map<std::string, std::string>& env);

struct CommandResult {
  int status = -1;  // exit status; -1 when killed by a signal or timed out
  std::string out;
  std::string err;
  milliseconds took{0};
  bool timed_out = false;
};

// Runs `smartmeter <args>` in `cwd` with `input` on stdin, at most `timeout` (then SIGKILL).
// `extra_env` is added to the child's environment.
CommandResult run_smartmeter(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                             const std::string& input = "", milliseconds timeout = seconds(60),
                             const std::map<std::string, std::string>& extra_env = {});

// `smartmeter run --env <file>` in the background; stdout and stderr appended to `log_file`.
class ServiceProcess {
 public:
  ServiceProcess(std::filesystem::path cwd, std::filesystem::path env_file,
                 std::filesystem::path log_file);
  ~ServiceProcess();  // SIGKILL if still running
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  void start(const std::vector<std::string>& args = {"run"});
  bool running();
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits up to `timeout` for the exit; the exit status, or nullopt when it
  // did not exit in time (it is then killed) or died from a signal. `took` = signal to exit.
  std::optional<int> stop(int signal, milliseconds timeout, milliseconds* took = nullptr);
  // SIGKILL and reap.
  void kill_hard();
  // Waits up to `timeout` for the process to exit by itself.
  std::optional<int> wait_exit(milliseconds timeout);
  // The exit status once it has exited (after stop/wait_exit), else nullopt.
  std::optional<int> exit_status() const { return exit_status_; }
  int term_signal() const { return term_signal_; }

  std::string log() const { return read_text(log_file_); }
  const std::filesystem::path& log_file() const { return log_file_; }
  // Waits until the log contains `text` (counting from byte `from`); false on timeout or exit.
  bool wait_for_log(const std::string& text, milliseconds timeout, std::size_t from = 0);

  // /proc/<pid>/status VmHWM in kB, and utime+stime in seconds (while running).
  std::optional<long> peak_rss_kb() const;
  std::optional<double> cpu_seconds() const;

 private:
  bool reap(bool block);

  std::filesystem::path cwd_;
  std::filesystem::path env_file_;
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  int term_signal_ = 0;
};

}  // namespace meter::it
