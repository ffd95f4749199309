// SPDX-License-Identifier: MIT
// The tariff file: every example in examples/tariffs loads (so docs/tariffs.md stays valid),
// one of them priced end to end against numbers computed by hand, and each kind of mistake
// gives a message naming the file, the line and the field.
#include "meter/tariff/tariff_file.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "meter/app/cost.h"
#include "meter/core/civil_time.h"

namespace meter::tariff {
namespace {

namespace fs = std::filesystem;

const fs::path kExamples = METER_EXAMPLES_DIR;
const fs::path kTariffDocs = METER_TARIFF_DOCS;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(TariffExamples, EveryExampleLoadsAndIsInTheDocs) {
  const std::string docs = read_all(kTariffDocs);
  ASSERT_FALSE(docs.empty()) << kTariffDocs;
  int loaded = 0;
  for (const auto& entry : fs::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".toml") continue;
    const TariffFileResult result = load_tariff_file(entry.path());
    EXPECT_TRUE(result) << (result.error ? result.error->text() : "");
    EXPECT_FALSE(result.set.tariffs.empty()) << entry.path();
    EXPECT_FALSE(app::describe_tariffs(result.set).empty());
    // docs/tariffs.md shows the file as it is, so that what a reader copies loads too.
    EXPECT_NE(docs.find("```toml\n" + read_all(entry.path()) + "```"), std::string::npos)
        << entry.path().filename() << " differs from its copy in docs/tariffs.md";
    ++loaded;
  }
  EXPECT_GE(loaded, 6);  // fixed, time-of-use, aWATTar, smartCONTROL, feed-in, Netz NÖ
}

TEST(TariffExamples, AwattarIsUnderstood) {
  const TariffFileResult result = load_tariff_file(kExamples / "awattar-hourly.toml");
  ASSERT_TRUE(result) << result.error->text();
  const app::Tariff& tariff = result.set.tariffs.at(0);
  EXPECT_EQ(tariff.name, "aWATTar HOURLY");
  EXPECT_TRUE(tariff.meters.empty());
  EXPECT_DOUBLE_EQ(tariff.vat, 0.2);
  const app::ImportPrice& import = tariff.imports.at(0);
  EXPECT_EQ(import.kind, app::ImportKind::kSpot);
  EXPECT_EQ(import.spot.series.product, app::PriceProduct::kHour);
  EXPECT_DOUBLE_EQ(import.spot.factor, 1.03);
  EXPECT_DOUBLE_EQ(import.spot.adder_eur_per_kwh, 0.015);
  EXPECT_EQ(import.spot.negative, app::NegativeRule::kMarkupOnAbsolute);
  EXPECT_EQ(import.period.from_day, core::days_from_civil(2025, 1, 1));
  ASSERT_EQ(tariff.fees.size(), 1U);
  EXPECT_TRUE(tariff.fees[0].includes_vat);
  const std::string summary = app::describe_tariffs(result.set);
  EXPECT_NE(summary.find("spot x 1.03 + 1.5 ct/kWh"), std::string::npos) << summary;
  EXPECT_NE(summary.find("hourly product"), std::string::npos) << summary;
}

std::int64_t vienna(std::int64_t year, unsigned month, unsigned day, int hour) {
  return core::vienna_local_to_utc(core::days_from_civil(year, month, day) * 86400 + hour * 3600);
}

TEST(TariffExamples, TimeOfUseWindowsApplyInOrder) {
  // examples/tariffs/time-of-use.toml, 1 kWh, VAT 20 %: winter evening 25 ct on a Tuesday in
  // January at 18:00 (0.25 net), day 22 ct at the same hour in July (0.22), 16 ct on a Saturday
  // (0.16) and on Easter Monday 2026-04-06 at noon (0.16), 22 ct the next day (0.22).
  const TariffFileResult result = load_tariff_file(kExamples / "time-of-use.toml");
  ASSERT_TRUE(result) << result.error->text();
  const app::CostEngine engine(result.set);
  const std::vector<app::CostEnergy> energy = {{vienna(2026, 1, 13, 18), 1000, 0, true},
                                               {vienna(2026, 4, 6, 12), 1000, 0, true},
                                               {vienna(2026, 4, 7, 12), 1000, 0, true},
                                               {vienna(2026, 7, 14, 18), 1000, 0, true},
                                               {vienna(2026, 7, 18, 18), 1000, 0, true}};
  const auto costs = engine.price("any", energy, app::PriceTable{});
  ASSERT_EQ(costs.size(), 5U);
  const double expected[] = {0.25, 0.16, 0.22, 0.22, 0.16};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(costs[i].energy_eur, expected[i], 1e-12) << i;
}

TEST(TariffExamples, NetzNoeQuarterHourByHand) {
  // examples/tariffs/netz-noe-2026.toml, 1 kWh drawn 2026-07-15 12:00-12:15 local, hourly spot
  // 100 EUR/MWh:
  //   energy  0.100 + 0.03 x 0.100 + 0.015           = 0.118000
  //   grid    0.0577 x 0.8 (summer window)           = 0.046160
  //   losses  0.00783                                = 0.007830
  //   fixed   36.00 / 35040 + 2.18 / 2976            = 0.001760 (0.00175992)
  //   fee     5.75 / 1.2 / 2976                      = 0.001610 (0.00161010)
  //   levy    0.001                                  = 0.001000
  //   net 0.1763600, VAT 0.0352720, total 0.2116320
  const TariffFileResult result = load_tariff_file(kExamples / "netz-noe-2026.toml");
  ASSERT_TRUE(result) << result.error->text();
  const app::CostEngine engine(result.set);
  const std::int64_t start =
      core::vienna_local_to_utc(core::days_from_civil(2026, 7, 15) * 86400 + 12 * 3600);
  const std::vector<app::PricePoint> points = {
      {"AT", app::PriceProduct::kHour, start, 100, "test"}};
  const app::PriceTable prices(points);
  const std::vector<app::CostEnergy> energy = {{start, 1000, 0, true}};
  const app::CostQuarterHour cost = engine.price("any", energy, prices).at(0);
  EXPECT_EQ(cost.flags, 0);
  EXPECT_NEAR(cost.energy_eur, 0.118, 1e-9);
  EXPECT_NEAR(cost.grid_energy_eur, 0.04616, 1e-9);
  EXPECT_NEAR(cost.grid_losses_eur, 0.00783, 1e-9);
  EXPECT_NEAR(cost.grid_fixed_eur, 0.0017599241, 1e-9);
  EXPECT_NEAR(cost.fees_eur, 0.0016101030, 1e-9);
  EXPECT_NEAR(cost.levies_eur, 0.001, 1e-9);
  EXPECT_NEAR(cost.total_eur, 0.2116320326, 1e-9);
  // 2027 has no grid figures in the file: flagged, never priced without them.
  const std::int64_t next_year =
      core::vienna_local_to_utc(core::days_from_civil(2027, 1, 4) * 86400 + 12 * 3600);
  const std::vector<app::PricePoint> later = {
      {"AT", app::PriceProduct::kHour, next_year, 100, "test"}};
  const std::vector<app::CostEnergy> one = {{next_year, 1000, 0, true}};
  EXPECT_EQ(engine.price("any", one, app::PriceTable(later)).at(0).flags,
            static_cast<std::uint8_t>(app::CostFlag::kNoTariff));
}

TEST(TariffFile, FingerprintFollowsTheContent) {
  const std::string text =
      "[[tariff]]\nname = \"a\"\n[[tariff.import]]\nkind = \"fixed\"\nprice_ct_per_kwh = 20\n";
  const TariffFileResult a = parse_tariff_text(text, "a.toml");
  const TariffFileResult b = parse_tariff_text(text, "b.toml");
  std::string changed = text;
  changed.replace(changed.find("20"), 2, "21");
  const TariffFileResult c = parse_tariff_text(changed, "a.toml");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a.set.fingerprint, b.set.fingerprint);
  EXPECT_NE(a.set.fingerprint, c.set.fingerprint);
  EXPECT_DOUBLE_EQ(c.set.tariffs[0].imports[0].eur_per_kwh, 0.21);
}

