// SPDX-License-Identifier: MIT
// `smartmeter simulate`: N meter twins publishing encrypted telegrams to the raw topic, paced in
// real time (or faster: --interval, --time-scale), with the MQTT settings the service uses.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "meter/app/config.h"
#include "meter/app/simulator.h"
#include "meter/core/civil_time.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/mqtt/paho_publisher.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

std::atomic<bool> g_stop_simulation{false};

extern "C" void stop_simulation(int /*signal*/) { g_stop_simulation = true; }

// Frame counters are reserved in the state file this many at a time ahead of their use, so a
// fast run writes it rarely and a killed one has never used a counter beyond what it holds.
constexpr std::uint32_t kReservedCounters = 1000;
constexpr auto kMinReconnectWait = std::chrono::milliseconds(250);
constexpr auto kMaxReconnectWait = std::chrono::seconds(5);
constexpr double kMaxBackfillHours = 24 * 366;

// $XDG_STATE_HOME/smartmeter/simulate-counters, else ~/.local/state/...; empty without HOME.
std::string default_state_file() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && *state != '\0')
    return std::string(state) + "/smartmeter/simulate-counters";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    return std::string(home) + "/.local/state/smartmeter/simulate-counters";
  }
  return {};
}

// The next frame counter no earlier run has used (0: no state file yet).
std::uint32_t read_reserved_counter(const std::string& file) {
  std::ifstream in(file);
  std::uint64_t value = 0;
  if (!(in >> value)) return 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(value, 0xFFFFFFFF));
}

// Writes `next` (replacing the file as a whole, so that a crash leaves the old or the new value).
bool write_reserved_counter(const std::string& file, std::uint32_t next) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ignored);
  const std::string temporary = file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << next << "\n";
    out.flush();
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), file.c_str()) == 0;
}

struct SimulateOptions {
  std::shared_ptr<SettingsFile> settings_file = std::make_shared<SettingsFile>();
  std::string host;
  unsigned port = 0;
  std::string user;
  std::string password;
  std::string topic;
  std::string client_id;
  std::size_t meters = 1;
  std::uint64_t seed = 1;
  double interval_s = 5;
  std::uint64_t count = 0;
  double time_scale = 1;
  std::string start;
  double backfill_hours = 0;
  double backfill_step_s = 60;
  bool print_keys = false;
  std::string framing = "evn";
  std::string format = "mbus";
  std::string layout = "evn";
  bool no_pv = false;
  int qos = 1;
  bool quiet = false;
  std::string state_file = default_state_file();
};

// The service's MQTT settings (server.env < environment < flags), the flags checked as strictly.
std::optional<app::Config> load_mqtt_settings(const SimulateOptions& options) {
  app::SettingsLayer flags;
  const auto flag = [&](const char* setting, const std::string& value, const char* name) {
    if (!value.empty()) flags[setting] = {value, std::string("flag ") + name};
  };
  flag("MQTT_HOST", options.host, "--host");
  flag("MQTT_PORT", options.port == 0 ? "" : std::to_string(options.port), "--port");
  flag("MQTT_USER", options.user, "--user");
  flag("MQTT_PASSWORD", options.password, "--password");
  flag("SMARTMETER_RAWDATA_MQTT_TOPIC", options.topic, "--topic");
  return load_settings(*options.settings_file, app::Command::kSimulate, "host", flags);
}

struct SimulatedMeter {
  app::SimulatedIdentity identity;
  std::unique_ptr<app::MeterTwin> twin;
};

