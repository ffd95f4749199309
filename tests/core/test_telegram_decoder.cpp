// SPDX-License-Identifier: MIT
#include "meter/core/telegram_decoder.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "frame_builder.h"
#include "hdlc_vectors.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::core {
namespace {

using test::Bytes;
namespace axdr = test::axdr;

constexpr Obis kEnergyImport = Obis::of(1, 0, 1, 8, 0);
constexpr Obis kEnergyExport = Obis::of(1, 0, 2, 8, 0);
constexpr Obis kVoltageL1 = Obis::of(1, 0, 32, 7, 0);
constexpr Obis kCurrentL1 = Obis::of(1, 0, 31, 7, 0);
constexpr Obis kPowerFactor = Obis::of(1, 0, 13, 7, 0);
constexpr Obis kFrequency = Obis::of(1, 0, 14, 7, 0);

const SystemTitle kOtherTitle = {0x53, 0x41, 0x47, 0x59, 0x05, 0xE6, 0xDB, 0xE2};

void expect_failure(const Status& status, DecodeError code, std::uint32_t offset) {
  ASSERT_FALSE(status);
  EXPECT_EQ(status.failure().code, code) << to_string(status.failure().code);
  EXPECT_EQ(status.failure().offset, offset);
}

void expect_measurement(const Measurement& m, std::int64_t raw, std::int8_t scaler,
                        std::uint8_t unit) {
  EXPECT_TRUE(m.present);
  EXPECT_EQ(m.raw, raw);
  EXPECT_EQ(m.scaler, scaler);
  EXPECT_EQ(m.unit, unit);
  EXPECT_TRUE(m.has_scaler_unit);
}

bool any_value_present(const Telegram& t) {
  for (const Measurement& m : t.values) {
    if (m.present) return true;
  }
  return t.extra_count > 0;
}

// Walks an A-XDR body and maps it, as the decoder does after decryption.
class MapRegisters : public ::testing::Test {
 protected:
  Status map(const Bytes& body) {
    ByteReader in(body);
    items_->size = 0;
    if (auto s = walk_axdr(in, *items_); !s) return s;
    EXPECT_TRUE(in.at_end());
    *telegram_ = Telegram{};
    return map_registers(items_->view(), *telegram_);
  }
  const Telegram& t() const { return *telegram_; }

