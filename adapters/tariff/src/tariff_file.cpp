// SPDX-License-Identifier: MIT
// The tariff file: TOML read with toml++, checked field by field, every message naming the file,
// the line, the place and the field (docs/tariffs.md describes every key).
#include "meter/tariff/tariff_file.h"

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "meter/core/civil_time.h"

namespace meter::tariff {
namespace {

// Thrown inside this file only; load_tariff_file turns it into a TariffFileError.
struct Failure {
  int line = 0;
  std::string place;
  std::string field;
  std::string message;
};

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "text";
    case toml::node_type::integer:
      return "a whole number";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "true or false";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time of day";
    case toml::node_type::date_time:
      return "a date and time";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// One table of the file with the place it has ("tariff 1 ("x"), import 2") for messages.
class Reader {
 public:
  Reader(const toml::table& table, std::string place) : table_(table), place_(std::move(place)) {}

  const std::string& place() const { return place_; }
  Reader renamed(std::string place) const { return Reader(table_, std::move(place)); }
  int line() const { return line_of(table_); }

  [[noreturn]] void fail(std::string_view key, std::string message) const {
    const toml::node* node = table_.get(key);
    throw Failure{node != nullptr ? line_of(*node) : line(), place_, std::string(key),
                  std::move(message)};
  }

  // Every key must be one of `known`: a misspelt key is an error naming the closest one.
  void allow(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, node] : table_) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      std::string_view closest;
      std::size_t best = 1000;
      for (std::string_view candidate : known) {
        const std::size_t distance = edit_distance(key.str(), candidate);
        if (distance < best) {
          best = distance;
          closest = candidate;
        }
      }
      std::string message = "unknown key";
      if (best <= std::max<std::size_t>(2, closest.size() / 3)) {
        message += "; did you mean '" + std::string(closest) + "'?";
      } else {
        message += "; known here: ";
        for (std::string_view candidate : known) message += std::string(candidate) + " ";
        message.pop_back();
      }
      throw Failure{static_cast<int>(key.source().begin.line), place_, std::string(key.str()),
                    message};
    }
  }

  bool has(std::string_view key) const { return table_.contains(key); }
  const toml::node* node(std::string_view key) const { return table_.get(key); }

  std::optional<double> number(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_number()) fail(key, "expected a number, found " + type_name(*node));
    const double value = node->value<double>().value_or(0);
    if (!std::isfinite(value)) fail(key, "expected a finite number");
    return value;
  }
  double required_number(std::string_view key, std::string_view what) const {
    const std::optional<double> value = number(key);
    if (!value) missing(key, what);
    return *value;
  }
  // A percentage 0 .. 100 as a fraction.
  std::optional<double> percent(std::string_view key) const {
    const std::optional<double> value = number(key);
    if (value && (*value < 0 || *value > 100)) {
      fail(key, "a percentage from 0 to 100, not " + format(*value));
    }
    if (!value) return std::nullopt;
    return *value / 100.0;
  }
  std::optional<std::string> text(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) fail(key, "expected text in quotes, found " + type_name(*node));
    return std::string(*node->value<std::string_view>());
  }
  std::string required_text(std::string_view key, std::string_view what) const {
    std::optional<std::string> value = text(key);
    if (!value) missing(key, what);
    if (value->empty()) fail(key, "must not be empty");
    return *value;
  }
  bool flag(std::string_view key, bool fallback) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return fallback;
    if (!node->is_boolean()) fail(key, "expected true or false, found " + type_name(*node));
    return *node->value<bool>();
  }
  // A TOML date (2026-01-01, without quotes) as a day number.
  std::optional<std::int64_t> date(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_date()) {
      fail(key,
           "expected a date written without quotes, like 2026-01-01; found " + type_name(*node));
    }
    const toml::date date = *node->value<toml::date>();
    return core::days_from_civil(date.year, date.month, date.day);
  }
  // The tables under `key`: [[key]] (a list of tables) or a single [key].
  std::vector<const toml::table*> tables(std::string_view key) const {
    std::vector<const toml::table*> out;
    const toml::node* node = table_.get(key);
    if (node == nullptr) return out;
    if (const toml::table* one = node->as_table()) {
      out.push_back(one);
      return out;
    }
    const toml::array* list = node->as_array();
    if (list == nullptr)
      fail(key, "expected [[" + std::string(key) + "]] tables, found " + type_name(*node));
    for (const toml::node& element : *list) {
      const toml::table* table = element.as_table();
      if (table == nullptr) fail(key, "expected tables, found " + type_name(element));
      out.push_back(table);
    }
    return out;
  }
  const toml::array* list(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return nullptr;
    const toml::array* list = node->as_array();
    if (list == nullptr) fail(key, "expected a list [...], found " + type_name(*node));
    return list;
  }

  [[noreturn]] void missing(std::string_view key, std::string_view what) const {
    throw Failure{line(), place_, std::string(key),
                  "missing: " + std::string(what) + " (add " + std::string(key) + " = ...)"};
  }

  static std::string format(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

 private:
  const toml::table& table_;
  std::string place_;
};

