// SPDX-License-Identifier: MIT
// `smartmeter check`: for the first setup. Listens for the meter's telegrams, either on the raw
// MQTT topic of the service's settings (server.env: broker, topic, keys) or, with --serial DEV,
// on a USB M-Bus adapter, says what arrived (frames, checksums, system title, frame counter,
// whether the key decrypts, the values of the last good telegram) and, when nothing usable came,
// what is most likely wrong. The key is never printed.
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

#include <unistd.h>

#include <map>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/app/live_state.h"
#include "meter/core/apdu.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/hex.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"
#include "meter/mqtt/paho_connection.h"
#include "meter/serial/serial_reader.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

struct CheckOptions {
  std::shared_ptr<SettingsFile> settings_file = std::make_shared<SettingsFile>();
  std::string device;
  std::string format;       // empty: the operator's, else 2400 8E1
  std::string operator_id;  // --operator; empty: SMARTMETER_OPERATOR (MQTT check)
  std::string key_hex;
  std::string auth_key_hex;
  int seconds = 30;
  int telegrams = 3;
  bool telegrams_given = false;
};

// Exit statuses of the MQTT check beyond the shared ones (0 decoded, 1 none decoded, 2 usage).
constexpr int kExitNoTelegram = 3;
constexpr int kExitNoBroker = 4;

// A decoded telegram's values, indented under its telegram line.
void print_values(const core::Telegram& telegram) {
  const std::string text = json::telegram_to_text(telegram);
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    std::cout << "  " << text.substr(at, end - at) << "\n";
    at = end == std::string::npos ? text.size() : end + 1;
  }
}

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
           " bytes arrived, but no M-Bus, HDLC or P1 text frame. Usually the serial format is "
           "wrong (EVN and Netz NÖ send 2400 8E1; other operators: --operator, or try "
           "--format), or the adapter inverts the signal.";
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

void print_operator(const core::OperatorProfile* profile) {
  if (profile == nullptr) return;
  std::cout << "operator " << profile->id << ":\n"
            << app::describe_operator_profile(*profile, "  ");
}

int run_check(const CheckOptions& options) {
  const core::OperatorProfile* profile = nullptr;
  if (!operator_from_option("check", options.operator_id, profile)) return kExitUsage;
  if (refuse_unreadable_operator(profile, "check")) return kExitUsage;
  std::string format_text = options.format;
  if (format_text.empty() && profile != nullptr) {
    format_text = app::serial_format_of(profile->line).text();
  }
  const auto format = app::parse_serial_format(format_text.empty() ? "2400 8E1" : format_text);
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
    decoder.emplace(cipher, core::KeyRing(*keys), app::decoder_options_for(profile));
  }
  print_operator(profile);

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
    print_values(*telegram);
  }
  reader.stop();
  const auto stats = reader.stats();
  std::cout << "serial: " << stats.summary() << "\n"
            << diagnose(stats, options, decoded, failed) << "\n";
  const bool usable = seen > 0 && (!decoder || decoded > 0);
  return usable ? kExitOk : kExitDecodeFailed;
}

// What the MQTT check saw, for its summary and its verdict.
struct MqttTally {
  std::size_t messages = 0;
  std::size_t telegrams = 0;
  std::size_t decoded = 0;
  std::size_t intact_undecrypted = 0;  // checksums right, the key does not fit
  std::size_t damaged = 0;             // framing: checksum, stop byte, cut short
  std::size_t other = 0;               // not hex, not a telegram, ...
  std::map<std::string, std::size_t> titles;
  std::map<core::DecodeError, std::size_t> errors;
  std::unique_ptr<core::Telegram> last_good;
};

std::string title_hex(const core::SystemTitle& title) {
  std::string hex(title.size() * 2, '0');
  core::encode_hex_upper(title.data(), title.size(), hex.data());
  return hex;
}

bool has_title(const core::Telegram& telegram) {
  return std::any_of(telegram.system_title.begin(), telegram.system_title.end(),
                     [](std::uint8_t b) { return b != 0; });
}

// The one thing to check first, from what arrived.
std::string mqtt_verdict(const MqttTally& t, const std::string& topic, int seconds) {
  if (t.messages == 0) {
    return "No message on " + topic + " in " + std::to_string(seconds) +
           " s. Check that the reader at the meter (ESP8266) is powered and connected to this "
           "broker, and that it publishes to this topic (SMARTMETER_RAWDATA_MQTT_TOPIC; "
           "mosquitto_sub -v -t '#' shows what arrives).";
  }
  if (t.decoded > 0) {
    return "OK: " + std::to_string(t.decoded) + " of " + std::to_string(t.telegrams) +
           " telegrams decoded with the key.";
  }
  if (t.intact_undecrypted > 0) {
    return "The frames arrive intact (checksums right) but do not decrypt: check the key from "
           "your grid operator (32 hex digits; SMARTMETER_KEY or SMARTMETER_KEYS) and, for "
           "several meters, that each system title has its own key.";
  }
  if (t.damaged > 0) {
    return "The frames arrive damaged (checksum or framing errors): check the M-Bus converter, "
           "its wiring and power supply, and the reader's serial format (EVN / Netz NÖ: 2400 "
           "8E1).";
  }
  return "Messages arrive but none is a telegram (hex text of M-Bus frames): check what "
         "publishes to " +
         topic + " (a different device, or the reader's payload format).";
}

