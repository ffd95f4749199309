// SPDX-License-Identifier: MIT
// Golden tests over ../shared/vectors/public.json: real telegrams with their keys and the values
// their sources document. The file stays outside the repository; without it these tests skip.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "meter/core/apdu.h"
#include "meter/core/byte_reader.h"
#include "meter/core/frame_assembler.h"
#include "meter/core/hex.h"
#include "meter/core/p1_text.h"
#include "meter/core/telegram_decoder.h"
#include "meter/core/value_layout.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::core {
namespace {

using nlohmann::json;

const std::filesystem::path kVectors =
    std::filesystem::path(METER_SHARED_DIR) / "vectors/public.json";

class PublicVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kVectors)) {
      GTEST_SKIP() << "public test vectors not found at " << kVectors
                   << " (they live in ../shared beside the checkout)";
    }
    std::ifstream file(kVectors);
    vectors_ = json::parse(file);
    ASSERT_TRUE(vectors_.is_array());
  }

  static std::vector<std::uint8_t> bytes(const std::string& hex) {
    std::vector<std::uint8_t> out(hex.size() / 2 + 1);
    const HexDecodeResult decoded = decode_hex(hex.data(), hex.size(), out.data(), out.size());
    EXPECT_TRUE(decoded.ok) << hex;
    out.resize(decoded.size);
    return out;
  }

  static MeterKeys keys_of(const json& vector) {
    MeterKeys keys{*AesKey::from_hex(vector["key_hex"].get<std::string>()), std::nullopt};
    if (vector.contains("auth_key_hex") && vector["auth_key_hex"].is_string()) {
      keys.authentication = AesKey::from_hex(vector["auth_key_hex"].get<std::string>());
    }
    return keys;
  }

  static bool is_mbus(const json& vector) {
    return vector["transport"].get<std::string>().rfind("M-Bus", 0) == 0;
  }

  static bool has(const json& vector, const char* key) {
    return vector.contains(key) && !vector[key].is_null();
  }

  json vectors_;
  crypto::OpenSslGcmCipher cipher_;
  std::unique_ptr<Telegram> telegram_ = std::make_unique<Telegram>();
};

struct ExpectedQuantity {
  const char* key;
  Quantity quantity;
};

constexpr ExpectedQuantity kExpectedKeys[] = {
    {"energy_import_Wh", Quantity::kEnergyImport},
    {"energy_export_Wh", Quantity::kEnergyExport},
    {"power_import_W", Quantity::kPowerImport},
    {"power_export_W", Quantity::kPowerExport},
    {"voltage_L1_V", Quantity::kVoltageL1},
    {"voltage_L2_V", Quantity::kVoltageL2},
    {"voltage_L3_V", Quantity::kVoltageL3},
    {"current_L1_A", Quantity::kCurrentL1},
    {"current_L2_A", Quantity::kCurrentL2},
    {"current_L3_A", Quantity::kCurrentL3},
    {"power_factor", Quantity::kPowerFactor},
    {"reactive_energy_import_varh", Quantity::kReactiveEnergyImport},
    {"reactive_energy_export_varh", Quantity::kReactiveEnergyExport},
};

// "2021-09-27T09:47:15" with deviation -120 -> epoch seconds of 07:47:15 UTC.
std::int64_t expected_epoch(const json& datetime) {
  const std::string local = datetime["local"];
  const int year = std::stoi(local.substr(0, 4));
  const auto month = static_cast<unsigned>(std::stoi(local.substr(5, 2)));
  const auto day = static_cast<unsigned>(std::stoi(local.substr(8, 2)));
  const int hour = std::stoi(local.substr(11, 2));
  const int minute = std::stoi(local.substr(14, 2));
  const int second = std::stoi(local.substr(17, 2));
  const std::string offset = datetime["utc_offset"];  // "+02:00"
  const int offset_min = (offset[0] == '-' ? -1 : 1) *
                         (std::stoi(offset.substr(1, 2)) * 60 + std::stoi(offset.substr(4, 2)));
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
         offset_min * 60;
}

