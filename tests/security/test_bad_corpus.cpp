// SPDX-License-Identifier: MIT
// A corpus of bad input, each message built so that its cause is known: random bytes, random
// hex, telegrams cut inside a frame or by half a byte, payloads just over and exactly at the size
// limit, non-hex characters, a damaged stop byte, the wrong key, a meter without a key, and
// replayed frame counters. Afterwards the service runs, the next good telegram is stored, and
// /metrics and /api/status count every cause exactly as sent (every other cause stays 0).
// tests/integration/test_bad_input.cpp checks the log lines and the raw archive of such input.
#include <algorithm>
#include <random>
#include <thread>

#include "meter/app/live_state.h"
#include "meter/core/hex.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "sec_support.h"

namespace meter::it {
namespace {

using core::DecodeError;
using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kTitleC = "4B464D6750088888";  // no key configured for it
constexpr const char* kKeyC = "C3C3C3C3A5A5A5A55A5A5A5A3C3C3C3C";

struct BadMessage {
  std::string what;
  std::string payload;
  // The cause it is built for; nullopt: any text-level cause (random input).
  std::optional<DecodeError> cause;
};

// What the decoder says about `payload` with only `meter`'s key: the cause the service must
// count. Payloads over the size limit are never decoded.
std::optional<DecodeError> decoder_verdict(const std::string& payload, const TestMeter& meter) {
  if (payload.size() > core::kMaxHexChars) return DecodeError::kTooLarge;
  core::SystemTitle title{};
  core::decode_hex(meter.system_title().data(), meter.system_title().size(), title.data(),
                   title.size());
  core::KeyRing keys;
  keys.add(title, {*core::AesKey::from_hex(kKey), std::nullopt});
  crypto::OpenSslGcmCipher cipher;
  core::TelegramDecoder decoder(cipher, keys);
  auto telegram = std::make_unique<core::Telegram>();
  const core::Status status = decoder.decode_hex(payload, *telegram);
  if (status) return std::nullopt;
  return status.failure().code;
}

std::vector<BadMessage> corpus(const TestMeter& meter, const TestMeter& keyless) {
  std::vector<BadMessage> out;
  std::mt19937 random(20260601);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 4; ++i) {
    std::string junk(static_cast<std::size_t>(40 + 97 * i), '\0');
    for (char& c : junk) c = static_cast<char>(byte(random));
    out.push_back({"random bytes", junk, std::nullopt});
  }
  for (int i = 0; i < 3; ++i) {
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(30 + 50 * i));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(random));
    out.push_back({"random hex", to_hex(bytes), std::nullopt});
  }
  const std::string hex = meter.telegram(100).hex;
  for (const std::size_t bytes : {10u, 100u, 200u}) {
    out.push_back(
        {"cut inside the first frame", hex.substr(0, 2 * bytes), DecodeError::kTruncated});
  }
  out.push_back({"half a byte missing", hex.substr(0, hex.size() - 1), DecodeError::kOddHexDigits});
  std::string over(core::kMaxHexChars + 1, '0');
  out.push_back({"one character over the limit", over, DecodeError::kTooLarge});
  std::string big;
  while (big.size() <= 2 * core::kMaxHexChars) big += hex;
  out.push_back({"a telegram repeated to 32 kB", big, DecodeError::kTooLarge});
  out.push_back({"exactly at the limit, no frame", std::string(core::kMaxHexChars, '0'),
                 DecodeError::kNoFrame});
  std::string non_hex = meter.telegram(101).hex;
  non_hex[60] = 'G';
  out.push_back({"a G inside", non_hex, DecodeError::kNotHex});
  out.push_back({"text after the telegram", meter.telegram(102).hex + " zz", DecodeError::kNotHex});
  std::vector<std::uint8_t> stop = meter.telegram(103).bytes;
  stop[4u + stop[1] + 1u] = 0x17;  // 68 L L 68 <L bytes> CS 16
  out.push_back({"stop byte 17", to_hex(stop), DecodeError::kBadStopByte});
  for (std::size_t i = 0; i < 2; ++i) {
    out.push_back({"wrong key", meter.with_key(104 + i, kOtherKey).hex, DecodeError::kWrongKey});
    out.push_back({"meter without a key", keyless.telegram(i).hex, DecodeError::kNoKey});
  }
  return out;
}

class BadCorpus : public ServiceTest {};

