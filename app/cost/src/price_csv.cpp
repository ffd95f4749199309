// SPDX-License-Identifier: MIT
#include "meter/app/price_csv.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "csv_text.h"
#include "meter/app/statistics.h"
#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

// Thrown inside the parser only; parse_price_csv turns it into the outcome.
struct Refused {
  std::size_t line;
  std::string problem;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The index of the first column whose lower-case name starts with one of `prefixes` and
// contains every one of `parts`.
std::optional<std::size_t> find_column(const std::vector<std::string>& header,
                                       std::initializer_list<std::string_view> prefixes,
                                       std::initializer_list<std::string_view> parts = {}) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string name = lower(header[i]);
    const bool prefixed = std::any_of(prefixes.begin(), prefixes.end(),
                                      [&](std::string_view p) { return name.starts_with(p); });
    const bool all = std::all_of(parts.begin(), parts.end(), [&](std::string_view p) {
      return name.find(p) != std::string::npos;
    });
    if (prefixed && all) return i;
  }
  return std::nullopt;
}

// A local wall-clock time as written, with the zone when the file names it.
struct LocalStamp {
  std::int64_t local_seconds = 0;      // seconds since 1970-01-01 00:00 on the local wall clock
  std::optional<std::int64_t> offset;  // 3600 "(CET)", 7200 "(CEST)"
};

// "DD.MM.YYYY HH:MM[:SS]" or "YYYY-MM-DD[T ]HH:MM[:SS]", then optionally "(CET)" / "(CEST)" /
// "(CET/CEST)"; nullopt when it is none of these.
std::optional<LocalStamp> parse_stamp(std::string_view text) {
  text = csv::trim(text);
  unsigned year = 0;
  unsigned month = 0;
  unsigned day = 0;
  std::size_t at = 0;
  const bool german = csv::fixed_digits(text, 0, 2, day) && text.size() > 10 && text[2] == '.' &&
                      csv::fixed_digits(text, 3, 2, month) && text[5] == '.' &&
                      csv::fixed_digits(text, 6, 4, year);
  const bool iso = !german && csv::fixed_digits(text, 0, 4, year) && text.size() > 10 &&
                   text[4] == '-' && csv::fixed_digits(text, 5, 2, month) && text[7] == '-' &&
                   csv::fixed_digits(text, 8, 2, day);
  if (!german && !iso) return std::nullopt;
  at = 10;
  if (at >= text.size() || (text[at] != ' ' && text[at] != 'T')) return std::nullopt;
  ++at;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  if (!csv::fixed_digits(text, at, 2, hour) || at + 2 >= text.size() || text[at + 2] != ':' ||
      !csv::fixed_digits(text, at + 3, 2, minute)) {
    return std::nullopt;
  }
  at += 5;
  if (at < text.size() && text[at] == ':') {
    if (!csv::fixed_digits(text, at + 1, 2, second)) return std::nullopt;
    at += 3;
  }
  if (month < 1 || month > 12 || day < 1 || day > core::days_in_month(year, month) || hour > 24 ||
      minute > 59 || second > 59 || (hour == 24 && (minute != 0 || second != 0))) {
    return std::nullopt;
  }
  LocalStamp stamp;
  stamp.local_seconds = core::days_from_civil(year, month, day) * 86400 +
                        std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
  const std::string rest = lower(csv::trim(text.substr(at)));
  if (rest == "(cet)") {
    stamp.offset = 3600;
  } else if (rest == "(cest)") {
    stamp.offset = 7200;
  } else if (!rest.empty() && rest != "(cet/cest)") {
    return std::nullopt;
  }
  return stamp;
}

// The UTC instants a local time can be: one, two (the repeated hour in October) or none (the
// skipped hour in March), earliest first; with the zone given, that one if it is real.
std::vector<std::int64_t> utc_candidates(const LocalStamp& stamp) {
  std::vector<std::int64_t> out;
  for (const std::int64_t offset : {std::int64_t{7200}, std::int64_t{3600}}) {
    if (stamp.offset && *stamp.offset != offset) continue;
    const std::int64_t utc = stamp.local_seconds - offset;
    if (core::vienna_offset_seconds(utc) == offset) out.push_back(utc);
  }
  return out;
}

std::string local_text(std::int64_t utc) {
  std::string text = vienna_iso(utc);  // 2026-03-29T03:00:00+02:00
  text[10] = ' ';
  return text.substr(0, 16) + (text.ends_with("+02:00") ? " CEST" : " CET");
}

