// SPDX-License-Identifier: MIT
#include "meter/app/tariff.h"

#include <algorithm>
#include <cmath>

#include "meter/core/civil_time.h"

namespace meter::app {

std::int64_t easter_sunday(std::int64_t year) {
  // The anonymous Gregorian computus (Meeus, Astronomical Algorithms, ch. 8).
  const std::int64_t a = year % 19;
  const std::int64_t b = year / 100;
  const std::int64_t c = year % 100;
  const std::int64_t d = b / 4;
  const std::int64_t e = b % 4;
  const std::int64_t f = (b + 8) / 25;
  const std::int64_t g = (b - f + 1) / 3;
  const std::int64_t h = (19 * a + b - d - g + 15) % 30;
  const std::int64_t i = c / 4;
  const std::int64_t k = c % 4;
  const std::int64_t l = (32 + 2 * e + 2 * i - h - k) % 7;
  const std::int64_t m = (a + 11 * h + 22 * l) / 451;
  const std::int64_t month = (h + l - 7 * m + 114) / 31;
  const std::int64_t day = (h + l - 7 * m + 114) % 31 + 1;
  return core::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

bool is_austrian_public_holiday(std::int64_t local_day) {
  const core::CivilDate date = core::civil_from_days(local_day);
  struct MonthDay {
    unsigned month, day;
  };
  // Fixed dates: Neujahr, Heilige Drei Könige, Staatsfeiertag, Mariä Himmelfahrt,
  // Nationalfeiertag, Allerheiligen, Mariä Empfängnis, Christtag, Stefanitag.
  constexpr MonthDay kFixed[] = {{1, 1},  {1, 6},  {5, 1},   {8, 15}, {10, 26},
                                 {11, 1}, {12, 8}, {12, 25}, {12, 26}};
  for (const MonthDay& fixed : kFixed) {
    if (date.month == fixed.month && date.day == fixed.day) return true;
  }
  // Easter Sunday and Monday, Ascension (+39), Whit Sunday and Monday (+49, +50), Corpus
  // Christi (+60).
  const std::int64_t offset = local_day - easter_sunday(date.year);
  constexpr std::int64_t kEasterBased[] = {0, 1, 39, 49, 50, 60};
  return std::find(std::begin(kEasterBased), std::end(kEasterBased), offset) !=
         std::end(kEasterBased);
}

bool Season::contains(unsigned month, unsigned day) const {
  const unsigned at = month * 100 + day;
  const unsigned from = from_month * 100 + from_day;
  const unsigned until = until_month * 100 + until_day;
  if (from <= until) return at >= from && at <= until;
  return at >= from || at <= until;  // over the new year
}

namespace {

bool in_minutes(int minute, int from, int until) {
  if (from <= until) return minute >= from && minute < until;
  return minute >= from || minute < until;  // over midnight
}

}  // namespace

bool TimeWindow::contains(std::int64_t utc_seconds) const {
  const core::LocalTime local = core::vienna_local_time(utc_seconds);
  if (!season.contains(local.date.month, local.date.day)) return false;
  const unsigned weekday = core::weekday_from_days(local.day);  // 1 = Monday
  const bool holiday = is_austrian_public_holiday(local.day);
  const std::uint8_t bit = holiday ? kHolidayBit : static_cast<std::uint8_t>(1U << (weekday - 1));
  if ((days & bit) == 0) return false;
  return in_minutes(static_cast<int>(local.second_of_day / 60), from_minute, until_minute);
}

const char* to_string(NegativeRule rule) {
  switch (rule) {
    case NegativeRule::kFormula:
      return "formula";
    case NegativeRule::kSpotAsZero:
      return "spot-as-zero";
    case NegativeRule::kPriceFloorZero:
      return "price-floor-zero";
    case NegativeRule::kMarkupOnAbsolute:
      return "markup-on-absolute";
  }
  return "formula";
}

double SpotFormula::apply(double spot_eur_per_mwh) const {
  const double spot = spot_eur_per_mwh / 1000.0;  // EUR/kWh
  switch (negative) {
    case NegativeRule::kFormula:
      return spot * factor + adder_eur_per_kwh;
    case NegativeRule::kSpotAsZero:
      return std::max(spot, 0.0) * factor + adder_eur_per_kwh;
    case NegativeRule::kPriceFloorZero:
      return std::max(spot * factor + adder_eur_per_kwh, 0.0);
    case NegativeRule::kMarkupOnAbsolute:
      return spot + (factor - 1) * std::abs(spot) + adder_eur_per_kwh;
  }
  return spot * factor + adder_eur_per_kwh;
}

bool GridFees::summer_window(std::int64_t utc_seconds) const {
  if (summer_discount == 0 && !summer_eur_per_kwh) return false;
  const core::LocalTime local = core::vienna_local_time(utc_seconds);
  return summer_season.contains(local.date.month, local.date.day) &&
         in_minutes(static_cast<int>(local.second_of_day / 60), summer_from_minute,
                    summer_until_minute);
}

double GridFees::energy_price_at(std::int64_t utc_seconds) const {
  if (!summer_window(utc_seconds)) return energy_eur_per_kwh;
  if (summer_eur_per_kwh) return *summer_eur_per_kwh;
  return energy_eur_per_kwh * (1 - summer_discount);
}

bool Tariff::applies_to(const std::string& meter) const {
  return meters.empty() || std::find(meters.begin(), meters.end(), meter) != meters.end();
}

const Tariff* TariffSet::for_meter(const std::string& meter) const {
  const Tariff* for_all = nullptr;
  for (const Tariff& tariff : tariffs) {
    if (tariff.meters.empty()) {
      if (for_all == nullptr) for_all = &tariff;
    } else if (tariff.applies_to(meter)) {
      return &tariff;
    }
  }
  return for_all;
}

}  // namespace meter::app
