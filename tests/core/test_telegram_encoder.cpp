// SPDX-License-Identifier: MIT
// Round trips through the real pipeline: values -> data-notification -> general-glo-ciphering
// (OpenSSL) -> M-Bus frames -> hex -> TelegramDecoder::decode_hex -> the same values.
#include "meter/core/telegram_encoder.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "frame_builder.h"
#include "meter/core/telegram_decoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::core {
namespace {

using test::Bytes;
using test::ByteSpan;

void set(TelegramSpec& spec, Quantity q, std::optional<std::int64_t> raw) {
  spec.raw[static_cast<std::size_t>(q)] = raw;
}

// A three-phase EVN telegram with non-zero values everywhere (2023-06-15 12:34:56+02:00).
TelegramSpec evn_spec() {
  TelegramSpec spec;
  spec.layout = Layout::kEvn;
  spec.time = test::make_time(2023, 6, 15, 12, 34, 56);
  spec.invoke_id = 0x80012345;
  spec.meter_number = "178200001234";
  set(spec, Quantity::kEnergyImport, 800000);
  set(spec, Quantity::kEnergyExport, 1234);
  set(spec, Quantity::kPowerImport, 1520);
  set(spec, Quantity::kPowerExport, 0);
  set(spec, Quantity::kVoltageL1, 2316);
  set(spec, Quantity::kVoltageL2, 2298);
  set(spec, Quantity::kVoltageL3, 2331);
  set(spec, Quantity::kCurrentL1, 312);
  set(spec, Quantity::kCurrentL2, 145);
  set(spec, Quantity::kCurrentL3, 98);
  set(spec, Quantity::kPowerFactor, 780);
  return spec;
}

struct Encoded {
  Bytes plaintext;
  Bytes apdu;
  Bytes frames;
};

class TelegramEncoder : public ::testing::Test {
 protected:
  Encoded encode(const TelegramSpec& spec, const CipherSpec& cipher_spec,
                 const FramingSpec& framing = {}) {
    Encoded out;
    out.plaintext = encode_data_notification(spec);
    out.apdu = encode_general_glo_ciphering(out.plaintext, cipher_spec, cipher_);
    out.frames = encode_mbus_frames(out.apdu, framing);
    return out;
  }

  // Decodes the frames as hex text, the way the service receives them.
  Status decode(const Encoded& encoded, const MeterKeys& keys) {
    TelegramDecoder decoder(cipher_, KeyRing(keys));
    return decoder.decode_hex(test::to_hex(encoded.frames), *telegram_);
  }

  void expect_values(const TelegramSpec& spec) {
    const Telegram& t = *telegram_;
    for (const QuantityInfo& quantity : kQuantities) {
      const auto& raw = spec.raw[static_cast<std::size_t>(quantity.quantity)];
      const Measurement& m = t[quantity.quantity];
      if (!raw) {
        EXPECT_FALSE(m.present) << quantity.key;
        continue;
      }
      EXPECT_TRUE(m.present) << quantity.key;
      EXPECT_EQ(m.raw, *raw) << quantity.key;
      EXPECT_EQ(m.scaler, evn_scaler(quantity.quantity)) << quantity.key;
      EXPECT_EQ(m.unit, evn_unit(quantity.quantity)) << quantity.key;
      EXPECT_TRUE(m.has_scaler_unit) << quantity.key;
    }
    EXPECT_EQ(t.extra_count, 0u);
    EXPECT_EQ(t.meter_number.view(), spec.meter_number);
    EXPECT_EQ(t.invoke_id, spec.invoke_id);
    EXPECT_TRUE(t.has_time);
    EXPECT_EQ(t.timestamp_utc, spec.time.to_utc_epoch());
  }

  const Telegram& t() const { return *telegram_; }

