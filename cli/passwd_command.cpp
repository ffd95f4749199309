// SPDX-License-Identifier: MIT
// `smartmeter passwd`: the dashboard's password as the server.env line that stores only its
// argon2id hash; `smartmeter passwd --token`: a new API token for scripts and Prometheus, and the
// line that stores only its SHA-256. The password is read at a prompt without echo, or from
// stdin when that is not a terminal (`printf '%s\n' "$PW" | smartmeter passwd`).
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.h"
#include "meter/http/access.h"

namespace meter::cli {
namespace {

constexpr std::size_t kMinPasswordLength = 8;
constexpr std::size_t kMaxPasswordLength = 1024;

// One line from stdin; with a terminal, after `prompt` on stderr and without echo.
std::optional<std::string> read_secret(const char* prompt, bool terminal) {
  termios saved{};
  if (terminal) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int print_password_hash(const std::string& user) {
  const bool terminal = ::isatty(STDIN_FILENO) != 0;
  const auto password = read_secret("New password for the dashboard: ", terminal);
  if (!password) {
    std::cerr << "smartmeter passwd: no password given (stdin ended)\n";
    return kExitUsage;
  }
  if (password->size() < kMinPasswordLength || password->size() > kMaxPasswordLength) {
    std::cerr << "smartmeter passwd: the password must have " << kMinPasswordLength << " to "
              << kMaxPasswordLength << " characters\n";
    return kExitUsage;
  }
  if (terminal) {
    const auto again = read_secret("The same again: ", terminal);
    if (!again || *again != *password) {
      std::cerr << "smartmeter passwd: the two passwords differ; nothing was printed\n";
      return kExitUsage;
    }
  }
  const std::string hash = http::hash_password(*password);
  if (hash.empty()) {
    std::cerr << "smartmeter passwd: could not hash the password (out of memory?)\n";
    return 1;
  }
  if (terminal) {
    std::cerr << "Add these lines to server.env (the hash stands for the password; the password "
                 "itself is stored nowhere):\n";
  }
  if (user != "smartmeter") std::cout << "SMARTMETER_HTTP_USER=" << user << "\n";
  // Single quotes: systemd, compose and a shell take the $ signs as they are.
  std::cout << "SMARTMETER_HTTP_PASSWORD_HASH='" << hash << "'\n";
  return kExitOk;
}

int print_token() {
  const std::string token = http::new_token();
  std::cerr << "New API token (shown only now; give it to your script or Prometheus as "
               "'Authorization: Bearer TOKEN'):\n"
            << token << "\n"
            << "Add this line to server.env (it stores only the token's SHA-256):\n";
  std::cout << "SMARTMETER_HTTP_TOKEN_SHA256=" << http::token_sha256(token) << "\n";
  return kExitOk;
}

}  // namespace

void add_passwd_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "passwd",
      "Print the server.env line that protects the dashboard, the API and /metrics with a "
      "password (stored as an argon2id hash), or with --token a new API token for scripts and "
      "Prometheus (stored as its SHA-256). The password is asked for without echo, or read as "
      "one line from stdin when that is not a terminal. See docs/security.md.");
  auto user = std::make_shared<std::string>("smartmeter");
  auto token = std::make_shared<bool>(false);
  cmd->add_option("--user", *user,
                  "the user name to log in with (default smartmeter; another one also prints "
                  "its SMARTMETER_HTTP_USER line)");
  cmd->add_flag("--token", *token,
                "make a new API token instead (Authorization: Bearer TOKEN, also for /metrics)");
  cmd->callback([user, token, &exit_status] {
    if (user->empty() || user->find(':') != std::string::npos) {
      std::cerr << "smartmeter passwd: --user must be a name without ':'\n";
      exit_status = kExitUsage;
      return;
    }
    exit_status = *token ? print_token() : print_password_hash(*user);
  });
}

}  // namespace meter::cli
