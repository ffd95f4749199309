// SPDX-License-Identifier: MIT
// `smartmeter check --serial DEV`: for the first setup of a USB M-Bus adapter. Waits for the
// meter's telegrams on the serial device, says what arrived (frames, system title, frame
// counter; with the key the values) and, when nothing usable came, what is most likely wrong.
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/core/apdu.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/hex.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"
#include "meter/serial/serial_reader.h"

namespace meter::cli {
namespace {

struct CheckOptions {
  std::string device;
  std::string format = "2400 8E1";
  std::string key_hex;
  std::string auth_key_hex;
  int seconds = 30;
  int telegrams = 3;
};

// What the unencrypted part of a telegram says: enough to see that the right meter sends.
std::string describe_frames(const std::string& hex) {
  std::vector<std::uint8_t> bytes(hex.size() / 2);
  const auto decoded = core::decode_hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  auto assembler = std::make_unique<core::FrameAssembler>();
  if (!decoded.ok ||
      assembler->push(bytes.data(), decoded.size).event != core::FrameAssembler::Event::kTelegram) {
    return std::to_string(hex.size() / 2) + " bytes";
  }
  std::string text = std::to_string(assembler->telegram_size()) + " bytes in " +
                     std::to_string(assembler->segment_count()) + " M-Bus frame" +
                     (assembler->segment_count() == 1 ? "" : "s");
  std::vector<std::uint8_t> apdu(core::FrameAssembler::kCapacity);
  apdu.resize(assembler->copy_apdu(apdu.data(), apdu.size()));
  core::CipheredApdu header;
  if (!core::parse_general_glo_ciphering(apdu, header)) {
    char first[8] = "none";
    if (!apdu.empty()) (void)std::snprintf(first, sizeof first, "0x%02X", apdu[0]);
    return text + "; not a general-glo-ciphering APDU (first byte " + first + ")";
  }
  std::string maker;  // the first three bytes of a system title are the maker's letters
  for (std::size_t i = 0; i < 3; ++i) {
    const auto c = static_cast<char>(header.system_title[i]);
    if (c >= 'A' && c <= 'Z') maker += c;
  }
  char details[96];
  (void)std::snprintf(details, sizeof details, "; frame counter %u, security 0x%02X (%s%s)",
                      static_cast<unsigned>(header.frame_counter), header.security_control,
                      header.encrypted() ? "encrypted" : "not encrypted",
                      header.authenticated() ? ", with authentication tag" : "");
  return text + "; system title " + json::system_title_hex(header.system_title) +
         (maker.size() == 3 ? " (" + maker + ")" : "") + details;
}

// The most likely cause when no telegram or no decodable telegram arrived.
std::string diagnose(const serial::SerialStats& stats, const CheckOptions& options,
                     std::size_t decoded, std::size_t failed) {
  if (stats.bytes == 0) {
    return "No bytes arrived in " + std::to_string(options.seconds) +
           " s. Check that the meter's customer interface is enabled (Netz NÖ / EVN enable it on "
           "request; other operators too), that the adapter is a slave M-Bus adapter wired to the "
           "meter's customer interface, and that " +
           options.device + " is that adapter (ls -l /dev/serial/by-id/).";
  }
  if (stats.telegrams == 0 && stats.frames == 0) {
    return std::to_string(stats.bytes) +
           " bytes arrived, but no M-Bus frame. Usually the serial format is wrong (EVN and "
           "Netz NÖ send 2400 8E1; try --format), or the adapter inverts the signal. Meters that "
           "send HDLC frames (7E A0 ...) are not read by this version.";
  }
  if (stats.telegrams == 0) {
    return "Frames arrived but no complete telegram (" + std::to_string(stats.checksum_errors) +
           " checksum errors, " + std::to_string(stats.other_errors) +
           " other frame errors): a noisy line or the wrong parity/baud rate.";
  }
  if (options.key_hex.empty()) {
    return "Telegrams arrive. Give the key (--key, 32 hex digits from your grid operator) to see "
           "the values.";
  }
  if (decoded == 0) {
    return "Telegrams arrive but none decoded with this key (" + std::to_string(failed) +
           " failed): check the key with your grid operator (Netz NÖ: smart meter web portal).";
  }
  return "OK: telegrams arrive and " + std::to_string(decoded) + " of " +
         std::to_string(decoded + failed) + " decoded with the key.";
}

int run_check(const CheckOptions& options) {
  const auto format = app::parse_serial_format(options.format);
  if (!format) {
    std::cerr << "smartmeter check: --format must look like \"2400 8E1\" (baud rate, data bits, "
                 "parity N/E/O, stop bits)\n";
    return kExitUsage;
  }
  std::optional<core::TelegramDecoder> decoder;
  crypto::OpenSslGcmCipher cipher;
  if (!options.key_hex.empty()) {
    const auto keys = keys_from_options("check", options.key_hex, options.auth_key_hex);
    if (!keys) return kExitUsage;
    decoder.emplace(cipher, core::KeyRing(*keys));
  }

  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<std::string> queue;
  spdlog::set_level(spdlog::level::err);  // the reader's own lines would repeat ours
  serial::SerialReader reader(options.device, *format);
  reader.start([&](const std::string& hex) {
    const std::lock_guard lock(mutex);
    queue.push_back(hex);
    arrived.notify_one();
  });
  // The first attempt to open the device decides within moments whether waiting makes sense.
  const auto opening = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!reader.connected() && reader.open_error().empty() &&
         std::chrono::steady_clock::now() < opening) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (const auto error = reader.open_error(); !reader.connected() && !error.empty()) {
    reader.stop();
    std::cerr << "smartmeter check: cannot open " << options.device << ": " << error
              << "\n(Serial devices belong to the group dialout: sudo usermod -aG dialout $USER, "
                 "then log in again.)\n";
    return kExitDecodeFailed;
  }
  std::cout << "Reading " << options.device << " (" << format->text() << ") for up to "
            << options.seconds << " s or " << options.telegrams << " telegrams...\n"
            << std::flush;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.seconds);
  std::size_t seen = 0;
  std::size_t decoded = 0;
  std::size_t failed = 0;
  auto telegram = std::make_unique<core::Telegram>();
  while (seen < static_cast<std::size_t>(options.telegrams)) {
    std::unique_lock lock(mutex);
    if (!arrived.wait_until(lock, deadline, [&] { return !queue.empty(); })) break;
    const std::string hex = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    ++seen;
    std::cout << "telegram " << seen << ": " << describe_frames(hex) << "\n";
    if (!decoder) continue;
    if (const auto status = decoder->decode_hex(hex, *telegram); !status) {
      ++failed;
      std::cout << "  not decoded: " << core::to_string(status.failure().code) << "\n";
      continue;
    }
    ++decoded;
    std::string text = json::telegram_to_text(*telegram);
    for (std::size_t at = 0; at < text.size();) {  // indented under its telegram line
      const std::size_t end = text.find('\n', at);
      std::cout << "  " << text.substr(at, end - at) << "\n";
      at = end == std::string::npos ? text.size() : end + 1;
    }
  }
  reader.stop();
  const auto stats = reader.stats();
  std::cout << "serial: " << stats.summary() << "\n"
            << diagnose(stats, options, decoded, failed) << "\n";
  const bool usable = seen > 0 && (!decoder || decoded > 0);
  return usable ? kExitOk : kExitDecodeFailed;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app.add_subcommand(
      "check",
      "For the first setup of a USB M-Bus adapter: wait for the meter's telegrams on a serial "
      "device and report what arrived and, if nothing usable did, what is most likely wrong.");
  command
      ->add_option("--serial", options->device,
                   "The serial device of the adapter, e.g. /dev/ttyUSB0 or "
                   "/dev/serial/by-id/usb-...")
      ->required();
  command->add_option("--format", options->format,
                      "Baud rate, data bits, parity and stop bits (default \"2400 8E1\", what "
                      "EVN / Netz NÖ send)");
  command->add_option("--key", options->key_hex,
                      "The meter's key (32 hex digits) to show the values; without it only the "
                      "unencrypted header is shown");
  command->add_option("--auth-key", options->auth_key_hex,
                      "Authentication key (32 hex digits), for meters that send a GCM tag");
  command->add_option("--seconds", options->seconds, "How long to wait at most (default 30)")
      ->check(CLI::Range(1, 3600));
  command->add_option("--telegrams", options->telegrams, "Stop after this many (default 3)")
      ->check(CLI::Range(1, 1000));
  command->footer(
      "Exit status: 0 telegrams arrived (and, with --key, at least one decoded), 1 none or none "
      "decoded (the reason is printed), 2 usage.\n"
      "Example:\n  smartmeter check --serial /dev/ttyUSB0 --key 36C66639E48A8CA4D6BC8B282A793BBB");
  command->callback([options, &exit_status] { exit_status = run_check(*options); });
}

}  // namespace meter::cli