  std::unique_ptr<AxdrItems> items_ = std::make_unique<AxdrItems>();
  std::unique_ptr<Telegram> telegram_ = std::make_unique<Telegram>();
};

TEST_F(MapRegisters, FlatEvnLayout) {
  const auto time = test::datetime_bytes(test::doc_spec().time);
  const Bytes body = test::join({
      axdr::structure(1 + 3 * 4 + 1),
      axdr::octet_string(time),
      axdr::evn_register(kEnergyImport, axdr::uint32(12937), 0, kUnitWattHour),
      axdr::evn_register(kEnergyExport, axdr::uint32(4242), 0, kUnitWattHour),
      axdr::evn_register(kVoltageL1, axdr::uint16(2337), -1, kUnitVolt),
      axdr::evn_register(kPowerFactor, axdr::uint16(1000), -3, kUnitNone),
      axdr::text("181220000009"),
  });
  ASSERT_TRUE(map(body));
  expect_measurement(t()[Quantity::kEnergyImport], 12937, 0, kUnitWattHour);
  expect_measurement(t()[Quantity::kEnergyExport], 4242, 0, kUnitWattHour);
  expect_measurement(t()[Quantity::kVoltageL1], 2337, -1, kUnitVolt);
  expect_measurement(t()[Quantity::kPowerFactor], 1000, -3, kUnitNone);
  EXPECT_EQ(t()[Quantity::kVoltageL1].value(), 233.7);
  EXPECT_EQ(t().meter_number.view(), "181220000009");
  ASSERT_TRUE(t().has_time);
  EXPECT_EQ(t().timestamp_utc, test::kDocEpoch);
  EXPECT_EQ(t().extra_count, 0u);
}

TEST_F(MapRegisters, RegistersNotSentStayAbsent) {
  const Bytes body = test::join({
      axdr::structure(1 + 3 * 2 + 1),
      axdr::octet_string(test::datetime_bytes(test::doc_spec().time)),
      axdr::evn_register(kVoltageL1, axdr::uint16(2301), -1, kUnitVolt),
      axdr::evn_register(kCurrentL1, axdr::uint16(512), -2, kUnitAmpere),
      axdr::text("178200000001"),
  });
  ASSERT_TRUE(map(body));
  EXPECT_TRUE(t()[Quantity::kVoltageL1].present);
  EXPECT_TRUE(t()[Quantity::kCurrentL1].present);
  for (const Quantity absent :
       {Quantity::kVoltageL2, Quantity::kVoltageL3, Quantity::kCurrentL2, Quantity::kCurrentL3,
        Quantity::kEnergyImport, Quantity::kPowerFactor}) {
    EXPECT_FALSE(t()[absent].present) << info(absent).key;
    EXPECT_EQ(t()[absent].raw, 0);
  }
}

TEST_F(MapRegisters, PowerFactorAsInt16KeepsItsSign) {
  const Bytes body = test::join({
      axdr::structure(3),
      axdr::evn_register(kPowerFactor, axdr::int16(-780), -3, kUnitNone),
  });
  ASSERT_TRUE(map(body));
  expect_measurement(t()[Quantity::kPowerFactor], -780, -3, kUnitNone);
  EXPECT_EQ(t()[Quantity::kPowerFactor].value(), -0.78);
}

TEST_F(MapRegisters, NestedKsmWestLayout) {
  const auto time = test::datetime_bytes(test::doc_spec().time);
  const Bytes body = test::join({
      axdr::structure(6),
      axdr::structure(2),
      axdr::obis(Obis::of(0, 0, 1, 0, 0)),
      axdr::octet_string(time),
      axdr::structure(2),
      axdr::obis(Obis::of(0, 0, 96, 1, 0)),
      axdr::text("1KFM0200200000"),
      axdr::structure(2),
      axdr::obis(Obis::of(0, 0, 42, 0, 0)),
      axdr::text("KFM1200200000"),
      axdr::ksm_register(kVoltageL1, axdr::uint16(2318), -1, kUnitVolt),
      axdr::ksm_register(kEnergyImport, axdr::uint32(1234567), 0, kUnitWattHour),
      axdr::ksm_register(Obis::of(1, 0, 3, 8, 0), axdr::uint32(777), 0, kUnitVarHour),
  });
  ASSERT_TRUE(map(body));
  EXPECT_EQ(t().meter_number.view(), "1KFM0200200000");
  EXPECT_EQ(t().logical_device_name.view(), "KFM1200200000");
  ASSERT_TRUE(t().has_time);
  EXPECT_EQ(t().timestamp_utc, test::kDocEpoch);
  expect_measurement(t()[Quantity::kVoltageL1], 2318, -1, kUnitVolt);
  expect_measurement(t()[Quantity::kEnergyImport], 1234567, 0, kUnitWattHour);
  expect_measurement(t()[Quantity::kReactiveEnergyImport], 777, 0, kUnitVarHour);
  EXPECT_FALSE(t()[Quantity::kVoltageL2].present);
  EXPECT_FALSE(t()[Quantity::kPowerFactor].present);
  EXPECT_EQ(t().extra_count, 0u);
}

TEST_F(MapRegisters, UnknownObisGoesToExtras) {
  const Bytes body = test::join({
      axdr::structure(6),
      axdr::evn_register(kFrequency, axdr::uint16(5001), -2, 44),
      axdr::evn_register(kVoltageL1, axdr::uint16(2301), -1, kUnitVolt),
  });
  ASSERT_TRUE(map(body));
  ASSERT_EQ(t().extra_count, 1u);
  EXPECT_EQ(t().extras[0].obis, kFrequency);
  expect_measurement(t().extras[0].measurement, 5001, -2, 44);
  expect_measurement(t()[Quantity::kVoltageL1], 2301, -1, kUnitVolt);
}

TEST_F(MapRegisters, BareValueHasNoScalerAndUnit) {
  const Bytes body = test::join({
      axdr::structure(4),
      axdr::obis(kEnergyImport),
      axdr::uint32(99),
      axdr::obis(kEnergyExport),
      axdr::uint32(7),
  });
  ASSERT_TRUE(map(body));
  const Measurement& import = t()[Quantity::kEnergyImport];
  EXPECT_TRUE(import.present);
  EXPECT_EQ(import.raw, 99);
  EXPECT_EQ(import.scaler, 0);
  EXPECT_FALSE(import.has_scaler_unit);
  EXPECT_EQ(t()[Quantity::kEnergyExport].raw, 7);
}

TEST_F(MapRegisters, MeterNumberFromObisInFlatLayout) {
  const Bytes body = test::join({
      axdr::structure(2),
      axdr::obis(Obis::of(0, 0, 96, 1, 0)),
      axdr::text("1KFM0200200000"),
  });
  ASSERT_TRUE(map(body));
  EXPECT_EQ(t().meter_number.view(), "1KFM0200200000");
}

class TelegramDecoderTest : public ::testing::Test {
 protected:
  MeterKeys doc_keys(bool with_auth = false) const {
    MeterKeys keys{test::doc_key(), std::nullopt};
    if (with_auth) keys.authentication = test::auth_key();
    return keys;
  }