// Every documented value matches, and nothing the vector does not list is reported.
void expect_values(const json& expected, const Telegram& t) {
  for (const auto& [key, quantity] : kExpectedKeys) {
    SCOPED_TRACE(key);
    const Measurement& m = t[quantity];
    if (!expected.contains(key)) {
      EXPECT_FALSE(m.present) << "reported a register the meter does not send";
      continue;
    }
    ASSERT_TRUE(m.present);
    EXPECT_DOUBLE_EQ(m.value(), expected[key].get<double>());
  }
  if (expected.contains("meter_number")) {
    const std::string number = expected["meter_number"];
    if (number.rfind("CORRUPTED", 0) != 0) {
      EXPECT_EQ(t.meter_number.view(), number);
    }
  }
  if (expected.contains("logical_device_name")) {
    EXPECT_EQ(t.logical_device_name.view(), expected["logical_device_name"].get<std::string>());
  }
  const json& datetime = expected["meter_datetime"];
  ASSERT_TRUE(t.has_time);
  EXPECT_EQ(t.meter_time.deviation_min, datetime["deviation_min"].get<int>());
  EXPECT_EQ(t.meter_time.clock_status,
            std::stoi(datetime["clock_status"].get<std::string>(), nullptr, 16));
  EXPECT_EQ(t.timestamp_utc, expected_epoch(datetime));
}

TEST_F(PublicVectors, EveryKeyedMbusTelegramDecodesToItsDocumentedValues) {
  int checked = 0;
  for (const json& vector : vectors_) {
    if (!is_mbus(vector) || !has(vector, "key_hex") || !has(vector, "telegram_hex")) continue;
    SCOPED_TRACE(vector["id"].get<std::string>());
    TelegramDecoder decoder(cipher_, KeyRing(keys_of(vector)));
    const Status status = decoder.decode_hex(vector["telegram_hex"].get<std::string>(), *telegram_);
    ASSERT_TRUE(status) << to_string(status.failure().code);
    expect_values(vector["decoded"]["values"], *telegram_);
    const json& crypto = vector["crypto"];
    EXPECT_EQ(telegram_->frame_counter,
              std::stoul(crypto["frame_counter_hex"].get<std::string>(), nullptr, 16));
    EXPECT_EQ(telegram_->security_control,
              std::stoi(crypto["security_control"].get<std::string>(), nullptr, 16));
    EXPECT_EQ(telegram_->segment_count, vector["frames"].size());
    EXPECT_EQ(telegram_->length_quirk,
              vector["frames"][0]["L_field"] != vector["frames"][0]["L_actual"]);
    ++checked;
  }
  EXPECT_GE(checked, 10) << "expected the 4 EVN, 1 TINETZ and 5 synthetic keyed telegrams";
}

