// SPDX-License-Identifier: MIT
// End-to-end load for `smartmeter run`: pre-encodes N valid encrypted EVN telegrams from M
// meters (distinct system titles, one key, frame counters 1, 2, ... and meter times 5 s apart
// per meter) with the core encoder, then publishes them with QoS 1 to one topic, as fast as the
// broker acknowledges them or at a target rate. Prints when the first and the last telegram
// were published and acknowledged (wall clock, epoch ms, comparable with `received_at`);
// --times FILE writes each telegram's publish time (epoch µs), one per line.
//
//   load_publisher --port 1883 --topic sensors/smartmeter --count 100000 --meters 10 [--rate 2000]
#include <mqtt/async_client.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "meter/core/hex.h"
#include "meter/core/telegram_encoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "support/household_values.h"

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

meter::core::CosemDateTime cet(std::int64_t utc) {
  const auto local = static_cast<std::time_t>(utc + 3600);
  std::tm tm{};
  ::gmtime_r(&local, &tm);
  meter::core::CosemDateTime time;
  time.year = static_cast<std::uint16_t>(tm.tm_year + 1900);
  time.month = static_cast<std::uint8_t>(tm.tm_mon + 1);
  time.day = static_cast<std::uint8_t>(tm.tm_mday);
  time.weekday = static_cast<std::uint8_t>(tm.tm_wday == 0 ? 7 : tm.tm_wday);
  time.hour = static_cast<std::uint8_t>(tm.tm_hour);
  time.minute = static_cast<std::uint8_t>(tm.tm_min);
  time.second = static_cast<std::uint8_t>(tm.tm_sec);
  time.hundredths = 0;
  time.deviation_min = -60;
  time.clock_status = 0;
  return time;
}

struct Options {
  std::string host = "127.0.0.1";
  unsigned port = 1883;
  std::string topic = "sensors/smartmeter";
  std::size_t count = 10000;
  std::size_t meters = 10;
  double rate = 0;  // telegrams per second; 0 = as fast as acknowledged
  std::size_t window = 1000;
  std::string key = "36C66639E48A8CA4D6BC8B282A793BBB";
  std::int64_t first_time = 0;  // meter time of each meter's first telegram; 0 = now - N/M*5 s
  std::string client_id = "smartmeter-load-publisher";
  std::string times_file;
};

// Telegram `i`: meter i % M, its (i / M)-th reading.
std::vector<std::string> encode_all(const Options& o) {
  meter::crypto::OpenSslGcmCipher cipher;
  const auto key = meter::core::AesKey::from_hex(o.key);
  if (!key) throw std::invalid_argument("--key must be 32 hex digits");
  const auto per_meter = static_cast<std::int64_t>((o.count + o.meters - 1) / o.meters);
  std::int64_t first = o.first_time;
  if (first == 0) {
    first = static_cast<std::int64_t>(std::time(nullptr)) - per_meter * 5;
    first -= first % 300;
  }
  std::vector<std::string> out;
  out.reserve(o.count);
  for (std::size_t i = 0; i < o.count; ++i) {
    const std::size_t meter = i % o.meters;
    const auto j = static_cast<std::int64_t>(i / o.meters);
    meter::core::TelegramSpec spec;
    spec.time = cet(first + 5 * j);
    spec.meter_number = "1812" + std::to_string(20000000 + meter);
    const std::int64_t raw[] = {4800000 + 3 * j, 342 + j / 3,   500 + (j * 37) % 1000,
                                (j * 13) % 211,  2300 + j % 17, 2310 + j % 13,
                                2290 + j % 11,   100 + j % 50,  200 + j % 30,
                                12 + j % 20,     780 + j % 200};
    for (std::size_t q = 0; q < 11; ++q) spec.raw[q] = raw[q];
    meter::core::CipherSpec cipher_spec;
    cipher_spec.system_title =
        meter::bench::kaifa_system_title(static_cast<std::uint32_t>(meter + 1));
    cipher_spec.frame_counter = static_cast<std::uint32_t>(j + 1);
    cipher_spec.keys = {*key, std::nullopt};
    const auto frames = meter::core::encode_mbus_frames(meter::core::encode_general_glo_ciphering(
        meter::core::encode_data_notification(spec), cipher_spec, cipher));
    if (frames.empty()) throw std::runtime_error("the encoder refused a telegram");
    std::string hex(frames.size() * 2, '0');
    meter::core::encode_hex_upper(frames.data(), frames.size(), hex.data());
    out.push_back(std::move(hex));
  }
  return out;
}

