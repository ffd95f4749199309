// SPDX-License-Identifier: MIT
// The C++ side of the comparison with the original Python approach (bench/python/): the same
// work on the same file, hex text in, values JSON out.
//
//   hex_file_decode generate --count 2000 --out telegrams.hex   realistic EVN telegrams, one per
//   line hex_file_decode decode telegrams.hex --passes 5 [--json-out values.jsonl]
//
// `decode` reads every line into memory first, then runs `passes` timed passes over all of them:
// `TelegramDecoder::decode_hex` followed by `telegram_to_json_line`, as the service does per
// MQTT message. It prints one `key=value` line per pass and a summary line; `--json-out` writes
// the JSON of the last pass, one line per telegram (an empty object when a telegram fails).
// `--values-only` stops after decode_hex (no JSON), to see what the JSON writing costs.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "meter/core/hex.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_decoder.h"
#include "meter/core/telegram_encoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"
#include "support/household_values.h"

namespace {

using meter::bench::EnergyCounters;
using meter::bench::Random;

// Netz NÖ brochure "Smart Meter Kundenschnittstelle P1" worked example (public).
constexpr const char* kDocKey = "36C66639E48A8CA4D6BC8B282A793BBB";

struct GenerateOptions {
  std::size_t count = 2000;
  std::size_t meters = 16;
  std::uint64_t seed = 1;
  std::string out;
};

// EVN layout and framing (250 + 20 byte frames, SC 0x20), one telegram every 5 s per meter from
// 2024-06-15 08:00 CEST, values as a household three-phase meter reports them: energy counters
// that grow with the power, 227-235 V, 0.05-18 A, PF 0.850-1.000.
int generate(const GenerateOptions& o) {
  meter::crypto::OpenSslGcmCipher cipher;
  const auto key = meter::core::AesKey::from_hex(kDocKey);
  Random random{0x9E3779B97F4A7C15ULL ^ (o.seed * 0xD1B54A32D192ED03ULL)};
  std::vector<EnergyCounters> state(o.meters);
  for (auto& s : state) s = {random.between(200000, 25000000), random.between(0, 3000000)};

  std::ofstream file;
  if (!o.out.empty()) {
    file.open(o.out);
    if (!file) throw std::runtime_error("cannot write " + o.out);
  }
  std::ostream& out = o.out.empty() ? std::cout : file;
  std::string hex;
  for (std::size_t i = 0; i < o.count; ++i) {
    const std::size_t meter = i % o.meters;
    const auto reading = static_cast<std::uint32_t>(i / o.meters);
    meter::core::TelegramSpec spec;
    spec.layout = meter::core::Layout::kEvn;
    const std::uint32_t seconds = 5 * reading;
    spec.time = {2024,
                 6,
                 15,
                 6,
                 static_cast<std::uint8_t>(8 + seconds / 3600 % 16),
                 static_cast<std::uint8_t>(seconds / 60 % 60),
                 static_cast<std::uint8_t>(seconds % 60),
                 0,
                 -120,
                 0x80};
    spec.invoke_id = 0x80000000U | static_cast<std::uint32_t>(0x10000 + i);
    spec.meter_number = "1812" + std::to_string(20000000 + meter);
    meter::bench::set_household_values(spec, random, state[meter]);

    meter::core::CipherSpec cipher_spec;
    cipher_spec.system_title =
        meter::bench::kaifa_system_title(static_cast<std::uint32_t>(0x50000000U + meter));
    cipher_spec.frame_counter = 0x00010000U + reading;
    cipher_spec.keys = {*key, std::nullopt};
    const auto frames = meter::core::encode_mbus_frames(meter::core::encode_general_glo_ciphering(
        meter::core::encode_data_notification(spec), cipher_spec, cipher));
    if (frames.empty()) throw std::runtime_error("the encoder refused a telegram");
    hex.assign(frames.size() * 2, '0');
    meter::core::encode_hex_upper(frames.data(), frames.size(), hex.data());
    out << hex << '\n';
  }
  return 0;
}

struct DecodeOptions {
  std::string file;
  std::size_t passes = 5;
  std::string key = kDocKey;
  std::string json_out;
  bool values_only = false;
};

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int decode(const DecodeOptions& o) {
  std::ifstream in(o.file);
  if (!in) throw std::runtime_error("cannot read " + o.file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) throw std::runtime_error(o.file + " holds no telegrams");
  const auto key = meter::core::AesKey::from_hex(o.key);
  if (!key) throw std::invalid_argument("--key must be 32 hex digits");

  meter::crypto::OpenSslGcmCipher cipher;
  meter::core::TelegramDecoder decoder{cipher, meter::core::KeyRing({*key, std::nullopt})};
  auto telegram = std::make_unique<meter::core::Telegram>();
  std::vector<std::string> json(lines.size());
  std::vector<double> wall;
  std::vector<double> cpu;
  std::size_t failed = 0;
  for (std::size_t pass = 0; pass < o.passes; ++pass) {
    failed = 0;
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (!decoder.decode_hex(lines[i], *telegram)) {
        json[i] = "{}";
        ++failed;
      } else if (!o.values_only) {
        json[i] = meter::json::telegram_to_json_line(*telegram);
      }
    }
    cpu.push_back(cpu_seconds() - cpu_start);
    wall.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count());
    const auto n = static_cast<double>(lines.size());
    std::printf("pass=%zu telegrams=%zu wall_s=%.6f cpu_s=%.6f telegrams_per_s_cpu=%.0f\n", pass,
                lines.size(), wall.back(), cpu.back(), n / cpu.back());
  }
  const auto n = static_cast<double>(lines.size());
  std::printf(
      "summary impl=cpp output=%s telegrams=%zu passes=%zu failed=%zu median_wall_s=%.6f "
      "median_cpu_s=%.6f telegrams_per_s_cpu=%.0f telegrams_per_s_wall=%.0f us_per_telegram=%.3f\n",
      o.values_only ? "values" : "json", lines.size(), o.passes, failed, median(wall), median(cpu),
      n / median(cpu), n / median(wall), median(cpu) * 1e6 / n);
  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    for (const auto& line : json) out << line << '\n';
  }
  return failed == 0 ? 0 : 3;
}

}  // namespace

// An exception nothing expected (bad_alloc) ends the process with its message, as it should.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"Hex telegram file -> values JSON, timed (the C++ side of bench/python)"};
  app.require_subcommand(1);
  GenerateOptions g;
  auto* gen = app.add_subcommand("generate", "Write realistic EVN telegrams, one hex per line");
  gen->add_option("--count,-n", g.count, "Telegrams")->check(CLI::PositiveNumber);
  gen->add_option("--meters,-m", g.meters, "Distinct meters")->check(CLI::PositiveNumber);
  gen->add_option("--seed", g.seed, "Seed of the value generator");
  gen->add_option("--out,-o", g.out, "Output file (default: stdout)");
  DecodeOptions d;
  auto* dec = app.add_subcommand("decode", "Decode every line of FILE to JSON, timed");
  dec->add_option("file", d.file, "One hex telegram per line")->required();
  dec->add_option("--passes", d.passes, "Timed passes over the file")->check(CLI::PositiveNumber);
  dec->add_option("--key", d.key, "Encryption key, 32 hex digits");
  dec->add_option("--json-out", d.json_out, "Write the last pass's JSON lines here");
  dec->add_flag("--values-only", d.values_only, "Decode to values only, without writing JSON");
  CLI11_PARSE(app, argc, argv);
  try {
    return gen->parsed() ? generate(g) : decode(d);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "hex_file_decode: %s\n", error.what());
    return 1;
  }
}