  Bytes encrypt(std::uint8_t security_control, const MeterKeys& keys,
                const TelegramSpec& spec = test::doc_spec()) {
    CipherSpec cipher_spec = test::doc_cipher(security_control);
    cipher_spec.keys = keys;
    return encode_general_glo_ciphering(encode_data_notification(spec), cipher_spec, cipher_);
  }

  Status decode_apdu(KeyRing ring, Bytes apdu) {
    TelegramDecoder decoder(cipher_, std::move(ring));
    return decoder.decode_apdu(apdu, *telegram_);
  }

  const Telegram& t() const { return *telegram_; }

  crypto::OpenSslGcmCipher cipher_;
  std::unique_ptr<Telegram> telegram_ = std::make_unique<Telegram>();
};

TEST_F(TelegramDecoderTest, DecodesTheBrochureTelegram) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  ASSERT_TRUE(decoder.decode_hex(test::kDocTelegramHex, *telegram_));
  EXPECT_EQ(t().system_title, test::kDocSystemTitle);
  EXPECT_EQ(t().frame_counter, 0x23u);
  EXPECT_EQ(t().security_control, 0x20);
  EXPECT_TRUE(t().encrypted);
  EXPECT_FALSE(t().authenticated);
  EXPECT_EQ(t().segment_count, 2);
  EXPECT_FALSE(t().length_quirk);
  EXPECT_EQ(t().invoke_id, 0x8006870Eu);
  EXPECT_EQ(t().timestamp_utc, test::kDocEpoch);
  EXPECT_EQ(t().meter_number.view(), "181220000009");
  expect_measurement(t()[Quantity::kEnergyImport], 12937, 0, kUnitWattHour);
  expect_measurement(t()[Quantity::kVoltageL1], 2337, -1, kUnitVolt);
  expect_measurement(t()[Quantity::kCurrentL3], 0, -2, kUnitAmpere);
  expect_measurement(t()[Quantity::kPowerFactor], 1000, -3, kUnitNone);
  EXPECT_FALSE(t()[Quantity::kReactiveEnergyImport].present);
}

TEST_F(TelegramDecoderTest, WrongKeyOnEncryptionOnlyFrameIsWrongKey) {
  const Status status =
      decode_apdu(KeyRing(MeterKeys{test::other_key(), std::nullopt}), encrypt(0x20, doc_keys()));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.failure().code, DecodeError::kWrongKey);
  EXPECT_GE(status.failure().offset, 17u);  // somewhere in the 243-byte plaintext
  EXPECT_LT(status.failure().offset, 17u + 243u);
  EXPECT_FALSE(any_value_present(t()));
  EXPECT_FALSE(t().has_time);
}

