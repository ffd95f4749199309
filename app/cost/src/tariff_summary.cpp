// SPDX-License-Identifier: MIT
// A tariff set in plain words, so that a person can check what the file was understood to say.
#include <cstdio>
#include <string>

#include "meter/app/tariff.h"
#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

std::string number(double value) {
  char text[64];
  (void)std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// Up to four decimals, trailing zeros dropped: 5.77, 0.783, 1.5.
std::string ct(double eur_per_kwh) {
  char text[64];
  (void)std::snprintf(text, sizeof text, "%.4f", eur_per_kwh * 100);
  std::string out = text;
  while (out.size() > 1 && out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out + " ct/kWh";
}

std::string eur(double value) {
  char text[64];
  (void)std::snprintf(text, sizeof text, "%.2f", value);
  return std::string(text) + " EUR";
}

std::string period_text(const Period& period) {
  const bool open_start = period.from_day == std::numeric_limits<std::int64_t>::min();
  const bool open_end = period.until_day == std::numeric_limits<std::int64_t>::max();
  std::string out = open_start ? "always" : "from " + format_day(period.from_day);
  if (!open_end)
    out += " to " + format_day(period.until_day - 1) + " (last day)";
  else if (!open_start)
    out += " on";
  return out;
}

std::string clock(int minute) {
  char text[24];
  (void)std::snprintf(text, sizeof text, "%02d:%02d", minute / 60, minute % 60);
  return text;
}

std::string season_text(const Season& season) {
  char text[32];
  (void)std::snprintf(text, sizeof text, "%02u-%02u .. %02u-%02u", season.from_month,
                      season.from_day, season.until_month, season.until_day);
  return text;
}

std::string days_text(std::uint8_t days) {
  if (days == kAllDays) return "every day";
  static const char* const kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  std::string out;
  for (int i = 0; i < 7; ++i) {
    if ((days & (1U << i)) != 0) out += std::string(out.empty() ? "" : ",") + kNames[i];
  }
  out += (days & kHolidayBit) != 0 ? ", public holidays too" : ", not on public holidays";
  return out;
}

std::string product_text(const PriceSeries& series) {
  return series.market + " " +
         (series.product == PriceProduct::kHour ? "hourly product (a quarter-hour uses its hour)"
                                                : "quarter-hour product");
}

std::string import_text(const ImportPrice& part) {
  const std::string vat = part.includes_vat ? " (figures include VAT)" : " (net)";
  std::string out;
  switch (part.kind) {
    case ImportKind::kFixed:
      out = "fixed " + ct(part.eur_per_kwh);
      break;
    case ImportKind::kTimeOfUse:
      out = "time of use, " + ct(part.eur_per_kwh) + " outside the windows" + vat +
            "; the first window that applies wins:";
      for (const TimeWindow& window : part.windows) {
        out += "\n      window \"" + window.name + "\": " + ct(window.eur_per_kwh) + ", " +
               days_text(window.days) + ", " + clock(window.from_minute) + "-" +
               clock(window.until_minute) + " local, season " + season_text(window.season);
      }
      break;
    case ImportKind::kSpot:
      out = "spot x " + number(part.spot.factor) + " + " + ct(part.spot.adder_eur_per_kwh) + ", " +
            product_text(part.spot.series) +
            ", negative spot prices: " + to_string(part.spot.negative);
      break;
  }
  return part.kind == ImportKind::kTimeOfUse ? out : out + vat;
}

std::string feed_in_text(const FeedInPrice& part) {
  if (part.kind == FeedInKind::kFixed) return "fixed " + ct(part.eur_per_kwh);
  std::string out = part.terms.size() > 1 ? (part.combine == Combine::kMax ? "max(" : "min(") : "";
  for (std::size_t i = 0; i < part.terms.size(); ++i) {
    const FeedInTerm& term = part.terms[i];
    out += (i > 0 ? ", " : "") + number(term.share * 100) + " % of spot";
    if (term.minus_eur_per_kwh != 0) out += " - " + ct(term.minus_eur_per_kwh);
  }
  if (part.terms.size() > 1) out += ")";
  if (part.floor_eur_per_kwh) out += ", at least " + ct(*part.floor_eur_per_kwh);
  return out + ", " + product_text(part.series);
}

std::string grid_text(const GridFees& grid) {
  std::string out = "\"" + grid.area + "\": energy " + ct(grid.energy_eur_per_kwh);
  if (grid.summer_eur_per_kwh || grid.summer_discount != 0) {
    out += grid.summer_eur_per_kwh ? ", " + ct(*grid.summer_eur_per_kwh)
                                   : ", " + number(grid.summer_discount * 100) + " % lower";
    out += " in " + season_text(grid.summer_season) + " " + clock(grid.summer_from_minute) + "-" +
           clock(grid.summer_until_minute) + " local (grid draw only)";
  }
  out += "; losses " + ct(grid.losses_eur_per_kwh) + "; power charge " +
         eur(grid.power_eur_per_year) + "/year; metering " + eur(grid.metering_eur_per_month) +
         "/month";
  if (grid.export_eur_per_kwh != 0) out += "; on export " + ct(grid.export_eur_per_kwh);
  if (grid.peak_eur_per_kw_month != 0) {
    out += "; " + eur(grid.peak_eur_per_kw_month) + " per kW of the month's peak quarter-hour";
  }
  return out;
}

}  // namespace

std::string format_day(std::int64_t local_day) {
  const core::CivilDate date = core::civil_from_days(local_day);
  char text[32];
  (void)std::snprintf(text, sizeof text, "%04lld-%02u-%02u", static_cast<long long>(date.year),
                      date.month, date.day);
  return text;
}

std::string describe_tariffs(const TariffSet& set) {
  std::string out = set.source + " (" + set.fingerprint +
                    "): " + std::to_string(set.tariffs.size()) + " tariff(s)\n";
  for (const Tariff& tariff : set.tariffs) {
    out += "\ntariff \"" + tariff.name + "\" (line " + std::to_string(tariff.line) + ")\n";
    std::string meters;
    for (const std::string& meter : tariff.meters) meters += (meters.empty() ? "" : ", ") + meter;
    out += "  meters: " + (meters.empty() ? "every meter without a tariff of its own" : meters) +
           "\n  VAT: " + number(tariff.vat * 100) + " % on energy, grid, fees and levies\n";
    for (const ImportPrice& part : tariff.imports) {
      out += "  import   " + period_text(part.period) + ": " + import_text(part) + "\n";
    }
    for (const FeedInPrice& part : tariff.feed_ins) {
      out += "  feed-in  " + period_text(part.period) + ": " + feed_in_text(part) + " (no VAT)\n";
    }
    if (tariff.feed_ins.empty()) out += "  feed-in  none: energy fed in earns nothing\n";
    for (const Fee& fee : tariff.fees) {
      out += "  fee      " + period_text(fee.period) + ": \"" + fee.name + "\" " + eur(fee.eur) +
             (fee.interval == FeeInterval::kMonth ? "/month" : "/year") +
             (fee.includes_vat ? " (with VAT)" : " (net)") + "\n";
    }
    for (const GridFees& grid : tariff.grid) {
      out += "  grid     " + period_text(grid.period) + ": " + grid_text(grid) + "\n";
    }
    if (tariff.grid.empty()) out += "  grid     none: no grid fees are counted\n";
    for (const Levy& levy : tariff.levies) {
      out += "  levy     " + period_text(levy.period) + ": \"" + levy.name + "\" " +
             ct(levy.eur_per_kwh) +
             (levy.eur_per_year != 0 ? " + " + eur(levy.eur_per_year) + "/year" : "") + "\n";
    }
  }
  return out;
}

}  // namespace meter::app