constexpr double kCent = 0.01;  // the file writes ct/kWh; the model holds EUR/kWh

app::Period read_period(const Reader& in) {
  app::Period period;
  period.line = in.line();
  if (auto from = in.date("from")) period.from_day = *from;
  if (auto until = in.date("until")) period.until_day = *until;
  if (period.until_day <= period.from_day) {
    in.fail("until", "must be after from (" + app::format_day(period.from_day) +
                         "): until is the first day no longer valid");
  }
  return period;
}

// "hh:mm" or "MM-DD": two numbers of two digits each around `separator`.
bool split_two_numbers(std::string_view text, char separator, unsigned& first, unsigned& second) {
  if (text.size() != 5 || text[2] != separator) return false;
  for (const std::size_t at : {0U, 1U, 3U, 4U}) {
    if (text[at] < '0' || text[at] > '9') return false;
  }
  first = static_cast<unsigned>((text[0] - '0') * 10 + (text[1] - '0'));
  second = static_cast<unsigned>((text[3] - '0') * 10 + (text[4] - '0'));
  return true;
}

// "10:00" (text, "24:00" allowed) or a TOML time 10:00:00, as minutes after midnight.
int read_minute(const Reader& in, const toml::node& node, std::string_view key) {
  if (const auto time = node.value<toml::time>(); time && node.is_time()) {
    if (time->second != 0 || time->minute % 15 != 0) {
      in.fail(key, "times are whole quarter-hours (hh:00, hh:15, hh:30, hh:45)");
    }
    return time->hour * 60 + time->minute;
  }
  if (!node.is_string()) in.fail(key, "expected a time like \"10:00\", found " + type_name(node));
  const std::string_view text = *node.value<std::string_view>();
  unsigned hour = 0, minute = 0;
  if (!split_two_numbers(text, ':', hour, minute) || hour > 24 || minute > 59 ||
      (hour == 24 && minute != 0)) {
    in.fail(key, "'" + std::string(text) + "' is not a time hh:mm from 00:00 to 24:00");
  }
  if (minute % 15 != 0) in.fail(key, "times are whole quarter-hours (hh:00, hh:15, hh:30, hh:45)");
  return static_cast<int>(hour * 60 + minute);
}

// ["10:00", "16:00"]
std::pair<int, int> read_hours(const Reader& in, std::string_view key) {
  const toml::array* list = in.list(key);
  if (list->size() != 2) in.fail(key, "expected two times, [\"from\", \"until\"]");
  return {read_minute(in, *list->get(0), key), read_minute(in, *list->get(1), key)};
}

// ["04-01", "09-30"]: month-day, both included.
app::Season read_season(const Reader& in, std::string_view key) {
  const toml::array* list = in.list(key);
  if (list->size() != 2) in.fail(key, "expected two dates, [\"MM-DD\", \"MM-DD\"] (both included)");
  unsigned parts[4] = {};
  for (std::size_t i = 0; i < 2; ++i) {
    const toml::node& node = *list->get(i);
    if (!node.is_string()) in.fail(key, "expected \"MM-DD\" text, found " + type_name(node));
    const std::string text(*node.value<std::string_view>());
    if (!split_two_numbers(text, '-', parts[2 * i], parts[2 * i + 1]) || parts[2 * i] < 1 ||
        parts[2 * i] > 12 || parts[2 * i + 1] < 1 ||
        parts[2 * i + 1] > core::days_in_month(2024, parts[2 * i])) {
      in.fail(key, "'" + text + "' is not a day of the year MM-DD");
    }
  }
  return app::Season{parts[0], parts[1], parts[2], parts[3]};
}