  crypto::OpenSslGcmCipher cipher_;
  std::unique_ptr<Telegram> telegram_ = std::make_unique<Telegram>();
};

MeterKeys doc_keys() { return MeterKeys{test::doc_key(), std::nullopt}; }

TEST_F(TelegramEncoder, ReproducesTheBrochureTelegramByteForByte) {
  const Encoded encoded = encode(test::doc_spec(), test::doc_cipher());
  EXPECT_EQ(encoded.plaintext.size(), 243u);
  EXPECT_EQ(test::to_hex(encoded.frames), test::kDocTelegramHex);
}

TEST_F(TelegramEncoder, EvnFramingIs250Plus20) {
  const TelegramSpec spec = evn_spec();
  const Encoded encoded = encode(spec, test::doc_cipher(kSecurityEncryption, 0x6005));
  ASSERT_EQ(encoded.plaintext.size(), 243u);
  ASSERT_EQ(encoded.apdu.size(), 260u);
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.apdu).first(17)), "DB084B464D675000000981F82000006005");
  ASSERT_EQ(encoded.frames.size(), 282u);
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.frames).first(9)), "68FAFA6853FF000167");
  EXPECT_EQ(encoded.frames[255], kMbusStop);
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.frames).subspan(256, 9)),
            "68141468"
            "53FF110167");
  EXPECT_EQ(encoded.frames[281], kMbusStop);

  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_values(spec);
  EXPECT_EQ(t().segment_count, 2);
  EXPECT_FALSE(t().length_quirk);
  EXPECT_EQ(t().frame_counter, 0x6005u);
  EXPECT_EQ(t().system_title, test::kDocSystemTitle);
  EXPECT_EQ(t()[Quantity::kPowerFactor].value(), 0.78);
}

TEST_F(TelegramEncoder, OldSagemcomFramingWithSignedPowerFactor) {
  TelegramSpec spec = evn_spec();
  spec.power_factor_signed = true;
  set(spec, Quantity::kPowerFactor, -780);
  FramingSpec framing;
  framing.old_sagemcom_quirk = true;
  const Encoded encoded = encode(spec, test::doc_cipher(kSecurityEncryption, 0x1576), framing);
  ASSERT_EQ(encoded.frames.size(), 282u);
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.frames).first(9)), "6801016853FF000167");
  EXPECT_EQ(encoded.frames[262], kMbusStop);
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.frames).subspan(263, 9)), "680D0D6853FF110167");
  // PF travels as int16 (0x10) FCF4.
  EXPECT_NE(test::to_hex(encoded.plaintext).find("090601000D0700FF10FCF4"), std::string::npos);

  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_values(spec);
  EXPECT_TRUE(t().length_quirk);
  EXPECT_EQ(t().segment_count, 2);
  EXPECT_EQ(t()[Quantity::kPowerFactor].value(), -0.78);
}

TEST_F(TelegramEncoder, ThreeSegments) {
  const TelegramSpec spec = evn_spec();
  FramingSpec framing;
  framing.max_fragment_bytes = 100;
  const Encoded encoded = encode(spec, test::doc_cipher(), framing);
  ASSERT_EQ(encoded.frames.size(), 111u + 111u + 71u);
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.frames).first(9)), "6869696853FF000167");
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.frames).subspan(111, 9)), "6869696853FF010167");
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.frames).subspan(222, 9)), "6841416853FF120167");

  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_values(spec);
  EXPECT_EQ(t().segment_count, 3);
}

TEST_F(TelegramEncoder, OneFrame) {
  TelegramSpec spec = evn_spec();
  for (const Quantity q : {Quantity::kVoltageL1, Quantity::kVoltageL2, Quantity::kVoltageL3,
                           Quantity::kCurrentL1, Quantity::kCurrentL2, Quantity::kCurrentL3}) {
    set(spec, q, std::nullopt);
  }
  const Encoded encoded = encode(spec, test::doc_cipher());
  ASSERT_LE(encoded.apdu.size(), 245u);
  ASSERT_EQ(encoded.frames.size(), encoded.apdu.size() + test::kFrameOverhead);
  EXPECT_EQ(encoded.frames[test::kCiOffset], 0x10);  // FIN, segment 0

  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_values(spec);
  EXPECT_EQ(t().segment_count, 1);
}