// The head of a valid file; each case appends or changes one thing.
constexpr const char* kHead =
    "[[tariff]]\n"           // line 1
    "name = \"Spot\"\n"      // line 2
    "[[tariff.import]]\n"    // line 3
    "kind = \"spot\"\n"      // line 4
    "product = \"hour\"\n";  // line 5

struct ErrorCase {
  const char* name;
  std::string text;
  int line;
  const char* field;
  const char* words;  // must appear in the message
};

class TariffFileErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(TariffFileErrors, NameFileLineAndField) {
  const ErrorCase& c = GetParam();
  const TariffFileResult result = parse_tariff_text(c.text, "my-tariffs.toml");
  ASSERT_FALSE(result) << c.name;
  const TariffFileError& error = *result.error;
  EXPECT_EQ(error.file, "my-tariffs.toml");
  EXPECT_EQ(error.line, c.line) << error.text();
  EXPECT_EQ(error.field, c.field) << error.text();
  EXPECT_NE(error.text().find(c.words), std::string::npos) << error.text();
  EXPECT_EQ(error.text().rfind("my-tariffs.toml:" + std::to_string(c.line) + ": ", 0), 0U)
      << error.text();
  EXPECT_TRUE(result.set.tariffs.empty());
}

INSTANTIATE_TEST_SUITE_P(
    EachKind, TariffFileErrors,
    testing::Values(
        ErrorCase{"unknown key", std::string(kHead) + "factr = 1.03\n", 6, "factr",
                  "did you mean 'factor'?"},
        ErrorCase{"unknown key far from any", std::string(kHead) + "colour = 1\n", 6, "colour",
                  "known here: from until kind"},
        ErrorCase{"wrong type", std::string(kHead) + "factor = \"1.03\"\n", 6, "factor",
                  "expected a number, found text"},
        ErrorCase{"date in quotes", std::string(kHead) + "from = \"2026-01-01\"\n", 6, "from",
                  "without quotes"},
        ErrorCase{"missing field",
                  "[[tariff]]\nname = \"Spot\"\n[[tariff.import]]\nkind = \"spot\"\n", 3, "product",
                  "missing: which spot product"},
        ErrorCase{"missing import", "[[tariff]]\nname = \"Nothing\"\n", 1, "import",
                  "missing: the import price"},
        ErrorCase{"bad choice", std::string(kHead) + "negative = \"zero\"\n", 6, "negative",
                  "is not \"formula\""},
        ErrorCase{"percentage out of range",
                  "[[tariff]]\nname = \"x\"\nvat_percent = 120\n[[tariff.import]]\nkind = "
                  "\"fixed\"\nprice_ct_per_kwh = 20\n",
                  3, "vat_percent", "a percentage from 0 to 100, not 120"},
        ErrorCase{"overlapping periods",
                  "[[tariff]]\nname = \"x\"\n"
                  "[[tariff.import]]\nuntil = 2026-07-01\nkind = \"fixed\"\nprice_ct_per_kwh = 20\n"
                  "[[tariff.import]]\nfrom = 2026-06-01\nkind = \"fixed\"\nprice_ct_per_kwh = 21\n",
                  7, "from", "overlaps the one at line 3"},
        ErrorCase{"gap between periods",
                  "[[tariff]]\nname = \"x\"\n"
                  "[[tariff.import]]\nuntil = 2026-03-01\nkind = \"fixed\"\nprice_ct_per_kwh = 20\n"
                  "[[tariff.import]]\nfrom = 2026-03-15\nkind = \"fixed\"\nprice_ct_per_kwh = 21\n",
                  7, "from", "no import price from 2026-03-01 to 2026-03-14"},
        ErrorCase{"until before from",
                  "[[tariff]]\nname = \"x\"\n[[tariff.import]]\nfrom = 2026-05-01\n"
                  "until = 2026-04-01\nkind = \"fixed\"\nprice_ct_per_kwh = 20\n",
                  5, "until", "must be after from (2026-05-01)"},
        ErrorCase{"window time",
                  "[[tariff]]\nname = \"x\"\n[[tariff.import]]\nkind = \"time-of-use\"\n"
                  "price_ct_per_kwh = 15\n[[tariff.import.window]]\nhours = [\"06:00\", "
                  "\"25:00\"]\nprice_ct_per_kwh = 20\n",
                  7, "hours", "'25:00' is not a time hh:mm"},
        ErrorCase{"two tariffs for every meter",
                  "[[tariff]]\nname = \"a\"\n[[tariff.import]]\nkind = \"fixed\"\n"
                  "price_ct_per_kwh = 20\n[[tariff]]\nname = \"b\"\n[[tariff.import]]\nkind = "
                  "\"fixed\"\nprice_ct_per_kwh = 21\n",
                  6, "meters", "a second tariff for every meter"},
        ErrorCase{"not TOML", std::string(kHead) + "factor = = 1\n", 6, "", "not valid TOML"}),
    [](const testing::TestParamInfo<ErrorCase>& param) {
      std::string name = param.param.name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(TariffFile, MissingFileIsNamed) {
  const TariffFileResult result = load_tariff_file("/nonexistent/tariffs.toml");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error->text(),
            "/nonexistent/tariffs.toml: cannot be read (missing, or no permission)");
}

}  // namespace
}  // namespace meter::tariff