app::PriceSeries read_series(const Reader& in) {
  app::PriceSeries series;
  const std::string product = in.required_text(
      "product", "which spot product the supplier bills: \"hour\" or \"quarter-hour\"");
  const auto parsed = app::parse_price_product(product);
  if (!parsed) in.fail("product", "'" + product + "' is not \"hour\" or \"quarter-hour\"");
  series.product = *parsed;
  if (auto market = in.text("market")) series.market = *market;
  return series;
}

std::uint8_t read_days(const Reader& in, std::string_view key) {
  const toml::array* list = in.list(key);
  if (list == nullptr) return app::kAllDays;
  static const std::map<std::string, std::uint8_t, std::less<>> kNames = {
      {"mon", 0x01},      {"tue", 0x02},     {"wed", 0x04}, {"thu", 0x08},
      {"fri", 0x10},      {"sat", 0x20},     {"sun", 0x40}, {"holiday", app::kHolidayBit},
      {"weekdays", 0x1F}, {"weekend", 0x60}, {"all", 0xFF}};
  std::uint8_t days = 0;
  for (const toml::node& node : *list) {
    const auto name = node.value<std::string_view>();
    const auto it = name && node.is_string() ? kNames.find(*name) : kNames.end();
    if (it == kNames.end()) {
      in.fail(key,
              "days are \"mon\" .. \"sun\", \"weekdays\", \"weekend\", \"holiday\" or \"all\"");
    }
    days |= it->second;
  }
  if (days == 0) in.fail(key, "the list of days is empty");
  return days;
}

app::ImportPrice read_import(const Reader& in) {
  in.allow({"from", "until", "kind", "price_ct_per_kwh", "product", "market", "factor",
            "adder_ct_per_kwh", "negative", "includes_vat", "window"});
  app::ImportPrice part;
  part.period = read_period(in);
  part.includes_vat = in.flag("includes_vat", false);
  const std::string kind =
      in.required_text("kind", "the kind of price: \"fixed\", \"time-of-use\" or \"spot\"");
  if (kind == "fixed") {
    part.kind = app::ImportKind::kFixed;
    part.eur_per_kwh = in.required_number("price_ct_per_kwh", "the price in ct/kWh") * kCent;
  } else if (kind == "time-of-use") {
    part.kind = app::ImportKind::kTimeOfUse;
    part.eur_per_kwh =
        in.required_number("price_ct_per_kwh", "the price outside every window, in ct/kWh") * kCent;
    const auto windows = in.tables("window");
    if (windows.empty()) in.missing("window", "at least one [[tariff.import.window]]");
    for (std::size_t i = 0; i < windows.size(); ++i) {
      const Reader w(*windows[i], in.place() + ", window " + std::to_string(i + 1));
      w.allow({"name", "days", "hours", "season", "price_ct_per_kwh"});
      app::TimeWindow window;
      window.name = w.text("name").value_or("window " + std::to_string(i + 1));
      window.days = read_days(w, "days");
      if (!w.has("hours"))
        w.missing("hours", "the window's local times, like [\"06:00\", \"22:00\"]");
      std::tie(window.from_minute, window.until_minute) = read_hours(w, "hours");
      if (window.from_minute == window.until_minute) w.fail("hours", "the window is empty");
      if (w.has("season")) window.season = read_season(w, "season");
      window.eur_per_kwh =
          w.required_number("price_ct_per_kwh", "the window's price in ct/kWh") * kCent;
      part.windows.push_back(window);
    }
  } else if (kind == "spot") {
    part.kind = app::ImportKind::kSpot;
    part.spot.series = read_series(in);
    part.spot.factor = in.number("factor").value_or(1);
    if (part.spot.factor <= 0) in.fail("factor", "must be more than 0");
    part.spot.adder_eur_per_kwh = in.number("adder_ct_per_kwh").value_or(0) * kCent;
    if (auto rule = in.text("negative")) {
      bool found = false;
      for (app::NegativeRule candidate :
           {app::NegativeRule::kFormula, app::NegativeRule::kSpotAsZero,
            app::NegativeRule::kPriceFloorZero, app::NegativeRule::kMarkupOnAbsolute}) {
        if (*rule == app::to_string(candidate)) {
          part.spot.negative = candidate;
          found = true;
        }
      }
      if (!found) {
        in.fail("negative", "'" + *rule +
                                "' is not \"formula\", \"spot-as-zero\", \"price-floor-zero\" or "
                                "\"markup-on-absolute\"");
      }
    }
  } else {
    in.fail("kind", "'" + kind + "' is not \"fixed\", \"time-of-use\" or \"spot\"");
  }
  for (std::string_view key : {"product", "market", "factor", "adder_ct_per_kwh", "negative"}) {
    if (kind != "spot" && in.has(key)) in.fail(key, "only for kind = \"spot\"");
  }
  if (kind != "time-of-use" && in.has("window"))
    in.fail("window", "only for kind = \"time-of-use\"");
  return part;
}