TEST_F(TelegramEncoder, SinglePhaseLeavesL2AndL3Absent) {
  TelegramSpec spec = evn_spec();
  for (const Quantity q :
       {Quantity::kVoltageL2, Quantity::kVoltageL3, Quantity::kCurrentL2, Quantity::kCurrentL3}) {
    set(spec, q, std::nullopt);
  }
  const Encoded encoded = encode(spec, test::doc_cipher());
  // 1 + 3 * 7 + 1 elements: the structure count follows the registers sent.
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.plaintext).subspan(18, 2)), "0217");

  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_values(spec);
  EXPECT_FALSE(t()[Quantity::kVoltageL2].present);
  EXPECT_FALSE(t()[Quantity::kCurrentL3].present);
  EXPECT_EQ(t()[Quantity::kVoltageL1].raw, 2316);
}

TEST_F(TelegramEncoder, AuthenticatedWithTag) {
  const TelegramSpec spec = evn_spec();
  CipherSpec cipher_spec = test::doc_cipher(0x30, 0x0001CA1D);
  cipher_spec.keys.authentication = test::auth_key();
  const Encoded encoded = encode(spec, cipher_spec);
  // 243 + 12-byte tag + SC + FC = 260: the length needs the 82 form.
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.apdu).subspan(10, 4)), "82010430");
  ASSERT_EQ(encoded.apdu.size(), 273u);

  ASSERT_TRUE(decode(encoded, cipher_spec.keys));
  expect_values(spec);
  EXPECT_TRUE(t().authenticated);
  EXPECT_TRUE(t().encrypted);
  EXPECT_EQ(t().frame_counter, 0x0001CA1Du);

  // Without the authentication key the values still come, flagged as unverified.
  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_values(spec);
  EXPECT_FALSE(t().authenticated);
  EXPECT_TRUE(t().tag_unverified);
}

TEST_F(TelegramEncoder, TagWithoutAuthenticationKeyEncodesNothing) {
  const Bytes plaintext = encode_data_notification(evn_spec());
  EXPECT_TRUE(encode_general_glo_ciphering(plaintext, test::doc_cipher(0x30), cipher_).empty());
}

TEST_F(TelegramEncoder, KsmWestLayoutWithSuiteOne) {
  TelegramSpec spec;
  spec.layout = Layout::kKsmWest;
  spec.time = test::make_time(2022, 1, 15, 13, 0, 0, -60, 0x00);
  spec.invoke_id = 0x00000123;
  spec.meter_number = "1KFM0200200000";
  spec.logical_device_name = "KFM1200200000";
  set(spec, Quantity::kVoltageL1, 2316);
  set(spec, Quantity::kVoltageL2, 2298);
  set(spec, Quantity::kVoltageL3, 2331);
  set(spec, Quantity::kCurrentL1, 312);
  set(spec, Quantity::kCurrentL2, 145);
  set(spec, Quantity::kCurrentL3, 98);
  set(spec, Quantity::kPowerImport, 1520);
  set(spec, Quantity::kPowerExport, 3);
  set(spec, Quantity::kEnergyImport, 800000);
  set(spec, Quantity::kEnergyExport, 1234);
  set(spec, Quantity::kReactiveEnergyImport, 4567);
  set(spec, Quantity::kReactiveEnergyExport, 89);
  const Encoded encoded = encode(spec, test::doc_cipher(0x21, 42));
  // structure(3 + 12), then {clock OBIS, date-time}.
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.plaintext).subspan(18, 4)), "020F0202");
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.apdu).subspan(10, 1)), "82");
  EXPECT_EQ(encoded.apdu[13], 0x21);

  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_values(spec);
  EXPECT_EQ(t().logical_device_name.view(), "KFM1200200000");
  EXPECT_EQ(t().security_control, 0x21);
  EXPECT_EQ(t().timestamp_utc, 1642248000);
  EXPECT_EQ(t().segment_count, 2);
}

