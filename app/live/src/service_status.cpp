// SPDX-License-Identifier: MIT
#include "meter/app/service_status.h"

#include <sstream>

namespace meter::app {

ErrorCounts ServiceCounters::error_counts() const {
  ErrorCounts counts{};
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = errors[i].load();
  return counts;
}

std::uint64_t ServiceCounters::total_errors() const {
  std::uint64_t total = oversized.load();
  for (const auto& count : errors) total += count.load();
  return total;
}

std::string ServiceCounters::summary() const {
  std::ostringstream out;
  out << "received " << received << ", decoded " << decoded << ", stored " << stored_readings
      << " readings and " << stored_debounced << " debounced rows";
  std::string causes;
  for (int i = 0; i < core::kDecodeErrorCount; ++i) {
    const auto count = errors[static_cast<std::size_t>(i)].load();
    if (count == 0) continue;
    causes += (causes.empty() ? "" : ", ") +
              std::string(core::error_name(static_cast<core::DecodeError>(i))) + " " +
              std::to_string(count);
  }
  if (oversized > 0)
    causes += (causes.empty() ? "" : ", ") + std::string("oversized ") + std::to_string(oversized);
  out << "; rejected: " << (causes.empty() ? "none" : causes);
  if (store_failures > 0) out << "; failed database writes " << store_failures;
  if (publish_failures > 0) out << "; values not published " << publish_failures;
  if (journal_failures > 0) {
    out << "; not journaled " << journal_failures << " (held in memory " << held
        << ", stored from memory " << stored_from_memory << ", lost " << lost << ")";
  }
  out << "; database " << (database_up ? "up" : "down");
  return out.str();
}

}  // namespace meter::app