void tally_outcome(const core::Telegram& telegram, const core::Status& status, MqttTally& t) {
  ++t.telegrams;
  if (has_title(telegram)) ++t.titles[title_hex(telegram.system_title)];
  if (status) {
    ++t.decoded;
    t.last_good = std::make_unique<core::Telegram>(telegram);
    std::cout << "  checksums right, decrypted with the key\n";
    return;
  }
  const core::DecodeError error = status.failure().code;
  ++t.errors[error];
  if (app::is_key_error(error)) {
    ++t.intact_undecrypted;
    std::cout << "  checksums right, not decrypted: " << core::to_string(error) << "\n";
  } else if (app::is_line_error(error)) {
    ++t.damaged;
    std::cout << "  damaged: " << core::to_string(error) << " (at byte " << status.failure().offset
              << ")\n";
  } else {
    ++t.other;
    std::cout << "  not a telegram: " << core::to_string(error) << "\n";
  }
}

int run_mqtt_check(const CheckOptions& options) {
  // --key stands in for the settings' keys: it is the one tried.
  app::SettingsLayer flags;
  if (!options.key_hex.empty()) flags["SMARTMETER_KEY"] = {options.key_hex, "flag --key"};
  if (!options.auth_key_hex.empty()) {
    flags["SMARTMETER_AUTH_KEY"] = {options.auth_key_hex, "flag --auth-key"};
  }
  if (!options.operator_id.empty()) {
    flags["SMARTMETER_OPERATOR"] = {options.operator_id, "flag --operator"};
  }
  const auto config = load_settings(*options.settings_file, app::Command::kRun, "check", flags);
  if (!config) return kExitUsage;
  if (refuse_unreadable_operator(config->operator_profile, "check")) return kExitUsage;
  print_operator(config->operator_profile);
  if (!config->serial_device.empty()) {
    std::cerr << "smartmeter check: the settings read the meter from the serial device "
              << config->serial_device << " (SMARTMETER_SERIAL): check it with --serial "
              << config->serial_device << "\n";
    return kExitUsage;
  }
  core::KeyRing keys = config->keys;
  std::string key_origin = "SMARTMETER_KEY/SMARTMETER_KEYS";
  if (!options.key_hex.empty()) {
    const auto given = keys_from_options("check", options.key_hex, options.auth_key_hex);
    if (!given) return kExitUsage;
    keys = core::KeyRing(*given);
    key_origin = "--key";
  } else {
    for (const char* name : {"SMARTMETER_KEYS", "SMARTMETER_KEY"}) {
      if (const auto it = config->origins.find(name); it != config->origins.end()) {
        key_origin = std::string(name) + " from " + it->second;
      }
    }
  }
  crypto::OpenSslGcmCipher cipher;
  core::TelegramDecoder decoder(cipher, keys, config->decoder_options());

  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<std::string> queue;
  spdlog::set_level(spdlog::level::off);  // the connection's own lines would repeat ours
  // The plain raw topic, never the shared subscription: a member of the service's group would
  // take telegrams away from it.
  mqtt_adapter::MqttSettings settings{config->mqtt_uri(),
                                      "smartmeter-check-" + std::to_string(::getpid()),
                                      config->mqtt_user,
                                      config->mqtt_password,
                                      config->mqtt_tls_ca_file,
                                      config->raw_topic,
                                      "",
                                      true};
  mqtt_adapter::PahoMqttConnection mqtt(settings);
  if (auto started = mqtt.start([&](const app::MqttMessage& message) {
        const std::lock_guard lock(mutex);
        queue.push_back(message.payload);
        arrived.notify_one();
      });
      !started) {
    std::cerr << "smartmeter check: " << started.error << "\n";
    return kExitNoBroker;
  }
  const auto connecting = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  // The first failed attempt decides: waiting for the reconnect would only repeat it.
  while (!mqtt.connected() && mqtt.last_error().empty() &&
         std::chrono::steady_clock::now() < connecting) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!mqtt.connected()) {
    const std::string why = mqtt.last_error();
    mqtt.stop();
    std::cerr << "smartmeter check: cannot reach the broker " << config->mqtt_uri()
              << (why.empty() ? "" : ": " + why)
              << "\nCheck MQTT_HOST, MQTT_PORT (MQTT_USER, MQTT_PASSWORD, MQTT_TLS) in the "
                 "settings and that the broker runs.\n";
    return kExitNoBroker;
  }
  std::cout << "Listening on " << config->raw_topic << " at " << config->mqtt_uri() << " for "
            << options.seconds << " s"
            << (options.telegrams_given ? " or " + std::to_string(options.telegrams) + " telegrams"
                                        : "")
            << " (key: " << key_origin << ")...\n"
            << std::flush;

  MqttTally tally;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.seconds);
  auto telegram = std::make_unique<core::Telegram>();
  while (!options.telegrams_given ||
         tally.telegrams < static_cast<std::size_t>(options.telegrams)) {
    std::unique_lock lock(mutex);
    if (!arrived.wait_until(lock, deadline, [&] { return !queue.empty(); })) break;
    const std::string payload = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    ++tally.messages;
    std::cout << "message " << tally.messages << ": " << describe_frames(payload) << "\n";
    core::PayloadReader reader(decoder, payload);
    for (core::Status status;;) {
      telegram->system_title = {};
      if (!reader.next(*telegram, status)) break;
      tally_outcome(*telegram, status, tally);
    }
  }
  mqtt.stop();

  std::cout << "\nSummary: " << tally.messages << " messages, " << tally.telegrams
            << " telegrams; checksums right " << tally.decoded + tally.intact_undecrypted
            << ", damaged " << tally.damaged << ", not telegrams " << tally.other << "\n";
  for (const auto& [title, count] : tally.titles) {
    std::cout << "system title " << title << ": " << count << " telegram" << (count == 1 ? "" : "s")
              << "\n";
  }
  std::cout << "key: "
            << (tally.decoded > 0              ? "decrypts"
                : tally.intact_undecrypted > 0 ? "does NOT decrypt"
                                               : "not tried (no intact frame)")
            << " (" << key_origin << ")\n";
  for (const auto& [error, count] : tally.errors) {
    std::cout << "  " << count << " x " << core::to_string(error) << "\n";
  }
  if (tally.last_good) {
    std::cout << "last good telegram:\n";
    print_values(*tally.last_good);
  }
  std::cout << mqtt_verdict(tally, config->raw_topic, options.seconds) << "\n";
  if (tally.decoded > 0) return kExitOk;
  return tally.messages == 0 ? kExitNoTelegram : kExitDecodeFailed;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app.add_subcommand(
      "check",
      "For the first setup: listen for the meter's telegrams (on the raw MQTT topic of the "
      "settings, or with --serial on a USB M-Bus adapter) and report what arrived: frames, "
      "checksums, system title, whether the key decrypts, the values of the last good telegram "
      "and, if nothing usable came, what is most likely wrong. The key is never printed.");
  add_settings_file_option(command, options->settings_file,
                           "Settings file for the MQTT check (broker, raw topic, keys)");
  command->add_option("--serial", options->device,
                      "Read a USB M-Bus adapter instead of MQTT: its serial device, e.g. "
                      "/dev/ttyUSB0 or /dev/serial/by-id/usb-...");
  command->add_option("--format", options->format,
                      "With --serial: baud rate, data bits, parity and stop bits (default: the "
                      "operator's, else \"2400 8E1\", what EVN / Netz NÖ send)");
  command->add_option("--operator", options->operator_id,
                      "Your grid operator (evn, wiener-netze, ...; default SMARTMETER_OPERATOR): "
                      "its serial settings and value layout; docs/operators.md");
  command->add_option("--key", options->key_hex,
                      "The meter's key (32 hex digits), instead of the settings' keys; with "
                      "--serial, without it only the unencrypted header is shown");
  command->add_option("--auth-key", options->auth_key_hex,
                      "Authentication key (32 hex digits), for meters that send a GCM tag");
  command->add_option("--seconds", options->seconds, "How long to listen at most (default 30)")
      ->check(CLI::Range(1, 3600));
  command
      ->add_option_function<int>(
          "--telegrams",
          [options](int n) {
            options->telegrams = n;
            options->telegrams_given = true;
          },
          "Stop after this many telegrams (default: --serial 3; MQTT: listen all --seconds)")
      ->check(CLI::Range(1, 1000));
  command->footer(
      "MQTT (default): the broker, raw topic and keys of server.env (--env FILE; the process "
      "environment overrides it, --key overrides the keys). A clean session of its own: the "
      "service's subscription and status are not touched.\n"
      "Exit status: 0 at least one telegram decoded; 1 telegrams arrived but none decoded "
      "(wrong key, damaged frames; the reason is printed); 2 usage or settings; 3 (MQTT) no "
      "message arrived; 4 (MQTT) the broker cannot be reached. With --serial: 0 telegrams "
      "arrived (and, with --key, one decoded), 1 none or none decoded, 2 usage.\n"
      "Examples:\n  smartmeter check --seconds 20\n"
      "  smartmeter check --env /etc/smartmeter/server.env --key "
      "36C66639E48A8CA4D6BC8B282A793BBB\n"
      "  smartmeter check --serial /dev/ttyUSB0 --key 36C66639E48A8CA4D6BC8B282A793BBB");
  command->callback([options, &exit_status] {
    exit_status = options->device.empty() ? run_mqtt_check(*options) : run_check(*options);
  });
}

}  // namespace meter::cli
