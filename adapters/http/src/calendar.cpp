// SPDX-License-Identifier: MIT
#include "meter/http/calendar.h"

#include <cstdio>

#include "meter/core/civil_time.h"

namespace meter::http::calendar {

std::int64_t day_start(std::int64_t t) {
  return core::vienna_day_start_utc(core::vienna_local_day(t));
}

std::int64_t add_days(std::int64_t midnight, std::int64_t days) {
  return core::vienna_day_start_utc(core::vienna_local_day(midnight) + days);
}

std::int64_t month_start(std::int64_t t) {
  return core::vienna_month_start_utc(core::vienna_month_index(t));
}

std::optional<std::int64_t> parse_month(const std::string& text) {
  int year = 0;
  int month = 0;
  char tail = 0;
  if (text.size() != 7 || text[4] != '-' ||
      // Widths 4 and 2 cannot overflow; the range checks reject the rest.
      // NOLINTNEXTLINE(cert-err34-c)
      std::sscanf(text.c_str(), "%4d-%2d%c", &year, &month, &tail) != 2 || year < 1970 ||
      year > 9999 || month < 1 || month > 12) {
    return std::nullopt;
  }
  return core::vienna_month_start_utc(std::int64_t{year} * 12 + month - 1);
}

std::string date_text(std::int64_t t) {
  const core::CivilDate date = core::vienna_local_time(t).date;
  char text[48];
  (void)std::snprintf(text, sizeof text, "%04lld-%02u-%02u", static_cast<long long>(date.year),
                      date.month, date.day);
  return text;
}

std::string month_text(std::int64_t t) { return date_text(t).substr(0, 7); }

}  // namespace meter::http::calendar
