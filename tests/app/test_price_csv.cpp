// SPDX-License-Identifier: MIT
// Price files: each layout (APG, ENTSO-E old and new), each resolution, both days the clocks
// change, and every kind of bad input with its message. The fixtures are ours
// (fixtures/prices/make_fixtures.py), in the platforms' layouts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "meter/app/price_csv.h"
#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(METER_PRICE_FIXTURES) + "/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The price make_fixtures.py writes for interval i.
double expected_price(std::size_t i) {
  const double value =
      40 + 1.25 * static_cast<double>(i) - (i % 7 == 3 ? 30 : 0) - (i % 11 == 5 ? 45 : 0);
  return value;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}
std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// Checks a parsed day: product, count, consecutive starts from local midnight, the prices.
void expect_day(const PriceFile& file, PriceProduct product, std::int64_t local_day,
                std::size_t count) {
  ASSERT_EQ(file.product, product);
  ASSERT_EQ(file.points.size(), count);
  const std::int64_t step = duration_of(product);
  EXPECT_EQ(count * static_cast<std::size_t>(step),
            static_cast<std::size_t>(core::vienna_day_length_seconds(local_day)));
  const std::int64_t midnight = core::vienna_day_start_utc(local_day);
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_EQ(file.points[i].start, midnight + static_cast<std::int64_t>(i) * step) << i;
    EXPECT_NEAR(file.points[i].eur_per_mwh, expected_price(i), 1e-9) << i;
    EXPECT_EQ(file.points[i].market, "AT");
    EXPECT_EQ(file.points[i].product, product);
  }
}

std::int64_t day_of(const char* iso) {
  std::int64_t day = 0;
  EXPECT_TRUE(core::parse_iso_day(iso, 10, &day));
  return day;
}

struct Case {
  const char* file;
  const char* format;
  PriceProduct product;
  const char* day;
  std::size_t count;
};

class PriceFiles : public ::testing::TestWithParam<Case> {};

TEST_P(PriceFiles, ReadsEveryIntervalOfTheDay) {
  const Case& c = GetParam();
  PriceFile file;
  const Outcome read = parse_price_csv(fixture(c.file), c.file, "AT", file);
  ASSERT_TRUE(read) << read.error;
  EXPECT_EQ(file.format, c.format);
  EXPECT_EQ(file.points.front().source, std::string(c.format) + " csv");
  expect_day(file, c.product, day_of(c.day), c.count);
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, PriceFiles,
    ::testing::Values(Case{"apg-hour-2026-03-29.csv", "APG", PriceProduct::kHour, "2026-03-29", 23},
                      Case{"apg-quarter-hour-2025-10-26.csv", "APG", PriceProduct::kQuarterHour,
                           "2025-10-26", 100},
                      Case{"apg-quarter-hour-2026-01-15.csv", "APG", PriceProduct::kQuarterHour,
                           "2026-01-15", 96},
                      Case{"entsoe-hour-2025-10-26.csv", "ENTSO-E", PriceProduct::kHour,
                           "2025-10-26", 25},
                      Case{"entsoe-quarter-hour-2026-03-29.csv", "ENTSO-E",
                           PriceProduct::kQuarterHour, "2026-03-29", 92},
                      Case{"entsoe-quarter-hour-2025-10-26-marked.csv", "ENTSO-E",
                           PriceProduct::kQuarterHour, "2025-10-26", 100}));

TEST(PriceCsv, EnglishApgPageAndPlainCommaFile) {
  const std::string text =
      "Time from [CET/CEST],Time to [CET/CEST],Price MC Auction [EUR/MWh]\n"
      "15.01.2026 00:00:00,15.01.2026 01:00:00,40.00\n"
      "15.01.2026 01:00:00,15.01.2026 02:00:00,-1.5\n";
  PriceFile file;
  ASSERT_TRUE(parse_price_csv(text, "en.csv", "AT", file));
  ASSERT_EQ(file.points.size(), 2U);
  EXPECT_EQ(file.points[0].start, core::vienna_day_start_utc(day_of("2026-01-15")));
  EXPECT_DOUBLE_EQ(file.points[1].eur_per_mwh, -1.5);
}

TEST(PriceCsv, UnpublishedRowsAtTheEndAreLeftOut) {
  auto lines = lines_of(fixture("entsoe-hour-2025-10-26.csv"));
  lines.push_back(R"("27.10.2025 00:00 - 27.10.2025 01:00","","EUR","")");
  lines.push_back(R"("27.10.2025 01:00 - 27.10.2025 02:00","n/e","EUR","")");
  PriceFile file;
  ASSERT_TRUE(parse_price_csv(joined(lines), "f.csv", "AT", file));
  EXPECT_EQ(file.points.size(), 25U);
  EXPECT_EQ(file.unpriced_tail, 2U);
}

// Each bad input: the message names the file and the line, and nothing is returned.
void expect_refused(const std::string& text, const std::string& message) {
  PriceFile file;
  const Outcome read = parse_price_csv(text, "prices.csv", "AT", file);
  EXPECT_FALSE(read);
  EXPECT_EQ(read.error, message);
  EXPECT_TRUE(file.points.empty());
}