app::FeedInTerm read_term(const Reader& in) {
  app::FeedInTerm term;
  term.share = in.percent("share_percent").value_or(1);
  term.minus_eur_per_kwh = in.number("minus_ct_per_kwh").value_or(0) * kCent;
  return term;
}

app::FeedInPrice read_feed_in(const Reader& in) {
  in.allow({"from", "until", "kind", "price_ct_per_kwh", "product", "market", "share_percent",
            "minus_ct_per_kwh", "terms", "combine", "floor_ct_per_kwh"});
  app::FeedInPrice part;
  part.period = read_period(in);
  const std::string kind = in.required_text("kind", "the kind of price: \"fixed\" or \"spot\"");
  if (kind == "fixed") {
    part.kind = app::FeedInKind::kFixed;
    part.eur_per_kwh = in.required_number("price_ct_per_kwh", "the price in ct/kWh") * kCent;
    for (std::string_view key : {"product", "market", "share_percent", "minus_ct_per_kwh", "terms",
                                 "combine", "floor_ct_per_kwh"}) {
      if (in.has(key)) in.fail(key, "only for kind = \"spot\"");
    }
    return part;
  }
  if (kind != "spot") in.fail("kind", "'" + kind + "' is not \"fixed\" or \"spot\"");
  part.kind = app::FeedInKind::kSpot;
  part.series = read_series(in);
  if (in.has("price_ct_per_kwh")) in.fail("price_ct_per_kwh", "only for kind = \"fixed\"");
  if (const toml::array* terms = in.list("terms")) {
    if (in.has("share_percent") || in.has("minus_ct_per_kwh")) {
      in.fail("terms", "write either terms = [...] or share_percent/minus_ct_per_kwh, not both");
    }
    if (terms->empty()) in.fail("terms", "the list of terms is empty");
    for (std::size_t i = 0; i < terms->size(); ++i) {
      const toml::table* table = terms->get(i)->as_table();
      if (table == nullptr) in.fail("terms", "each term is a table { share_percent = 80 }");
      const Reader t(*table, in.place() + ", term " + std::to_string(i + 1));
      t.allow({"share_percent", "minus_ct_per_kwh"});
      part.terms.push_back(read_term(t));
    }
  } else {
    if (!in.has("share_percent") && !in.has("minus_ct_per_kwh")) {
      in.missing("share_percent", "the share of spot (or minus_ct_per_kwh, or terms = [...])");
    }
    part.terms.push_back(read_term(in));
  }
  if (auto combine = in.text("combine")) {
    if (*combine == "max") {
      part.combine = app::Combine::kMax;
    } else if (*combine == "min") {
      part.combine = app::Combine::kMin;
    } else {
      in.fail("combine", "'" + *combine + "' is not \"max\" or \"min\"");
    }
  }
  if (auto floor = in.number("floor_ct_per_kwh")) part.floor_eur_per_kwh = *floor * kCent;
  return part;
}

app::Fee read_fee(const Reader& in) {
  in.allow({"from", "until", "name", "eur_per_month", "eur_per_year", "includes_vat"});
  app::Fee fee;
  fee.period = read_period(in);
  fee.name = in.required_text("name", "the fee's name");
  fee.includes_vat = in.flag("includes_vat", false);
  const auto monthly = in.number("eur_per_month");
  const auto yearly = in.number("eur_per_year");
  if (monthly && yearly) in.fail("eur_per_year", "a fee is either eur_per_month or eur_per_year");
  if (!monthly && !yearly) in.missing("eur_per_month", "the fee (eur_per_month or eur_per_year)");
  fee.interval = monthly ? app::FeeInterval::kMonth : app::FeeInterval::kYear;
  fee.eur = monthly ? *monthly : *yearly;
  return fee;
}

