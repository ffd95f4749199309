// SPDX-License-Identifier: MIT
#include "it_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace meter::it {
namespace {

namespace fs = std::filesystem;

bool service_setting(const std::string& name) {
  return name.rfind("SMARTMETER_", 0) == 0 || name.rfind("DB_", 0) == 0 ||
         name.rfind("MQTT_", 0) == 0;
}

// The test's environment without the service's settings, plus `extra`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    if (service_setting(name) || extra.count(name) != 0) continue;
    out.push_back(text);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& text : strings) out.push_back(text.data());
  out.push_back(nullptr);
  return out;
}

// fork + exec of the smartmeter binary with the given descriptors for 0, 1 and 2.
pid_t spawn(const std::vector<std::string>& args, const fs::path& cwd, int in_fd, int out_fd,
            int err_fd, const std::map<std::string, std::string>& extra_env) {
  std::vector<std::string> argv_strings{smartmeter_binary()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = child_environment(extra_env);
  std::vector<char*> argv = pointers(argv_strings);
  std::vector<char*> envp = pointers(env_strings);
  const std::string dir = cwd.string();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(126);
    ::setpgid(0, 0);  // a Ctrl-C in the test's terminal is for the test, not the service
    // Dies with the test program, however that ends (a ctest timeout kills it).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

int open_or_throw(const fs::path& file, int flags) {
  const int fd = ::open(file.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("open " + file.string() + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

std::string smartmeter_binary() {
  const char* from_env = std::getenv("METER_SMARTMETER_BIN");
  return from_env != nullptr && *from_env != '\0' ? from_env : METER_SMARTMETER_BIN;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
}

void write_env_file(const fs::path& file, const std::map<std::string, std::string>& env) {
  std::string text = "# written by the integration test\n";
  for (const auto& [name, value] : env) text += name + "=" + value + "\n";
  write_text(file, text);
  ::chmod(file.c_str(), 0600);
}

CommandResult run_smartmeter(const std::vector<std::string>& args, const fs::path& cwd,
                             const std::string& input, milliseconds timeout,
                             const std::map<std::string, std::string>& extra_env) {
  static int counter = 0;
  const std::string stem = ".cmd-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  const fs::path in_file = cwd / (stem + ".in");
  const fs::path out_file = cwd / (stem + ".out");
  const fs::path err_file = cwd / (stem + ".err");
  write_text(in_file, input);
  const int in_fd = open_or_throw(in_file, O_RDONLY);
  const int out_fd = open_or_throw(out_file, O_WRONLY | O_CREAT | O_TRUNC);
  const int err_fd = open_or_throw(err_file, O_WRONLY | O_CREAT | O_TRUNC);

  CommandResult result;
  const auto started = Clock::now();
  const pid_t pid = spawn(args, cwd, in_fd, out_fd, err_fd, extra_env);
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  int raw = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &raw, WNOHANG);
    if (done == pid) break;
    if (Clock::now() - started > timeout) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &raw, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  result.took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  if (!result.timed_out && WIFEXITED(raw)) result.status = WEXITSTATUS(raw);
  result.out = read_text(out_file);
  result.err = read_text(err_file);
  std::error_code ignored;
  fs::remove(in_file, ignored);
  fs::remove(out_file, ignored);
  fs::remove(err_file, ignored);
  return result;
}

ServiceProcess::ServiceProcess(fs::path cwd, fs::path env_file, fs::path log_file)
    : cwd_(std::move(cwd)), env_file_(std::move(env_file)), log_file_(std::move(log_file)) {}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0 && !exit_status_ && term_signal_ == 0) kill_hard();
}

void ServiceProcess::start(const std::vector<std::string>& args) {
  if (pid_ > 0 && !exit_status_ && term_signal_ == 0) {
    throw std::logic_error("ServiceProcess::start: already running");
  }
  std::vector<std::string> full = args;
  full.push_back("--env");
  full.push_back(env_file_.string());
  const int in_fd = open_or_throw("/dev/null", O_RDONLY);
  const int log_fd = open_or_throw(log_file_, O_WRONLY | O_CREAT | O_APPEND);
  exit_status_.reset();
  term_signal_ = 0;
  pid_ = spawn(full, cwd_, in_fd, log_fd, log_fd, {});
  ::close(in_fd);
  ::close(log_fd);
}

bool ServiceProcess::reap(bool block) {
  if (pid_ <= 0) return true;
  if (exit_status_ || term_signal_ != 0) return true;
  int raw = 0;
  const pid_t done = ::waitpid(pid_, &raw, block ? 0 : WNOHANG);
  if (done != pid_) return false;
  if (WIFEXITED(raw)) exit_status_ = WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) term_signal_ = WTERMSIG(raw);
  return true;
}

bool ServiceProcess::running() { return pid_ > 0 && !reap(false); }

std::optional<int> ServiceProcess::wait_exit(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!reap(false)) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return exit_status_;
}

std::optional<int> ServiceProcess::stop(int signal, milliseconds timeout, milliseconds* took) {
  if (!running()) return exit_status_;
  const auto sent = Clock::now();
  ::kill(pid_, signal);
  auto status = wait_exit(timeout);
  if (took != nullptr) *took = std::chrono::duration_cast<milliseconds>(Clock::now() - sent);
  if (!exit_status_ && term_signal_ == 0) {
    kill_hard();
    return std::nullopt;
  }
  return status;
}

void ServiceProcess::kill_hard() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

bool ServiceProcess::wait_for_log(const std::string& text, milliseconds timeout, std::size_t from) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const std::string current = log();
    if (current.size() > from && current.find(text, from) != std::string::npos) return true;
    if (Clock::now() >= deadline || !running()) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

std::optional<long> ServiceProcess::peak_rss_kb() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return std::nullopt;
}

std::optional<double> ServiceProcess::cpu_seconds() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string text;
  std::getline(in, text);
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  // Fields after the command: state(3) ... utime(14) stime(15).
  double utime = 0;
  double stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::strtod(field.c_str(), nullptr);
    if (index == 15) {
      stime = std::strtod(field.c_str(), nullptr);
      return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

}  // namespace meter::it
