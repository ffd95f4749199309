// SPDX-License-Identifier: MIT
// How many EVN telegrams per second one core decodes, end to end and per stage.
// The telegrams are made by the core encoder: EVN flat layout, new framing (250 + 20 byte
// frames), SC 0x20, the public Netz NÖ example key, realistic three-phase values. A few hundred
// distinct telegrams (frame counter, time and values all differ) are cycled so the branch
// predictor and caches see a realistic stream, not one telegram over and over.
// BM_HexToValuesOf/<format> decodes the other framings and layouts the same way: Wiener Netze
// bare values in one HDLC frame, an E450-style OBIS list in general block transfer blocks (one
// HDLC frame each, SC 0x30 with the tag checked), and the P1 text telegram in a ciphered APDU.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meter/core/apdu.h"
#include "meter/core/hex.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_decoder.h"
#include "meter/core/telegram_encoder.h"
#include "meter/core/value_layout.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"
#include "support/household_values.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

// Netz NÖ brochure "Smart Meter Kundenschnittstelle P1" worked example (public).
constexpr std::string_view kDocKey = "36C66639E48A8CA4D6BC8B282A793BBB";
constexpr std::size_t kTelegramCount = 384;

struct Sample {
  std::string hex;  // uppercase, as on the MQTT topic
  Bytes frames;
  Bytes apdu;
  Bytes plaintext;
  std::array<std::uint8_t, 12> iv{};
};

meter::core::AesKey doc_key() { return *meter::core::AesKey::from_hex(kDocKey); }

// Any 16 bytes: the authentication key of the tagged formats.
constexpr std::string_view kAuthKey = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";
meter::core::AesKey auth_key() { return *meter::core::AesKey::from_hex(kAuthKey); }

enum class Format : std::uint8_t { kEvnMbus, kWienerNetzeHdlc, kGbtHdlc, kP1Text };

// The link layer (or none) around one ciphered APDU.
Bytes frame(Format format, std::span<const std::uint8_t> apdu) {
  switch (format) {
    case Format::kEvnMbus:
      return meter::core::encode_mbus_frames(apdu);
    case Format::kWienerNetzeHdlc:
      return meter::core::encode_hdlc_frames(apdu);
    case Format::kGbtHdlc: {
      // One block per HDLC frame, the LLC header in the first frame only (as the E450 sends).
      Bytes frames;
      meter::core::HdlcSpec hdlc;
      for (const Bytes& block : meter::core::encode_general_block_transfer(apdu, 120)) {
        const Bytes one = meter::core::encode_hdlc_frames(block, hdlc);
        if (one.empty()) return {};
        frames.insert(frames.end(), one.begin(), one.end());
        hdlc.llc = false;
      }
      return frames;
    }
    case Format::kP1Text:
      return {apdu.begin(), apdu.end()};  // the bare APDU
  }
  return {};
}

std::vector<Sample> make_samples(Format format = Format::kEvnMbus) {
  meter::crypto::OpenSslGcmCipher cipher;
  meter::core::CipherSpec cipher_spec;
  cipher_spec.system_title = meter::bench::kaifa_system_title(0x50000009);
  cipher_spec.keys.encryption = doc_key();
  if (format == Format::kGbtHdlc || format == Format::kP1Text) {
    cipher_spec.security_control = 0x30;
    cipher_spec.keys.authentication = auth_key();
  }

  meter::bench::Random random;  // the same telegrams on every run
  meter::bench::EnergyCounters counters;
  std::vector<Sample> samples;
  for (std::size_t i = 0; i < kTelegramCount; ++i) {
    meter::core::TelegramSpec spec;
    spec.layout = format == Format::kWienerNetzeHdlc ? meter::core::Layout::kWienerNetze
                                                     : meter::core::Layout::kEvn;
    // One telegram every 5 s from 2024-06-15 12:00:00 CEST.
    const auto seconds = static_cast<std::uint32_t>(5 * i);
    spec.time = {2024,
                 6,
                 15,
                 6,
                 static_cast<std::uint8_t>(12 + seconds / 3600),
                 static_cast<std::uint8_t>(seconds / 60 % 60),
                 static_cast<std::uint8_t>(seconds % 60),
                 0,
                 -120,
                 0x80};
    spec.invoke_id = 0x80000000U | static_cast<std::uint32_t>(0x12345 + i);
    spec.meter_number = "181220000009";
    meter::bench::set_household_values(spec, random, counters);

    cipher_spec.frame_counter = static_cast<std::uint32_t>(0x0001CA1D + i);
    Sample sample;
    sample.plaintext = format == Format::kP1Text ? meter::core::encode_p1_text(spec)
                                                 : meter::core::encode_data_notification(spec);
    sample.apdu = meter::core::encode_general_glo_ciphering(sample.plaintext, cipher_spec, cipher);
    sample.frames = frame(format, sample.apdu);
    if (sample.plaintext.empty() || sample.apdu.empty() || sample.frames.empty()) return {};
    sample.hex.resize(2 * sample.frames.size());
    meter::core::encode_hex_upper(sample.frames.data(), sample.frames.size(), sample.hex.data());
    meter::core::CipheredApdu header;
    header.system_title = cipher_spec.system_title;
    header.frame_counter = cipher_spec.frame_counter;
    sample.iv = header.iv();
    samples.push_back(std::move(sample));
  }
  return samples;
}

const std::vector<Sample>& samples() {
  static const std::vector<Sample> kAll = make_samples();
  return kAll;
}

// The decoder as the service holds it: one per thread, reused for every telegram.
struct Decoding {
  meter::crypto::OpenSslGcmCipher cipher;
  meter::core::TelegramDecoder decoder{cipher,
                                       meter::core::KeyRing({doc_key(), auth_key()}),
                                       {meter::core::ProviderLayout::kWienerNetze}};
  std::unique_ptr<meter::core::Telegram> telegram = std::make_unique<meter::core::Telegram>();
};

