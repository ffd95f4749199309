// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "meter/core/hex.h"
#include "meter/core/telegram_encoder.h"
#include "meter/crypto/openssl_gcm_cipher.h"

namespace meter::core {
namespace {

constexpr const char* kKey = "36C66639E48A8CA4D6BC8B282A793BBB";
constexpr const char* kAuthKey = "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF";

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class CliDecode : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("smartmeter-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `smartmeter <args>` with `input` on stdin.
  Outcome smartmeter(const std::string& args, const std::string& input = "") {
    const auto in = dir_ / "stdin";
    const auto out = dir_ / "stdout";
    const auto err = dir_ / "stderr";
    std::ofstream(in) << input;
    const std::string command = std::string(METER_SMARTMETER_BIN) + " " + args + " <" +
                                in.string() + " >" + out.string() + " 2>" + err.string();
    const int raw = std::system(command.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_file(out), read_file(err)};
  }

  static std::string hex(const std::vector<std::uint8_t>& bytes) {
    std::string text(bytes.size() * 2, '0');
    encode_hex_upper(bytes.data(), bytes.size(), text.data());
    return text;
  }

  // A three-phase EVN telegram, 2021-09-27 09:47:15 CEST.
  std::vector<std::uint8_t> telegram(std::uint8_t security = 0x20, std::uint32_t counter = 0x23) {
    TelegramSpec spec;
    spec.time = {2021, 9, 27, 1, 9, 47, 15, 0, -120, 0x80};
    const std::int64_t raw[] = {12937, 0, 1055, 0, 2337, 2316, 2340, 383, 169, 92, 968};
    for (std::size_t i = 0; i < 11; ++i) spec.raw[i] = raw[i];
    CipherSpec cipher_spec;
    cipher_spec.system_title = {0x4B, 0x46, 0x4D, 0x67, 0x50, 0x00, 0x00, 0x09};
    cipher_spec.security_control = security;
    cipher_spec.frame_counter = counter;
    cipher_spec.keys = {*AesKey::from_hex(kKey), AesKey::from_hex(kAuthKey)};
    const auto apdu =
        encode_general_glo_ciphering(encode_data_notification(spec), cipher_spec, cipher_);
    return encode_mbus_frames(apdu);
  }

  crypto::OpenSslGcmCipher cipher_;
  std::filesystem::path dir_;
};

TEST_F(CliDecode, PrintsTheOriginalJsonShapeForAGoodTelegram) {
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, hex(telegram()) + "\n");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(
      run.out.rfind(
          "{\"WIn\":{\"value\":12937,\"unit\":\"Wh\"},\"WOut\":{\"value\":0,\"unit\":\"Wh\"},"
          "\"PIn\":{\"value\":1055,\"unit\":\"W\"},\"POut\":{\"value\":0,\"unit\":\"W\"},"
          "\"U1\":{\"value\":233.7,\"unit\":\"V\"},\"U2\":{\"value\":231.6,\"unit\":\"V\"},"
          "\"U3\":{\"value\":234.0,\"unit\":\"V\"},\"I1\":{\"value\":3.83,\"unit\":\"A\"},"
          "\"I2\":{\"value\":1.69,\"unit\":\"A\"},\"I3\":{\"value\":0.92,\"unit\":\"A\"},"
          "\"PF\":{\"value\":0.968,\"unit\":\"1\"},"
          "\"timestamp\":{\"value\":1632728835,\"unit\":\"s\"},\"meterNumber\":\"181220000009\"",
          0),
      0u)
      << run.out;
  EXPECT_EQ(run.out.back(), '\n');
}

TEST_F(CliDecode, ReadsTheTelegramFromAFileArgument) {
  const auto file = dir_ / "telegram.hex";
  std::ofstream(file) << hex(telegram());
  const Outcome run = smartmeter(std::string("decode --key ") + kKey + " " + file.string());
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find("\"WIn\":{\"value\":12937"), std::string::npos);
}

TEST_F(CliDecode, WrongKeyIsNamedAndNothingIsPrinted) {
  const Outcome run = smartmeter("decode --key 00112233445566778899AABBCCDDEEFF", hex(telegram()));
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("key"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST_F(CliDecode, BrokenChecksumIsNamed) {
  auto bytes = telegram();
  bytes[100] ^= 0x40;
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, hex(bytes));
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("checksum"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST_F(CliDecode, MissingLastSegmentIsIncomplete) {
  auto bytes = telegram();
  bytes.resize(256);  // the first frame only: 68 FA FA 68 ... 16
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, hex(bytes));
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("incomplete"), std::string::npos) << run.err;
}

TEST_F(CliDecode, TagMismatchIsNamedAndNeverDecoded) {
  const Outcome good = smartmeter(std::string("decode --key ") + kKey + " --auth-key " + kAuthKey,
                                  hex(telegram(0x30)));
  EXPECT_EQ(good.status, 0) << good.err;
  const Outcome run = smartmeter(
      std::string("decode --key ") + kKey + " --auth-key 000102030405060708090A0B0C0D0E0F",
      hex(telegram(0x30)));
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("authentication tag"), std::string::npos) << run.err;
}

TEST_F(CliDecode, InvalidKeyIsAUsageError) {
  const Outcome run = smartmeter("decode --key 1234", hex(telegram()));
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("32 hex digits"), std::string::npos) << run.err;
}

TEST_F(CliDecode, OneJsonLinePerTelegramLineAndBadLinesDoNotStopTheRest) {
  const std::string input =
      hex(telegram(0x20, 1)) + "\nnot a telegram at all\n" + hex(telegram(0x20, 2)) + "\n";
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, input);
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2) << run.out;
  EXPECT_NE(run.out.find("\"frameCounter\":1"), std::string::npos);
  EXPECT_NE(run.out.find("\"frameCounter\":2"), std::string::npos);
  EXPECT_NE(run.err.find("line 2:"), std::string::npos) << run.err;
}

TEST_F(CliDecode, TelegramsBackToBackOnOneLineAreEachPrinted) {
  const std::string input = hex(telegram(0x20, 7)) + hex(telegram(0x20, 8)) + "\n";
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, input);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2) << run.out;
  EXPECT_NE(run.out.find("\"frameCounter\":7"), std::string::npos);
  EXPECT_NE(run.out.find("\"frameCounter\":8"), std::string::npos);
}

TEST_F(CliDecode, TelegramWrappedOverLinesIsOneTelegram) {
  std::string text = hex(telegram());
  std::string wrapped;
  for (std::size_t i = 0; i < text.size(); i += 64) wrapped += text.substr(i, 64) + "\n";
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, wrapped);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1);
}

TEST_F(CliDecode, TextFormatIsReadable) {
  const Outcome run =
      smartmeter(std::string("decode --format text --key ") + kKey, hex(telegram()));
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find("meter time    2021-09-27T09:47:15+02:00"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("U1            233.7 V"), std::string::npos) << run.out;
}

TEST_F(CliDecode, HelpExplainsTheKey) {
  const Outcome run = smartmeter("decode --help");
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find("--key"), std::string::npos);
  EXPECT_NE(run.out.find("32 hex digits"), std::string::npos);
}

}  // namespace
}  // namespace meter::core
