// SPDX-License-Identifier: MIT
// `smartmeter tariff check` and SMARTMETER_TARIFF_FILE as a user meets them: a good file is
// summarised on stdout, a wrong one is named (file, line, field) on stderr with exit status 2,
// and `smartmeter run` refuses to start on a wrong one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "command_run.h"

namespace {

namespace fs = std::filesystem;

using meter::testing_support::CommandRun;

class CliTariff : public ::testing::Test {
 protected:
  void SetUp() override { dir = meter::testing_support::test_directory("smartmeter-tariff"); }
  void TearDown() override { fs::remove_all(dir); }

  CommandRun run(const std::string& environment, const std::string& args) {
    return meter::testing_support::run_command(
        environment + " " + std::string(METER_SMARTMETER_BIN) + " " + args, dir);
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  }

  fs::path dir;
};

constexpr const char* kGood =
    "[[tariff]]\nname = \"Spot\"\n[[tariff.import]]\nkind = \"spot\"\nproduct = "
    "\"quarter-hour\"\nadder_ct_per_kwh = 1.2\n";
constexpr const char* kBad =
    "[[tariff]]\nname = \"Spot\"\n[[tariff.import]]\nkind = \"spot\"\nprodcut = \"hour\"\n";

TEST_F(CliTariff, CheckSummarisesAGoodFile) {
  const fs::path file = write("good.toml", kGood);
  const CommandRun result = run("", "tariff check " + file.string());
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("tariff \"Spot\" (line 1)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("spot x 1 + 1.2 ct/kWh, AT quarter-hour product"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("meters: every meter"), std::string::npos) << result.out;
}

TEST_F(CliTariff, CheckNamesFileLineAndField) {
  const fs::path file = write("bad.toml", kBad);
  const CommandRun result = run("", "tariff check " + file.string());
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find(file.string() +
                            ":5: tariff 1 (\"Spot\"), import 1, field 'prodcut': unknown key; "
                            "did you mean 'product'?"),
            std::string::npos)
      << result.err;
}

TEST_F(CliTariff, RunRefusesAWrongTariffFile) {
  const fs::path file = write("bad.toml", kBad);
  // In a directory without server.env: the settings come from the environment alone.
  const std::string environment =
      "cd " + dir.string() +
      " && SMARTMETER_KEY=000102030405060708090A0B0C0D0E0F SMARTMETER_DATA_DIR=" + dir.string() +
      " SMARTMETER_TARIFF_FILE=" + file.string();
  const CommandRun bad = run(environment, "run --print-config");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("smartmeter run: SMARTMETER_TARIFF_FILE: " + file.string() + ":5:"),
            std::string::npos)
      << bad.err;
  write("bad.toml", kGood);
  const CommandRun good = run(environment, "run --print-config");
  EXPECT_EQ(good.status, 0) << good.err;
  EXPECT_NE(good.out.find("SMARTMETER_TARIFF_FILE=" + file.string()), std::string::npos)
      << good.out;
}

}  // namespace
