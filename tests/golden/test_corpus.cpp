// SPDX-License-Identifier: MIT
// Golden tests over the repository's own corpus (tests/corpus/telegrams.json): real telegrams that
// were published with their keys or as captures, each with where it was published. Every keyed
// telegram must print, in the values JSON line users get, exactly the values listed for it (the
// meter number and meter time included); a telegram whose published key does not fit must fail
// with the error the entry names; a telegram whose key was never published must frame correctly
// and be refused for the key only; a framing the decoder does not read must be refused, never
// turned into values.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "meter/core/telegram_decoder.h"
#include "meter/core/value_layout.h"
#include "meter/crypto/openssl_gcm_cipher.h"
#include "meter/json/telegram_json.h"

namespace meter::core {
namespace {

using nlohmann::json;

json load_corpus() {
  std::ifstream file(METER_CORPUS_FILE);
  if (!file) {
    ADD_FAILURE() << "corpus not found at " << METER_CORPUS_FILE;
    return json::object();
  }
  return json::parse(file);
}

// The failures an entry may name in "failure".
std::optional<DecodeError> error_named(const std::string& name) {
  static constexpr std::array<std::pair<const char*, DecodeError>, 8> kNames = {{
      {"kAuthFailed", DecodeError::kAuthFailed},
      {"kNoAuthKey", DecodeError::kNoAuthKey},
      {"kWrongKey", DecodeError::kWrongKey},
      {"kOmsTelegram", DecodeError::kOmsTelegram},
      {"kUnknownLayout", DecodeError::kUnknownLayout},
      {"kTextBadCrc", DecodeError::kTextBadCrc},
      {"kApduLengthMismatch", DecodeError::kApduLengthMismatch},
      {"kHdlcNoClosingFlag", DecodeError::kHdlcNoClosingFlag},
  }};
  for (const auto& [text, error] : kNames) {
    if (name == text) return error;
  }
  return std::nullopt;
}

// The number of a values-JSON field: {"value": x, "unit": u} or a bare number.
double number_of(const json& field) {
  return field.is_object() ? field["value"].get<double>() : field.get<double>();
}

// Every value the entry lists is printed, equal; with a complete list, no other quantity is.
void expect_printed(const json& printed, const json& expected, bool complete) {
  for (const auto& [key, value] : expected.items()) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(printed.contains(key)) << printed.dump();
    if (key == "registers") {
      for (const auto& [obis, number] : value.items()) {
        ASSERT_TRUE(printed[key].contains(obis)) << obis << " in " << printed[key].dump();
        EXPECT_DOUBLE_EQ(number_of(printed[key][obis]), number.get<double>()) << obis;
      }
    } else if (value.is_string()) {
      EXPECT_EQ(printed[key].get<std::string>(), value.get<std::string>());
    } else {
      EXPECT_DOUBLE_EQ(number_of(printed[key]), value.get<double>());
    }
  }
  if (!complete) return;
  // A missing phase is absent, never 0; a quantity the meter does not send is never made up.
  for (const QuantityInfo& quantity : kQuantities) {
    EXPECT_EQ(printed.contains(quantity.key), expected.contains(quantity.key)) << quantity.key;
  }
}

class Corpus : public ::testing::Test {
 protected:
  // The published keys; none at all for a plaintext capture.
  static KeyRing keys_of(const json& entry, bool with_auth_key = true) {
    if (!entry["key"].is_string()) return KeyRing();
    MeterKeys keys{*AesKey::from_hex(entry["key"].get<std::string>()), std::nullopt};
    if (with_auth_key && entry.contains("auth_key") && entry["auth_key"].is_string()) {
      keys.authentication = AesKey::from_hex(entry["auth_key"].get<std::string>());
    }
    return KeyRing(keys);
  }

  // What the bytes cannot tell: the provider layout of the entry's operator profile.
  static DecoderOptions options_of(const json& entry) {
    DecoderOptions options;
    if (entry.contains("operator_profile")) {
      const auto layout = provider_layout_from_name(entry["operator_profile"].get<std::string>());
      EXPECT_TRUE(layout.has_value()) << "unknown operator_profile " << entry["operator_profile"];
      if (layout) options.layout = *layout;
    }
    return options;
  }

  // The telegram as published: hex (frames or a bare APDU), or a P1 text telegram as "text".
  Status decode(const json& entry, TelegramDecoder& decoder) {
    if (entry.contains("text")) {
      const std::string text = entry["text"].get<std::string>();
      const std::vector<std::uint8_t> bytes(text.begin(), text.end());
      return decoder.decode_frames(bytes, *telegram_);
    }
    return decoder.decode_hex(entry["hex"].get<std::string>(), *telegram_);
  }