TEST(PriceCsvBadInput, AHole) {
  auto lines = lines_of(fixture("apg-quarter-hour-2026-01-15.csv"));
  lines.erase(lines.begin() + 10);  // the row of 02:15 (line 11)
  expect_refused(joined(lines),
                 "prices.csv line 11: a hole: no prices from 2026-01-15 02:15 CET to "
                 "2026-01-15 02:30 CET");
}

TEST(PriceCsvBadInput, AMissingPriceBetweenPrices) {
  auto lines = lines_of(fixture("entsoe-quarter-hour-2026-03-29.csv"));
  lines[5] = R"x("29.03.2026 01:00 - 29.03.2026 01:15 (CET/CEST)","BZN|AT","",)x";
  expect_refused(joined(lines),
                 "prices.csv line 6: a hole: no price on this line, but on line 7 again");
}

TEST(PriceCsvBadInput, AnIntervalTwice) {
  auto lines = lines_of(fixture("entsoe-hour-2025-10-26.csv"));
  lines.insert(lines.begin() + 8, lines[7]);  // 05:00 again after itself, on line 9
  expect_refused(joined(lines),
                 "prices.csv line 9: the interval 2025-10-26 05:00 CET twice (first on line 8)");
}

TEST(PriceCsvBadInput, TheOctoberHourAThirdTime) {
  auto lines = lines_of(fixture("entsoe-hour-2025-10-26.csv"));
  // Lines 4 and 5 are 02:00 summer time and 02:00 winter time; a third copy follows.
  lines.insert(lines.begin() + 5, lines[4]);
  expect_refused(joined(lines),
                 "prices.csv line 6: the interval 2025-10-26 02:00 CET twice (first on line 5)");
}

TEST(PriceCsvBadInput, TheWrongResolution) {
  auto lines = lines_of(fixture("apg-quarter-hour-2026-01-15.csv"));
  lines.insert(lines.begin() + 1, "14.01.2026 23:00:00;15.01.2026 00:00:00;12,00");
  lines.erase(lines.begin() + 2);
  // An hour in a file of quarter-hours (here the first row sets the resolution).
  expect_refused(joined(lines),
                 "prices.csv line 3: a 15-minute interval in a file of 60-minute intervals "
                 "(wrong resolution)");
  auto hours = lines_of(fixture("apg-hour-2026-03-29.csv"));
  hours[4] = "29.03.2026 04:00:00;29.03.2026 04:30:00;1,00";
  expect_refused(joined(hours),
                 "prices.csv line 5: an interval of 30 minutes; a price file has hours or "
                 "quarter-hours");
}

TEST(PriceCsvBadInput, ANumberThatIsNone) {
  auto lines = lines_of(fixture("apg-hour-2026-03-29.csv"));
  lines[7] = "29.03.2026 07:00:00;29.03.2026 08:00:00;12,3x";
  expect_refused(joined(lines),
                 "prices.csv line 8: '12,3x' in column 'Preis MC Auktion [EUR/MWh]' is not a "
                 "number");
}

TEST(PriceCsvBadInput, ATimeTheClockSkips) {
  expect_refused(
      "\"MTU (CET/CEST)\",\"Day-ahead Price [EUR/MWh]\"\n"
      "\"29.03.2026 02:00 - 29.03.2026 03:00\",\"10\"\n",
      "prices.csv line 2: 2026-03-29 02:00 does not exist (the clocks skip that hour)");
}

TEST(PriceCsvBadInput, AnUnparsableTime) {
  expect_refused(
      "Zeit von [CET/CEST];Zeit bis [CET/CEST];Preis MC Auktion [EUR/MWh]\n"
      "31.02.2026 00:00:00;31.02.2026 01:00:00;1,0\n",
      "prices.csv line 2: '31.02.2026 00:00:00' is not a date and time");
}

TEST(PriceCsvBadInput, RowsOutOfOrder) {
  auto lines = lines_of(fixture("apg-hour-2026-03-29.csv"));
  std::swap(lines[3], lines[4]);  // 04:00 before 03:00
  expect_refused(joined(lines),
                 "prices.csv line 4: a hole: no prices from 2026-03-29 03:00 CEST to "
                 "2026-03-29 04:00 CEST");
  lines = lines_of(fixture("apg-hour-2026-03-29.csv"));
  lines.insert(lines.begin() + 6, "28.03.2026 23:00:00;29.03.2026 00:00:00;1,00");
  expect_refused(joined(lines),
                 "prices.csv line 7: 2026-03-28 23:00 CET comes after 2026-03-29 05:00 CEST: the "
                 "rows are not in time order");
}

TEST(PriceCsvBadInput, AnUnknownHeaderOrNoPrices) {
  PriceFile file;
  const Outcome unknown = parse_price_csv("Datum;Wert\n1;2\n", "x.csv", "AT", file);
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(
      unknown.error.starts_with("x.csv line 1: not an APG or ENTSO-E day-ahead price "
                                "export"))
      << unknown.error;
  expect_refused("\n", "prices.csv line 1: the file is empty");
  expect_refused("Zeit von [CET/CEST];Zeit bis [CET/CEST];Preis MC Auktion [EUR/MWh]\n",
                 "prices.csv line 1: no prices in the file");
  expect_refused(
      "Zeit von [CET/CEST];Zeit bis [CET/CEST];Preis MC Auktion [EUR/MWh]\n01.01.2026 00:00:00\n",
      "prices.csv line 2: 1 column(s), the header has 3");
}

}  // namespace
}  // namespace meter::app