TEST_F(TelegramDecoderTest, WrongAuthenticationKeyFailsTheTagAndGivesNoValues) {
  const Bytes apdu = encrypt(0x30, doc_keys(true));
  ASSERT_EQ(apdu.size(), 12u + 1 + 1 + 4 + 243 + 12);  // 82 01 04 length form
  MeterKeys wrong = doc_keys();
  wrong.authentication = test::other_key();
  // The tag sits after 18 header bytes and 243 ciphertext bytes.
  expect_failure(decode_apdu(KeyRing(wrong), apdu), DecodeError::kAuthFailed, 18 + 243);
  EXPECT_FALSE(any_value_present(t()));
  EXPECT_FALSE(t().has_time);
}

TEST_F(TelegramDecoderTest, WrongEncryptionKeyWithTagFailsTheTag) {
  MeterKeys wrong{test::other_key(), test::auth_key()};
  expect_failure(decode_apdu(KeyRing(wrong), encrypt(0x30, doc_keys(true))),
                 DecodeError::kAuthFailed, 18 + 243);
  EXPECT_FALSE(any_value_present(t()));
}

TEST_F(TelegramDecoderTest, TamperedCiphertextFailsTheTag) {
  Bytes apdu = encrypt(0x30, doc_keys(true));
  apdu[100] ^= 0x01;
  expect_failure(decode_apdu(KeyRing(doc_keys(true)), apdu), DecodeError::kAuthFailed, 18 + 243);
  EXPECT_FALSE(any_value_present(t()));
}

TEST_F(TelegramDecoderTest, AuthenticatedFrameWithTheRightKeysDecodes) {
  ASSERT_TRUE(decode_apdu(KeyRing(doc_keys(true)), encrypt(0x30, doc_keys(true))));
  EXPECT_TRUE(t().encrypted);
  EXPECT_TRUE(t().authenticated);
  EXPECT_EQ(t().security_control, 0x30);
  expect_measurement(t()[Quantity::kEnergyImport], 12937, 0, kUnitWattHour);
}

TEST_F(TelegramDecoderTest, TaggedFrameWithoutAuthenticationKeyIsNoAuthKey) {
  expect_failure(decode_apdu(KeyRing(doc_keys()), encrypt(0x30, doc_keys(true))),
                 DecodeError::kNoAuthKey, 13);  // the security control byte
  EXPECT_FALSE(any_value_present(t()));
}

TEST_F(TelegramDecoderTest, NoKeyForTheSystemTitle) {
  KeyRing ring;
  ring.add(kOtherTitle, doc_keys());
  const Bytes apdu = encrypt(0x20, doc_keys());
  expect_failure(decode_apdu(ring, apdu), DecodeError::kNoKey, 2);
  EXPECT_EQ(t().system_title, test::kDocSystemTitle);  // reported so the user can add the key
  EXPECT_FALSE(any_value_present(t()));
}

TEST_F(TelegramDecoderTest, KeyRingPicksThePerMeterKeyOverTheDefault) {
  KeyRing ring(MeterKeys{test::other_key(), std::nullopt});
  ring.add(test::kDocSystemTitle, doc_keys());
  ASSERT_TRUE(decode_apdu(ring, encrypt(0x20, doc_keys())));
  EXPECT_EQ(t()[Quantity::kEnergyImport].raw, 12937);

  KeyRing only_default(MeterKeys{test::other_key(), std::nullopt});
  only_default.add(kOtherTitle, doc_keys());
  EXPECT_EQ(decode_apdu(only_default, encrypt(0x20, doc_keys())).failure().code,
            DecodeError::kWrongKey);
}

TEST_F(TelegramDecoderTest, SecuritySuiteOneDecodesLikeSuiteZero) {
  ASSERT_TRUE(decode_apdu(KeyRing(doc_keys()), encrypt(0x21, doc_keys())));
  EXPECT_EQ(t().security_control, 0x21);
  EXPECT_EQ(t()[Quantity::kVoltageL1].raw, 2337);
}