std::string wall_text(std::int64_t local_seconds) {
  const core::CivilDate date = core::civil_from_days(core::floor_div(local_seconds, 86400));
  const std::int64_t second = local_seconds - core::floor_div(local_seconds, 86400) * 86400;
  char text[40];
  (void)std::snprintf(text, sizeof text, "%04lld-%02u-%02u %02lld:%02lld",
                      static_cast<long long>(date.year), date.month, date.day,
                      static_cast<long long>(second / 3600),
                      static_cast<long long>(second / 60 % 60));
  return text;
}

// A price as written ("12.34"; with a comma in it the decimal comma: "12,34", "-1.234,56");
// nullopt when the cell is empty or says there is none ("-", "n/e", "N/A"); throws Refused when
// it is not a number.
std::optional<double> parse_price(const std::string& cell, std::size_t line,
                                  const std::string& column) {
  const std::string lowered = lower(cell);
  if (lowered.empty() || lowered == "-" || lowered == "n/e" || lowered == "n/a") {
    return std::nullopt;
  }
  const std::optional<double> value = csv::parse_decimal(cell);
  if (!value) throw Refused{line, "'" + cell + "' in column '" + column + "' is not a number"};
  return value;
}

struct Layout {
  std::string format;
  char delimiter = ',';
  std::size_t from = 0;
  std::optional<std::size_t> to;  // APG: a column of its own; ENTSO-E: "from - to" in `from`
  std::size_t price = 0;
};

std::optional<Layout> detect(std::string_view header_line, std::vector<std::string>& header) {
  Layout layout;
  layout.delimiter = header_line.find(';') != std::string_view::npos ? ';' : ',';
  header = csv::split_record(header_line, layout.delimiter);
  const auto apg_from = find_column(header, {"zeit von", "time from"});
  const auto apg_to = find_column(header, {"zeit bis", "time to"});
  const auto apg_price = find_column(header, {"preis mc", "price mc"}, {"eur/mwh"});
  if (apg_from && apg_to && apg_price) {
    layout.format = "APG";
    layout.from = *apg_from;
    layout.to = apg_to;
    layout.price = *apg_price;
    return layout;
  }
  const auto mtu = find_column(header, {"mtu", "time ("});
  const auto price = find_column(header, {"day-ahead price"}, {"eur/mwh"});
  if (mtu && price) {
    layout.format = "ENTSO-E";
    layout.from = *mtu;
    layout.price = *price;
    return layout;
  }
  return std::nullopt;
}

class Reader {
 public:
  Reader(Layout layout, std::vector<std::string> header, std::string market)
      : layout_(std::move(layout)), header_(std::move(header)), market_(std::move(market)) {}

  void row(std::size_t line, std::string_view text) {
    const std::vector<std::string> fields = csv::split_record(text, layout_.delimiter);
    const std::size_t needed = std::max({layout_.from, layout_.to.value_or(0), layout_.price}) + 1;
    if (fields.size() < needed) {
      throw Refused{line, std::to_string(fields.size()) + " column(s), the header has " +
                              std::to_string(header_.size())};
    }
    std::string from_text = fields[layout_.from];
    std::string to_text;
    if (layout_.to) {
      to_text = fields[*layout_.to];
    } else {
      const std::size_t dash = from_text.find(" - ");
      if (dash == std::string::npos) {
        throw Refused{line, "'" + from_text + "' is not an interval 'start - end'"};
      }
      to_text = from_text.substr(dash + 3);
      from_text.resize(dash);
    }
    const auto from = parse_stamp(from_text);
    const auto to = parse_stamp(to_text);
    if (!from) throw Refused{line, "'" + from_text + "' is not a date and time"};
    if (!to) throw Refused{line, "'" + to_text + "' is not a date and time"};

    const std::int64_t start = start_of(line, *from);
    // The end as written: either reading of the wall clock, the first after the start (the
    // first 02:00-03:00 of the October day ends at 03:00 summer time, which the clock never
    // shows).
    std::int64_t end = to->local_seconds - 7200;
    if (to->offset) {
      end = to->local_seconds - *to->offset;
    } else if (end <= start) {
      end = to->local_seconds - 3600;
    }
    const std::int64_t duration = end - start;
    if (duration != 900 && duration != 3600) {
      throw Refused{line, "an interval of " + std::to_string(duration / 60) +
                              " minutes; a price file has hours or quarter-hours"};
    }
    if (!step_) {
      step_ = duration;
    } else if (duration != *step_) {
      throw Refused{line, "a " + std::to_string(duration / 60) + "-minute interval in a file of " +
                              std::to_string(*step_ / 60) + "-minute intervals (wrong resolution)"};
    }
    if (start % duration != 0) {
      throw Refused{line, local_text(start) + " is not the start of a " +
                              std::to_string(duration / 60) + "-minute interval"};
    }
    if (const auto seen = lines_.find(start); seen != lines_.end()) {
      throw Refused{line, "the interval " + local_text(start) + " twice (first on line " +
                              std::to_string(seen->second) + ")"};
    }
    if (previous_ && start < *previous_) {
      throw Refused{line, local_text(start) + " comes after " + local_text(*previous_) +
                              ": the rows are not in time order"};
    }
    if (previous_ && start != *previous_ + *step_) {
      throw Refused{line, "a hole: no prices from " + local_text(*previous_ + *step_) + " to " +
                              local_text(start)};
    }
    lines_[start] = line;
    previous_ = start;

    const std::optional<double> price =
        parse_price(fields[layout_.price], line, header_[layout_.price]);
    if (!price) {
      if (!first_unpriced_) first_unpriced_ = line;
      ++unpriced_;
      return;
    }
    if (first_unpriced_) {
      throw Refused{*first_unpriced_, "a hole: no price on this line, but on line " +
                                          std::to_string(line) + " again"};
    }
    points_.push_back({market_, PriceProduct::kHour, start, *price, layout_.format + " csv"});
  }

