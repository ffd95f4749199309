// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
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
#include "sanitizers.h"

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
    return smartmeter_command(std::string(METER_SMARTMETER_BIN) + " " + args, input);
  }
  // Runs a shell command line with `input` on stdin.
  Outcome smartmeter_command(const std::string& command_line, const std::string& input = "") {
    const auto in = dir_ / "stdin";
    const auto out = dir_ / "stdout";
    const auto err = dir_ / "stderr";
    std::ofstream(in) << input;
    const std::string command =
        command_line + " <" + in.string() + " >" + out.string() + " 2>" + err.string();
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

TEST_F(CliDecode, RawBinaryInputIsReadThroughTheFrameAssembler) {
  const auto first = telegram(0x20, 11);
  const auto second = telegram(0x20, 12);
  std::string input(first.begin(), first.end());
  input.append(second.begin(), second.end());
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, input);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2) << run.out;
  EXPECT_NE(run.out.find("\"frameCounter\":11"), std::string::npos);
  EXPECT_NE(run.out.find("\"frameCounter\":12"), std::string::npos);
}

TEST_F(CliDecode, WrappedTelegramFollowedByAnotherLineDecodesBoth) {
  const std::string text = hex(telegram(0x20, 21));
  std::string input;
  for (std::size_t i = 0; i < text.size(); i += 100) input += text.substr(i, 100) + "\n";
  input += hex(telegram(0x20, 22)) + "\n";
  const Outcome run = smartmeter(std::string("decode --key ") + kKey, input);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2) << run.out;
  EXPECT_NE(run.out.find("\"frameCounter\":21"), std::string::npos);
  EXPECT_NE(run.out.find("\"frameCounter\":22"), std::string::npos);
}

// `smartmeter decode` as a child with pipes for stdin and stdout.
struct Child {
  pid_t pid = -1;
  int in = -1;   // the child's stdin
  int out = -1;  // the child's stdout
};

Child spawn_decode(const std::string& key, int stdout_fd = -1) {
  int in_pipe[2];
  int out_pipe[2];
  if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(stdout_fd >= 0 ? stdout_fd : out_pipe[1], STDOUT_FILENO);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    ::execl(METER_SMARTMETER_BIN, METER_SMARTMETER_BIN, "decode", "--key", key.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  return {pid, in_pipe[1], out_pipe[0]};
}

TEST_F(CliDecode, PrintsEachTelegramBeforeTheInputEnds) {
  ::signal(SIGPIPE, SIG_IGN);
  Child child = spawn_decode(kKey);
  ASSERT_GT(child.pid, 0);
  const std::string line = hex(telegram(0x20, 31)) + "\n";
  ASSERT_EQ(::write(child.in, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  // stdin stays open: the JSON line must come anyway, within 10 s.
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd ready{child.out, POLLIN, 0};
    if (::poll(&ready, 1, 200) <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(child.out, buffer, sizeof buffer);
    if (got <= 0) break;
    out.append(buffer, static_cast<std::size_t>(got));
  }
  EXPECT_NE(out.find("\"frameCounter\":31"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  // A second telegram on the still open pipe comes out too; then the end of input ends it.
  const std::string second = hex(telegram(0x20, 32)) + "\n";
  ASSERT_EQ(::write(child.in, second.data(), second.size()), static_cast<ssize_t>(second.size()));
  ::close(child.in);
  for (char buffer[4096];;) {
    pollfd ready{child.out, POLLIN, 0};
    if (::poll(&ready, 1, 10000) <= 0) break;
    const ssize_t got = ::read(child.out, buffer, sizeof buffer);
    if (got <= 0) break;
    out.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(child.out);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(out.find("\"frameCounter\":32"), std::string::npos) << out;
}

TEST_F(CliDecode, MemoryStaysBoundedFor100000Telegrams) {
  ::signal(SIGPIPE, SIG_IGN);
  constexpr std::size_t kTelegrams = 100000;
  const auto output = dir_ / "out.jsonl";
  const int out_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(out_fd, 0);
  Child child = spawn_decode(kKey, out_fd);
  ::close(out_fd);
  ASSERT_GT(child.pid, 0);
  ::close(child.out);
  const std::string line = hex(telegram(0x20, 41)) + "\n";
  std::string block;
  for (int i = 0; i < 100; ++i) block += line;
  for (std::size_t sent = 0; sent < kTelegrams; sent += 100) {
    ASSERT_EQ(::write(child.in, block.data(), block.size()), static_cast<ssize_t>(block.size()));
  }
  ::close(child.in);
  int status = 0;
  rusage usage{};
  ASSERT_EQ(::wait4(child.pid, &status, 0, &usage), child.pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // ru_maxrss is in KiB: the whole input alone would be 100000 x 541 bytes = 52 MiB.
  if (!test::kAddressSanitizer) {  // its quarantine keeps freed memory on purpose
    EXPECT_LT(usage.ru_maxrss, 30 * 1024) << usage.ru_maxrss << " KiB";
  }
  const std::string printed = read_file(output);
  EXPECT_EQ(static_cast<std::size_t>(std::count(printed.begin(), printed.end(), '\n')), kTelegrams);
}

// SMARTMETER_OPERATOR and --operator (docs/operators.md).
TEST_F(CliDecode, RunAndCheckStopForOperatorsThatAreNotDlms) {
  const auto env = dir_ / "server.env";
  std::ofstream(env) << "SMARTMETER_KEY=" << kKey << "\nSMARTMETER_OPERATOR=linz-netz\n";
  std::filesystem::permissions(
      env, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // `timeout`: a run that failed to stop would otherwise serve until killed.
  const Outcome run = smartmeter_command("timeout 20 " + std::string(METER_SMARTMETER_BIN) +
                                         " run --env " + env.string());
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_NE(run.err.find("not DLMS"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("C12.19"), std::string::npos) << run.err;

  const Outcome check = smartmeter("check --serial /dev/null --operator netz-ooe");
  EXPECT_EQ(check.status, 2) << check.err;
  EXPECT_NE(check.err.find("OMS"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("AES-128-CBC"), std::string::npos) << check.err;
}

TEST_F(CliDecode, PrintConfigShowsTheOperatorProfile) {
  const auto env = dir_ / "server.env";
  std::ofstream(env) << "SMARTMETER_KEY=" << kKey << "\nSMARTMETER_OPERATOR=wiener-netze\n";
  const Outcome run = smartmeter("run --print-config --env " + env.string());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("SMARTMETER_OPERATOR=wiener-netze"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("SMARTMETER_SERIAL_FORMAT=9600 8N1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("optical interface"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("smartmeter-web.wienernetze.at"), std::string::npos) << run.out;
}

TEST_F(CliDecode, UnknownOperatorListsTheValidOnes) {
  const Outcome run =
      smartmeter(std::string("decode --operator wien --key ") + kKey, hex(telegram()));
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("'wien' is not a known operator"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("wiener-netze"), std::string::npos) << run.err;
  // A known operator with an OBIS-led telegram: the bytes decide, as without it.
  const Outcome evn =
      smartmeter(std::string("decode --operator evn --key ") + kKey, hex(telegram()));
  EXPECT_EQ(evn.status, 0) << evn.err;
  EXPECT_NE(evn.out.find("\"WIn\":{\"value\":12937"), std::string::npos);
}

}  // namespace
}  // namespace meter::core