// SC 0x10: the plaintext travels in clear, the tag covers SC || AK || plaintext.
TEST_F(TelegramDecoderTest, AuthenticatedOnlyFrameChecksTheTagOverThePlaintext) {
  const Bytes plaintext = encode_data_notification(test::doc_spec());
  const Bytes aad = test::join({Bytes{0x10}, test::auth_key().bytes, plaintext});
  const std::array<std::uint8_t, 12> iv = {0x4B, 0x46, 0x4D, 0x67, 0x50, 0x00,
                                           0x00, 0x09, 0x00, 0x00, 0x00, 0x23};
  std::array<std::uint8_t, 12> tag{};
  ASSERT_EQ(cipher_.encrypt(test::doc_key(), iv, aad, {}, tag), CipherResult::kOk);
  const Bytes apdu =
      test::glo_apdu(test::kDocSystemTitle, 0x10, 0x23, test::join({plaintext, tag}));

  ASSERT_TRUE(decode_apdu(KeyRing(doc_keys(true)), apdu));
  EXPECT_FALSE(t().encrypted);
  EXPECT_TRUE(t().authenticated);
  EXPECT_EQ(t()[Quantity::kEnergyImport].raw, 12937);

  Bytes tampered = apdu;
  ASSERT_EQ(test::to_hex(test::ByteSpan(apdu).subspan(10, 3)), "820104");  // payload at 18
  tampered[18 + 40] ^= 0x01;  // a byte of the clear plaintext
  expect_failure(decode_apdu(KeyRing(doc_keys(true)), tampered), DecodeError::kAuthFailed,
                 static_cast<std::uint32_t>(18 + plaintext.size()));
  EXPECT_FALSE(any_value_present(t()));
}

TEST_F(TelegramDecoderTest, PlaintextDataNotificationApdu) {
  Bytes apdu = encode_data_notification(test::doc_spec());
  ASSERT_TRUE(decode_apdu(KeyRing(), apdu));
  EXPECT_FALSE(t().encrypted);
  EXPECT_EQ(t()[Quantity::kEnergyImport].raw, 12937);
}

TEST_F(TelegramDecoderTest, TrailingBytesAfterTheBody) {
  Bytes plaintext = test::join({encode_data_notification(test::doc_spec()), Bytes{0x00}});
  TelegramDecoder decoder(cipher_, KeyRing());
  expect_failure(decoder.decode_plaintext(plaintext, *telegram_, 17), DecodeError::kTrailingBytes,
                 static_cast<std::uint32_t>(17 + plaintext.size() - 1));
}

TEST_F(TelegramDecoderTest, HeaderErrorsPointIntoTheApdu) {
  Bytes apdu = encrypt(0x20, doc_keys());
  apdu[12] = 0x22;  // security suite 2
  expect_failure(decode_apdu(KeyRing(doc_keys()), apdu), DecodeError::kUnsupportedSecurity, 12);
}

TEST_F(TelegramDecoderTest, FramingErrorsPointIntoTheRawBytes) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  // Frame 2 of the brochure telegram is missing.
  const std::string_view first_frame = test::kDocTelegramHex.substr(0, 512);
  expect_failure(decoder.decode_hex(first_frame, *telegram_), DecodeError::kIncomplete, 256);
  expect_failure(decoder.decode_hex("not a telegram", *telegram_), DecodeError::kNotHex, 0);
  expect_failure(decoder.decode_hex("68FAFA6853FF0001670", *telegram_), DecodeError::kOddHexDigits,
                 18);
}

TEST_F(TelegramDecoderTest, ApduErrorsAfterFramingPointIntoTheApdu) {
  Bytes apdu = encrypt(0x20, doc_keys());
  apdu[1] = 0x07;  // system-title length
  const Bytes telegram = test::join({Bytes{0x00, 0x00}, encode_mbus_frames(apdu)});
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  expect_failure(decoder.decode_frames(telegram, *telegram_), DecodeError::kBadSystemTitle, 1);
}

TEST_F(TelegramDecoderTest, RejectsOverlongHexUnread) {
  const std::string text(kMaxHexChars + 2, '0');
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  expect_failure(decoder.decode_hex(text, *telegram_), DecodeError::kTooLarge,
                 static_cast<std::uint32_t>(kMaxHexChars));
}

// Telegrams of the brochure meter with frame counters first, first + 1, ... as hex.
std::vector<std::string> counted_telegrams(GcmCipher& cipher, std::uint32_t first,
                                           std::size_t count) {
  std::vector<std::string> hex;
  for (std::size_t i = 0; i < count; ++i) {
    CipherSpec spec = test::doc_cipher();
    spec.frame_counter = first + static_cast<std::uint32_t>(i);
    const Bytes apdu =
        encode_general_glo_ciphering(encode_data_notification(test::doc_spec()), spec, cipher);
    hex.push_back(test::to_hex(encode_mbus_frames(apdu)));
  }
  return hex;
}