void finish(benchmark::State& state, std::int64_t bytes) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(bytes);
}

void BM_HexToValues(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const auto& all = samples();
  Decoding d;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const Sample& sample = all[i];
    if (!d.decoder.decode_hex(sample.hex, *d.telegram)) {
      state.SkipWithError("decode_hex failed");
      break;
    }
    benchmark::DoNotOptimize(d.telegram->values[0].raw);
    bytes += static_cast<std::int64_t>(sample.hex.size());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, bytes);
}
BENCHMARK(BM_HexToValues);

// Hex -> values for the other formats; the EVN figure above is the same path for M-Bus.
void BM_HexToValuesOf(benchmark::State& state, Format format) {  // NOLINT
  const auto all = make_samples(format);
  if (all.empty()) {
    state.SkipWithError("the encoder cannot make this format");
    return;
  }
  Decoding d;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const Sample& sample = all[i];
    if (!d.decoder.decode_hex(sample.hex, *d.telegram)) {
      state.SkipWithError("decode_hex failed");
      break;
    }
    benchmark::DoNotOptimize(d.telegram->values[0].raw);
    bytes += static_cast<std::int64_t>(sample.hex.size());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, bytes);
}
BENCHMARK_CAPTURE(BM_HexToValuesOf, wiener_netze_hdlc, Format::kWienerNetzeHdlc);
BENCHMARK_CAPTURE(BM_HexToValuesOf, gbt_in_hdlc_sc30, Format::kGbtHdlc);
BENCHMARK_CAPTURE(BM_HexToValuesOf, p1_text_apdu_sc30, Format::kP1Text);

void BM_HexToJson(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const auto& all = samples();
  Decoding d;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const Sample& sample = all[i];
    if (!d.decoder.decode_hex(sample.hex, *d.telegram)) {
      state.SkipWithError("decode_hex failed");
      break;
    }
    const std::string json = meter::json::telegram_to_json_line(*d.telegram);
    benchmark::DoNotOptimize(json.data());
    bytes += static_cast<std::int64_t>(sample.hex.size());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, bytes);
}
BENCHMARK(BM_HexToJson);

void BM_FramesToValues(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const auto& all = samples();
  Decoding d;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const Sample& sample = all[i];
    if (!d.decoder.decode_frames(sample.frames, *d.telegram)) {
      state.SkipWithError("decode_frames failed");
      break;
    }
    benchmark::DoNotOptimize(d.telegram->values[0].raw);
    bytes += static_cast<std::int64_t>(sample.frames.size());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, bytes);
}
BENCHMARK(BM_FramesToValues);

// Stage: APDU -> values (decrypt, parse, walk, map). The APDU is copied back first because
// decryption works in place; the copy (260 bytes) is part of the measured time.
void BM_ApduToValues(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const auto& all = samples();
  Decoding d;
  Bytes buffer(all[0].apdu.size() + 64);
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const Sample& sample = all[i];
    std::copy(sample.apdu.begin(), sample.apdu.end(), buffer.begin());
    if (!d.decoder.decode_apdu({buffer.data(), sample.apdu.size()}, *d.telegram)) {
      state.SkipWithError("decode_apdu failed");
      break;
    }
    benchmark::DoNotOptimize(d.telegram->values[0].raw);
    bytes += static_cast<std::int64_t>(sample.apdu.size());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, bytes);
}
BENCHMARK(BM_ApduToValues);

// Stage: plaintext data-notification -> values (parse, A-XDR walk, OBIS mapping).
void BM_PlaintextToValues(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const auto& all = samples();
  Decoding d;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const Sample& sample = all[i];
    if (!d.decoder.decode_plaintext(sample.plaintext, *d.telegram)) {
      state.SkipWithError("decode_plaintext failed");
      break;
    }
    benchmark::DoNotOptimize(d.telegram->values[0].raw);
    bytes += static_cast<std::int64_t>(sample.plaintext.size());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, bytes);
}
BENCHMARK(BM_PlaintextToValues);

// Stage: AES-128-CTR (GCM without tag, as EVN sends it) over the 243-byte ciphertext.
void BM_DecryptOnly(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const auto& all = samples();
  meter::crypto::OpenSslGcmCipher cipher;
  const meter::core::AesKey key = doc_key();
  constexpr std::size_t kCiphertextBytes = 243;
  const std::size_t payload_offset = all[0].apdu.size() - kCiphertextBytes;
  Bytes data(all[0].apdu.begin() + static_cast<std::ptrdiff_t>(payload_offset), all[0].apdu.end());
  std::size_t i = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const auto result = cipher.decrypt(key, all[i].iv, {}, data, {});
    if (result != meter::core::CipherResult::kOk) {
      state.SkipWithError("decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(data.data());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, static_cast<std::int64_t>(state.iterations()) *
                    static_cast<std::int64_t>(kCiphertextBytes));
}
BENCHMARK(BM_DecryptOnly);

// Stage: hex text -> bytes.
void BM_HexDecode(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const auto& all = samples();
  Bytes out(meter::core::kMaxHexChars / 2);
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    const std::string& hex = all[i].hex;
    const auto result = meter::core::decode_hex(hex.data(), hex.size(), out.data(), out.size());
    if (!result.ok) {
      state.SkipWithError("decode_hex failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
    bytes += static_cast<std::int64_t>(hex.size());
    i = i + 1 == all.size() ? 0 : i + 1;
  }
  finish(state, bytes);
}
BENCHMARK(BM_HexDecode);

}  // namespace

BENCHMARK_MAIN();