  json printed() const { return json::parse(meter::json::telegram_to_json_line(*telegram_)); }

  // One "values" entry (a function of its own so that a failing entry does not hide the others).
  void check_values(const json& entry) {
    TelegramDecoder decoder(cipher_, keys_of(entry), options_of(entry));
    const Status status = decode(entry, decoder);
    ASSERT_TRUE(status) << describe(status.failure());
    const json& expected = entry["values"];
    // Every telegram carries its meter time; the values must say which one.
    EXPECT_TRUE(expected.contains("meterTime"));
    expect_printed(printed(), expected, entry.value("values_complete", true));
    if (entry.contains("auth_key") && entry["auth_key"].is_string()) {
      EXPECT_TRUE(telegram_->authenticated);
      EXPECT_FALSE(telegram_->tag_unverified);
    }
  }

  // One "failure" or "refused" entry.
  void check_failure(const json& entry) {
    {
      TelegramDecoder decoder(cipher_, keys_of(entry), options_of(entry));
      const Status status = decode(entry, decoder);
      ASSERT_FALSE(status);
      if (entry.contains("failure")) {
        const auto error = error_named(entry["failure"].get<std::string>());
        ASSERT_TRUE(error.has_value()) << entry["failure"];
        EXPECT_EQ(status.failure().code, *error) << describe(status.failure());
      }
    }
    if (!entry.contains("values_without_auth_key")) return;
    TelegramDecoder decoder(cipher_, keys_of(entry, false), options_of(entry));
    const Status status = decode(entry, decoder);
    ASSERT_TRUE(status) << "encryption key alone: " << describe(status.failure());
    EXPECT_TRUE(telegram_->tag_unverified);
    expect_printed(printed(), entry["values_without_auth_key"], true);
  }

  // One entry without a published key: any other key is reported as the wrong key, after the
  // framing and the security header were read.
  void check_wrong_key(const json& entry) {
    const MeterKeys not_their_key{*AesKey::from_hex("00112233445566778899AABBCCDDEEFF"), {}};
    TelegramDecoder decoder(cipher_, KeyRing(not_their_key));
    const Status status = decode(entry, decoder);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kWrongKey) << describe(status.failure());
    EXPECT_EQ(telegram_->frame_counter, entry["frameCounter"].get<std::uint32_t>());
  }

  json corpus_ = load_corpus();
  crypto::OpenSslGcmCipher cipher_;
  std::unique_ptr<Telegram> telegram_ = std::make_unique<Telegram>();
};

TEST_F(Corpus, EveryEntryNamesWhereItWasPublished) {
  ASSERT_TRUE(corpus_.contains("telegrams"));
  for (const json& entry : corpus_["telegrams"]) {
    SCOPED_TRACE(entry.value("id", "?"));
    ASSERT_TRUE(entry["published_at"].is_array());
    EXPECT_FALSE(entry["published_at"].empty());
    EXPECT_TRUE(entry.contains("hex") || entry.contains("text"));
    if (entry.contains("hex")) {
      EXPECT_FALSE(entry["hex"].get<std::string>().empty());
    }
    const std::string expect = entry.value("expect", "");
    EXPECT_TRUE(expect == "values" || expect == "failure" || expect == "refused" ||
                expect == "wrong_key_without_its_key")
        << expect;
  }
}

TEST_F(Corpus, KeyedTelegramsPrintTheirValues) {
  int checked = 0;
  for (const json& entry : corpus_["telegrams"]) {
    if (entry["expect"] != "values") continue;
    SCOPED_TRACE(entry["id"].get<std::string>());
    check_values(entry);
    ++checked;
  }
  EXPECT_GE(checked, 12);
}

// A published key that does not fit fails with the named error, never with values; what the
// encryption key alone yields (tag not checked) is still the telegram's content. A framing the
// decoder does not read ("refused") fails too, whatever the error.
TEST_F(Corpus, PublishedKeysThatDoNotFitAndUnreadFramingsFail) {
  int checked = 0;
  for (const json& entry : corpus_["telegrams"]) {
    if (entry["expect"] != "failure" && entry["expect"] != "refused") continue;
    SCOPED_TRACE(entry["id"].get<std::string>());
    check_failure(entry);
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

TEST_F(Corpus, TelegramsWithoutAPublishedKeyAreRefusedForTheKeyOnly) {
  int checked = 0;
  for (const json& entry : corpus_["telegrams"]) {
    if (entry["expect"] != "wrong_key_without_its_key") continue;
    SCOPED_TRACE(entry["id"].get<std::string>());
    check_wrong_key(entry);
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

}  // namespace
}  // namespace meter::core
