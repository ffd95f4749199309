// SPDX-License-Identifier: MIT
// The layouts below are those of the exports users load into public tools; sources:
// - Netz NÖ Smart Meter Webportal (smartmeter.netz-noe.at), consumption and feed-in exports:
//   the format table of awattar-backtesting (github.com/awattar-backtesting/
//   awattar-backtesting.github.io, docs/netzbetreiber.js: "Gemessener Verbrauch (kWh)" with
//   "Ersatzwert", "Verbrauch (kWh)" with "Qualität", "Verbrauch (kWh)" alone, "Restnetzbezug
//   (kWh)" and "Eigendeckung (kWh)" for energy-community members, "Gemessene Menge (kWh)" and
//   "Einspeisung (kWh)" for feed-in; "Messzeitpunkt" stamps the end of the quarter-hour, e.g.
//   "10.11.2023 00:15" for 00:00-00:15 and "11.11.2023 00:00" for the day's last one).
// - Wiener Netze Smart Meter portal, "QuarterHourValues" export: "Datum;Zeit von;Zeit bis;
//   <metering point> - Verbrauch [kWh]" (the same table, WienerNetze entries, and public
//   importers of that file); "Zeit von" is the start of the quarter-hour.
// Numbers are kWh with a decimal comma; times are Europe/Vienna local time.
#include "meter/app/portal_file.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "csv_text.h"
#include "meter/core/civil_time.h"

