// SPDX-License-Identifier: MIT
// Reading the grid operator's quarter-hour export (the customer portal's CSV) into
// PortalQuarterHour rows. Pure: the caller reads the file. The format is told by the header line;
// docs/portal.md describes each format and where its layout comes from.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/portal.h"
#include "meter/app/ports.h"

namespace meter::app {

// What one known export looks like: its name (printed and stored as the rows' source), who
// publishes it and its header line.
struct PortalFormatInfo {
  const char* name;    // "netz-noe-v2"
  const char* what;    // "Netz NÖ Smart Meter Webportal, consumption (2024)"
  const char* header;  // "Messzeitpunkt;Verbrauch (kWh);Qualität"
};
std::span<const PortalFormatInfo> portal_formats();
// One line per known format ("  name: what, header \"...\""), for messages and --help.
std::string portal_formats_text();

struct PortalFile {
  std::string format;                   // PortalFormatInfo::name
  std::string metering_point;           // "AT00..." (33 characters)
  std::vector<PortalQuarterHour> rows;  // ordered by start; `meter` still empty
  std::size_t lines = 0;                // data lines read
  std::vector<std::string> problems;    // "FILE line N: ..." for each bad line
};

// Parses `text` (the file's bytes; UTF-8 with or without BOM, or Windows-1252). `file_name`
// names the file in messages and may carry the metering point (the portals name their exports
// after it); `metering_point` given (non-empty) wins over both. Fails with a message naming the
// file when the format is unknown (listing the known ones), the metering point is missing, or
// any line is bad (then `out.problems` holds every bad line, `out.rows` is empty: nothing of a
// bad file is used).
Outcome parse_portal_file(std::string_view text, const std::string& file_name,
                          const std::string& metering_point, PortalFile& out);

}  // namespace meter::app
