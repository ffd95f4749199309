// SPDX-License-Identifier: MIT
#include "meter/prices/price_feeds.h"

#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"

namespace meter::prices {
namespace {

using app::Outcome;
using nlohmann::json;

// "https://host:port/path" as httplib's "https://host:port" and "/path".
struct Url {
  std::string origin;
  std::string path;
};
Url split_url(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {url, ""};
  std::string path = url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return {url.substr(0, slash), path};
}

// An ISO time with offset, "2026-01-15T00:15:00+01:00" (or "Z"), as UTC seconds.
std::optional<std::int64_t> parse_iso_instant(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS, digits where digits belong.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size()) return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(text[i])) != 0;
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  const auto number = [&](std::size_t at, std::size_t count) {
    unsigned value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
  };
  const auto year = static_cast<std::int64_t>(number(0, 4));
  const unsigned month = number(5, 2);
  const unsigned day = number(8, 2);
  const unsigned hour = number(11, 2);
  const unsigned minute = number(14, 2);
  const unsigned second = number(17, 2);
  const std::size_t consumed = kShape.size();
  std::string rest = text.substr(consumed);
  if (!rest.empty() && rest[0] == '.') {  // fractions of a second
    const std::size_t end = rest.find_first_not_of("0123456789", 1);
    rest = end == std::string::npos ? "" : rest.substr(end);
  }
  std::int64_t offset = 0;
  if (rest == "Z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(rest[1])) &&
             std::isdigit(static_cast<unsigned char>(rest[2])) &&
             std::isdigit(static_cast<unsigned char>(rest[4])) &&
             std::isdigit(static_cast<unsigned char>(rest[5]))) {
    offset = ((rest[1] - '0') * 36000 + (rest[2] - '0') * 3600 + (rest[4] - '0') * 600 +
              (rest[5] - '0') * 60) *
             (rest[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > core::days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  return core::days_from_civil(year, month, day) * 86400 + std::int64_t{hour} * 3600 +
         std::int64_t{minute} * 60 + second - offset;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::optional<app::PriceProduct> product_of_seconds(std::int64_t seconds) {
  if (seconds == 3600) return app::PriceProduct::kHour;
  if (seconds == 900) return app::PriceProduct::kQuarterHour;
  return std::nullopt;
}

// GET origin+path; the body, or the failure in plain words.
Outcome get(const FeedSettings& settings, const std::string& name, const std::string& path,
            std::string& body) {
  const Url url = split_url(settings.base_url);
  httplib::Client client(url.origin);
  if (!client.is_valid()) return Outcome::failure(name + ": '" + settings.base_url + "' is no URL");
  client.set_connection_timeout(settings.timeout);
  client.set_read_timeout(settings.timeout);
  client.set_write_timeout(settings.timeout);
  client.set_follow_location(true);
  if (!settings.ca_file.empty()) client.set_ca_cert_path(settings.ca_file);
  const std::string target = url.path + path;
  const httplib::Result result = client.Get(target);
  if (!result) {
    return Outcome::failure(name + " " + settings.base_url + ": " +
                            httplib::to_string(result.error()));
  }
  if (result->status != 200) {
    return Outcome::failure(name + " " + url.origin + target + ": HTTP " +
                            std::to_string(result->status));
  }
  body = result->body;
  return Outcome::success();
}

// A source that answers one GET with JSON: `path` for the asked span, `parse` for the answer.
class JsonFeed final : public app::PriceFeed {
 public:
  using Path = std::string (*)(std::int64_t from, std::int64_t until);
  using Parse = Outcome (*)(std::string_view, const std::string&, std::vector<app::PricePoint>&);
  JsonFeed(FeedSettings settings, std::string name, app::PriceProduct product, Path path,
           Parse parse)
      : settings_(std::move(settings)),
        name_(std::move(name)),
        product_(product),
        path_(path),
        parse_(parse) {}

  Outcome fetch(std::int64_t from, std::int64_t until, std::vector<app::PricePoint>& out) override {
    out.clear();
    std::string body;
    if (auto got = get(settings_, name_, path_(from, until), body); !got) return got;
    if (auto parsed = parse_(body, settings_.market, out); !parsed) {
      return Outcome::failure(name_ + " " + settings_.base_url + ": " + parsed.error);
    }
    std::erase_if(out,
                  [&](const app::PricePoint& p) { return p.start < from || p.start >= until; });
    return Outcome::success();
  }
  app::PriceProduct product() const override { return product_; }
  std::string describe() const override { return name_ + " " + settings_.base_url; }

 private:
  FeedSettings settings_;
  std::string name_;
  app::PriceProduct product_;
  Path path_;
  Parse parse_;
};

template <typename Read>
Outcome read_json(std::string_view body, Read&& read) {
  try {
    const json document = json::parse(body);
    return read(document);
  } catch (const json::exception& error) {
    return Outcome::failure(std::string("not the JSON expected (") + error.what() + ")");
  }
}

}  // namespace

std::string default_base_url(const std::string& source) {
  if (source == "awattar") return "https://api.awattar.at";
  if (source == "smartenergy") return "https://apis.smartenergy.at";
  return "";
}

std::unique_ptr<app::PriceFeed> make_price_feed(const FeedSettings& settings) {
  FeedSettings s = settings;
  if (s.base_url.empty()) s.base_url = default_base_url(s.source);
  if (s.source == "awattar") {
    return std::make_unique<JsonFeed>(
        std::move(s), "aWATTar", app::PriceProduct::kHour,
        [](std::int64_t from, std::int64_t until) {
          return "/v1/marketdata?start=" + std::to_string(from * 1000) +
                 "&end=" + std::to_string(until * 1000);
        },
        &parse_awattar);
  }
  if (s.source == "smartenergy") {
    // Today and tomorrow, whatever is asked: the rest is left out by fetch().
    return std::make_unique<JsonFeed>(
        std::move(s), "smartENERGY", app::PriceProduct::kQuarterHour,
        [](std::int64_t, std::int64_t) { return std::string("/market/v1/price"); },
        &parse_smartenergy);
  }
  return nullptr;
}

Outcome parse_awattar(std::string_view body, const std::string& market,
                      std::vector<app::PricePoint>& out) {
  out.clear();
  Outcome read = read_json(body, [&](const json& document) {
    const json& data = document.at("data");
    if (!data.is_array()) return Outcome::failure("'data' is not a list");
    for (std::size_t i = 0; i < data.size(); ++i) {
      const json& item = data[i];
      const std::string where = "data[" + std::to_string(i) + "]: ";
      const std::string unit = lower(item.at("unit").get<std::string>());
      if (unit != "eur/mwh") return Outcome::failure(where + "unit '" + unit + "', not Eur/MWh");
      const auto start_ms = item.at("start_timestamp").get<std::int64_t>();
      const auto end_ms = item.at("end_timestamp").get<std::int64_t>();
      const auto product = product_of_seconds((end_ms - start_ms) / 1000);
      if (!product || start_ms % 1000 != 0) {
        return Outcome::failure(where + "an interval of " +
                                std::to_string((end_ms - start_ms) / 60000) + " minutes");
      }
      const double price = item.at("marketprice").get<double>();
      if (!std::isfinite(price)) return Outcome::failure(where + "a price that is no number");
      out.push_back({market, *product, start_ms / 1000, price, "aWATTar"});
    }
    return Outcome::success();
  });
  if (!read) out.clear();
  return read;
}

Outcome parse_smartenergy(std::string_view body, const std::string& market,
                          std::vector<app::PricePoint>& out) {
  out.clear();
  Outcome read = read_json(body, [&](const json& document) {
    const std::string unit = lower(document.at("unit").get<std::string>());
    if (unit != "ct/kwh") return Outcome::failure("unit '" + unit + "', not ct/kWh");
    const auto interval = document.at("interval").get<std::int64_t>();
    const auto product = product_of_seconds(interval * 60);
    if (!product) {
      return Outcome::failure("an interval of " + std::to_string(interval) + " minutes");
    }
    const json& data = document.at("data");
    if (!data.is_array()) return Outcome::failure("'data' is not a list");
    for (std::size_t i = 0; i < data.size(); ++i) {
      const std::string where = "data[" + std::to_string(i) + "]: ";
      const std::string date = data[i].at("date").get<std::string>();
      const auto start = parse_iso_instant(date);
      if (!start) return Outcome::failure(where + "'" + date + "' is not a time with offset");
      const double gross_ct = data[i].at("value").get<double>();
      if (!std::isfinite(gross_ct)) return Outcome::failure(where + "a price that is no number");
      // ct/kWh with 20 % VAT -> EUR/MWh without (1 ct/kWh = 10 EUR/MWh).
      const double eur_per_mwh = std::round(gross_ct / 1.2 * 10 * 1e6) / 1e6;
      out.push_back({market, *product, *start, eur_per_mwh, "smartENERGY"});
    }
    return Outcome::success();
  });
  if (!read) out.clear();
  return read;
}

std::string prices_json(std::span<const app::PricePoint> points) {
  json array = json::array();
  for (const app::PricePoint& point : points) {
    array.push_back({{"market", point.market},
                     {"product", app::to_string(point.product)},
                     {"intervalStart", point.start},
                     {"localStart", app::vienna_iso(point.start)},
                     {"eurPerMWh", point.eur_per_mwh},
                     {"ctPerKWh", point.eur_per_mwh / 10},
                     {"source", point.source}});
  }
  return array.dump();
}

}  // namespace meter::prices