  PriceFile finish(std::size_t last_line) {
    if (points_.empty()) throw Refused{last_line, "no prices in the file"};
    PriceFile file;
    file.format = layout_.format;
    file.product = *step_ == 900 ? PriceProduct::kQuarterHour : PriceProduct::kHour;
    for (PricePoint& point : points_) point.product = file.product;
    file.points = std::move(points_);
    file.unpriced_tail = unpriced_;
    return file;
  }

 private:
  // The row's start in UTC: the zone it names, else the first reading after the previous row.
  std::int64_t start_of(std::size_t line, const LocalStamp& stamp) {
    const std::vector<std::int64_t> candidates = utc_candidates(stamp);
    if (candidates.empty()) {
      throw Refused{line, wall_text(stamp.local_seconds) +
                              (stamp.offset ? " is not a time of that zone"
                                            : " does not exist (the clocks skip that hour)")};
    }
    if (!previous_) return candidates.front();
    for (const std::int64_t utc : candidates) {
      if (utc > *previous_) return utc;
    }
    return candidates.back();  // a duplicate or a step back: the later reading
  }

  Layout layout_;
  std::vector<std::string> header_;
  std::string market_;
  std::optional<std::int64_t> step_;
  std::optional<std::int64_t> previous_;
  std::map<std::int64_t, std::size_t> lines_;  // interval start -> line
  std::vector<PricePoint> points_;
  std::optional<std::size_t> first_unpriced_;
  std::size_t unpriced_ = 0;
};

}  // namespace

Outcome parse_price_csv(std::string_view text, const std::string& file_name,
                        const std::string& market, PriceFile& out) {
  out = {};
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  std::size_t line = 0;
  std::optional<Reader> reader;
  try {
    while (!text.empty()) {
      const std::size_t newline = text.find('\n');
      std::string_view current = text.substr(0, newline);
      text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
      ++line;
      if (!current.empty() && current.back() == '\r') current.remove_suffix(1);
      if (csv::trim(current).empty()) continue;
      if (!reader) {
        std::vector<std::string> header;
        auto layout = detect(current, header);
        if (!layout) {
          throw Refused{line,
                        "not an APG or ENTSO-E day-ahead price export (the header names no "
                        "'Zeit von'/'Time from' and 'Preis MC Auktion [EUR/MWh]' columns, nor "
                        "'MTU (CET/CEST)' and 'Day-ahead Price [EUR/MWh]')"};
        }
        reader.emplace(std::move(*layout), std::move(header), market);
        continue;
      }
      reader->row(line, current);
    }
    if (!reader) throw Refused{line, "the file is empty"};
    out = reader->finish(line);
    return Outcome::success();
  } catch (const Refused& refused) {
    out = {};
    return Outcome::failure(file_name + " line " + std::to_string(refused.line) + ": " +
                            refused.problem);
  }
}

std::string prices_csv(std::span<const PricePoint> points) {
  std::string out = "market,product,intervalStart,localStart,eurPerMWh,ctPerKWh,source\n";
  for (const PricePoint& point : points) {
    char numbers[96];
    (void)std::snprintf(numbers, sizeof numbers, "%.6g,%.6g", point.eur_per_mwh,
                        point.eur_per_mwh / 10);
    out += point.market + "," + to_string(point.product) + "," + std::to_string(point.start) + "," +
           vienna_iso(point.start) + "," + numbers + "," + point.source + "\n";
  }
  return out;
}

}  // namespace meter::app