TEST_F(PublicVectors, PlaintextOnlyEntriesParseToTheirDocumentedValues) {
  int checked = 0;
  for (const json& vector : vectors_) {
    if (has(vector, "key_hex") || !has(vector, "plaintext_hex")) continue;
    SCOPED_TRACE(vector["id"].get<std::string>());
    TelegramDecoder decoder(cipher_, KeyRing{});
    auto plaintext = bytes(vector["plaintext_hex"]);
    Status status = decoder.decode_plaintext(plaintext, *telegram_);
    if (vector["id"] == "original_comment_sagemcom_plaintext_noon") {
      // Its tail was garbled by the original decoder (documented): refused at the exact byte
      // where the data-notification ends, and everything before it holds the documented values.
      ASSERT_FALSE(status);
      EXPECT_EQ(status.failure().code, DecodeError::kTrailingBytes);
      EXPECT_EQ(status.failure().offset, 243u);
      plaintext.resize(status.failure().offset);
      status = decoder.decode_plaintext(plaintext, *telegram_);
    }
    ASSERT_TRUE(status) << to_string(status.failure().code);
    expect_values(vector["decoded"]["values"], *telegram_);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST_F(PublicVectors, StructureOnlyEntriesFrameCorrectlyAndFailOnlyForTheKey) {
  int checked = 0;
  const MeterKeys not_their_key{*AesKey::from_hex("00112233445566778899AABBCCDDEEFF"), {}};
  for (const json& vector : vectors_) {
    if (has(vector, "key_hex") || !has(vector, "telegram_hex")) continue;
    SCOPED_TRACE(vector["id"].get<std::string>());
    const auto raw = bytes(vector["telegram_hex"]);
    auto assembler = std::make_unique<FrameAssembler>();
    const auto pushed = assembler->push(raw.data(), raw.size());
    ASSERT_EQ(pushed.event, FrameAssembler::Event::kTelegram);
    EXPECT_EQ(assembler->segment_count(), vector["frames"].size());
    std::vector<std::uint8_t> apdu(FrameAssembler::kCapacity);
    apdu.resize(assembler->copy_apdu(apdu.data(), apdu.size()));
    std::size_t fragments = 0;
    for (const json& frame : vector["frames"])
      fragments += frame["apdu_bytes_in_frame"].get<std::size_t>();
    EXPECT_EQ(apdu.size(), fragments);

    auto ciphered = parse_general_glo_ciphering(apdu);
    ASSERT_TRUE(ciphered);
    const json& crypto = vector["crypto"];
    std::vector<std::uint8_t> title(ciphered->system_title.begin(), ciphered->system_title.end());
    EXPECT_EQ(title, bytes(crypto["system_title_hex"]));
    EXPECT_EQ(ciphered->frame_counter,
              std::stoul(crypto["frame_counter_hex"].get<std::string>(), nullptr, 16));
    EXPECT_EQ(1 + 4 + ciphered->payload.size(), crypto["ciphered_length"].get<std::size_t>());

    // With some other key the telegram is rejected for the key, not for its framing.
    TelegramDecoder decoder(cipher_, KeyRing(not_their_key));
    const Status status = decoder.decode_frames(raw, *telegram_);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kWrongKey);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST_F(PublicVectors, TwoHalvesAsTheUartDeliversThemGiveTheSameTelegram) {
  for (const json& vector : vectors_) {
    if (vector["id"] != "domistyle_issue12_sagemcom_no_key") continue;
    const auto raw = bytes(vector["telegram_hex"]);
    auto assembler = std::make_unique<FrameAssembler>();
    EXPECT_EQ(assembler->push(raw.data(), 150).event, FrameAssembler::Event::kNone);
    EXPECT_EQ(assembler->push(raw.data() + 150, raw.size() - 150).event,
              FrameAssembler::Event::kTelegram);
    EXPECT_EQ(assembler->telegram_size(), raw.size());
    return;
  }
  FAIL() << "vector domistyle_issue12_sagemcom_no_key missing";
}

// Wiener Netze (HDLC) frames: the APDU inside decrypts to the documented plaintext.
TEST_F(PublicVectors, HdlcCarriedApdusDecryptToTheirDocumentedPlaintext) {
  int checked = 0;
  for (const json& vector : vectors_) {
    const std::string transport = vector["transport"];
    if (transport.rfind("HDLC", 0) != 0 || !has(vector, "telegram_hex")) continue;
    SCOPED_TRACE(vector["id"].get<std::string>());
    auto raw = bytes(vector["telegram_hex"]);
    // 7E A0 len dst src ctrl HCS | E6 E7 00 | APDU | FCS 7E: take the APDU between LLC and FCS.
    const std::vector<std::uint8_t> llc = {0xE6, 0xE7, 0x00};
    const auto at = std::search(raw.begin(), raw.end(), llc.begin(), llc.end());
    ASSERT_NE(at, raw.end());
    // The APDU's own length field says where it ends (captures differ in what follows).
    std::vector<std::uint8_t> apdu(at + 3, raw.end());
    ByteReader header(std::span<const std::uint8_t>(apdu).subspan(10));
    auto length = header.ber_length();
    ASSERT_TRUE(length);
    apdu.resize(10 + header.position() + *length);
    TelegramDecoder decoder(cipher_, KeyRing(keys_of(vector)));
    const Status status = decoder.decode_apdu(apdu, *telegram_);
    ASSERT_TRUE(status) << to_string(status.failure().code) << " at " << status.failure().offset;
    const auto plaintext = bytes(vector["plaintext_hex"]);
    auto ciphered_start = apdu.end() - static_cast<std::ptrdiff_t>(plaintext.size());
    EXPECT_TRUE(std::equal(plaintext.begin(), plaintext.end(), ciphered_start));
    EXPECT_EQ(
        telegram_->meter_time.hour,
        std::stoi(vector["decoded"]["header_datetime"]["local"].get<std::string>().substr(11, 2)));
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST_F(PublicVectors, BurgenlandVerifiesAndReadsWithTheOperatorsTable) {
  for (const json& vector : vectors_) {
    if (vector["id"] != "burgenland_lgz_e450_ciphertext_only") continue;
    const auto iv = bytes(vector["iv_hex"]);
    const auto sealed = bytes(vector["ciphertext_plus_tag_hex"]);
    std::vector<std::uint8_t> apdu = {kGeneralGloCiphering, 8};
    apdu.insert(apdu.end(), iv.begin(), iv.begin() + 8);
    apdu.push_back(static_cast<std::uint8_t>(1 + 4 + sealed.size()));
    apdu.push_back(0x30);
    apdu.insert(apdu.end(), iv.begin() + 8, iv.end());
    apdu.insert(apdu.end(), sealed.begin(), sealed.end());
    std::vector<std::uint8_t> tampered = apdu;
    std::vector<std::uint8_t> sealed_copy = apdu;  // decode_apdu decrypts in place

    // Without the operator's table the 14 bare values are not read: unknown layout.
    TelegramDecoder guessing(cipher_, KeyRing(keys_of(vector)));
    const Status status = guessing.decode_apdu(apdu, *telegram_);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kUnknownLayout);
    EXPECT_TRUE(telegram_->authenticated);

    // With it (the netz-burgenland profile's layout): the power and energy the thread names.
    TelegramDecoder decoder(cipher_, KeyRing(keys_of(vector)),
                            DecoderOptions{ProviderLayout::kNetzBurgenland});
    const Status read = decoder.decode_apdu(sealed_copy, *telegram_);
    ASSERT_TRUE(read) << describe(read.failure());
    EXPECT_TRUE(telegram_->authenticated);
    EXPECT_EQ((*telegram_)[Quantity::kPowerImport].raw, 125);
    EXPECT_EQ((*telegram_)[Quantity::kPowerExport].raw, 0);
    EXPECT_EQ((*telegram_)[Quantity::kEnergyImport].raw, 27881149);
    EXPECT_EQ((*telegram_)[Quantity::kEnergyExport].raw, 7619);
    EXPECT_EQ(telegram_->meter_number.view(), "30137181");
    // 2022-12-12 12:35:45 with deviation unspecified: Vienna winter time, UTC+1.
    EXPECT_EQ(telegram_->timestamp_utc,
              days_from_civil(2022, 12, 12) * 86400 + 11 * 3600 + 35 * 60 + 45);
    const auto plaintext = bytes(vector["plaintext_hex"]);
    EXPECT_TRUE(std::equal(plaintext.begin(), plaintext.end(), apdu.begin() + 16));

    tampered[20] ^= 0x01;
    const Status rejected = decoder.decode_apdu(tampered, *telegram_);
    ASSERT_FALSE(rejected);
    EXPECT_EQ(rejected.failure().code, DecodeError::kAuthFailed);
    return;
  }
  FAIL() << "vector burgenland_lgz_e450_ciphertext_only missing";
}

TEST_F(PublicVectors, SteiermarkTagMismatchIsAnErrorNeverSilentValues) {
  for (const json& vector : vectors_) {
    if (vector["id"] != "steiermark_sagemcom_t210dr_dsmr") continue;
    auto apdu = bytes(vector["apdu_hex"]);
    // The source's authentication key does not verify this tag (documented): must be refused.
    TelegramDecoder decoder(cipher_, KeyRing(keys_of(vector)));
    const Status status = decoder.decode_apdu(apdu, *telegram_);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kAuthFailed);

    // The decryption itself is right: the keystream alone gives the documented DSMR text.
    auto sealed = bytes(vector["apdu_hex"]);
    auto ciphered = parse_general_glo_ciphering(sealed);
    ASSERT_TRUE(ciphered);
    const auto iv = ciphered->iv();
    ASSERT_EQ(cipher_.decrypt(keys_of(vector).encryption, iv, {}, ciphered->payload, {}),
              CipherResult::kOk);
    const auto plaintext = bytes(vector["plaintext_hex"]);
    EXPECT_TRUE(std::equal(plaintext.begin(), plaintext.end(), ciphered->payload.begin()));

    // The text reads to what the source asserts (WirkenergieP / WirkenergieN in Wh).
    telegram_->clear();
    ASSERT_TRUE(parse_p1_text(ciphered->payload, ciphered->payload_offset, *telegram_));
    const json& expected = vector["source_expected"];
    EXPECT_EQ((*telegram_)[Quantity::kEnergyImport].raw,
              expected["WirkenergieP"].get<std::int64_t>());
    EXPECT_EQ((*telegram_)[Quantity::kEnergyExport].raw,
              expected["WirkenergieN"].get<std::int64_t>());
    EXPECT_EQ((*telegram_)[Quantity::kEnergyImport].scaler, 0);
    return;
  }
  FAIL() << "vector steiermark_sagemcom_t210dr_dsmr missing";
}

}  // namespace
}  // namespace meter::core
