// SPDX-License-Identifier: MIT
// The price sources the service fetches from (app's PriceFeed port) over HTTP(S) with
// cpp-httplib and OpenSSL, their JSON read with nlohmann:
// - aWATTar: GET <base>/v1/marketdata?start=<ms>&end=<ms> (base https://api.awattar.at) answers
//   {"object":"list","data":[{"start_timestamp":ms,"end_timestamp":ms,"marketprice":EUR/MWh,
//   "unit":"Eur/MWh"}]}, the hourly day-ahead price without VAT
//   (https://www.awattar.at/services/api);
// - smartENERGY: GET <base>/market/v1/price (base https://apis.smartenergy.at) answers
//   {"tariff":"EPEXSPOTAT","unit":"ct/kWh","interval":15,"data":[{"date":"2026-01-15T00:00:00+01:00",
//   "value":ct/kWh}]}, the quarter-hour price of today and tomorrow with 20 % VAT in it (as
//   mampfes/ha_epex_spot's smartENERGY source notes), stored here without it, in EUR/MWh.
// Also the JSON of `smartmeter prices show --format json`.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/price_fetch.h"
#include "meter/app/prices.h"

namespace meter::prices {

struct FeedSettings {
  std::string source;    // "awattar" or "smartenergy"
  std::string base_url;  // "" for the source's own; "http://127.0.0.1:8081/mirror" for a mirror
  std::string market = "AT";
  std::chrono::seconds timeout{15};  // connecting, and each read
  std::string ca_file;               // "" for the system's CAs
};

// The feed for `settings.source`; nullptr for an unknown source.
std::unique_ptr<app::PriceFeed> make_price_feed(const FeedSettings& settings);
std::string default_base_url(const std::string& source);

// The sources' answers read into points for `market` (exposed for tests); the outcome names what
// is wrong in the JSON.
app::Outcome parse_awattar(std::string_view body, const std::string& market,
                           std::vector<app::PricePoint>& out);
app::Outcome parse_smartenergy(std::string_view body, const std::string& market,
                               std::vector<app::PricePoint>& out);

// Points as a JSON array: market, product, intervalStart (UTC seconds), localStart, eurPerMWh,
// ctPerKWh, source.
std::string prices_json(std::span<const app::PricePoint> points);

}  // namespace meter::prices