// Frame counter of each decoded telegram, or -1 per failure, in payload order.
std::vector<std::int64_t> read_payload(TelegramDecoder& decoder, std::string_view payload,
                                       Telegram& telegram) {
  std::vector<std::int64_t> counters;
  PayloadReader telegrams(decoder, payload);
  for (Status status; telegrams.next(telegram, status) && counters.size() < 100;) {
    counters.push_back(status ? std::int64_t{telegram.frame_counter} : -1);
  }
  return counters;
}

std::vector<std::int64_t> counters_from(std::int64_t first, std::size_t count) {
  std::vector<std::int64_t> counters(count);
  for (std::size_t i = 0; i < count; ++i) counters[i] = first + static_cast<std::int64_t>(i);
  return counters;
}

TEST_F(TelegramDecoderTest, PayloadWithOneTelegramPerLineYieldsEach) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  std::string payload;
  for (const auto& hex : counted_telegrams(cipher_, 100, 25)) payload += hex + "\r\n";
  EXPECT_EQ(read_payload(decoder, payload, *telegram_), counters_from(100, 25));
}

TEST_F(TelegramDecoderTest, PayloadWithConcatenatedTelegramsYieldsEach) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  std::string payload;
  for (const auto& hex : counted_telegrams(cipher_, 7, 25)) payload += hex;
  ASSERT_LE(payload.size(), kMaxHexChars);
  EXPECT_EQ(read_payload(decoder, payload, *telegram_), counters_from(7, 25));
  // Lines of two concatenated telegrams each.
  const auto hex = counted_telegrams(cipher_, 50, 4);
  EXPECT_EQ(read_payload(decoder, hex[0] + hex[1] + "\n" + hex[2] + hex[3], *telegram_),
            counters_from(50, 4));
}

TEST_F(TelegramDecoderTest, PayloadReportsABadTelegramAndGoesOn) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  const auto hex = counted_telegrams(cipher_, 1, 3);
  std::string broken = hex[1];
  broken[40] = broken[40] == '0' ? '1' : '0';  // inside the first frame: checksum
  const std::vector<std::int64_t> expected{1, -1, 3};
  EXPECT_EQ(read_payload(decoder, hex[0] + "\n" + broken + "\n" + hex[2], *telegram_), expected);
  // A truncated second telegram after a good one is a failure, not silence.
  const std::string cut = hex[0] + hex[1].substr(0, 200);
  EXPECT_EQ(read_payload(decoder, cut, *telegram_), (std::vector<std::int64_t>{1, -1}));
  // Bytes after the telegram that do not start a frame stay ignored, as before.
  EXPECT_EQ(read_payload(decoder, hex[0] + "0000", *telegram_), (std::vector<std::int64_t>{1}));
}

TEST_F(TelegramDecoderTest, PayloadWrappedOverLinesIsOneTelegram) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  std::string dump;
  for (std::size_t at = 0; at < test::kDocTelegramHex.size(); at += 64) {
    dump += std::string(test::kDocTelegramHex.substr(at, 64)) + "\n";
  }
  EXPECT_EQ(read_payload(decoder, dump, *telegram_),
            (std::vector<std::int64_t>{test::kDocFrameCounter}));
}

TEST_F(TelegramDecoderTest, EmptyPayloadFailsOnce) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  EXPECT_EQ(read_payload(decoder, "", *telegram_), (std::vector<std::int64_t>{-1}));
  EXPECT_EQ(read_payload(decoder, " \n \n", *telegram_), (std::vector<std::int64_t>{-1}));
  // Binary junk with newline bytes in it is one bad payload, not one per "line".
  EXPECT_EQ(read_payload(decoder, std::string("\x01\x02\n\x80\xFF\n\x10", 7), *telegram_),
            (std::vector<std::int64_t>{-1}));
}

// ---- HDLC and text framing ----