TEST_F(TelegramEncoder, EvnScalersAndUnits) {
  EXPECT_EQ(evn_scaler(Quantity::kEnergyImport), 0);
  EXPECT_EQ(evn_unit(Quantity::kEnergyImport), kUnitWattHour);
  EXPECT_EQ(evn_scaler(Quantity::kVoltageL3), -1);
  EXPECT_EQ(evn_unit(Quantity::kVoltageL3), kUnitVolt);
  EXPECT_EQ(evn_scaler(Quantity::kCurrentL2), -2);
  EXPECT_EQ(evn_unit(Quantity::kCurrentL2), kUnitAmpere);
  EXPECT_EQ(evn_scaler(Quantity::kPowerFactor), -3);
  EXPECT_EQ(evn_unit(Quantity::kPowerFactor), kUnitNone);
  EXPECT_EQ(evn_unit(Quantity::kPowerExport), kUnitWatt);
  EXPECT_EQ(evn_unit(Quantity::kReactiveEnergyExport), kUnitVarHour);
}

// Wiener Netze: the eight quantities of its table, in its order, with (Siemens) or without a
// meter id; everything else the spec holds is not sent.
TelegramSpec wiener_netze_spec(bool with_id) {
  TelegramSpec spec;
  spec.layout = Layout::kWienerNetze;
  spec.time = test::make_time(2021, 10, 21, 6, 44, 2);
  spec.invoke_id = 0x0010D9E3;
  spec.meter_number = with_id ? "SMS1030788000020" : "";
  set(spec, Quantity::kEnergyImport, 4490428);
  set(spec, Quantity::kEnergyExport, 1342);
  set(spec, Quantity::kReactiveEnergyImport, 65611);
  set(spec, Quantity::kReactiveEnergyExport, 1843441);
  set(spec, Quantity::kPowerImport, 374);
  set(spec, Quantity::kPowerExport, 2);
  set(spec, Quantity::kReactivePowerImport, 7);
  set(spec, Quantity::kReactivePowerExport, 244);
  return spec;
}

void expect_bare_values(const Telegram& t, const TelegramSpec& spec) {
  for (const QuantityInfo& quantity : kQuantities) {
    const auto& raw = spec.raw[static_cast<std::size_t>(quantity.quantity)];
    const Measurement& m = t[quantity.quantity];
    EXPECT_EQ(m.present, raw.has_value()) << quantity.key;
    if (!raw) continue;
    EXPECT_EQ(m.raw, *raw) << quantity.key;
    EXPECT_EQ(m.scaler, 0) << quantity.key;
    EXPECT_FALSE(m.has_scaler_unit) << quantity.key;
  }
  EXPECT_EQ(t.meter_number.view(), spec.meter_number);
  EXPECT_EQ(t.invoke_id, spec.invoke_id);
  EXPECT_EQ(t.timestamp_utc, spec.time.to_utc_epoch());
}

TEST_F(TelegramEncoder, WienerNetzeLayoutWithoutMeterId) {
  const TelegramSpec spec = wiener_netze_spec(false);
  const Encoded encoded = encode(spec, test::doc_cipher());
  // The AM550 layout: structure(9), date-time, then 06 <+A>.
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.plaintext).subspan(18, 4)), "0209090C");
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.plaintext).subspan(34, 5)), "06004484BC");
  EXPECT_EQ(encoded.plaintext.size(), 18u + 2 + 14 + 8 * 5);  // as the AM550's 74 bytes
  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_bare_values(t(), spec);
  EXPECT_EQ(t().layout, ValueLayout::kProvider);
  EXPECT_STREQ(t().provider_layout, "wiener-netze");
}

TEST_F(TelegramEncoder, WienerNetzeLayoutWithMeterId) {
  TelegramSpec spec = wiener_netze_spec(true);
  spec.raw[static_cast<std::size_t>(Quantity::kVoltageL1)] = 2301;  // not in the table
  const Encoded encoded = encode(spec, test::doc_cipher());
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.plaintext).subspan(18, 4)), "020A0910");
  ASSERT_TRUE(decode(encoded, doc_keys()));
  spec.raw[static_cast<std::size_t>(Quantity::kVoltageL1)].reset();
  expect_bare_values(t(), spec);
  EXPECT_EQ(t().meter_number.view(), "SMS1030788000020");
}

