// SPDX-License-Identifier: MIT
// The Kärnten Netz provider layout (Iskraemeco AM550 on the P1 port): bare values after the push
// object's logical name, read by the table and refused when a field does not fit it.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <utility>

#include "frame_builder.h"
#include "meter/core/operator_profile.h"
#include "meter/core/telegram_decoder.h"
#include "meter/core/telegram_encoder.h"
#include "meter/core/value_layout.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::core {
namespace {

using test::Bytes;
namespace axdr = test::axdr;

// UtilitechAS/amsreader-firmware#787: a real AM550's telegram as the reader printed it decrypted.
constexpr std::string_view kRealPlaintext =
    "0F0003D7850C07E8050702150B1100FF8880020C09060006190900FF090D313132313337383338313139390904150B"
    "1100090507E80507020600DB45000600066BE506001636F806002300B00600000009060000000009000900";
// pocki80's gist 941fa090a8d6269a9b3b68c195f8750f: the Kärnten example frame and example key.
constexpr std::string_view kGistFrame =
    "7ea077cf022313bb45e6e700db0844556677889900aa5f208888777755408e03e4b8976857817a5a975d209bc49f"
    "e2855265702ac9cce48cad9452674dd9b07ebe8d6ba115b768de47a801f9443e1cc825973b4796138611960f0cdf"
    "4d323ad789455f8aa25c5ce7aa15fca3eaa5171f74dff8b5592c62c57e";
constexpr std::string_view kGistKey = "AABBCCDDEEFF00112233445566778899";
// The real meter's frame from the same issue; its key was not posted.
constexpr std::string_view kRealFrame =
    "7EA077CF022313BB45E6E700DB0849534B6974AC008F5F200003D784165F789E009F858B180E953A404233850FC5"
    "973199A0483A05911C119DED0FD17D9A3BCF062CC3B12F70857AD320CE9069BE8850527B1590950DB2900F1BAA67"
    "81D4C520F076FA572CC3241EA6FD8FE7209B85B28B90E387801D4A087E";

constexpr std::uint32_t kHeaderBytes = 18;  // 0F, invoke id, 0C and the 12-byte date-time
constexpr std::uint32_t kHeaderBytesWithoutTime = 6;

// 2024-05-07 (Tuesday) 21:11:17.00, deviation -120, daylight saving: the real telegram's header.
const CosemDateTime kRealTime{2024, 5, 7, 2, 21, 11, 17, 0, -120, 0x80};
constexpr std::int64_t kRealEpoch = 1715109077;  // 2024-05-07T19:11:17Z

constexpr std::array<Quantity, 6> kOrder = {
    Quantity::kEnergyImport,         Quantity::kEnergyExport, Quantity::kReactiveEnergyImport,
    Quantity::kReactiveEnergyExport, Quantity::kPowerImport,  Quantity::kPowerExport};
constexpr std::array<std::uint32_t, 6> kRealValues = {14370048, 420837, 1455864, 2293936, 9, 0};

// The body element by element, as the real meter sends it; a test breaks one of them.
struct Body {
  std::vector<Bytes> elements;

  static Body real() {
    Body body;
    body.elements = {
        axdr::obis(Obis::of(0, 6, 25, 9, 0)),
        axdr::text("1121378381199"),
        axdr::octet_string(Bytes{0x15, 0x0B, 0x11, 0x00}),
        axdr::octet_string(Bytes{0x07, 0xE8, 0x05, 0x07, 0x02}),
    };
    for (const std::uint32_t v : kRealValues) body.elements.push_back(axdr::uint32(v));
    body.elements.push_back(axdr::text(""));
    body.elements.push_back(axdr::text(""));
    return body;
  }

  Bytes bytes() const {
    Bytes out = axdr::structure(elements.size());
    for (const Bytes& element : elements) out = test::join({out, element});
    return out;
  }
};

class KaerntenNetz : public ::testing::Test {
 protected:
  Status decode_plaintext(const Bytes& plaintext,
                          ProviderLayout layout = ProviderLayout::kKaerntenNetz) {
    TelegramDecoder decoder(cipher_, KeyRing(), DecoderOptions{layout});
    return decoder.decode_plaintext(plaintext, *telegram_);
  }
  Status decode_frame(std::string_view hex, const AesKey& key) {
    TelegramDecoder decoder(cipher_, KeyRing(MeterKeys{key, std::nullopt}),
                            DecoderOptions{ProviderLayout::kKaerntenNetz});
    return decoder.decode_hex(hex, *telegram_);
  }
  const Telegram& t() const { return *telegram_; }

