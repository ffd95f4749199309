// SPDX-License-Identifier: MIT
// Local days and months for the dashboard's daily energy and monthly peak: Europe/Vienna, the
// meters' (and the statistics') civil time, whatever the host's time zone. Times are UTC epoch
// seconds. A local day is 23, 24 or 25 hours long around a daylight-saving switch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace meter::http::calendar {

std::int64_t day_start(std::int64_t t);                            // local midnight at or before t
std::int64_t add_days(std::int64_t midnight, std::int64_t days);   // midnight `days` later
std::int64_t month_start(std::int64_t t);                          // local midnight of the 1st
std::optional<std::int64_t> parse_month(const std::string& text);  // "2026-11" -> its start
std::string date_text(std::int64_t t);                             // "2026-11-28" (local)
std::string month_text(std::int64_t t);                            // "2026-11" (local)

}  // namespace meter::http::calendar