TEST_F(TelegramEncoder, WienerNetzeSendsZeroForAQuantityNotGiven) {
  TelegramSpec spec = wiener_netze_spec(false);
  spec.raw[static_cast<std::size_t>(Quantity::kReactivePowerImport)].reset();
  ASSERT_TRUE(decode(encode(spec, test::doc_cipher()), doc_keys()));
  EXPECT_TRUE(t()[Quantity::kReactivePowerImport].present);
  EXPECT_EQ(t()[Quantity::kReactivePowerImport].raw, 0);
}

TEST_F(TelegramEncoder, CaptureListLayout) {
  TelegramSpec spec = evn_spec();
  spec.layout = Layout::kCaptureList;
  set(spec, Quantity::kEnergyImportT1, 600000);
  set(spec, Quantity::kEnergyImportT2, 200000);
  set(spec, Quantity::kEnergyExportT1, 1000);
  set(spec, Quantity::kEnergyExportT2, 234);
  set(spec, Quantity::kReactivePowerExport, 12);
  const Encoded encoded = encode(spec, test::doc_cipher());
  // structure(n), array(n) whose first entry is the push setup {40, 0-0:25.9.0.255, 2, 0}.
  const std::size_t n = 2 + 1 + 16;
  EXPECT_EQ(encoded.plaintext[18], 0x02);
  EXPECT_EQ(encoded.plaintext[19], n);
  EXPECT_EQ(test::to_hex(ByteSpan(encoded.plaintext).subspan(20, 2 + 16)),
            "0113020412002809060000190900FF0F0212");
  ASSERT_TRUE(decode(encoded, doc_keys()));
  expect_bare_values(t(), spec);
  EXPECT_EQ(t().layout, ValueLayout::kCaptureList);
  EXPECT_EQ(t()[Quantity::kEnergyImportT2].raw, 200000);
  EXPECT_EQ(t().extra_count, 0u);
}

TEST_F(TelegramEncoder, CaptureListWithoutMeterNumber) {
  TelegramSpec spec = evn_spec();
  spec.layout = Layout::kCaptureList;
  spec.meter_number.clear();
  ASSERT_TRUE(decode(encode(spec, test::doc_cipher()), doc_keys()));
  expect_bare_values(t(), spec);
}

// Without a tag only the plaintext shows a wrong key: on every layout, at every frame counter
// (each gives other garbage), the decoder must say kWrongKey and never yield values.
TEST_F(TelegramEncoder, WrongKeyOnEveryLayoutIsWrongKey) {
  TelegramSpec ksm = evn_spec();
  ksm.layout = Layout::kKsmWest;
  ksm.logical_device_name = "KFM1200200000";
  TelegramSpec capture = evn_spec();
  capture.layout = Layout::kCaptureList;
  const MeterKeys wrong{test::other_key(), std::nullopt};
  for (const TelegramSpec& spec :
       {evn_spec(), ksm, wiener_netze_spec(false), wiener_netze_spec(true), capture}) {
    for (std::uint32_t counter = 1; counter <= 300; ++counter) {
      const Encoded encoded = encode(spec, test::doc_cipher(0x20, counter));
      const Status status = decode(encoded, wrong);
      ASSERT_FALSE(status) << "layout " << static_cast<int>(spec.layout) << " counter " << counter;
      ASSERT_EQ(status.failure().code, DecodeError::kWrongKey)
          << "layout " << static_cast<int>(spec.layout) << " counter " << counter << ": "
          << describe(status.failure());
    }
    ASSERT_TRUE(decode(encode(spec, test::doc_cipher(0x20, 7)), doc_keys()));
  }
}

}  // namespace
}  // namespace meter::core
