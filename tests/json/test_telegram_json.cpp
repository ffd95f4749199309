// SPDX-License-Identifier: MIT
#include "meter/json/telegram_json.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "frame_builder.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::json {
namespace {

using core::Measurement;
using core::Quantity;
using core::Telegram;

Measurement measurement(std::int64_t raw, std::int8_t scaler, std::uint8_t unit) {
  Measurement m;
  m.present = true;
  m.raw = raw;
  m.scaler = scaler;
  m.unit = unit;
  m.has_scaler_unit = true;
  return m;
}

std::vector<std::string> keys_of(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

std::unique_ptr<Telegram> decoded_doc_telegram() {
  crypto::OpenSslGcmCipher cipher;
  core::TelegramDecoder decoder(cipher, core::KeyRing(core::MeterKeys{test::doc_key(), {}}));
  auto telegram = std::make_unique<Telegram>();
  EXPECT_TRUE(decoder.decode_hex(test::kDocTelegramHex, *telegram));
  return telegram;
}

TEST(TelegramJson, BrochureTelegramAsOneLine) {
  const auto telegram = decoded_doc_telegram();
  EXPECT_EQ(telegram_to_json_line(*telegram),
            R"({"WIn":{"value":12937,"unit":"Wh"},"WOut":{"value":0,"unit":"Wh"},)"
            R"("PIn":{"value":0,"unit":"W"},"POut":{"value":0,"unit":"W"},)"
            R"("U1":{"value":233.7,"unit":"V"},"U2":{"value":0.0,"unit":"V"},)"
            R"("U3":{"value":0.0,"unit":"V"},"I1":{"value":0.0,"unit":"A"},)"
            R"("I2":{"value":0.0,"unit":"A"},"I3":{"value":0.0,"unit":"A"},)"
            R"("PF":{"value":1.0,"unit":"1"},"timestamp":{"value":1632728835,"unit":"s"},)"
            R"("meterNumber":"181220000009","systemTitle":"4B464D6750000009",)"
            R"("frameCounter":35,"meterTime":"2021-09-27T09:47:15+02:00"})");
}

TEST(TelegramJson, KeyOrderIsTheOriginalsThenTimestampThenExtras) {
  auto telegram = decoded_doc_telegram();
  (*telegram)[Quantity::kReactiveEnergyExport] = measurement(5, 0, core::kUnitVarHour);
  (*telegram)[Quantity::kReactiveEnergyImport] = measurement(6, 0, core::kUnitVarHour);
  telegram->extras[0] = {core::Obis::of(1, 0, 14, 7, 0), measurement(5001, -2, 44)};
  telegram->extra_count = 1;
  const auto json = telegram_to_json(*telegram);
  EXPECT_EQ(keys_of(json),
            (std::vector<std::string>{"WIn", "WOut", "PIn", "POut", "U1", "U2", "U3", "I1", "I2",
                                      "I3", "PF", "timestamp", "RIn", "ROut", "meterNumber",
                                      "systemTitle", "frameCounter", "meterTime", "registers"}));
  EXPECT_EQ(json["registers"]["1-0:14.7.0*255"]["value"].get<double>(), 50.01);
  EXPECT_EQ(json["registers"]["1-0:14.7.0*255"]["unit"], "Hz");
}

TEST(TelegramJson, IntegralValuesAreJsonIntegers) {
  Telegram telegram;
  telegram[Quantity::kEnergyImport] = measurement(12937, 0, core::kUnitWattHour);
  telegram[Quantity::kEnergyExport] = measurement(5, 3, core::kUnitWattHour);
  telegram[Quantity::kVoltageL1] = measurement(2337, -1, core::kUnitVolt);
  telegram[Quantity::kVoltageL2] = measurement(2300, -1, core::kUnitVolt);
  const auto json = telegram_to_json(telegram);
  EXPECT_TRUE(json["WIn"]["value"].is_number_integer());
  EXPECT_EQ(json["WIn"]["value"].get<std::int64_t>(), 12937);
  EXPECT_TRUE(json["WOut"]["value"].is_number_integer());
  EXPECT_EQ(json["WOut"]["value"].get<std::int64_t>(), 5000);
  EXPECT_TRUE(json["U1"]["value"].is_number_float());
  EXPECT_EQ(json["U1"]["value"].get<double>(), 233.7);
  EXPECT_TRUE(json["U2"]["value"].is_number_float());  // 230.0 keeps its decimal scaling
  EXPECT_EQ(json["U2"]["value"].dump(), "230.0");
}

TEST(TelegramJson, MissingRegistersAreAbsentNotZero) {
  Telegram telegram;
  telegram[Quantity::kVoltageL1] = measurement(2301, -1, core::kUnitVolt);
  const auto json = telegram_to_json(telegram);
  EXPECT_EQ(keys_of(json), (std::vector<std::string>{"U1"}));
  EXPECT_FALSE(json.contains("U2"));
  EXPECT_FALSE(json.contains("timestamp"));    // no meter time, no timestamp
  EXPECT_FALSE(json.contains("systemTitle"));  // not encrypted
}

TEST(TelegramJson, UnitFallsBackWhenTheMeterSentNone) {
  Telegram telegram;
  telegram[Quantity::kEnergyImport].present = true;
  telegram[Quantity::kEnergyImport].raw = 99;
  telegram[Quantity::kPowerImport] = measurement(1, 0, 200);  // not in the unit table
  const auto json = telegram_to_json(telegram);
  EXPECT_EQ(json["WIn"]["unit"], "Wh");
  EXPECT_EQ(json["WIn"]["value"].get<std::int64_t>(), 99);
  EXPECT_EQ(json["PIn"]["unit"], "unit 200");
}

// Values with a negative scaler are written by moving the decimal point; that must read the
// same as the shortest text of the double (with ".0" for whole numbers) for every raw value.
TEST(TelegramJson, DecimalValuesMatchTheShortestDoubleText) {
  std::vector<std::int64_t> raws = {0,
                                    1,
                                    5,
                                    9,
                                    10,
                                    99,
                                    100,
                                    1000,
                                    2337,
                                    2330,
                                    819,
                                    780,
                                    65535,
                                    -1,
                                    -10,
                                    -819,
                                    -32768,
                                    999999999999999,
                                    -999999999999999,
                                    123456789012345,
                                    1000000000000000,
                                    1234567890123456789};
  for (std::int64_t r = 1; r < 5'000'000'000; r = r * 7 + 3) raws.push_back(r);
  for (const int scaler_value : {-1, -2, -3, -4, -5}) {
    const auto scaler = static_cast<std::int8_t>(scaler_value);
    for (const std::int64_t raw : raws) {
      Telegram t;
      t[Quantity::kPowerFactor] = measurement(raw, scaler, core::kUnitNone);
      std::string expected = fmt::format("{}", t[Quantity::kPowerFactor].value());
      if (expected.find_first_of(".eEn") == std::string::npos) expected += ".0";
      const std::string line = telegram_to_json_line(t);
      EXPECT_NE(line.find("\"PF\":{\"value\":" + expected + ","), std::string::npos)
          << "raw " << raw << " scaler " << int{scaler} << ": " << line;
    }
  }
}

TEST(TelegramJson, LargePositiveScalerDoesNotOverflow) {
  Telegram telegram;
  telegram[Quantity::kEnergyImport] = measurement(1, 19, core::kUnitWattHour);
  const auto json = telegram_to_json(telegram);
  const double value = json["WIn"]["value"].get<double>();
  EXPECT_EQ(value, 1e19);
}

// The line is written into a fixed buffer: the largest telegram a decoder can fill (every
// quantity and extra register at its widest, both texts made of bytes that need escaping) must
// come out whole and parse back.
TEST(TelegramJson, TheLargestTelegramComesOutWholeAndParses) {
  Telegram telegram;
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    telegram.values[i] = measurement(std::numeric_limits<std::int64_t>::min(), -7, 201);
  }
  std::string control(telegram.meter_number.chars.size(), '\x01');
  telegram.meter_number.assign(control);
  telegram.logical_device_name.assign(control);
  telegram.encrypted = true;
  telegram.frame_counter = std::numeric_limits<std::uint32_t>::max();
  for (auto& extra : telegram.extras) {
    extra = {core::Obis::of(255, 255, 255, 255, 255, 255),
             measurement(std::numeric_limits<std::int64_t>::max(), -9, 255)};
  }
  telegram.extra_count = telegram.extras.size();
  const std::string line = telegram_to_json_line(telegram);
  const auto json = nlohmann::ordered_json::parse(line);
  EXPECT_EQ(json["meterNumber"].get<std::string>(), control);
  EXPECT_EQ(json["deviceName"].get<std::string>(), control);
  EXPECT_EQ(json["I3"]["unit"], "unit 201");
  EXPECT_DOUBLE_EQ(json["I3"]["value"].get<double>(), -9.223372036854775808e11);
  EXPECT_EQ(json["registers"].size(), 1U);  // 32 times the same OBIS code: one key survives
  EXPECT_DOUBLE_EQ(json["registers"]["255-255:255.255.255*255"]["value"].get<double>(),
                   9.223372036854775807e9);
  EXPECT_EQ(std::count(line.begin(), line.end(), '*'), 32);  // every register was written
}

TEST(TelegramJson, ATagNotCheckedIsSaid) {
  auto telegram = decoded_doc_telegram();
  EXPECT_FALSE(telegram_to_json(*telegram).contains("authenticated"));
  telegram->tag_unverified = true;  // decrypted without the authentication key
  EXPECT_EQ(telegram_to_json(*telegram)["authenticated"], false);
}

}  // namespace
}  // namespace meter::json
