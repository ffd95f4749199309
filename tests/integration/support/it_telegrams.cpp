// SPDX-License-Identifier: MIT
#include "it_telegrams.h"

#include <ctime>
#include <stdexcept>

#include "meter/core/hex.h"
#include "meter/core/telegram_encoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::it {
namespace {

constexpr std::int64_t kUtcOffsetS = 3600;  // the meters' winter time, CET
constexpr std::int16_t kDeviationMin = -60;

core::CosemDateTime local_time(std::int64_t utc) {
  const std::time_t local = static_cast<std::time_t>(utc + kUtcOffsetS);
  std::tm tm{};
  ::gmtime_r(&local, &tm);
  core::CosemDateTime time;
  time.year = static_cast<std::uint16_t>(tm.tm_year + 1900);
  time.month = static_cast<std::uint8_t>(tm.tm_mon + 1);
  time.day = static_cast<std::uint8_t>(tm.tm_mday);
  time.weekday = static_cast<std::uint8_t>(tm.tm_wday == 0 ? 7 : tm.tm_wday);
  time.hour = static_cast<std::uint8_t>(tm.tm_hour);
  time.minute = static_cast<std::uint8_t>(tm.tm_min);
  time.second = static_cast<std::uint8_t>(tm.tm_sec);
  time.hundredths = 0;
  time.deviation_min = kDeviationMin;
  time.clock_status = 0x00;
  return time;
}

std::string iso_local(std::int64_t utc) {
  const std::time_t local = static_cast<std::time_t>(utc + kUtcOffsetS);
  std::tm tm{};
  ::gmtime_r(&local, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+01:00", &tm);
  return text;
}

core::SystemTitle parse_title(const std::string& hex) {
  core::SystemTitle title{};
  const auto decoded = core::decode_hex(hex.data(), hex.size(), title.data(), title.size());
  if (!decoded.ok || decoded.size != title.size()) {
    throw std::invalid_argument("system title must be 16 hex digits: " + hex);
  }
  return title;
}

constexpr std::array<double, 11> kScale = {1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001};

}  // namespace

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  std::string text(bytes.size() * 2, '0');
  core::encode_hex_upper(bytes.data(), bytes.size(), text.data());
  return text;
}

std::array<std::int64_t, 11> raw_values(std::size_t index) {
  const auto i = static_cast<std::int64_t>(index);
  return {
      4800000 + 3 * i + (i * i) % 7,  // WIn, Wh: rising
      342 + i / 3,                    // WOut, Wh
      500 + (i * 37) % 1000,          // PIn, W
      (i * 13) % 211,                 // POut, W
      2300 + i % 17,                  // U1, 0.1 V
      2310 + (i * 3) % 13,            // U2
      2290 + (i * 5) % 11,            // U3
      100 + i % 50,                   // I1, 0.01 A
      200 + (i * 7) % 30,             // I2
      12 + i % 20,                    // I3 (0.12 A: a value the original misread)
      780 + i % 200,                  // PF, 0.001 (0.780 ... 0.979)
  };
}

std::int64_t recent_bucket_start(std::int64_t minutes_ago) {
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t target = now - minutes_ago * 60;
  return target - target % 300;
}

TestMeter::TestMeter(std::string system_title, std::string meter_number, std::string key)
    : system_title_(std::move(system_title)),
      meter_number_(std::move(meter_number)),
      key_(std::move(key)) {
  first_time = recent_bucket_start(120) + 150;
}

TestTelegram TestMeter::with_key(std::size_t index, const std::string& key) const {
  TestTelegram t;
  t.index = index;
  t.frame_counter = first_counter + static_cast<std::uint32_t>(index);
  t.timestamp = first_time + kIntervalS * static_cast<std::int64_t>(index);
  t.meter_time = iso_local(t.timestamp);

  core::TelegramSpec spec;
  spec.time = local_time(t.timestamp);
  spec.meter_number = meter_number_;
  const auto raw = raw_values(index);
  for (std::size_t q = 0; q < raw.size(); ++q) {
    spec.raw[q] = raw[q];
    t.values[q] = static_cast<double>(raw[q]) * kScale[q];
  }
  core::CipherSpec cipher_spec;
  cipher_spec.system_title = parse_title(system_title_);
  cipher_spec.frame_counter = t.frame_counter;
  cipher_spec.keys = {*core::AesKey::from_hex(key), std::nullopt};
  if (link == Link::kGbtInHdlc) {
    cipher_spec.security_control = 0x30;
    cipher_spec.keys.authentication = core::AesKey::from_hex(kAuthKeyHex);
  }
  crypto::OpenSslGcmCipher cipher;
  const auto plaintext =
      link == Link::kP1TextApdu ? core::encode_p1_text(spec) : core::encode_data_notification(spec);
  const auto apdu = core::encode_general_glo_ciphering(plaintext, cipher_spec, cipher);
  switch (link) {
    case Link::kMbus:
      t.bytes = core::encode_mbus_frames(apdu);
      break;
    case Link::kHdlc:
      t.bytes = core::encode_hdlc_frames(apdu);
      break;
    case Link::kGbtInHdlc: {
      // One block per HDLC frame, the LLC header in the first frame only (as the E450 sends).
      core::HdlcSpec hdlc;
      for (const auto& block : core::encode_general_block_transfer(apdu, 120)) {
        const auto frame = core::encode_hdlc_frames(block, hdlc);
        t.bytes.insert(t.bytes.end(), frame.begin(), frame.end());
        hdlc.llc = false;
      }
      break;
    }
    case Link::kP1TextApdu:
      t.bytes = apdu;
      break;
  }
  if (t.bytes.empty()) throw std::runtime_error("the encoder refused the telegram");
  t.hex = to_hex(t.bytes);
  return t;
}

TestTelegram TestMeter::telegram(std::size_t index) const { return with_key(index, key_); }

std::vector<TestTelegram> TestMeter::telegrams(std::size_t first_index, std::size_t count) const {
  std::vector<TestTelegram> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(telegram(first_index + i));
  return out;
}

}  // namespace meter::it