int run_simulate(const SimulateOptions& options) {
  auto config = load_mqtt_settings(options);
  if (!config) return kExitUsage;
  if (options.interval_s <= 0 || !std::isfinite(options.interval_s) || options.time_scale <= 0 ||
      !std::isfinite(options.time_scale)) {
    std::cerr << "smartmeter simulate: --interval and --time-scale must be positive\n";
    return kExitUsage;
  }
  if (options.backfill_hours < 0 || !std::isfinite(options.backfill_hours) ||
      options.backfill_hours > kMaxBackfillHours || options.backfill_step_s < 1 ||
      !std::isfinite(options.backfill_step_s)) {
    std::cerr << "smartmeter simulate: --backfill must be 0.." << kMaxBackfillHours
              << " hours and --backfill-step at least 1 second\n";
    return kExitUsage;
  }
  const auto start =
      options.start.empty()
          ? std::optional<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count())
          : app::parse_simulation_start(options.start);
  if (!start) {
    std::cerr << "smartmeter simulate: --start '" << options.start
              << "' is not YYYY-MM-DD[THH:MM[:SS]] (Vienna time) or @EPOCHSECONDS\n";
    return kExitUsage;
  }
  app::SimulatedEncoding encoding;
  encoding.framing = options.framing == "sagemcom-old" ? app::SimulatedFraming::kOldSagemcom
                                                       : app::SimulatedFraming::kEvn;
  encoding.format = app::simulated_format_from_name(options.format).value_or(encoding.format);
  encoding.layout = options.layout == "ksm-west"       ? core::Layout::kKsmWest
                    : options.layout == "wiener-netze" ? core::Layout::kWienerNetze
                                                       : core::Layout::kEvn;

  // The backfill: telegrams of the hours before the start, one per --backfill-step of meter
  // time, published as fast as the broker takes them before the paced ones.
  const auto backfill_rounds = static_cast<std::uint64_t>(
      std::floor(options.backfill_hours * 3600 / options.backfill_step_s));
  const double first_time =
      static_cast<double>(*start) - static_cast<double>(backfill_rounds) * options.backfill_step_s;

  std::vector<SimulatedMeter> meters(options.meters);
  std::string keys_setting;
  for (std::size_t i = 0; i < meters.size(); ++i) {
    meters[i].identity = app::simulated_identity(options.seed, i);
    meters[i].twin = std::make_unique<app::MeterTwin>(
        options.seed, i, app::household_profile(options.seed, i, !options.no_pv), first_time);
    const auto& id = meters[i].identity;
    std::cout << "meter " << i + 1 << ": system title " << id.system_title_hex() << "  key "
              << id.key_hex() << "  meter number " << id.meter_number << "\n";
    keys_setting += (i == 0 ? "" : ",") + id.system_title_hex() + "=" + id.key_hex();
  }
  std::cout << "SMARTMETER_KEYS=" << keys_setting << "\n" << std::flush;
  if (options.print_keys) return kExitOk;

  // All meters send counter first + n in round n.
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  const std::uint32_t first = app::first_frame_counter(
      now_s, *start, options.state_file.empty() ? 0 : read_reserved_counter(options.state_file));
  std::uint32_t reserved_until = first;  // counters below it are in the state file
  bool state_warned = false;
  auto reserve = [&](std::uint32_t counter) {
    if (counter < reserved_until || options.state_file.empty()) return;
    reserved_until = counter + kReservedCounters;
    if (!write_reserved_counter(options.state_file, reserved_until) && !state_warned) {
      state_warned = true;
      std::cerr << "smartmeter simulate: cannot write " << options.state_file
                << "; a restart within a few minutes may reuse frame counters (--state)\n";
    }
  };

  crypto::OpenSslGcmCipher cipher;
  const auto encode_failed = [&options] {
    std::cerr << "smartmeter simulate: could not encode a telegram as --format " << options.format
              << " with --layout " << options.layout
              << " (the encoder or the encryption returned nothing)\n";
  };
  // A format that cannot be encoded stops the run before it connects.
  if (app::encode_telegram_hex(meters[0].twin->sample(), meters[0].identity, first, encoding,
                               cipher)
          .empty()) {
    encode_failed();
    return 1;
  }

  mqtt_adapter::PublisherSettings settings;
  settings.uri = config->mqtt_uri();
  settings.client_id = options.client_id.empty()
                           ? "smartmeter-simulate-" + std::to_string(::getpid())
                           : options.client_id;
  settings.user = config->mqtt_user;
  settings.password = config->mqtt_password;
  settings.tls_ca_file = config->mqtt_tls_ca_file;
  mqtt_adapter::PahoPublisher publisher(settings);
  if (auto connected = publisher.connect(); !connected) {
    std::cerr << "smartmeter simulate: " << connected.error << "\n";
    return 1;
  }
  if (!options.quiet) {
    std::cerr << "publishing " << meters.size() << " meter(s) to " << config->raw_topic << " on "
              << settings.uri << " every " << options.interval_s << " s";
    if (options.time_scale != 1) std::cerr << " (meter time x" << options.time_scale << ")";
    std::cerr << "; Ctrl-C stops\n";
  }

  struct sigaction action {};
  action.sa_handler = stop_simulation;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  // A lost broker (restart, network): connect again until it is back or we are stopped.
  auto reconnect = [&](const std::string& why) {
    std::cerr << "smartmeter simulate: " << why << "; reconnecting\n";
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(kMinReconnectWait);
    while (!g_stop_simulation) {
      std::this_thread::sleep_for(wait);
      if (auto connected = publisher.reconnect(); connected) {
        std::cerr << "smartmeter simulate: connected again to " << settings.uri << "\n";
        return true;
      }
      wait = std::min(wait * 2,
                      std::chrono::duration_cast<std::chrono::milliseconds>(kMaxReconnectWait));
    }
    return false;
  };

  std::uint64_t published = 0;
  int status = kExitOk;
  // One round: every meter's telegram at `meter_time` with frame counter `counter`. False when
  // encryption failed; `reconnected` tells whether the broker was lost meanwhile.
  const auto publish_round = [&](double meter_time, std::uint32_t counter, bool& reconnected) {
    reserve(counter);
    reconnected = false;
    for (auto& meter : meters) {
      const app::MeterSample& sample = meter.twin->advance_to(meter_time);
      const std::string hex =
          app::encode_telegram_hex(sample, meter.identity, counter, encoding, cipher);
      if (hex.empty()) {
        encode_failed();
        return false;
      }
      // After a reconnect the same telegram again: unacknowledged, it may be lost.
      for (;;) {
        auto sent = publisher.publish(config->raw_topic, hex, options.qos, false);
        if (sent) break;
        if (!reconnect(sent.error)) break;
        reconnected = true;
      }
      if (g_stop_simulation) break;
      ++published;
    }
    return true;
  };

  if (backfill_rounds > 0) {
    const auto backfill_began = std::chrono::steady_clock::now();
    bool reconnected = false;
    std::uint64_t k = 0;
    for (; k < backfill_rounds && !g_stop_simulation; ++k) {
      const double meter_time = first_time + static_cast<double>(k) * options.backfill_step_s;
      if (!publish_round(meter_time, static_cast<std::uint32_t>(first + k), reconnected)) return 1;
    }
    if (!g_stop_simulation) {
      if (auto flushed = publisher.flush(); !flushed) {
        std::cerr << "smartmeter simulate: " << flushed.error << "\n";
        return 1;
      }
    }
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - backfill_began).count();
    if (!options.quiet) {
      std::cerr << "backfilled " << options.backfill_hours << " h before the start: " << k
                << " telegram(s) per meter, one per " << options.backfill_step_s
                << " s of meter time, in " << static_cast<double>(std::lround(took * 10)) / 10
                << " s; live telegrams follow\n"
                << std::flush;
    }
  }
  // The paced telegrams take the counters after the backfill's.
  const std::uint32_t live_first = first + static_cast<std::uint32_t>(backfill_rounds);
  const auto begin = std::chrono::steady_clock::now();
  const auto round_due = [&](std::uint64_t n) {
    return begin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(static_cast<double>(n) * options.interval_s));
  };
  for (std::uint64_t n = 0; (options.count == 0 || n < options.count) && !g_stop_simulation; ++n) {
    std::this_thread::sleep_until(round_due(n));
    const double meter_time = static_cast<double>(*start) +
                              static_cast<double>(n) * options.interval_s * options.time_scale;
    bool reconnected = false;
    if (!publish_round(meter_time, static_cast<std::uint32_t>(live_first + n), reconnected)) {
      return 1;
    }
    // Rounds that passed while the broker was away are skipped, as a real meter's telegrams
    // are lost then; their counters stay unused.
    while (reconnected && round_due(n + 1) < std::chrono::steady_clock::now()) ++n;
  }
  auto flushed = publisher.flush();
  if (!flushed && !g_stop_simulation && reconnect(flushed.error)) flushed = publisher.flush();
  if (!flushed) {
    std::cerr << "smartmeter simulate: " << flushed.error << "\n";
    status = 1;
  }
  publisher.disconnect();
  if (!options.quiet) std::cerr << "published " << published << " telegram(s)\n";
  return status;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* command = app.add_subcommand(
      "simulate",
      "Publish realistic encrypted telegrams of simulated meters (household load, PV export, "
      "voltages, currents) to the raw MQTT topic, as the ESP8266 would. Prints each meter's "
      "system title and key for SMARTMETER_KEYS.");
  add_settings_file_option(command, options->settings_file,
                           "Settings file as for `run` (MQTT_HOST, MQTT_PORT, MQTT_USER, "
                           "MQTT_PASSWORD, SMARTMETER_RAWDATA_MQTT_TOPIC)");
  command->add_option("--host", options->host, "Broker host (default: MQTT_HOST)");
  command->add_option("--port", options->port, "Broker port (default: MQTT_PORT)")
      ->check(CLI::Range(1, 65535));
  command->add_option("--user", options->user, "Broker user (default: MQTT_USER)");
  command->add_option("--password", options->password, "Broker password (default: MQTT_PASSWORD)");
  command->add_option("--topic", options->topic,
                      "Raw topic (default: SMARTMETER_RAWDATA_MQTT_TOPIC)");
  command->add_option("--client-id", options->client_id,
                      "MQTT client id (default: smartmeter-simulate-<pid>)");
  command->add_option("--meters", options->meters, "Number of meters (default 1)")
      ->check(CLI::Range(1, 10000));
  command->add_option("--seed", options->seed,
                      "Seed: the same seed gives the same meters, keys and values (default 1)");
  command->add_option("--interval", options->interval_s,
                      "Seconds between telegrams of a meter (default 5, as the meters send; "
                      "e.g. 0.01 for load tests)");
  command->add_option("--count", options->count,
                      "Stop after this many telegrams per meter (default: run until Ctrl-C)");
  command->add_option("--time-scale", options->time_scale,
                      "Meter time runs this many times faster than real time (default 1; 288 "
                      "with --interval 5 gives a day in 5 minutes)");
  command->add_option("--start", options->start,
                      "Meter time of the first telegram: YYYY-MM-DD[THH:MM[:SS]] in Vienna "
                      "local time, or @EPOCHSECONDS (default: now)");
  command->add_option("--backfill", options->backfill_hours,
                      "First publish the HOURS before the start (e.g. 48), one telegram per "
                      "--backfill-step of meter time, as fast as the broker takes them, so that "
                      "charts and statistics have history at once; then the paced telegrams "
                      "(default 0: none). Start the service first: a telegram nobody is "
                      "subscribed to is lost");
  command->add_option("--backfill-step", options->backfill_step_s,
                      "Seconds of meter time between backfilled telegrams (default 60: 2880 per "
                      "meter for 48 hours)");
  command->add_flag("--print-keys", options->print_keys,
                    "Print the meters' system titles and keys (the SMARTMETER_KEYS line) and exit "
                    "without connecting");
  command
      ->add_option("--framing", options->framing,
                   "evn (250 + 20 byte M-Bus frames, default) or sagemcom-old (L + 256 quirk)")
      ->check(CLI::IsMember({"evn", "sagemcom-old"}));
  command
      ->add_option("--format", options->format,
                   "What goes on the raw topic: mbus (M-Bus long frames as EVN, default), hdlc "
                   "(HDLC frames as Wiener Netze), gbt (general block transfer blocks in HDLC "
                   "frames, as the Landis+Gyr E450), p1 (a P1 text telegram in a ciphered APDU, "
                   "as Energienetze Steiermark) or apdu (the bare ciphered APDU)")
      ->check(CLI::IsMember({"mbus", "hdlc", "gbt", "p1", "apdu"}));
  command
      ->add_option("--layout", options->layout,
                   "The values' layout: evn (OBIS list, default), ksm-west (nested list as "
                   "TINETZ, Salzburg Netz, VKW, IKB) or wiener-netze (bare values without OBIS "
                   "codes; decode with SMARTMETER_OPERATOR=wiener-netze)")
      ->check(CLI::IsMember({"evn", "ksm-west", "wiener-netze"}));
  command->add_flag("--no-pv", options->no_pv, "Households without a PV system (no export)");
  command->add_option("--qos", options->qos, "MQTT QoS of the telegrams (default 1)")
      ->check(CLI::Range(0, 2));
  command->add_flag("--quiet", options->quiet, "Only print the meters' keys");
  command->add_option("--state", options->state_file,
                      "File that keeps the frame counters used so far, so that a restarted "
                      "simulation never reuses one (default "
                      "~/.local/state/smartmeter/simulate-counters)");
  command->callback([options, &exit_status] { exit_status = run_simulate(*options); });
}

}  // namespace meter::cli
