// SPDX-License-Identifier: MIT
// A tariff set as the user's tariff file describes it: supplier import price, feed-in price,
// fees, grid fees of a network area, levies and VAT, each valid for a period and for some
// meters. Pure data; the file format is read by adapters/tariff (docs/tariffs.md).
//
// Units: prices are EUR per kWh (the file writes ct/kWh; the loader converts), fees EUR,
// percentages as fractions (0.2 for 20 %). Every price is net (without VAT) unless the part
// says `includes_vat`. Dates are Vienna local dates as day numbers (core/civil_time.h);
// times of day are minutes after local midnight on the wall clock.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "meter/app/prices.h"

namespace meter::app {

// A validity period of local dates [from_day, until_day): a tariff that changes on 1 March has
// one period until 2026-03-01 and the next from 2026-03-01. Open ends are the limits.
struct Period {
  std::int64_t from_day = std::numeric_limits<std::int64_t>::min();
  std::int64_t until_day = std::numeric_limits<std::int64_t>::max();
  int line = 0;  // where the tariff file wrote it (0: not from a file), for messages

  bool contains(std::int64_t local_day) const {
    return local_day >= from_day && local_day < until_day;
  }
  bool overlaps(std::int64_t from, std::int64_t until) const {
    return from < until_day && from_day < until;
  }
  friend bool operator==(const Period&, const Period&) = default;
};

// Days a time-of-use window applies on: bit 0 Monday .. bit 6 Sunday (ISO weekday - 1) and
// bit 7 Austrian public holidays. A holiday counts only through bit 7: a window for Mon-Fri
// without bit 7 does not apply on a Monday that is a holiday.
inline constexpr std::uint8_t kHolidayBit = 0x80;
inline constexpr std::uint8_t kAllDays = 0xFF;

// Is the local day an Austrian public holiday (Feiertagsruhegesetz 1957 § 7: 1 Jan, 6 Jan,
// Easter Sunday and Monday, 1 May, Ascension, Whit Sunday and Monday, Corpus Christi, 15 Aug,
// 26 Oct, 1 Nov, 8 Dec, 25 and 26 Dec)? Computed, no table: Easter by the Gregorian computus.
bool is_austrian_public_holiday(std::int64_t local_day);
// Easter Sunday of a year, as a day number.
std::int64_t easter_sunday(std::int64_t year);

// A season of the year by month and day, both ends included ("04-01" .. "09-30"); a season
// whose end is before its start wraps over the new year ("10-01" .. "03-31").
struct Season {
  unsigned from_month = 1, from_day = 1;
  unsigned until_month = 12, until_day = 31;

  bool contains(unsigned month, unsigned day) const;
  friend bool operator==(const Season&, const Season&) = default;
};

// One time-of-use window: on `days`, from `from_minute` (included) until `until_minute`
// (excluded, up to 1440) local time, in `season`. until < from wraps over midnight (22:00 ..
// 06:00). A quarter-hour belongs to the window its start falls into.
struct TimeWindow {
  std::string name;
  std::uint8_t days = kAllDays;
  int from_minute = 0;
  int until_minute = 1440;
  Season season;
  double eur_per_kwh = 0;

  bool contains(std::int64_t utc_seconds) const;
  friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

// What a spot formula does with a negative spot price.
enum class NegativeRule : std::uint8_t {
  kFormula,           // the formula as written, negative spot included
  kSpotAsZero,        // a negative spot counts as 0 before the formula
  kPriceFloorZero,    // the formula's result is at least 0
  kMarkupOnAbsolute,  // the factor's markup is on |spot|: spot + (factor - 1) x |spot| + adder
};
const char* to_string(NegativeRule rule);  // "formula", "spot-as-zero", ...

// net price = spot x factor + adder (EUR/kWh; spot converted from EUR/MWh), with the rule for
// negative spot prices. A quarter-hour of an hourly product uses its hour's price.
struct SpotFormula {
  PriceSeries series;  // market and product (hour or quarter-hour)
  double factor = 1;
  double adder_eur_per_kwh = 0;
  NegativeRule negative = NegativeRule::kFormula;