TEST_F(BadCorpus, ServiceSurvivesAndCountsEveryCauseExactly) {
  // Only a per-meter key: a meter that is not listed has no key at all.
  const TestMeter meter;
  const TestMeter keyless(kTitleC, "181220088888", kKeyC);
  env_.erase("SMARTMETER_KEY");
  env_["SMARTMETER_KEYS"] = meter.system_title() + "=" + kKey;
  env_["SMARTMETER_HTTP_LISTEN"] = "127.0.0.1:0";
  USE_BACKEND(Backend::kSqlite);
  ASSERT_TRUE(start_service());
  const auto port = wait_http_port(service(), seconds(10));
  ASSERT_TRUE(port);
  const HttpProbe http(*port);

  const auto bad = corpus(meter, keyless);
  std::map<std::string, std::uint64_t> expected;  // cause -> count
  std::uint64_t not_archived = 0;
  for (const auto& message : bad) {
    const auto verdict = decoder_verdict(message.payload, meter);
    ASSERT_TRUE(verdict) << message.what << " decoded";
    if (message.cause) {
      EXPECT_EQ(core::error_name(*verdict), std::string(core::error_name(*message.cause)))
          << message.what;
    } else {
      // Random input is text or framing noise, never pinned on a meter.
      EXPECT_TRUE(core::is_text_error(*verdict) || app::is_line_error(*verdict))
          << message.what << ": " << core::error_name(*verdict);
    }
    ++expected[core::error_name(*verdict)];
    if (*verdict == DecodeError::kTooLarge) ++not_archived;
  }

  std::vector<TestTelegram> good = meter.telegrams(0, 5);
  publish(good);
  std::vector<std::string> stream;
  for (const auto& message : bad) stream.push_back(message.payload);
  // Replays: counters already seen, decoded and flagged, never stored twice.
  for (const std::size_t index : {2u, 2u, 0u}) stream.push_back(meter.telegram(index).hex);
  ASSERT_TRUE(mqtt().publish_all(raw_topic_, stream));
  good.push_back(meter.telegram(5));
  publish({good.back()});

  const std::uint64_t received = good.size() + stream.size();
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(received - not_archived), seconds(20), "Raw"))
      << db().count("Raw") << " raw rows";
  EXPECT_TRUE(service().running()) << "the service died on the corpus";
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(good.size()), seconds(10)));
  std::this_thread::sleep_for(milliseconds(300));
  expect_history_is(good, meter);

  const auto metrics = http.metrics();
  EXPECT_EQ(metric_value(metrics, "smartmeter_telegrams_received_total"),
            static_cast<double>(received));
  EXPECT_EQ(metric_value(metrics, "smartmeter_telegrams_decoded_total"),
            static_cast<double>(good.size() + 3));
  for (int i = 0; i < core::kDecodeErrorCount; ++i) {
    const std::string cause = core::error_name(static_cast<DecodeError>(i));
    const double want = static_cast<double>(expected.count(cause) ? expected[cause] : 0);
    EXPECT_EQ(metric_value(metrics, "smartmeter_telegram_errors_total", {{"cause", cause}}), want)
        << "cause " << cause;
  }
  const std::string& id = meter.system_title();
  EXPECT_EQ(metric_value(metrics, "smartmeter_meter_errors_total",
                         {{"meter", id}, {"cause", "wrong_key"}}),
            2);
  // The title without a key never decoded: no meter, but listed for the setup view.
  EXPECT_EQ(metric_value(metrics, "smartmeter_meter_errors_total",
                         {{"meter", kTitleC}, {"cause", "no_key"}}),
            -1);
  EXPECT_EQ(metric_value(metrics, "smartmeter_frame_counter_replays_total", {{"meter", id}}), 3);

  const json status = http.get_json("/api/status");
  EXPECT_EQ(status["telegrams"]["received"], received);
  json want_errors = json::object();
  for (const auto& [cause, count] : expected) want_errors[cause] = count;
  EXPECT_EQ(status["telegrams"]["errors"], want_errors) << status.dump();
  const json& titles = status["unattributed"]["titles"];
  const auto keyless_title = std::find_if(titles.begin(), titles.end(),
                                          [](const json& t) { return t["title"] == kTitleC; });
  ASSERT_NE(keyless_title, titles.end()) << status.dump();
  EXPECT_EQ((*keyless_title)["count"], 2);
  EXPECT_EQ((*keyless_title)["last_error"], "no_key");
  EXPECT_EQ((*keyless_title)["probably_wrong_key"], true);
  const json health = http.get_json("/api/meters/" + id + "/health");
  EXPECT_EQ(health["replays"], 3);
  EXPECT_EQ(health["diagnosis"], "ok") << health.dump();
  EXPECT_EQ(stop_service(), 0);
}

}  // namespace
}  // namespace meter::it