namespace meter::app {
namespace {

constexpr std::int64_t kQuarterHour = 900;
constexpr std::size_t kMaxProblems = 20;  // listed in the message; all are counted

enum class Clock : std::uint8_t { kEnd, kStart };  // what the file's time stamps mark

enum Field : std::uint8_t { kConsumption, kGridDraw, kCommunity, kFeedIn, kFieldCount };

constexpr std::array<PortalFormatInfo, 8> kFormats{{
    {"netz-noe-v1", "Netz NÖ Smart Meter Webportal, consumption (first version)",
     "Messzeitpunkt;Gemessener Verbrauch (kWh);Ersatzwert"},
    {"netz-noe-community",
     "Netz NÖ Smart Meter Webportal, consumption of an energy-community member",
     "Messzeitpunkt;Verbrauch (kWh);Qualität;Restnetzbezug (kWh);Eigendeckung (kWh)"},
    {"netz-noe-v2", "Netz NÖ Smart Meter Webportal, consumption",
     "Messzeitpunkt;Verbrauch (kWh);Qualität"},
    {"netz-noe-v3", "Netz NÖ Smart Meter Webportal, consumption (no quality column)",
     "Messzeitpunkt;Verbrauch (kWh)"},
    {"netz-noe-feed-in-v1", "Netz NÖ Smart Meter Webportal, feed-in (first version)",
     "Messzeitpunkt;Gemessene Menge (kWh)"},
    {"netz-noe-feed-in", "Netz NÖ Smart Meter Webportal, feed-in",
     "Messzeitpunkt;Einspeisung (kWh);Qualität[;Gemeinschaftsüberschuss (kWh);...]"},
    {"wiener-netze", "Wiener Netze Smart Meter portal, consumption (quarter-hour values)",
     "Datum;Zeit von;Zeit bis;AT00... - Verbrauch [kWh]"},
    {"wiener-netze-feed-in", "Wiener Netze Smart Meter portal, feed-in (quarter-hour values)",
     "Datum;Zeit von;Zeit bis;AT00... - Einspeiser [kWh]"},
}};

// Where a detected format finds its fields.
struct Layout {
  std::size_t format = 0;
  Clock clock = Clock::kEnd;
  std::size_t date_column = 0;
  std::optional<std::size_t> time_column;  // a separate time column (Wiener Netze)
  std::array<std::optional<std::size_t>, kFieldCount> fields{};
  std::vector<std::string> names;  // the header's column names, for messages
};

// A line's cells (';', quotes removed), without the empty ones a trailing ';' leaves.
std::vector<std::string> cells_of(std::string_view line) {
  std::vector<std::string> cells = csv::split_record(line, ';');
  while (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t more = 0;
    if (c < 0x80) {
      more = 0;
    } else if ((c & 0xE0) == 0xC0) {
      more = 1;
    } else if ((c & 0xF0) == 0xE0) {
      more = 2;
    } else if ((c & 0xF8) == 0xF0) {
      more = 3;
    } else {
      return false;
    }
    if (more != 0 && i + more >= text.size()) return false;
    for (std::size_t k = 1; k <= more; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += more + 1;
  }
  return true;
}

// Windows-1252 (Latin-1 for the letters that matter here) to UTF-8.
std::string latin1_to_utf8(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string find_metering_point(std::string_view text) {
  for (std::size_t i = 0; i + 33 <= text.size(); ++i) {
    if (text[i] != 'A' || text[i + 1] != 'T') continue;
    const bool digits = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i) + 2,
                                    text.begin() + static_cast<std::ptrdiff_t>(i) + 33,
                                    [](char c) { return c >= '0' && c <= '9'; });
    const bool ends = i + 33 == text.size() || text[i + 33] < '0' || text[i + 33] > '9';
    if (digits && ends) return std::string(text.substr(i, 33));
  }
  return {};
}

std::optional<std::size_t> column(const std::vector<std::string>& names, std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> column_containing(const std::vector<std::string>& names,
                                             std::string_view part) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (contains(names[i], part)) return i;
  }
  return std::nullopt;
}

std::size_t format_index(std::string_view name) {
  for (std::size_t i = 0; i < kFormats.size(); ++i) {
    if (name == kFormats[i].name) return i;
  }
  return 0;
}

std::optional<Layout> detect(const std::vector<std::string>& names) {
  Layout layout;
  layout.names = names;
  if (names.empty()) return std::nullopt;
  const auto with = [&](const char* format, Field field, std::optional<std::size_t> at) {
    layout.format = format_index(format);
    layout.fields[field] = at;
    return std::optional<Layout>(layout);
  };
  if (names[0] == "Messzeitpunkt") {
    layout.clock = Clock::kEnd;
    const auto quality = column_containing(names, "Qualit");
    if (auto at = column(names, "Gemessener Verbrauch (kWh)")) {
      return with("netz-noe-v1", kConsumption, at);
    }
    const auto consumption = column(names, "Verbrauch (kWh)");
    const auto grid = column(names, "Restnetzbezug (kWh)");
    const auto community = column(names, "Eigendeckung (kWh)");
    if (consumption && grid && community) {
      layout.fields[kGridDraw] = grid;
      layout.fields[kCommunity] = community;
      return with("netz-noe-community", kConsumption, consumption);
    }
    if (consumption && quality) return with("netz-noe-v2", kConsumption, consumption);
    if (consumption && names.size() == 2) return with("netz-noe-v3", kConsumption, consumption);
    if (auto at = column(names, "Gemessene Menge (kWh)")) {
      return with("netz-noe-feed-in-v1", kFeedIn, at);
    }
    if (auto at = column(names, "Einspeisung (kWh)")) return with("netz-noe-feed-in", kFeedIn, at);
    return std::nullopt;
  }
  if (names.size() >= 4 && names[0] == "Datum" && names[1] == "Zeit von" &&
      names[2] == "Zeit bis") {
    layout.clock = Clock::kStart;
    layout.time_column = 1;
    if (auto at = column_containing(names, "Verbrauch [kWh]")) {
      return with("wiener-netze", kConsumption, at);
    }
    if (auto at = column_containing(names, "Einspeiser [kWh]")) {
      return with("wiener-netze-feed-in", kFeedIn, at);
    }
  }
  return std::nullopt;
}

// "DD.MM.YYYY" -> day number.
std::optional<std::int64_t> parse_date(std::string_view text) {
  int day = 0;
  int month = 0;
  int year = 0;
  if (text.size() != 10 || text[2] != '.' || text[5] != '.' ||
      !csv::fixed_digits(text, 0, 2, day) || !csv::fixed_digits(text, 3, 2, month) ||
      !csv::fixed_digits(text, 6, 4, year) || month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > core::days_in_month(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  return core::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

// "HH:MM" or "HH:MM:SS" -> seconds of the day (24:00 allowed: the end of the day).
std::optional<std::int64_t> parse_time(std::string_view text) {
  int hour = 0;
  int minute = 0;
  int second = 0;
  if ((text.size() != 5 && text.size() != 8) || text[2] != ':' ||
      !csv::fixed_digits(text, 0, 2, hour) || !csv::fixed_digits(text, 3, 2, minute)) {
    return std::nullopt;
  }
  if (text.size() == 8 && (text[5] != ':' || !csv::fixed_digits(text, 6, 2, second)))
    return std::nullopt;
  if (minute > 59 || second > 59 || hour > 24 || (hour == 24 && (minute != 0 || second != 0))) {
    return std::nullopt;
  }
  return hour * 3600 + minute * 60 + second;
}

// A kWh figure with a decimal comma ("0,228000"; a dot is read as a decimal point when there is
// no comma) -> Wh. Empty: nullopt (the operator has no value yet).
bool parse_kwh(std::string_view text, OptionalValue& wh) {
  wh.reset();
  if (text.empty()) return true;
  const std::optional<double> kwh = csv::parse_decimal(text);
  if (!kwh || *kwh < 0) return false;
  wh = std::round(*kwh * 1e6) / 1e3;  // Wh, exact to the file's 1e-6 kWh
  return true;
}

// The UTC instant of a local wall-clock time, after `previous` where the wall clock repeats (the
// October night's 02:00-03:00 comes twice: the second time is winter time).
std::int64_t instant_after(std::int64_t local, std::optional<std::int64_t> previous) {
  const std::int64_t first = core::vienna_local_to_utc(local);
  if (previous && first <= *previous) {
    const std::int64_t second = first + 3600;
    const core::LocalTime wall = core::vienna_local_time(second);
    if (wall.day * 86400 + wall.second_of_day == local) return second;
  }
  return first;
}

std::string local_text(std::int64_t utc) {
  const core::LocalTime t = core::vienna_local_time(utc);
  char text[40];
  (void)std::snprintf(
      text, sizeof text, "%02u.%02u.%04lld %02lld:%02lld %s", t.date.day, t.date.month,
      static_cast<long long>(t.date.year), static_cast<long long>(t.second_of_day / 3600),
      static_cast<long long>(t.second_of_day / 60 % 60), t.offset_seconds == 7200 ? "CEST" : "CET");
  return text;
}

const char* field_name(Field field) {
  switch (field) {
    case kConsumption:
      return "consumption";
    case kGridDraw:
      return "remaining grid draw";
    case kCommunity:
      return "community coverage";
    case kFeedIn:
      return "feed-in";
    case kFieldCount:
      break;
  }
  return "";
}

}  // namespace

std::span<const PortalFormatInfo> portal_formats() { return kFormats; }

std::string portal_formats_text() {
  std::string out;
  for (const PortalFormatInfo& format : kFormats) {
    out += std::string("  ") + format.name + ": " + format.what + "; header \"" + format.header +
           "\"\n";
  }
  return out;
}

Outcome parse_portal_file(std::string_view text, const std::string& file_name,
                          const std::string& metering_point, PortalFile& out) {
  out = PortalFile{};
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::string converted;
  if (!valid_utf8(text)) {
    converted = latin1_to_utf8(text);
    text = converted;
  }

  // The header: the first line of a known layout among the first few (some exports put a title
  // line above it).
  std::optional<Layout> layout;
  std::size_t line_number = 0;
  std::string_view rest = text;
  std::string first_line;
  const auto next_line = [&rest]() {
    const std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
  };
  while (!layout && !rest.empty() && line_number < 5) {
    const std::string_view line = next_line();
    ++line_number;
    if (first_line.empty()) first_line = std::string(line.substr(0, 120));
    layout = detect(cells_of(line));
  }
  if (!layout) {
    return Outcome::failure(file_name + ": not a known portal export (first line \"" + first_line +
                            "\"). Known formats:\n" + portal_formats_text());
  }
  const PortalFormatInfo& format = kFormats[layout->format];
  out.format = format.name;

  out.metering_point = metering_point;
  if (out.metering_point.empty()) {
    for (const std::string& name : layout->names) {
      if (out.metering_point.empty()) out.metering_point = find_metering_point(name);
    }
  }
  if (out.metering_point.empty()) out.metering_point = find_metering_point(file_name);
  if (out.metering_point.empty()) {
    return Outcome::failure(file_name +
                            ": no metering point (Zählpunkt, \"AT\" and 31 digits) in the file's "
                            "name or header; keep the name the portal gave the file or pass "
                            "--metering-point AT...");
  }
  if (out.metering_point.size() != 33 || !out.metering_point.starts_with("AT")) {
    return Outcome::failure(file_name + ": '" + out.metering_point +
                            "' is not a metering point (\"AT\" and 31 digits)");
  }

  std::size_t problem_count = 0;
  const auto problem = [&](std::size_t line, const std::string& what) {
    ++problem_count;
    if (out.problems.size() < kMaxProblems) {
      out.problems.push_back(file_name + " line " + std::to_string(line) + ": " + what);
    }
  };

  std::map<std::int64_t, std::size_t> line_of_start;
  std::optional<std::int64_t> previous_stamp;
  std::optional<std::int64_t> previous_start;
  const std::string source = file_name + " (" + format.name + ")";
  while (!rest.empty()) {
    const std::string_view line = next_line();
    ++line_number;
    if (csv::trim(line).empty()) continue;
    const std::vector<std::string> cells = cells_of(line);
    if (cells.empty()) continue;
    ++out.lines;
    const std::size_t needed = [&] {
      std::size_t n = layout->date_column + 1;
      if (layout->time_column) n = std::max(n, *layout->time_column + 1);
      return n;
    }();
    if (cells.size() < needed) {
      problem(line_number, "too few fields (" + std::to_string(cells.size()) + ")");
      continue;
    }
    // The time stamp: "DD.MM.YYYY HH:MM" in one column, or date and time in two.
    std::string_view date_text = cells[layout->date_column];
    std::string_view time_text;
    if (layout->time_column) {
      time_text = cells[*layout->time_column];
    } else {
      const std::size_t space = date_text.find(' ');
      time_text =
          space == std::string_view::npos ? std::string_view() : csv::trim(date_text.substr(space));
      date_text = date_text.substr(0, space);
    }
    const auto day = parse_date(date_text);
    const auto second = parse_time(time_text);
    if (!day || !second) {
      problem(line_number, "'" + std::string(cells[layout->date_column]) +
                               (layout->time_column ? " " + std::string(time_text) : "") +
                               "' in column " + layout->names[layout->date_column] +
                               " is not a time DD.MM.YYYY HH:MM");
      continue;
    }
    const std::int64_t stamp = instant_after(*day * 86400 + *second, previous_stamp);
    const std::int64_t start = layout->clock == Clock::kEnd ? stamp - kQuarterHour : stamp;
    if (start % kQuarterHour != 0) {
      problem(line_number, "'" + std::string(time_text) + "' is not on a quarter-hour");
      continue;
    }
    PortalQuarterHour row;
    row.metering_point = out.metering_point;
    row.start = start;
    row.source = source;
    if (const auto seen = line_of_start.find(start); seen != line_of_start.end()) {
      problem(line_number, "the quarter-hour from " + local_text(start) +
                               " appears a second time (first on line " +
                               std::to_string(seen->second) + ")");
      continue;
    }
    if (previous_start && start < *previous_start) {
      problem(line_number, "the quarter-hour from " + local_text(start) +
                               " comes after the one from " + local_text(*previous_start) +
                               ": the rows are not in time order");
      continue;
    }
    if (previous_start && start > *previous_start + kQuarterHour) {
      const std::int64_t missing = (start - *previous_start) / kQuarterHour - 1;
      problem(line_number, std::to_string(missing) + " quarter-hour(s) missing from " +
                               local_text(*previous_start + kQuarterHour) + " to " +
                               local_text(start) + " (a hole in the file)");
    }
    line_of_start[start] = line_number;
    previous_stamp = stamp;
    previous_start = start;
    bool good = true;
    for (std::size_t f = 0; f < kFieldCount; ++f) {
      const auto at = layout->fields[f];
      if (!at) continue;
      const std::string_view cell = *at < cells.size() ? cells[*at] : std::string_view();
      OptionalValue* target = f == kConsumption ? &row.consumption_wh
                              : f == kGridDraw  ? &row.grid_draw_wh
                              : f == kCommunity ? &row.community_wh
                                                : &row.feed_in_wh;
      if (!parse_kwh(cell, *target)) {
        problem(line_number, "'" + std::string(cell) + "' in column " + layout->names[*at] + " (" +
                                 field_name(static_cast<Field>(f)) +
                                 ") is not a number of kWh such as 0,125");
        good = false;
      }
    }
    if (!good) continue;  // counted; its time still keeps the sequence for the next lines
    if (row.consumption_wh && row.grid_draw_wh && row.community_wh &&
        std::fabs(*row.grid_draw_wh + *row.community_wh - *row.consumption_wh) > 0.5) {
      problem(line_number,
              "remaining grid draw (" + std::string(cells[*layout->fields[kGridDraw]]) +
                  ") and community coverage (" + std::string(cells[*layout->fields[kCommunity]]) +
                  ") do not add up to the consumption (" +
                  std::string(cells[*layout->fields[kConsumption]]) + ")");
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  if (problem_count > 0) {
    out.rows.clear();
    std::string message =
        file_name + ": " + std::to_string(problem_count) + " bad line(s), nothing imported:";
    for (const std::string& text_line : out.problems) message += "\n  " + text_line;
    if (problem_count > out.problems.size()) {
      message += "\n  ... and " + std::to_string(problem_count - out.problems.size()) + " more";
    }
    return Outcome::failure(message);
  }
  if (out.rows.empty()) return Outcome::failure(file_name + ": no quarter-hours after the header");
  return Outcome::success();
}

}  // namespace meter::app