// A failure, if any, comes from a layer after the framing.
void expect_framed(const Status& status) {
  if (!status) {
    EXPECT_FALSE(is_framing_error(status.failure().code)) << describe(status.failure());
    EXPECT_NE(status.failure().code, DecodeError::kTooLarge);
  }
}

// The Wiener Netze telegrams are framed and decrypted; their values have no OBIS codes, so what
// is left to fail is the value layer.
TEST_F(TelegramDecoderTest, WienerNetzeHdlcTelegramsGetThroughFramingAndDecryption) {
  for (const test::HdlcVector& vector : test::kWienerNetzeVectors) {
    SCOPED_TRACE(std::string(vector.id));
    TelegramDecoder decoder(
        cipher_, KeyRing(MeterKeys{AesKey::from_hex(vector.key_hex).value(), std::nullopt}));
    const Status status = decoder.decode_hex(vector.telegram_hex, *telegram_);
    EXPECT_EQ(t().framing, Framing::kHdlc);
    EXPECT_EQ(t().segment_count, 1);
    // 7E A0 LL, addresses, control, HCS, E6 E7 00, then DB 08 and the system title.
    const Bytes telegram = test::from_hex(vector.telegram_hex);
    const std::size_t title_at = vector.id == "wn_siemens_im350" ? 14 : 12;
    ASSERT_EQ(telegram[title_at], 0xDB);
    EXPECT_TRUE(std::equal(t().system_title.begin(), t().system_title.end(),
                           telegram.begin() + static_cast<std::ptrdiff_t>(title_at) + 2));
    EXPECT_EQ(t().security_control, 0x20);
    EXPECT_TRUE(t().encrypted);
    if (!status) {
      const DecodeError code = status.failure().code;
      EXPECT_FALSE(is_framing_error(code)) << to_string(code);
      EXPECT_NE(code, DecodeError::kTooLarge);
      EXPECT_NE(code, DecodeError::kNoKey);
      EXPECT_NE(code, DecodeError::kUnsupportedApdu);
      EXPECT_NE(code, DecodeError::kUnsupportedSecurity);
    }
  }
}

TEST_F(TelegramDecoderTest, BlockTransferInHdlcFramesIsFramedAsOneTelegram) {
  MeterKeys keys{AesKey::from_hex(test::kLgzE450Gbt.key_hex).value(),
                 AesKey::from_hex(test::kLgzE450Gbt.auth_key_hex).value()};
  TelegramDecoder decoder(cipher_, KeyRing(keys));
  const Status status = decoder.decode_hex(test::kLgzE450Gbt.telegram_hex, *telegram_);
  EXPECT_EQ(t().framing, Framing::kHdlc);
  EXPECT_EQ(t().segment_count, 3);
  expect_framed(status);
}

TEST_F(TelegramDecoderTest, DecodesARealSegmentedHdlcCapture) {
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  const Status status = decoder.decode_hex(test::kIskraAm550Segmented.telegram_hex, *telegram_);
  ASSERT_TRUE(status) << describe(status.failure());
  EXPECT_EQ(t().framing, Framing::kHdlc);
  EXPECT_EQ(t().segment_count, 3);
  EXPECT_FALSE(t().encrypted);
  EXPECT_EQ(t().meter_number.view(), "78344537");
  expect_measurement(t()[Quantity::kVoltageL1], 2336, -1, kUnitVolt);
  // Its energy registers are channel 1 (1-1:1.8.0 06 0000E3A4 {0, Wh}): kept under their OBIS.
  bool import_seen = false;
  for (std::size_t i = 0; i < t().extra_count; ++i) {
    if (t().extras[i].obis == Obis::of(1, 1, 1, 8, 0)) {
      expect_measurement(t().extras[i].measurement, 0xE3A4, 0, kUnitWattHour);
      import_seen = true;
    }
  }
  EXPECT_TRUE(import_seen);
}

