// SPDX-License-Identifier: MIT
// Day-ahead price files as the transparency platforms export them, read into PricePoints (pure:
// text in, points or a message out). The format is told by the header:
// - APG (Austrian Power Grid, markt.apg.at "Day-Ahead-Preise", CSV download): `;`-separated,
//   decimal comma, columns "Zeit von [CET/CEST]";"Zeit bis [CET/CEST]";"Preis MC Auktion
//   [EUR/MWh]" (the English page: "Time from/Time to [CET/CEST]", "Price MC Auction [EUR/MWh]"),
//   times "01.10.2025 00:00:00", local time;
// - ENTSO-E Transparency Platform (Market > Energy Prices > Day-ahead Prices, "Export data" as
//   CSV): `,`-separated, columns "MTU (CET/CEST)" (older exports: "Time (CET/CEST)") and
//   "Day-ahead Price [EUR/MWh]" (newer: "Day-ahead Price (EUR/MWh)"), the interval as
//   "01.01.2024 00:00 - 01.01.2024 01:00", optionally with "(CET)" / "(CEST)" after each time.
// Hourly and quarter-hour files both; the day the clocks go back has its 02:00 hour twice (the
// first is summer time), the day they go forward has none. Bad input is refused as a whole with
// "<file> line N: <what is wrong>": a hole, an interval twice, a row of another resolution, a
// price that is not a number, a header of neither kind.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/ports.h"
#include "meter/app/prices.h"

namespace meter::app {

struct PriceFile {
  std::string format;  // "APG" or "ENTSO-E"
  PriceProduct product = PriceProduct::kHour;
  std::vector<PricePoint> points;  // by start, without holes
  // Rows at the end without a price (days not yet published in an export of a longer span).
  std::size_t unpriced_tail = 0;
};

// Reads `text` (the file's content; `file_name` names it in messages). Every point gets
// `market` and `source` "<format> csv". On failure `out` is empty and the outcome says why.
Outcome parse_price_csv(std::string_view text, const std::string& file_name,
                        const std::string& market, PriceFile& out);

// Points as CSV with a header: market,product,intervalStart (UTC seconds),localStart (Vienna,
// ISO with offset),eurPerMWh,ctPerKWh,source (`smartmeter prices show`).
std::string prices_csv(std::span<const PricePoint> points);

}  // namespace meter::app
