// SPDX-License-Identifier: MIT
// A tariff set as the user's tariff file describes it: supplier import price, feed-in price,
// fees, grid fees of a network area, levies and VAT, each valid for a period and for some
// meters. Pure data; the file format is read by adapters/tariff.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace meter::app {

// Filled in by the tariff model.
struct Tariff {
  std::string name;
};

struct TariffSet {
  std::vector<Tariff> tariffs;
  // Changes whenever the file's content changes: stored beside the costs, so that a changed
  // tariff file recomputes them.
  std::string fingerprint;
};

}  // namespace meter::app
