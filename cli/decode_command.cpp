// SPDX-License-Identifier: MIT
// `smartmeter decode`: hex telegram(s) from a file or stdin -> JSON (or text) on stdout.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "commands.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"

namespace meter::cli {
namespace {

struct DecodeOptions {
  std::string key_hex;
  std::string auth_key_hex;
  std::string format = "json";
  std::string input = "-";
};

int run_decode(const DecodeOptions& options) {
  const auto keys = keys_from_options("decode", options.key_hex, options.auth_key_hex);
  if (!keys) return kExitUsage;

  std::string text;
  if (options.input == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream file(options.input, std::ios::binary);
    if (!file) {
      std::cerr << "smartmeter decode: cannot read " << options.input << "\n";
      return kExitUsage;
    }
    text.assign(std::istreambuf_iterator<char>(file), {});
  }

  crypto::OpenSslGcmCipher cipher;
  core::TelegramDecoder decoder(cipher, core::KeyRing(*keys));
  auto telegram = std::make_unique<core::Telegram>();

  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    std::cerr << "smartmeter decode: no input (expected a telegram as hex text)\n";
    return kExitDecodeFailed;
  }
  int status = kExitOk;
  std::size_t printed = 0;
  core::PayloadReader telegrams(decoder, text);
  for (core::Status decoded; telegrams.next(*telegram, decoded);) {
    if (!decoded) {
      std::cerr << "smartmeter decode: ";
      if (telegrams.by_line()) std::cerr << "line " << telegrams.line() << ": ";
      std::cerr << core::describe(decoded.failure()) << "\n";
      status = kExitDecodeFailed;
      continue;
    }
    if (options.format == "text") {
      if (printed > 0) std::cout << "\n";
      std::cout << json::telegram_to_text(*telegram);
    } else {
      std::cout << json::telegram_to_json_line(*telegram) << "\n";
    }
    ++printed;
  }
  return status;
}

}  // namespace

std::optional<core::MeterKeys> keys_from_options(const std::string& command,
                                                 const std::string& key_hex,
                                                 const std::string& auth_key_hex) {
  const auto key = core::AesKey::from_hex(key_hex);
  if (!key) {
    std::cerr << "smartmeter " << command
              << ": --key must be 32 hex digits (the 16-byte key from your grid operator, e.g. "
                 "EVN's customer portal)\n";
    return std::nullopt;
  }
  core::MeterKeys keys{*key, std::nullopt};
  if (!auth_key_hex.empty()) {
    keys.authentication = core::AesKey::from_hex(auth_key_hex);
    if (!keys.authentication) {
      std::cerr << "smartmeter " << command << ": --auth-key must be 32 hex digits\n";
      return std::nullopt;
    }
  }
  return keys;
}

bool refuse_unreadable_operator(const core::OperatorProfile* profile, const std::string& command) {
  if (profile == nullptr || core::operator_readable(*profile)) return false;
  std::cerr << "smartmeter " << command << ": operator " << profile->id << ": "
            << profile->not_readable << "\n";
  return true;
}

void add_decode_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<DecodeOptions>();
  CLI::App* command = app.add_subcommand(
      "decode",
      "Decode telegrams given as hex text (one per line) from FILE or stdin and print one JSON "
      "object per telegram.");
  command
      ->add_option("--key", options->key_hex,
                   "The meter's 16-byte encryption key as 32 hex digits (from your grid "
                   "operator, e.g. EVN's customer portal)")
      ->required();
  command->add_option("--auth-key", options->auth_key_hex,
                      "Authentication key (32 hex digits), for meters that send a GCM tag "
                      "(security byte 0x30); not used by EVN");
  command->add_option("--format", options->format, "Output: json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));
  command->add_option("FILE", options->input, "File with hex telegrams; - or none for stdin");
  command->footer(
      "Exit status: 0 all telegrams decoded, 1 at least one failed (reason on stderr), 2 usage.\n"
      "Example:\n  smartmeter decode --key 36C66639E48A8CA4D6BC8B282A793BBB telegram.hex");
  command->callback([options, &exit_status] { exit_status = run_decode(*options); });
}

}  // namespace meter::cli
