// SPDX-License-Identifier: MIT
// The civil-time module against the C library's Europe/Vienna (the time zone database) as the
// oracle: offsets around both switches, local days, midnights and months over many years.
#include "meter/core/civil_time.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace meter::core {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kMinute = 60;

class ViennaOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("TZ", "Europe/Vienna", 1);
    ::tzset();
  }
  static void TearDownTestSuite() {
    ::unsetenv("TZ");
    ::tzset();
  }
  void SetUp() override {
    // Without the database the C library silently falls back to UTC: then nothing is compared.
    std::tm probe{};
    const std::time_t summer = 1751328000;  // 2025-07-01 00:00 UTC
    ::localtime_r(&summer, &probe);
    if (probe.tm_gmtoff != 7200) GTEST_SKIP() << "no Europe/Vienna time zone data (tzdata)";
  }

  static std::tm local(std::int64_t utc) {
    std::tm tm{};
    const auto t = static_cast<std::time_t>(utc);
    ::localtime_r(&t, &tm);
    return tm;
  }
  // mktime of local midnight: the C library's start of that local day.
  static std::int64_t midnight(std::int64_t year, int month, int day) {
    std::tm tm{};
    tm.tm_year = static_cast<int>(year - 1900);
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(::mktime(&tm));
  }
};

std::string at(std::int64_t utc) { return "at utc " + std::to_string(utc); }

TEST_F(ViennaOracle, OffsetAndLocalTimeAroundBothSwitchesOfEveryYear) {
  for (std::int64_t year = 1996; year <= 2037; ++year) {  // the EU rule since 1996
    for (const unsigned month : {3U, 10U}) {
      // The switch is on the last Sunday, 01:00 UTC: walk that day and its neighbours.
      const std::int64_t first = days_from_civil(year, month, 24) * kSecondsPerDay;
      for (std::int64_t t = first; t < first + 9 * kSecondsPerDay; t += 15 * kMinute) {
        for (const std::int64_t utc : {t, t - 1}) {
          const std::tm oracle = local(utc);
          const LocalTime mine = vienna_local_time(utc);
          ASSERT_EQ(vienna_offset_seconds(utc), oracle.tm_gmtoff) << at(utc);
          ASSERT_EQ(vienna_summer_time_at(utc), oracle.tm_isdst > 0) << at(utc);
          ASSERT_EQ(mine.offset_seconds, oracle.tm_gmtoff) << at(utc);
          ASSERT_EQ(mine.date.year, oracle.tm_year + 1900) << at(utc);
          ASSERT_EQ(mine.date.month, static_cast<unsigned>(oracle.tm_mon + 1)) << at(utc);
          ASSERT_EQ(mine.date.day, static_cast<unsigned>(oracle.tm_mday)) << at(utc);
          ASSERT_EQ(mine.second_of_day,
                    oracle.tm_hour * kHour + oracle.tm_min * kMinute + oracle.tm_sec)
              << at(utc);
          ASSERT_EQ(mine.day, vienna_local_day(utc)) << at(utc);
          ASSERT_EQ(weekday_from_days(mine.day),
                    oracle.tm_wday == 0 ? 7U : unsigned(oracle.tm_wday))
              << at(utc);
        }
      }
    }
  }
}

TEST_F(ViennaOracle, MidnightsDayLengthsAndMonthStartsOverYears) {
  int short_days = 0;
  int long_days = 0;
  for (std::int64_t day = days_from_civil(1996, 1, 1); day < days_from_civil(2038, 1, 1); ++day) {
    const CivilDate date = civil_from_days(day);
    const std::int64_t start = vienna_day_start_utc(day);
    ASSERT_EQ(start, midnight(date.year, static_cast<int>(date.month), static_cast<int>(date.day)))
        << date.year << "-" << date.month << "-" << date.day;
    ASSERT_EQ(vienna_local_day(start), day);
    ASSERT_EQ(vienna_local_day(start - 1), day - 1);
    const std::int64_t length = vienna_day_length_seconds(day);
    const CivilDate next = civil_from_days(day + 1);
    ASSERT_EQ(
        length,
        midnight(next.year, static_cast<int>(next.month), static_cast<int>(next.day)) - start);
    short_days += length == 23 * kHour ? 1 : 0;
    long_days += length == 25 * kHour ? 1 : 0;
    if (date.day == 1) {
      const std::int64_t index = date.year * 12 + date.month - 1;
      ASSERT_EQ(vienna_month_start_utc(index), start);
      ASSERT_EQ(vienna_month_index(start), index);
      ASSERT_EQ(vienna_month_index(start - 1), index - 1);
    }
  }
  EXPECT_EQ(short_days, 42);  // one spring switch per year, 1996..2037
  EXPECT_EQ(long_days, 42);
}