  void expect_values(const std::array<std::uint32_t, 6>& values) {
    EXPECT_EQ(t().layout, ValueLayout::kProvider);
    ASSERT_NE(t().provider_layout, nullptr);
    EXPECT_STREQ(t().provider_layout, "kaernten-netz");
    for (std::size_t k = 0; k < kOrder.size(); ++k) {
      const Measurement& m = t()[kOrder[k]];
      EXPECT_TRUE(m.present) << info(kOrder[k]).key;
      EXPECT_EQ(m.raw, values[k]) << info(kOrder[k]).key;
      EXPECT_FALSE(m.has_scaler_unit) << info(kOrder[k]).key;
    }
    // The meter sends no reactive power and nothing per phase.
    for (const Quantity absent : {Quantity::kReactivePowerImport, Quantity::kReactivePowerExport,
                                  Quantity::kVoltageL1, Quantity::kCurrentL1}) {
      EXPECT_FALSE(t()[absent].present) << info(absent).key;
    }
    EXPECT_EQ(t().extra_count, 0u);
  }

  void expect_no_values() {
    for (const Measurement& m : t().values) EXPECT_FALSE(m.present);
    EXPECT_EQ(t().extra_count, 0u);
  }

  crypto::OpenSslGcmCipher cipher_;
  std::unique_ptr<Telegram> telegram_ = std::make_unique<Telegram>();
};

TEST_F(KaerntenNetz, TheBodyBuilderIsTheRealMetersLayout) {
  EXPECT_EQ(test::data_notification(0x0003D785, kRealTime, Body::real().bytes()),
            test::from_hex(kRealPlaintext));
}

TEST_F(KaerntenNetz, RealMeterTelegramDecodes) {
  const Status status = decode_plaintext(test::from_hex(kRealPlaintext));
  ASSERT_TRUE(status) << describe(status.failure());
  expect_values(kRealValues);
  EXPECT_EQ(t().meter_number.view(), "1121378381199");
  // The header's date-time, with its deviation (the body's time has none).
  ASSERT_TRUE(t().has_time);
  EXPECT_EQ(t().meter_time.deviation_min, -120);
  EXPECT_EQ(t().timestamp_utc, kRealEpoch);
}

TEST_F(KaerntenNetz, AutoTakesTheTableByItsFullShape) {
  ASSERT_TRUE(decode_plaintext(test::from_hex(kRealPlaintext), ProviderLayout::kAuto));
  expect_values(kRealValues);
  EXPECT_EQ(t().meter_number.view(), "1121378381199");
}

TEST_F(KaerntenNetz, GistExampleFrameDecryptsWithItsKey) {
  const Status status = decode_frame(kGistFrame, *AesKey::from_hex(kGistKey));
  ASSERT_TRUE(status) << describe(status.failure());
  EXPECT_EQ(t().framing, Framing::kHdlc);
  EXPECT_EQ(t().security_control, 0x20);
  EXPECT_EQ(t().frame_counter, 0x88887777u);
  // The gist's plaintext explained: +A 33177130 Wh, -A 0, +R 8969789 varh, -R 16598153 varh,
  // +P 3149 W, -P 0; its body's date sends weekday 0, which the date makes redundant.
  expect_values({33177130, 0, 8969789, 16598153, 3149, 0});
  EXPECT_EQ(t().meter_number.view(), "1121271600000");
  EXPECT_EQ(t().meter_time.to_iso_local(), "2021-08-01T12:05:50+02:00");
}

TEST_F(KaerntenNetz, WrongKeyIsWrongKey) {
  for (const AesKey& wrong : {test::other_key(), test::doc_key()}) {
    const Status status = decode_frame(kGistFrame, wrong);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kWrongKey) << describe(status.failure());
    EXPECT_EQ(t().frame_counter, 0x88887777u);
    expect_no_values();
  }
  // The real meter's frame with a key that is not its own.
  const Status status = decode_frame(kRealFrame, *AesKey::from_hex(kGistKey));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.failure().code, DecodeError::kWrongKey) << describe(status.failure());
  EXPECT_EQ(t().frame_counter, 0x0003D784u);
  expect_no_values();
}