app::GridFees read_grid(const Reader& in) {
  in.allow({"from", "until", "area", "energy_ct_per_kwh", "summer_discount_percent",
            "summer_ct_per_kwh", "summer_season", "summer_hours", "losses_ct_per_kwh",
            "power_eur_per_year", "metering_eur_per_month", "export_ct_per_kwh",
            "peak_eur_per_kw_month"});
  app::GridFees grid;
  grid.period = read_period(in);
  grid.area = in.required_text("area", "the network area's name");
  grid.energy_eur_per_kwh =
      in.required_number("energy_ct_per_kwh", "the energy price of the grid-usage fee, ct/kWh") *
      kCent;
  grid.summer_discount = in.percent("summer_discount_percent").value_or(0);
  if (auto summer = in.number("summer_ct_per_kwh")) {
    if (in.has("summer_discount_percent")) {
      in.fail("summer_ct_per_kwh", "write either summer_ct_per_kwh or summer_discount_percent");
    }
    grid.summer_eur_per_kwh = *summer * kCent;
  }
  if (in.has("summer_season")) grid.summer_season = read_season(in, "summer_season");
  if (in.has("summer_hours")) {
    std::tie(grid.summer_from_minute, grid.summer_until_minute) = read_hours(in, "summer_hours");
  }
  grid.losses_eur_per_kwh = in.number("losses_ct_per_kwh").value_or(0) * kCent;
  grid.power_eur_per_year = in.number("power_eur_per_year").value_or(0);
  grid.metering_eur_per_month = in.number("metering_eur_per_month").value_or(0);
  grid.export_eur_per_kwh = in.number("export_ct_per_kwh").value_or(0) * kCent;
  grid.peak_eur_per_kw_month = in.number("peak_eur_per_kw_month").value_or(0);
  return grid;
}

app::Levy read_levy(const Reader& in) {
  in.allow({"from", "until", "name", "ct_per_kwh", "eur_per_year"});
  app::Levy levy;
  levy.period = read_period(in);
  levy.name = in.required_text("name", "the levy's name");
  if (!in.has("ct_per_kwh") && !in.has("eur_per_year")) {
    in.missing("ct_per_kwh", "the levy (ct_per_kwh and/or eur_per_year)");
  }
  levy.eur_per_kwh = in.number("ct_per_kwh").value_or(0) * kCent;
  levy.eur_per_year = in.number("eur_per_year").value_or(0);
  return levy;
}

// Periods of one part follow each other without overlap or gap.
template <typename Part>
void check_periods(const std::vector<Part>& parts, const std::string& place,
                   const std::string& what) {
  std::vector<const Part*> sorted;
  sorted.reserve(parts.size());
  for (const Part& part : parts) sorted.push_back(&part);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Part* a, const Part* b) {
    return a->period.from_day < b->period.from_day;
  });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    const app::Period& before = sorted[i - 1]->period;
    const app::Period& next = sorted[i]->period;
    const auto edge = [](std::int64_t day) {
      return day == std::numeric_limits<std::int64_t>::min() ||
                     day == std::numeric_limits<std::int64_t>::max()
                 ? std::string("open")
                 : app::format_day(day);
    };
    if (next.from_day < before.until_day) {
      throw Failure{next.line, place, "from",
                    what + " from " + edge(next.from_day) + " overlaps the one at line " +
                        std::to_string(before.line) + " (valid until " + edge(before.until_day) +
                        "): each day has one " + what};
    }
    if (next.from_day > before.until_day) {
      throw Failure{next.line, place, "from",
                    what + " from " + edge(next.from_day) + " leaves a gap after the one at line " +
                        std::to_string(before.line) + " (valid until " + edge(before.until_day) +
                        "): no " + what + " from " + app::format_day(before.until_day) + " to " +
                        app::format_day(next.from_day - 1)};
    }
  }
}

// The same check for parts that may run side by side under different names (fees, levies).
template <typename Part>
void check_periods_by_name(const std::vector<Part>& parts, const std::string& place,
                           const std::string& what) {
  std::map<std::string, std::vector<Part>> by_name;
  for (const Part& part : parts) by_name[part.name].push_back(part);
  for (const auto& [name, group] : by_name) check_periods(group, place, what + " \"" + name + "\"");
}

