// SPDX-License-Identifier: MIT
// `smartmeter run` (the service) and `smartmeter replay` (re-decode the raw archive).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>

#include "commands.h"
#include "meter/app/batch.h"
#include "meter/app/config.h"
#include "meter/app/cost_store.h"
#include "meter/app/cost_updater.h"
#include "meter/app/cost_view.h"
#include "meter/app/journal.h"
#include "meter/app/live_state.h"
#include "meter/app/meter_announcer.h"
#include "meter/app/portal.h"
#include "meter/app/price_fetch.h"
#include "meter/app/prices.h"
#include "meter/app/service.h"
#include "meter/app/service_options.h"
#include "meter/app/tariff.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/http/http_server.h"
#include "meter/json/cost_json.h"
#include "meter/json/ha_config_json.h"
#include "meter/json/values_format.h"
#include "meter/mqtt/paho_connection.h"
#include "meter/serial/serial_reader.h"
#include "meter/storage/mysql_history_query.h"
#include "meter/storage/mysql_reading_store.h"
#include "meter/storage/sqlite_history_query.h"
#include "meter/storage/sqlite_reading_store.h"
#include "settings_file.h"

namespace meter::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int /*signal*/) { g_stop = true; }

struct ServiceOptions {
  std::shared_ptr<SettingsFile> settings_file = std::make_shared<SettingsFile>();
  bool print_config = false;
};

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "host";
  return name;
}

// Loads the configuration or explains why not; nullopt after printing the reason.
std::optional<app::Config> load(const ServiceOptions& options, app::Command command) {
  return load_settings(*options.settings_file, command, host_name());
}