TEST_F(KaerntenNetz, BodyTimeStandsInWhenTheHeaderHasNone) {
  ASSERT_TRUE(decode_plaintext(test::data_notification(1, std::nullopt, Body::real().bytes())));
  expect_values(kRealValues);
  ASSERT_TRUE(t().has_time);
  EXPECT_EQ(t().meter_time.hour, 21);
  EXPECT_FALSE(t().meter_time.has_deviation());
  EXPECT_EQ(t().timestamp_utc, kRealEpoch);  // read as Vienna time, CEST in May
}

TEST_F(KaerntenNetz, ABrokenFieldIsUnknownLayoutNotValues) {
  const auto broken = [](std::size_t element, Bytes replacement) {
    Body body = Body::real();
    body.elements[element] = std::move(replacement);
    return body;
  };
  Body eleven = Body::real();
  eleven.elements.pop_back();
  const std::vector<std::pair<std::string, Body>> cases = {
      {"meter number with a letter", broken(1, axdr::text("11213783811A9"))},
      {"hour 24", broken(2, axdr::octet_string(Bytes{0x18, 0x0B, 0x11, 0x00}))},
      {"time of 3 bytes", broken(2, axdr::octet_string(Bytes{0x15, 0x0B, 0x11}))},
      {"month 13", broken(3, axdr::octet_string(Bytes{0x07, 0xE8, 0x0D, 0x07, 0x02}))},
      {"+R as uint16", broken(6, axdr::uint16(1234))},
      {"customer code as a number", broken(11, axdr::uint8(0))},
      {"eleven elements", eleven},
  };
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    const Status status = decode_plaintext(test::data_notification(1, std::nullopt, body.bytes()));
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kUnknownLayout);
    EXPECT_EQ(status.failure().offset, kHeaderBytesWithoutTime);  // the body's structure tag
    expect_no_values();
  }
}

TEST_F(KaerntenNetz, AnotherOperatorsTableDoesNotReadIt) {
  for (const ProviderLayout other :
       {ProviderLayout::kWienerNetze, ProviderLayout::kNetzBurgenland}) {
    const Status status = decode_plaintext(test::from_hex(kRealPlaintext), other);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kUnknownLayout);
    EXPECT_EQ(status.failure().offset, kHeaderBytes);
    expect_no_values();
  }
  // Nor does the Kärnten table read a Wiener Netze body (date-time and eight uint32).
  TelegramSpec spec = test::doc_spec();
  spec.layout = Layout::kWienerNetze;
  spec.meter_number.clear();
  const Status status = decode_plaintext(encode_data_notification(spec));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.failure().code, DecodeError::kUnknownLayout);
  EXPECT_EQ(status.failure().offset, kHeaderBytes);
}

TEST_F(KaerntenNetz, EncoderWritesTheRealMetersBytes) {
  TelegramSpec spec;
  spec.layout = Layout::kKaerntenNetz;
  spec.time = kRealTime;
  spec.invoke_id = 0x0003D785;
  spec.meter_number = "1121378381199";
  for (std::size_t k = 0; k < kOrder.size(); ++k) {
    spec.raw[static_cast<std::size_t>(kOrder[k])] = kRealValues[k];
  }
  EXPECT_EQ(encode_data_notification(spec), test::from_hex(kRealPlaintext));
}

TEST_F(KaerntenNetz, TheOperatorProfileChoosesTheTable) {
  EXPECT_EQ(provider_layout_from_name("kaernten-netz"), ProviderLayout::kKaerntenNetz);
  EXPECT_STREQ(provider_layout_name(ProviderLayout::kKaerntenNetz), "kaernten-netz");
  const OperatorProfile* profile = find_operator_profile("kaernten-netz", 13);
  ASSERT_NE(profile, nullptr);
  EXPECT_EQ(provider_layout_from_name(profile->layout), ProviderLayout::kKaerntenNetz);
}

}  // namespace
}  // namespace meter::core