TEST_F(ViennaOracle, WallClockTimesAroundTheSwitches) {
  // 2026-03-29: 02:00..02:59 does not exist (read as winter time, an hour later); 2026-10-25:
  // 02:00..02:59 happens twice (the first, summer time, is taken).
  const std::int64_t march = days_from_civil(2026, 3, 29) * kSecondsPerDay;
  EXPECT_EQ(vienna_local_to_utc(march + 1 * kHour + 59 * kMinute),
            march + 59 * kMinute);  // 01:59 CET
  EXPECT_EQ(vienna_local_to_utc(march + 2 * kHour + 30 * kMinute),
            march + 1 * kHour + 30 * kMinute);
  EXPECT_EQ(vienna_local_to_utc(march + 3 * kHour), march + 1 * kHour);  // 03:00 CEST
  const std::int64_t october = days_from_civil(2026, 10, 25) * kSecondsPerDay;
  EXPECT_EQ(vienna_local_to_utc(october + 2 * kHour + 30 * kMinute),
            october + 30 * kMinute);                                         // CEST
  EXPECT_EQ(vienna_local_to_utc(october + 3 * kHour), october + 2 * kHour);  // CET
  EXPECT_EQ(vienna_day_length_seconds(days_from_civil(2026, 3, 29)), 23 * kHour);
  EXPECT_EQ(vienna_day_length_seconds(days_from_civil(2026, 10, 25)), 25 * kHour);
  EXPECT_EQ(vienna_day_length_seconds(days_from_civil(2026, 6, 1)), 24 * kHour);
  // The C library agrees on the non-ambiguous ones.
  std::tm tm{};
  tm.tm_year = 126;
  tm.tm_mon = 2;
  tm.tm_mday = 29;
  tm.tm_hour = 3;
  tm.tm_isdst = -1;
  EXPECT_EQ(static_cast<std::int64_t>(::mktime(&tm)), vienna_local_to_utc(march + 3 * kHour));
}

TEST(CivilTime, DaysFromCivilAndBackOverFourCenturies) {
  std::int64_t days = days_from_civil(1800, 1, 1);
  unsigned weekday = weekday_from_days(days);
  EXPECT_EQ(weekday, 3U);  // 1800-01-01 was a Wednesday
  for (std::int64_t year = 1800; year < 2200; ++year) {
    for (unsigned month = 1; month <= 12; ++month) {
      for (unsigned day = 1; day <= days_in_month(year, month); ++day) {
        ASSERT_EQ(days_from_civil(year, month, day), days);
        const CivilDate back = civil_from_days(days);
        ASSERT_EQ(back.year, year);
        ASSERT_EQ(back.month, month);
        ASSERT_EQ(back.day, day);
        ASSERT_EQ(weekday_from_days(days), weekday);
        ++days;
        weekday = weekday % 7 + 1;
      }
    }
  }
  EXPECT_EQ(days, days_from_civil(2200, 1, 1));
  EXPECT_EQ(days_in_month(2000, 2), 29U);
  EXPECT_EQ(days_in_month(2100, 2), 28U);
  EXPECT_EQ(days_in_month(2024, 2), 29U);
  EXPECT_EQ(floor_div(-1, 86400), -1);
  EXPECT_EQ(floor_div(86400, 86400), 1);
}

TEST(CivilTime, ParsesIsoDaysAndRejectsWhatIsNotADate) {
  const auto parse = [](const std::string& text) {
    std::int64_t day = -12345;
    return parse_iso_day(text.data(), text.size(), &day) ? day : -12345;
  };
  EXPECT_EQ(parse("1970-01-01"), 0);
  EXPECT_EQ(parse("2026-03-29"), days_from_civil(2026, 3, 29));
  EXPECT_EQ(parse("2024-02-29"), days_from_civil(2024, 2, 29));
  for (const char* bad : {"2025-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-04-31",
                          "2026-1-01", "2026/01/01", "2026-01-1x", "20260101", "", "+026-01-01"}) {
    EXPECT_EQ(parse(bad), -12345) << bad;
  }
}

}  // namespace
}  // namespace meter::core
