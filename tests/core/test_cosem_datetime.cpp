// SPDX-License-Identifier: MIT
#include "meter/core/cosem_datetime.h"

#include <gtest/gtest.h>

#include "frame_builder.h"

namespace meter::core {
namespace {

using test::Bytes;

Result<CosemDateTime> parse(const Bytes& bytes, std::size_t base = 0) {
  return parse_cosem_datetime(bytes, base);
}

// Local time with deviation 0x8000 ("not specified"), read as Europe/Vienna.
CosemDateTime vienna(std::uint16_t year, std::uint8_t month, std::uint8_t day, std::uint8_t hour,
                     std::uint8_t minute, std::uint8_t second, std::uint8_t clock_status = 0xFF) {
  return test::make_time(year, month, day, hour, minute, second, kDeviationUnspecified,
                         clock_status);
}

void expect_bad(const Result<CosemDateTime>& result, std::uint32_t offset) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.failure().code, DecodeError::kBadDateTime);
  EXPECT_EQ(result.failure().offset, offset);
}

TEST(CosemDateTime, ParsesTheBrochureExample) {
  auto time = parse(test::from_hex("07E5091B01092F0F00FF8880"));
  ASSERT_TRUE(time);
  EXPECT_EQ(time->year, 2021);
  EXPECT_EQ(time->month, 9);
  EXPECT_EQ(time->day, 27);
  EXPECT_EQ(time->weekday, 1);
  EXPECT_EQ(time->hour, 9);
  EXPECT_EQ(time->minute, 47);
  EXPECT_EQ(time->second, 15);
  EXPECT_EQ(time->hundredths, 0);
  EXPECT_EQ(time->deviation_min, -120);
  EXPECT_EQ(time->clock_status, 0x80);
  EXPECT_TRUE(time->has_deviation());
  EXPECT_EQ(time->utc_offset_min(), 120);
  EXPECT_EQ(time->to_utc_epoch(), 1632728835);
  EXPECT_EQ(time->to_iso_local(), "2021-09-27T09:47:15+02:00");
}

TEST(CosemDateTime, WinterDeviationIsOneHour) {
  auto time = parse(test::from_hex("07E6010F060D000000FFC400"));
  ASSERT_TRUE(time);
  EXPECT_EQ(time->deviation_min, -60);
  EXPECT_EQ(time->to_utc_epoch(), 1642248000);  // 2022-01-15 12:00:00 UTC
  EXPECT_EQ(time->to_iso_local(), "2022-01-15T13:00:00+01:00");
}

TEST(CosemDateTime, PositiveDeviationMeansWestOfUtc) {
  auto time = parse(test::from_hex("07E5091B01092F0F00012C00"));  // deviation +300
  ASSERT_TRUE(time);
  EXPECT_EQ(time->utc_offset_min(), -300);
  EXPECT_EQ(time->to_utc_epoch(), 1632754035);  // 14:47:15 UTC
  EXPECT_EQ(time->to_iso_local(), "2021-09-27T09:47:15-05:00");
}

TEST(CosemDateTime, UnspecifiedDeviationUsesViennaSummerTime) {
  auto time = parse(test::from_hex("07E50701FF0C0000FF800080"));
  ASSERT_TRUE(time);
  EXPECT_FALSE(time->has_deviation());
  EXPECT_EQ(time->utc_offset_min(), 120);
  EXPECT_EQ(time->to_utc_epoch(), 1625133600);  // 2021-07-01 10:00:00 UTC
  EXPECT_EQ(time->to_iso_local(), "2021-07-01T12:00:00+02:00");
  // The clock status does not override the calendar outside the repeated hour.
  EXPECT_EQ(vienna(2021, 7, 1, 12, 0, 0, 0x00).utc_offset_min(), 120);
}

TEST(CosemDateTime, UnspecifiedDeviationUsesViennaWinterTime) {
  auto time = parse(test::from_hex("07E5010FFF0C0000FF800000"));
  ASSERT_TRUE(time);
  EXPECT_EQ(time->utc_offset_min(), 60);
  EXPECT_EQ(time->to_utc_epoch(), 1610708400);  // 2021-01-15 11:00:00 UTC
  EXPECT_EQ(time->to_iso_local(), "2021-01-15T12:00:00+01:00");
  EXPECT_EQ(vienna(2021, 1, 15, 12, 0, 0, 0x80).utc_offset_min(), 60);
}

TEST(CosemDateTime, SpringForwardBoundaryInVienna) {
  // 2021-03-28: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
  EXPECT_EQ(vienna(2021, 3, 28, 1, 59, 59).to_utc_epoch(), 1616893199);
  EXPECT_EQ(vienna(2021, 3, 28, 3, 0, 0).to_utc_epoch(), 1616893200);
  EXPECT_EQ(vienna(2021, 3, 28, 3, 0, 0).utc_offset_min(), 120);
  // 02:30 does not exist; it is read as standard time (01:30 UTC = 03:30 CEST).
  EXPECT_EQ(vienna(2021, 3, 28, 2, 30, 0).utc_offset_min(), 60);
  EXPECT_EQ(vienna(2021, 3, 28, 2, 30, 0).to_utc_epoch(), 1616895000);
}