app::Tariff read_tariff(const Reader& unnamed) {
  unnamed.allow({"name", "meters", "vat_percent", "import", "feed_in", "fee", "grid", "levy"});
  app::Tariff tariff;
  tariff.line = unnamed.line();
  tariff.name = unnamed.required_text("name", "the tariff's name");
  const std::string place = unnamed.place() + " (\"" + tariff.name + "\")";
  const Reader in = unnamed.renamed(place);
  if (const toml::array* meters = in.list("meters")) {
    for (const toml::node& meter : *meters) {
      if (!meter.is_string())
        in.fail("meters", "meter ids are text in quotes, found " + type_name(meter));
      tariff.meters.emplace_back(*meter.value<std::string_view>());
    }
    if (tariff.meters.empty()) in.fail("meters", "the list is empty; leave it out for every meter");
  }
  tariff.vat = in.percent("vat_percent").value_or(0.2);
  const auto read_all = [&](std::string_view key, const char* what, auto read, auto& out) {
    const auto tables = in.tables(key);
    for (std::size_t i = 0; i < tables.size(); ++i) {
      out.push_back(read(Reader(*tables[i], place + ", " + what + " " + std::to_string(i + 1))));
    }
  };
  read_all("import", "import", read_import, tariff.imports);
  read_all("feed_in", "feed-in", read_feed_in, tariff.feed_ins);
  read_all("fee", "fee", read_fee, tariff.fees);
  read_all("grid", "grid", read_grid, tariff.grid);
  read_all("levy", "levy", read_levy, tariff.levies);
  if (tariff.imports.empty()) {
    throw Failure{tariff.line, place, "import", "missing: the import price ([[tariff.import]])"};
  }
  check_periods(tariff.imports, place, "import price");
  check_periods(tariff.feed_ins, place, "feed-in price");
  check_periods(tariff.grid, place, "grid fee table");
  check_periods_by_name(tariff.fees, place, "fee");
  check_periods_by_name(tariff.levies, place, "levy");
  return tariff;
}

std::string fingerprint(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bits
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  char out[32];
  (void)std::snprintf(out, sizeof out, "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
  return out;
}

}  // namespace

std::string TariffFileError::text() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!place.empty()) out += place + ", ";
  if (!field.empty()) out += "field '" + field + "': ";
  return out + message;
}

TariffFileResult parse_tariff_text(std::string_view text, const std::string& source) {
  TariffFileResult result;
  result.set.source = source;
  result.set.fingerprint = fingerprint(text);
  try {
    const toml::table root = toml::parse(text, source);
    const Reader top(root, "");
    top.allow({"tariff"});
    const auto tables = top.tables("tariff");
    if (tables.empty()) throw Failure{0, "", "tariff", "no [[tariff]] in the file"};
    std::set<std::string> named_meters;
    int for_all = 0;
    for (std::size_t i = 0; i < tables.size(); ++i) {
      app::Tariff tariff = read_tariff(Reader(*tables[i], "tariff " + std::to_string(i + 1)));
      const std::string place = "tariff " + std::to_string(i + 1) + " (\"" + tariff.name + "\")";
      if (tariff.meters.empty() && for_all++ > 0) {
        throw Failure{tariff.line, place, "meters",
                      "a second tariff for every meter: give one of them meters = [...]"};
      }
      for (const std::string& meter : tariff.meters) {
        if (!named_meters.insert(meter).second) {
          throw Failure{tariff.line, place, "meters",
                        "meter " + meter + " is named by an earlier tariff too"};
        }
      }
      result.set.tariffs.push_back(std::move(tariff));
    }
  } catch (const toml::parse_error& error) {
    result.error = TariffFileError{source, static_cast<int>(error.source().begin.line), "", "",
                                   "not valid TOML: " + std::string(error.description())};
  } catch (const Failure& failure) {
    result.error =
        TariffFileError{source, failure.line, failure.place, failure.field, failure.message};
  }
  if (result.error) result.set.tariffs.clear();
  return result;
}

TariffFileResult load_tariff_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    TariffFileResult result;
    result.error =
        TariffFileError{path.string(), 0, "", "", "cannot be read (missing, or no permission)"};
    return result;
  }
  std::ostringstream content;
  content << in.rdbuf();
  return parse_tariff_text(content.str(), path.string());
}

}  // namespace meter::tariff