TEST_F(TelegramDecoderTest, DecodesAnApduCarriedInHdlcFrames) {
  const Bytes apdu = encrypt(kSecurityEncryption, doc_keys());
  for (const std::size_t segment : {std::size_t{0}, std::size_t{100}}) {
    const Bytes frames = encode_hdlc_frames(apdu, {.max_information_bytes = segment});
    TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
    ASSERT_TRUE(decoder.decode_frames(frames, *telegram_)) << "segment " << segment;
    EXPECT_EQ(t().framing, Framing::kHdlc);
    EXPECT_EQ(t().segment_count, segment == 0 ? 1 : 3);
    EXPECT_EQ(t().frame_counter, test::kDocFrameCounter);
    expect_measurement(t()[Quantity::kEnergyImport], 12937, 0, kUnitWattHour);
  }
}

TEST_F(TelegramDecoderTest, HdlcFramingErrorsNameHdlc) {
  Bytes frames = encode_hdlc_frames(encrypt(kSecurityEncryption, doc_keys()));
  frames[40] ^= 0x01;
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  expect_failure(decoder.decode_frames(frames, *telegram_), DecodeError::kHdlcBadFcs,
                 static_cast<std::uint32_t>(frames.size() - 3));
  EXPECT_NE(describe(decoder.decode_frames(frames, *telegram_).failure()).find("HDLC"),
            std::string::npos);
  EXPECT_TRUE(is_framing_error(DecodeError::kHdlcBadFcs));
  EXPECT_TRUE(is_framing_error(DecodeError::kOmsTelegram));
  EXPECT_FALSE(is_framing_error(DecodeError::kUnknownLayout));
  EXPECT_FALSE(is_framing_error(DecodeError::kWrongKey));
}

TEST_F(TelegramDecoderTest, TextInputIsFramedAsText) {
  const std::string text = "/EST5\\253717584_A\r\n\r\n1-0:1.8.0(007112944*Wh)\r\n!ED42\r\n";
  const Bytes bytes(text.begin(), text.end());
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  const Status framed = decoder.decode_frames(bytes, *telegram_);
  EXPECT_EQ(t().framing, Framing::kText);
  expect_framed(framed);
  // Without the CR LF after the CRC the assembler does not frame it; the text parser reads it.
  const Bytes cut(bytes.begin(), bytes.end() - 2);
  const Status unframed = decoder.decode_frames(cut, *telegram_);
  EXPECT_EQ(t().framing, Framing::kText);
  expect_framed(unframed);
}

TEST_F(TelegramDecoderTest, PayloadWithMbusHdlcAndMbusTelegramsYieldsEach) {
  const auto mbus = counted_telegrams(cipher_, 7, 3);
  CipherSpec spec = test::doc_cipher();
  spec.frame_counter = 8;
  const Bytes apdu =
      encode_general_glo_ciphering(encode_data_notification(test::doc_spec()), spec, cipher_);
  const std::string hdlc = test::to_hex(encode_hdlc_frames(apdu, {.max_information_bytes = 120}));
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  EXPECT_EQ(read_payload(decoder, mbus[0] + hdlc + mbus[2], *telegram_),
            (std::vector<std::int64_t>{7, 8, 9}));
  EXPECT_EQ(read_payload(decoder, hdlc + "\n" + mbus[0] + hdlc, *telegram_),
            (std::vector<std::int64_t>{8, 7, 8}));
  // After a telegram, bytes that only look like a start of HDLC or text stay ignored.
  EXPECT_EQ(read_payload(decoder, mbus[0] + "7E00" + hdlc + "2F01", *telegram_),
            (std::vector<std::int64_t>{7}));
  EXPECT_EQ(read_payload(decoder, hdlc + "2F41420D", *telegram_), (std::vector<std::int64_t>{8}));
}

TEST_F(TelegramDecoderTest, PayloadGoesOnAfterATelegramThatFailsAfterFraming) {
  const auto mbus = counted_telegrams(cipher_, 7, 2);
  TelegramDecoder decoder(cipher_, KeyRing(doc_keys()));
  // The Wiener Netze frame has no key here: kNoKey, and the telegram after it still comes out.
  const std::string wn(test::kWnPockiExample.telegram_hex);
  EXPECT_EQ(read_payload(decoder, mbus[0] + wn + mbus[1], *telegram_),
            (std::vector<std::int64_t>{7, -1, 8}));
}

}  // namespace
}  // namespace meter::core
