// SPDX-License-Identifier: MIT
// Golden tests over the repository's own corpus (tests/corpus/telegrams.json): real telegrams that
// were published with their keys or as captures, each with where it was published. Every keyed
// telegram must print, in the values JSON line users get, exactly the values listed for it; a
// telegram whose key was never published must frame correctly and be refused for the key only;
// a framing the decoder does not read yet must be refused, never turned into values.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "meter/core/telegram_decoder.h"
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

class Corpus : public ::testing::Test {
 protected:
  static KeyRing keys_of(const json& entry) {
    MeterKeys keys{*AesKey::from_hex(entry["key"].get<std::string>()), std::nullopt};
    if (entry["auth_key"].is_string()) {
      keys.authentication = AesKey::from_hex(entry["auth_key"].get<std::string>());
    }
    return KeyRing(keys);
  }

  json corpus_ = load_corpus();
  crypto::OpenSslGcmCipher cipher_;
  std::unique_ptr<Telegram> telegram_ = std::make_unique<Telegram>();
};

// The number of a values-JSON field: {"value": x, "unit": u} or a bare number.
double number_of(const json& field) {
  return field.is_object() ? field["value"].get<double>() : field.get<double>();
}

TEST_F(Corpus, EveryEntryNamesWhereItWasPublished) {
  ASSERT_TRUE(corpus_.contains("telegrams"));
  for (const json& entry : corpus_["telegrams"]) {
    SCOPED_TRACE(entry.value("id", "?"));
    ASSERT_TRUE(entry["published_at"].is_array());
    EXPECT_FALSE(entry["published_at"].empty());
    EXPECT_FALSE(entry["hex"].get<std::string>().empty());
  }
}

TEST_F(Corpus, KeyedTelegramsPrintTheirValues) {
  int checked = 0;
  for (const json& entry : corpus_["telegrams"]) {
    if (entry["expect"] != "values") continue;
    SCOPED_TRACE(entry["id"].get<std::string>());
    TelegramDecoder decoder(cipher_, keys_of(entry));
    const Status status = decoder.decode_hex(entry["hex"].get<std::string>(), *telegram_);
    ASSERT_TRUE(status) << to_string(status.failure().code) << " at " << status.failure().offset;
    const json printed = json::parse(meter::json::telegram_to_json_line(*telegram_));
    const json& expected = entry["values"];
    for (const auto& [key, value] : expected.items()) {
      SCOPED_TRACE(key);
      ASSERT_TRUE(printed.contains(key)) << printed.dump();
      if (value.is_string()) {
        EXPECT_EQ(printed[key].get<std::string>(), value.get<std::string>());
      } else {
        EXPECT_DOUBLE_EQ(number_of(printed[key]), value.get<double>());
      }
    }
    // Nothing that the entry does not list is reported (a missing phase is absent, never 0).
    for (const char* quantity :
         {"WIn", "WOut", "PIn", "POut", "U1", "U2", "U3", "I1", "I2", "I3", "PF", "RIn", "ROut"}) {
      EXPECT_EQ(printed.contains(quantity), expected.contains(quantity)) << quantity;
    }
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST_F(Corpus, TelegramsWithoutAPublishedKeyAreRefusedForTheKeyOnly) {
  int checked = 0;
  const MeterKeys not_their_key{*AesKey::from_hex("00112233445566778899AABBCCDDEEFF"), {}};
  for (const json& entry : corpus_["telegrams"]) {
    if (entry["expect"] != "wrong_key_without_its_key") continue;
    SCOPED_TRACE(entry["id"].get<std::string>());
    TelegramDecoder decoder(cipher_, KeyRing(not_their_key));
    const Status status = decoder.decode_hex(entry["hex"].get<std::string>(), *telegram_);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.failure().code, DecodeError::kWrongKey);
    EXPECT_EQ(telegram_->frame_counter, entry["frameCounter"].get<std::uint32_t>());
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST_F(Corpus, FramingsNotReadYetAreRefusedNeverMisread) {
  int checked = 0;
  for (const json& entry : corpus_["telegrams"]) {
    if (entry["expect"] != "refused") continue;
    SCOPED_TRACE(entry["id"].get<std::string>());
    TelegramDecoder decoder(cipher_, keys_of(entry));
    EXPECT_FALSE(decoder.decode_hex(entry["hex"].get<std::string>(), *telegram_));
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

}  // namespace
}  // namespace meter::core