int run(const Options& o) {
  const auto encode_start = Clock::now();
  const std::vector<std::string> payloads = encode_all(o);
  const double encode_s = std::chrono::duration<double>(Clock::now() - encode_start).count();
  std::fprintf(stderr, "load_publisher: %zu telegrams from %zu meters encoded in %.2f s\n",
               payloads.size(), o.meters, encode_s);

  // maxBufferedMessages: Paho refuses a publish when that many are queued, connected or not.
  mqtt::async_client client("tcp://" + o.host + ":" + std::to_string(o.port), o.client_id,
                            mqtt::create_options(MQTTVERSION_3_1_1, 1000000),
                            static_cast<mqtt::iclient_persistence*>(nullptr));
  auto connect = mqtt::connect_options_builder()
                     .clean_session(true)
                     .keep_alive_interval(std::chrono::seconds(30))
                     .connect_timeout(std::chrono::seconds(10))
                     .finalize();
  connect.set_max_inflight(static_cast<int>(o.window));
  client.connect(connect)->wait();

  std::vector<std::int64_t> published_us;
  published_us.reserve(payloads.size());
  std::deque<mqtt::delivery_token_ptr> pending;
  const auto start = Clock::now();
  const std::int64_t first_wall_us = wall_us();
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    if (o.rate > 0) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<std::int64_t>(
                                                1e6 * static_cast<double>(i) / o.rate)));
    }
    while (pending.size() >= o.window) {
      pending.front()->wait();
      pending.pop_front();
    }
    published_us.push_back(wall_us());
    pending.push_back(client.publish(o.topic, payloads[i].data(), payloads[i].size(), 1, false));
  }
  const std::int64_t last_publish_us = published_us.back();
  while (!pending.empty()) {
    pending.front()->wait();
    pending.pop_front();
  }
  const std::int64_t last_ack_us = wall_us();
  client.disconnect()->wait();

  if (!o.times_file.empty()) {
    std::ofstream times(o.times_file);
    for (const auto t : published_us) times << t << '\n';
  }
  const double seconds = static_cast<double>(last_ack_us - first_wall_us) / 1e6;
  std::printf(
      "published=%zu first_publish_ms=%lld last_publish_ms=%lld last_ack_ms=%lld "
      "publish_seconds=%.3f publish_rate=%.0f\n",
      payloads.size(), static_cast<long long>(first_wall_us / 1000),
      static_cast<long long>(last_publish_us / 1000), static_cast<long long>(last_ack_us / 1000),
      seconds, static_cast<double>(payloads.size()) / seconds);
  return 0;
}

}  // namespace

// An exception nothing expected (bad_alloc) ends the process with its message, as it should.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  Options o;
  CLI::App app{"Publishes pre-encoded smart-meter telegrams (QoS 1) for an end-to-end load test"};
  app.add_option("--host", o.host, "Broker host");
  app.add_option("--port", o.port, "Broker port");
  app.add_option("--topic", o.topic, "Raw telegram topic");
  app.add_option("--count,-n", o.count, "Telegrams to publish")->check(CLI::PositiveNumber);
  app.add_option("--meters,-m", o.meters, "Distinct meters (system titles)")
      ->check(CLI::PositiveNumber);
  app.add_option("--rate", o.rate, "Telegrams per second (0: as fast as acknowledged)");
  app.add_option("--window", o.window, "Unacknowledged publishes at most")
      ->check(CLI::PositiveNumber);
  app.add_option("--key", o.key, "Encryption key, 32 hex digits (all meters)");
  app.add_option("--first-time", o.first_time, "Meter time of each meter's first telegram");
  app.add_option("--client-id", o.client_id, "MQTT client id");
  app.add_option("--times", o.times_file, "Write each publish time (epoch us) to this file");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "load_publisher: %s\n", error.what());
    return 1;
  }
}