TEST(CosemDateTime, RepeatedOctoberHourFollowsTheClockStatus) {
  // 2021-10-31: 03:00 CEST falls back to 02:00 CET at 01:00 UTC; 02:30 happens twice.
  const CosemDateTime summer = vienna(2021, 10, 31, 2, 30, 0, 0x80);
  const CosemDateTime winter = vienna(2021, 10, 31, 2, 30, 0, 0x00);
  const CosemDateTime unknown = vienna(2021, 10, 31, 2, 30, 0, 0xFF);
  EXPECT_EQ(summer.utc_offset_min(), 120);
  EXPECT_EQ(summer.to_utc_epoch(), 1635640200);  // 00:30 UTC
  EXPECT_EQ(summer.to_iso_local(), "2021-10-31T02:30:00+02:00");
  EXPECT_EQ(winter.utc_offset_min(), 60);
  EXPECT_EQ(winter.to_utc_epoch(), 1635643800);  // 01:30 UTC
  EXPECT_EQ(winter.to_iso_local(), "2021-10-31T02:30:00+01:00");
  EXPECT_EQ(unknown.utc_offset_min(), 60);
  // Sagemcom's 0x82 (DST plus "doubtful value") still says summer time.
  EXPECT_EQ(vienna(2021, 10, 31, 2, 30, 0, 0x82).utc_offset_min(), 120);
  // 03:00 exists only once, in winter time.
  EXPECT_EQ(vienna(2021, 10, 31, 3, 0, 0, 0x80).to_utc_epoch(), 1635645600);
}

TEST(CosemDateTime, ViennaSummerTimeBoundariesInUtc) {
  EXPECT_FALSE(vienna_summer_time_at(1616893199));  // 2021-03-28 00:59:59 UTC
  EXPECT_TRUE(vienna_summer_time_at(1616893200));   // 01:00:00 UTC
  EXPECT_TRUE(vienna_summer_time_at(1635641999));   // 2021-10-31 00:59:59 UTC
  EXPECT_FALSE(vienna_summer_time_at(1635642000));  // 01:00:00 UTC
}

TEST(CosemDateTime, RejectsInvalidFieldsAtTheirOffset) {
  const std::size_t base = 20;
  expect_bad(parse(test::from_hex("07E50D1B01092F0F00FF8880"), base), 22);  // month 13
  expect_bad(parse(test::from_hex("07E5001B01092F0F00FF8880"), base), 22);  // month 0
  expect_bad(parse(test::from_hex("07E5091F01092F0F00FF8880"), base), 23);  // Sept 31
  expect_bad(parse(test::from_hex("07E5090001092F0F00FF8880"), base), 23);  // day 0
  expect_bad(parse(test::from_hex("07E5091B08092F0F00FF8880"), base), 24);  // weekday 8
  expect_bad(parse(test::from_hex("07E5091B01182F0F00FF8880"), base), 25);  // hour 24
  expect_bad(parse(test::from_hex("07E5091B01093C0F00FF8880"), base), 26);  // minute 60
  expect_bad(parse(test::from_hex("07E5091B01092F3C00FF8880"), base), 27);  // second 60
  expect_bad(parse(test::from_hex("07E5091B01092F0F64FF8880"), base), 28);  // hundredths 100
  expect_bad(parse(test::from_hex("07E5091B01092F0F0003E880"), base), 29);  // deviation +1000
}

TEST(CosemDateTime, RejectsUnspecifiedOrImplausibleYears) {
  expect_bad(parse(test::from_hex("FFFF091B01092F0F00FF8880"), 5), 5);
  expect_bad(parse(test::from_hex("07CF091B01092F0F00FF8880"), 5), 5);  // 1999
  expect_bad(parse(test::from_hex("0834091B01092F0F00FF8880"), 5), 5);  // 2100
}

TEST(CosemDateTime, AcceptsUnspecifiedWeekdayAndHundredths) {
  auto time = parse(test::from_hex("07E5091BFF092F0FFFFF8880"));
  ASSERT_TRUE(time);
  EXPECT_EQ(time->weekday, 0xFF);
  EXPECT_EQ(time->hundredths, 0xFF);
  EXPECT_EQ(time->to_utc_epoch(), 1632728835);
}

TEST(CosemDateTime, RejectsWrongSize) {
  expect_bad(parse(test::from_hex("07E5091B01092F0F00FF88"), 3), 3);
}

TEST(CosemDateTime, FebruaryTwentyNinthOnlyInLeapYears) {
  auto leap = parse(test::from_hex("07E8021D040C0000FFFFC400"));  // 2024-02-29 12:00 +01:00
  ASSERT_TRUE(leap);
  EXPECT_EQ(leap->to_utc_epoch(), 1709204400);
  expect_bad(parse(test::from_hex("07E7021D030C0000FFFFC400"), 0), 3);  // 2023-02-29
  EXPECT_TRUE(parse(test::from_hex("07D0021D020C0000FFFFC400")));       // 2000 is a leap year
}

}  // namespace
}  // namespace meter::core
