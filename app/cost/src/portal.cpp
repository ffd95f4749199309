// SPDX-License-Identifier: MIT
#include "meter/app/portal.h"

#include <algorithm>
#include <cctype>

namespace meter::app {
namespace {

std::string joined(std::span<const std::string> items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

PortalQuarterHour merged(const PortalQuarterHour& stored, const PortalQuarterHour& incoming) {
  PortalQuarterHour out = incoming;
  for (auto member : {&PortalQuarterHour::consumption_wh, &PortalQuarterHour::grid_draw_wh,
                      &PortalQuarterHour::community_wh, &PortalQuarterHour::feed_in_wh}) {
    if (!(out.*member)) out.*member = stored.*member;
  }
  return out;
}

Outcome import_portal_rows(PortalStore& store, std::vector<PortalQuarterHour> rows,
                           const std::string& metering_point, const std::string& file_name,
                           const std::string& meter, std::span<const std::string> known_meters,
                           PortalImportResult& result) {
  result = PortalImportResult{};
  // The meter tables' rule (varchar(16) in MariaDB): system titles are 16 hex digits.
  const bool valid =
      meter.size() <= 16 && std::all_of(meter.begin(), meter.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
      });
  if (!valid) {
    return Outcome::failure("--meter '" + meter +
                            "' is not a meter id (up to 16 letters, digits, _ or -)");
  }
  std::vector<MeteringPointOfMeter> pairs;
  if (auto read = store.metering_points(pairs); !read) return read;
  std::string target = meter;
  if (target.empty()) {
    for (const MeteringPointOfMeter& pair : pairs) {
      if (pair.metering_point == metering_point) target = pair.meter;
    }
  }
  if (target.empty()) {
    if (known_meters.size() == 1) {
      target = known_meters.front();
    } else if (known_meters.empty()) {
      return Outcome::failure(file_name +
                              ": the service has no readings of any meter yet; say "
                              "which meter the file belongs to with --meter ID");
    } else {
      return Outcome::failure(
          file_name + ": the service knows " + std::to_string(known_meters.size()) + " meters (" +
          joined(known_meters) + "); say which one the file belongs to with --meter ID");
    }
  }
  for (const MeteringPointOfMeter& pair : pairs) {
    if (pair.meter == target && pair.metering_point != metering_point) {
      return Outcome::failure(file_name + " is for metering point " + metering_point +
                              ", but meter " + target + " was imported from metering point " +
                              pair.metering_point +
                              " before: refused, nothing imported (a file of another "
                              "installation? pass the right --meter)");
    }
    if (pair.metering_point == metering_point && pair.meter != target) {
      return Outcome::failure(file_name + ": metering point " + metering_point +
                              " belongs to meter " + pair.meter + " (imported before), not to " +
                              target + ": refused, nothing imported");
    }
  }
  for (PortalQuarterHour& row : rows) row.meter = target;
  result.meter = target;
  result.rows = rows.size();
  return store.store(rows, result.changed);
}

}  // namespace meter::app