  double apply(double spot_eur_per_mwh) const;  // EUR/kWh
  friend bool operator==(const SpotFormula&, const SpotFormula&) = default;
};

enum class ImportKind : std::uint8_t { kFixed, kTimeOfUse, kSpot };

// The supplier's energy price for energy drawn from the grid.
struct ImportPrice {
  Period period;
  ImportKind kind = ImportKind::kFixed;
  double eur_per_kwh = 0;           // fixed; for time-of-use the price outside every window
  std::vector<TimeWindow> windows;  // time-of-use: the first window that contains wins
  SpotFormula spot;                 // spot
  bool includes_vat = false;        // the figures are gross: the engine takes the VAT out
  friend bool operator==(const ImportPrice&, const ImportPrice&) = default;
};

// One term of a spot feed-in price: spot x share - minus (EUR/kWh).
struct FeedInTerm {
  double share = 1;
  double minus_eur_per_kwh = 0;
  friend bool operator==(const FeedInTerm&, const FeedInTerm&) = default;
};

enum class FeedInKind : std::uint8_t { kFixed, kSpot };
enum class Combine : std::uint8_t { kMax, kMin };

// What the supplier pays for energy fed in: fixed, or spot terms combined by max or min
// ("80 % of spot" is one term {0.8, 0}; "max(0.8 p, p - 1.2 ct)" two with kMax), optionally
// not below a floor (0: never pay for feeding in). Households feed in without VAT.
struct FeedInPrice {
  Period period;
  FeedInKind kind = FeedInKind::kFixed;
  double eur_per_kwh = 0;  // fixed
  PriceSeries series;      // spot
  std::vector<FeedInTerm> terms;
  Combine combine = Combine::kMax;
  std::optional<double> floor_eur_per_kwh;
  friend bool operator==(const FeedInPrice&, const FeedInPrice&) = default;
};

enum class FeeInterval : std::uint8_t { kMonth, kYear };

// A supplier's fee (Grundgebühr): spread evenly over the seconds of its month or year, so
// every quarter-hour of a 31-day month carries 1/2976 of a monthly fee (1/2972 in March,
// 1/2980 in October: the quarter-hours that exist). Part-periods pay their part.
struct Fee {
  Period period;
  std::string name;
  double eur = 0;
  FeeInterval interval = FeeInterval::kMonth;
  bool includes_vat = false;
  friend bool operator==(const Fee&, const Fee&) = default;
};

// The grid fees of a network area (Systemnutzungsentgelte), net.
struct GridFees {
  Period period;
  std::string area;               // "Netz Niederösterreich"
  double energy_eur_per_kwh = 0;  // Netznutzungsentgelt, energy part (Arbeitspreis)
  // The summer discount on the energy part, for grid draw only ("Sommer-Nieder-Arbeitspreis",
  // SNE-V 2018 as amended for 2026: 1 April - 30 September, 10:00 - 16:00 local time).
  double summer_discount = 0;                // 0.2 = 20 % lower
  std::optional<double> summer_eur_per_kwh;  // instead of the discount: the price itself
  Season summer_season{4, 1, 9, 30};
  int summer_from_minute = 600;
  int summer_until_minute = 960;
  double losses_eur_per_kwh = 0;      // Netzverlustentgelt
  double power_eur_per_year = 0;      // flat power charge (Leistungspauschale)
  double metering_eur_per_month = 0;  // Entgelt für Messleistungen
  double export_eur_per_kwh = 0;      // a fee on energy fed in (announced for 2027)
  double peak_eur_per_kw_month = 0;   // on the month's highest quarter-hour kW (2027)

  bool summer_window(std::int64_t utc_seconds) const;
  double energy_price_at(std::int64_t utc_seconds) const;  // with the summer discount
  friend bool operator==(const GridFees&, const GridFees&) = default;
};

// A levy (Elektrizitätsabgabe, Erneuerbaren-Förderbeitrag, ...): per kWh drawn and/or per
// year (spread like a yearly fee).
struct Levy {
  Period period;
  std::string name;
  double eur_per_kwh = 0;
  double eur_per_year = 0;
  friend bool operator==(const Levy&, const Levy&) = default;
};

// One tariff: everything a meter pays, each part by its validity periods (periods of one part
// neither overlap nor leave gaps; the loader checks). `meters` empty: every meter without a
// tariff of its own.
struct Tariff {
  std::string name;
  std::vector<std::string> meters;
  double vat = 0.2;  // Umsatzsteuer on energy, grid, fees and levies
  std::vector<ImportPrice> imports;
  std::vector<FeedInPrice> feed_ins;
  std::vector<Fee> fees;
  std::vector<GridFees> grid;
  std::vector<Levy> levies;
  int line = 0;  // where the file starts it

  bool applies_to(const std::string& meter) const;
  friend bool operator==(const Tariff&, const Tariff&) = default;
};

struct TariffSet {
  std::vector<Tariff> tariffs;
  // Changes whenever the file's content changes: stored beside the costs, so that a changed
  // tariff file recomputes them.
  std::string fingerprint;
  std::string source;  // the file it came from

  // The tariff for a meter: the one that names it, else the one for all meters; nullptr.
  const Tariff* for_meter(const std::string& meter) const;
};

// A local day as "YYYY-MM-DD" (messages and summaries).
std::string format_day(std::int64_t local_day);

// What a tariff set says, in plain lines for a person to check (`smartmeter tariff check`):
// each tariff, its meters and VAT, every part with its period and its figures in ct/kWh or EUR.
std::string describe_tariffs(const TariffSet& set);

// The part of `parts` valid on a local day, or nullptr.
template <typename Part>
const Part* valid_on(const std::vector<Part>& parts, std::int64_t local_day) {
  for (const Part& part : parts) {
    if (part.period.contains(local_day)) return &part;
  }
  return nullptr;
}

}  // namespace meter::app