std::unique_ptr<app::ReadingStore> make_store(const app::Config& config) {
  if (config.storage == app::StorageKind::kSqlite) {
    return std::make_unique<storage::SqliteReadingStore>(config.sqlite_file, config.db_table,
                                                         config.debounce_seconds);
  }
  return std::make_unique<storage::MysqlReadingStore>(mysql_settings(config));
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The dashboard's read side of the database: its own connection.
std::unique_ptr<app::HistoryQuery> make_history_query(const app::Config& config) {
  if (config.storage == app::StorageKind::kSqlite) {
    return std::make_unique<storage::SqliteHistoryQuery>(config.sqlite_file, config.db_table);
  }
  return std::make_unique<storage::MysqlHistoryQuery>(mysql_settings(config));
}

// The Home Assistant cost sensors' states (retained), one message per meter with costs.
void publish_cost_states(const CostParts& cost, const app::HaDiscoveryOptions& options,
                         app::MqttConnection& mqtt) {
  std::vector<std::string> meters;
  if (!cost.costs->meters(meters)) return;
  const app::CostView view(cost.engine.get(), *cost.costs, cost.prices.get());
  for (const std::string& meter : meters) {
    app::CostSummary summary;
    if (!view.summary(meter, epoch_ms() / 1000, summary)) continue;
    mqtt.publish(app::ha_cost_topic({meter, "", "", ""}, options), json::cost_state_json(summary),
                 1, true);
  }
}

app::CipherFactory cipher_factory() {
  return [] { return std::make_unique<crypto::OpenSslGcmCipher>(); };
}

http::HttpOptions http_options(const app::Config& config) {
  http::HttpOptions options;
  options.access.user = config.http_user;
  options.access.password_hash = config.http_password_hash;
  options.access.token_sha256 = config.http_token_sha256;
  options.tls_cert_file = config.http_tls_cert;
  options.tls_key_file = config.http_tls_key;
  return options;
}

// Who may use the dashboard, for its start-up line.
std::string access_summary(const app::Config& config) {
  const bool password = !config.http_password_hash.empty();
  const bool token = !config.http_token_sha256.empty();
  if (password && token) return "password for user " + config.http_user + " or API token";
  if (password) return "password for user " + config.http_user;
  if (token) return "API token";
  return config.http_allow_unauthenticated ? "no login: SMARTMETER_HTTP_ALLOW_UNAUTHENTICATED"
                                           : "no login: this machine only";
}

int run_service(const ServiceOptions& options) {
  // The settings alone on stdout; warnings about them on stderr.
  if (options.print_config) spdlog::set_default_logger(spdlog::stderr_color_mt("stderr"));
  auto config = load(options, app::Command::kRun);
  if (!config) return kExitUsage;
  // A wrong tariff file stops the start, like any wrong setting.
  auto cost = make_cost_parts(*config, "run");
  if (!cost) return kExitUsage;
  if (options.print_config) {
    std::cout << app::describe_config(*config);
    return kExitOk;
  }
  if (refuse_unreadable_operator(config->operator_profile, "run")) return kExitUsage;
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  app::Journal journal(config->data_dir / "journal");
  if (auto opened = journal.open(); !opened) {
    spdlog::critical("journal: {}", opened.error);
    return 1;
  }
  if (journal.recovery().damaged()) {
    spdlog::warn("journal: {}", app::describe_recovery(journal.recovery(), journal));
  }
  // A database made before it was created 0600 keeps its mode: say so.
  if (config->storage == app::StorageKind::kSqlite) {
    warn_if_readable_by_others(config->sqlite_file.string(), "your meter readings");
  }
  auto store = make_store(*config);
  // With a serial device the meter is read directly; the broker only takes the values.
  const bool serial_input = !config->serial_device.empty();
  const std::string input =
      serial_input ? "serial " + config->serial_device + " (" + config->serial_format.text() + ")"
                   : "topic " + config->subscription_topic();
  mqtt_adapter::PahoMqttConnection mqtt(
      {config->mqtt_uri(), config->mqtt_client_id, config->mqtt_user, config->mqtt_password,
       config->mqtt_tls_ca_file, serial_input ? "" : config->subscription_topic(),
       config->status_topic});
  spdlog::info("smartmeter run: broker {}, {}, storage {}, journal {}", config->mqtt_uri(), input,
               store->describe(), (config->data_dir / "journal").string());
  const json::JsonValuesFormat values_format;
  app::Service service(*config, *store, mqtt, values_format, journal, cipher_factory());
  // The statistics tables, kept up to date by the service on a connection of their own.
  const auto statistics = make_statistics_store(*config);
  service.set_statistics_store(statistics.get());

  // Day-ahead prices from the configured source, on a thread and a connection of their own:
  // a source that is down or slow never holds up the readings.
  const auto price_feed = make_price_feed(*config);
  const auto price_store = price_feed ? make_price_store(*config) : nullptr;
  std::unique_ptr<app::PriceFetcher> price_fetcher;
  if (price_feed) {
    app::PriceSchedule schedule;
    schedule.publish_minute_of_day = config->prices_fetch_minute;
    price_fetcher =
        std::make_unique<app::PriceFetcher>(*price_feed, *price_store, config->prices_market,
                                            schedule, [] { return epoch_ms() / 1000; });
    spdlog::info("prices: fetching from {} at start and daily from {:02d}:{:02d} local time",
                 price_feed->describe(), config->prices_fetch_minute / 60,
                 config->prices_fetch_minute % 60);
  }
  // Dashboard, API, /metrics, /healthz. A busy port does not stop the data collection.
  app::LiveState live(epoch_ms(), app::live_state_options(*config));
  const auto history = make_history_query(*config);
  const auto statistics_reader = make_statistics_store(*config);  // the dashboard's connection
  const auto status = [&] {
    app::ServiceStatus s = service.status();
    if (price_fetcher) {
      const app::PriceFetchStatus prices = price_fetcher->status();
      s.prices_source = prices.source;
      s.prices_newest_end = prices.newest_end.value_or(0);
      s.prices_last_attempt = prices.last_attempt;
      s.prices_last_success = prices.last_success;
      s.prices_error = prices.last_error;
    }
    return s;
  };
  const auto portal = make_portal_store(*config);  // the operator's quarter-hours
  app::TelegramLog telegram_log;                   // the setup view's last telegrams per meter
  http::ApiSources sources{&live, status, history.get(), statistics_reader.get(), epoch_ms, ""};
  sources.portal = portal.get();
  sources.telegrams = &telegram_log;
  sources.local_feed_meter = config->local_feed_meter;
  sources.local_feed_stale_ms = config->no_signal_seconds * 1000;
  // The cost of the quarter-hours (SMARTMETER_TARIFF_FILE): priced after each statistics pass
  // on the statistics thread; the dashboard reads on connections of its own.
  const auto cost_reader = make_cost_store(*config);
  const auto price_reader = make_price_store(*config);
  const app::CostView cost_view(cost->engine.get(), *cost_reader, price_reader.get());
  if (cost->engine) sources.cost = &cost_view;
  http::HttpServer web(sources, http_options(*config));
  // A certificate or key that cannot be used stops the start: the dashboard would otherwise
  // be served without the HTTPS that was asked for.
  if (std::string warning; config->http_enabled) {
    if (auto loaded = web.load_tls(warning); !loaded) {
      spdlog::critical("http: {} (SMARTMETER_HTTP_TLS_CERT, SMARTMETER_HTTP_TLS_KEY)",
                       loaded.error);
      return kExitUsage;
    }
    if (!warning.empty()) spdlog::warn("http: {}", warning);
  }
  service.set_live_state(&live);
  service.set_telegram_log(&telegram_log);
  // The local meter feed for batteries and inverters, on a listener of its own: plain HTTP (the
  // devices poll http://), the dashboard's credentials unless SMARTMETER_LOCAL_FEED_OPEN.
  http::HttpOptions feed_options = http_options(*config);
  feed_options.tls_cert_file.clear();
  feed_options.tls_key_file.clear();
  feed_options.access.open_opt_in_routes = config->local_feed_open;
  feed_options.role = http::HttpRole::kLocalFeed;
  http::HttpServer local_feed(sources, feed_options);

  // Home Assistant discovery and each meter's diagnosis, on MQTT and in the log.
  const json::HaConfigJson ha_config_format;
  app::HaDiscoveryOptions ha_options = app::ha_discovery_options(*config);
  ha_options.cost = cost->engine != nullptr;
  app::MeterAnnouncer announcer(ha_options, config->ha_discovery, mqtt, ha_config_format);
  std::optional<app::CostUpdater> cost_updater;
  if (cost->engine) {
    cost_updater.emplace(*cost->engine, *statistics, *cost->prices, *cost->costs,
                         cost->portal.get());
    spdlog::info("cost: tariffs from {}, stored in {}", config->tariff_file.string(),
                 cost->costs->describe());
    service.set_statistics_followup({"cost", [&](const std::atomic<bool>& stop) {
                                       cost_updater->stop_when(&stop);
                                       std::size_t written = 0;
                                       app::Outcome done = cost_updater->update_once(&written);
                                       if (written > 0)
                                         spdlog::info("cost: {} quarter-hour(s) priced", written);
                                       if (done && config->ha_discovery)
                                         publish_cost_states(*cost, ha_options, mqtt);
                                       return done;
                                     }});
  }
  service.set_tick([&] { announcer.update(live.snapshot(epoch_ms())); });

  if (config->http_enabled) {
    if (auto started = web.start(config->http_host, config->http_port); !started) {
      spdlog::error("http: {}; the dashboard is off (SMARTMETER_HTTP_LISTEN)", started.error);
    } else {
      const bool v6 = config->http_host.find(':') != std::string::npos;
      spdlog::info("http: dashboard at {}://{}:{}/ (API /api/status, /metrics, /healthz; {})",
                   web.tls() ? "https" : "http",
                   v6 ? "[" + config->http_host + "]" : config->http_host, web.port(),
                   access_summary(*config));
    }
  }
  if (config->local_feed_enabled) {
    if (auto started = local_feed.start(config->local_feed_host, config->local_feed_port);
        !started) {
      spdlog::error("local feed: {}; the local meter feed is off (SMARTMETER_LOCAL_FEED_LISTEN)",
                    started.error);
    } else {
      spdlog::info("local feed: EcoTracker local API at http://{}:{}/v1/json{}",
                   config->local_feed_host, local_feed.port(),
                   config->local_feed_open ? " (no login: SMARTMETER_LOCAL_FEED_OPEN)" : "");
    }
  }
  if (price_fetcher) price_fetcher->start();
  // Serial telegrams take the MQTT messages' road: journal, decoder, tables, topics.
  serial::SerialReader reader(config->serial_device, config->serial_format);
  if (serial_input) {
    reader.start([&service, &config](const std::string& hex) {
      service.on_message({"serial:" + config->serial_device, hex});
    });
  }
  const int exit_status = service.run(g_stop);
  reader.stop();
  if (serial_input) spdlog::info("serial: {}", reader.stats().summary());
  local_feed.stop();
  if (price_fetcher) price_fetcher->stop();
  web.stop();
  return exit_status;
}

int run_replay(const ServiceOptions& options) {
  auto config = load(options, app::Command::kReplay);
  if (!config) return kExitUsage;
  auto store = make_store(*config);
  if (auto opened = store->open(); !opened) {
    std::cerr << "smartmeter replay: cannot open " << store->describe() << ": " << opened.error
              << "\n";
    return 1;
  }
  crypto::OpenSslGcmCipher cipher;
  core::TelegramDecoder decoder(cipher, config->keys, config->decoder_options());
  // The writer's batch code: the same readings, and the debounced buckets they touch computed
  // again from history.
  auto builder = std::make_unique<app::BatchBuilder>(decoder);
  std::int64_t after = 0;
  std::uint64_t total = 0;
  std::uint64_t readings_written = 0;
  std::uint64_t buckets_written = 0;
  std::array<std::uint64_t, core::kDecodeErrorCount> failures{};
  for (;;) {
    std::vector<app::RawTelegram> raw;
    std::int64_t next = after;
    if (auto got = store->raw_after(after, 1000, raw, next); !got) {
      std::cerr << "smartmeter replay: " << got.error << "\n";
      return 1;
    }
    if (raw.empty()) break;
    app::Batch batch;
    for (const auto& item : raw) {
      builder->add(item.received_at_ms, item.payload, item.journal_offset, batch);
    }
    app::StoreBatchResult result;
    if (auto written = app::store_batch(*store, batch, config->debounce_seconds, false, result);
        !written) {
      std::cerr << "smartmeter replay: " << written.error << "\n";
      return 1;
    }
    for (std::size_t i = 0; i < failures.size(); ++i) failures[i] += batch.failures[i];
    total += raw.size();
    readings_written += batch.readings.size();
    buckets_written += result.debounced_rows;
    after = next;
    std::cerr << "\rreplayed " << total << " raw telegrams" << std::flush;
  }
  std::cerr << "\rreplayed " << total << " raw telegrams: " << readings_written << " readings and "
            << buckets_written << " debounced rows written";
  for (int i = 0; i < core::kDecodeErrorCount; ++i) {
    if (failures[static_cast<std::size_t>(i)] == 0) continue;
    std::cerr << ", " << failures[static_cast<std::size_t>(i)] << " not decoded ("
              << core::to_string(static_cast<core::DecodeError>(i)) << ")";
  }
  std::cerr << "\n";
  store->close();
  return kExitOk;
}

void add_env_option(CLI::App* command, ServiceOptions& options) {
  add_settings_file_option(command, options.settings_file,
                           "Settings file (KEY=VALUE lines, as the original server.env). The "
                           "process environment overrides it");
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<ServiceOptions>();
  CLI::App* command = app.add_subcommand(
      "run",
      "Run the decoder service: raw telegrams from MQTT -> values on MQTT + history in SQLite "
      "or MySQL/MariaDB. Stops cleanly on Ctrl-C / SIGTERM.");
  add_env_option(command, *options);
  command->add_flag("--print-config", options->print_config,
                    "Print the effective settings (secrets masked), each with where its value came "
                    "from, and exit");
  command->footer("Settings are listed in docs/settings.md.");
  command->callback([options, &exit_status] { exit_status = run_service(*options); });

  auto replay_options = std::make_shared<ServiceOptions>();
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Decode the raw telegram archive again and rewrite history and the debounced table "
      "(after a decoder fix). Safe while the service runs.");
  add_env_option(replay, *replay_options);
  replay->callback([replay_options, &exit_status] { exit_status = run_replay(*replay_options); });
}

}  // namespace meter::cli
