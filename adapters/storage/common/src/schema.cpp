// SPDX-License-Identifier: MIT
#include "schema.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "meter/core/telegram.h"

namespace meter::storage::detail {
namespace {

constexpr std::int64_t kUint32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

bool is_counter_column(std::size_t quantity) {
  const auto q = static_cast<core::Quantity>(quantity);
  return q == core::Quantity::kEnergyImport || q == core::Quantity::kEnergyExport;
}

// The original's columns in the original's order, then what this system adds.
std::vector<ColumnSpec> history_columns() {
  std::vector<ColumnSpec> columns{{"id", ColumnKind::kId}, {"timestamp", ColumnKind::kTimestamp}};
  constexpr std::size_t kOriginalValues = 11;  // WIn .. PF
  for (std::size_t i = 0; i < kOriginalValues; ++i) {
    columns.push_back({core::kQuantities[i].key,
                       is_counter_column(i) ? ColumnKind::kCounter : ColumnKind::kValue});
  }
  columns.push_back({"meter", ColumnKind::kMeter});
  columns.push_back({"frame_counter", ColumnKind::kFrameCounter});
  columns.push_back({"meter_time", ColumnKind::kShortText});
  columns.push_back({"meter_number", ColumnKind::kShortText});
  columns.push_back({"received_at", ColumnKind::kBigint});
  for (std::size_t i = kOriginalValues; i < core::kQuantityCount; ++i) {
    columns.push_back({core::kQuantities[i].key, ColumnKind::kValue});
  }
  return columns;
}

std::vector<std::string> value_columns() {
  std::vector<std::string> names;
  names.reserve(core::kQuantities.size());
  for (const auto& quantity : core::kQuantities) names.emplace_back(quantity.key);
  return names;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (length > text.size() - at) return 0;
  if (byte(at + 1) < min_second || byte(at + 1) > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

bool must_be_nullable(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kCounter:
    case ColumnKind::kValue:
    case ColumnKind::kFrameCounter:
    case ColumnKind::kShortText:
    case ColumnKind::kBigint:
    case ColumnKind::kInt:
      return true;
    default:
      return false;
  }
}

std::vector<TableSpec> table_specs(const std::string& table) {
  TableSpec history{TableRole::kHistory, table, history_columns(), {}};
  history.indexes = {{"uq_meter_frame_counter", true, {"meter", "frame_counter"}},
                     {"ix_meter_timestamp", false, {"meter", "timestamp"}},
                     {"ix_timestamp", false, {"timestamp"}}};

  TableSpec debounced{
      TableRole::kDebounced, table + std::string(kDebouncedSuffix), history_columns(), {}};
  debounced.columns.push_back({"bucket_start", ColumnKind::kBigint});
  debounced.columns.push_back({"samples", ColumnKind::kInt});
  for (const char* name : {"PInMin", "PInMax", "POutMin", "POutMax"}) {
    debounced.columns.push_back({name, ColumnKind::kValue});
  }
  debounced.indexes = {{"uq_meter_bucket_start", true, {"meter", "bucket_start"}},
                       {"ix_meter_timestamp", false, {"meter", "timestamp"}},
                       {"ix_timestamp", false, {"timestamp"}}};

  TableSpec raw{TableRole::kRaw,
                table + std::string(kRawSuffix),
                {{"id", ColumnKind::kBigId},
                 {"received_at", ColumnKind::kBigintRequired},
                 {"meter", ColumnKind::kMeter},
                 {"error", ColumnKind::kTag},
                 {"payload", ColumnKind::kPayload},
                 {"journal_offset", ColumnKind::kBigint}},
                // A journal record written again after a crash between commit and checkpoint
                // has the same (received_at, journal_offset): archived once.
                {{"ix_received_at", false, {"received_at"}},
                 {"uq_received_at_journal_offset", true, {"received_at", "journal_offset"}}}};
  return {std::move(history), std::move(debounced), std::move(raw)};
}

std::vector<std::string> reading_insert_columns() {
  std::vector<std::string> columns{"timestamp"};
  for (auto& name : value_columns()) columns.push_back(std::move(name));
  for (const char* name : {"meter", "frame_counter", "meter_time", "meter_number", "received_at"}) {
    columns.emplace_back(name);
  }
  return columns;
}

std::vector<std::string> debounced_insert_columns() {
  std::vector<std::string> columns{"timestamp"};
  for (auto& name : value_columns()) columns.push_back(std::move(name));
  for (const char* name :
       {"meter", "bucket_start", "samples", "PInMin", "PInMax", "POutMin", "POutMax"}) {
    columns.emplace_back(name);
  }
  return columns;
}

std::string quote_identifier(std::string_view name, char quote) {
  std::string out(1, quote);
  out += name;
  out += quote;
  return out;
}

std::string identifier_list(const std::vector<std::string>& names, char quote,
                            std::string_view prefix) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ',';
    out += prefix;
    out += quote_identifier(name, quote);
  }
  return out;
}

std::vector<std::string> reading_select_columns() {
  std::vector<std::string> columns{"meter",      "frame_counter", "timestamp",
                                   "meter_time", "meter_number",  "received_at"};
  for (auto& name : value_columns()) columns.push_back(std::move(name));
  return columns;
}

std::vector<std::string> raw_insert_columns() {
  return {"received_at", "meter", "error", "payload", "journal_offset"};
}

std::vector<std::string> reading_update_columns() {
  auto columns = reading_insert_columns();
  std::erase_if(columns, [](const std::string& c) { return c == "meter" || c == "frame_counter"; });
  return columns;
}

std::vector<std::string> debounced_update_columns() {
  auto columns = debounced_insert_columns();
  std::erase_if(columns, [](const std::string& c) { return c == "meter" || c == "bucket_start"; });
  return columns;
}

std::string check_identifier(std::string_view name, std::string_view setting,
                             std::size_t max_length) {
  const auto quoted = "\"" + std::string(name) + "\"";
  if (name.empty()) return std::string(setting) + " is empty";
  if (name.size() > max_length) {
    return std::string(setting) + " " + quoted + " is longer than " + std::to_string(max_length) +
           " characters";
  }
  const bool valid = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid) {
    return std::string(setting) + " " + quoted + " may only contain letters, digits and _";
  }
  return {};
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool same_name(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

bool index_present(const IndexSpec& wanted, const std::vector<ExistingIndex>& existing) {
  for (const auto& index : existing) {
    if (wanted.unique) {
      if (!index.unique || index.columns.size() != wanted.columns.size()) continue;
      const bool all = std::all_of(wanted.columns.begin(), wanted.columns.end(), [&](auto& c) {
        return std::any_of(index.columns.begin(), index.columns.end(),
                           [&](auto& have) { return same_name(c, have); });
      });
      if (all) return true;
    } else {
      if (index.columns.size() < wanted.columns.size()) continue;
      bool prefix = true;
      for (std::size_t i = 0; i < wanted.columns.size(); ++i) {
        prefix = prefix && same_name(wanted.columns[i], index.columns[i]);
      }
      if (prefix) return true;
    }
  }
  return false;
}

std::string fit_text(std::string_view text, std::size_t max_chars, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  std::size_t chars = 0;
  std::size_t at = 0;
  while (at < text.size() && chars < max_chars) {
    const std::size_t length = utf8_sequence_length(text, at);
    const std::string_view piece = length == 0 ? kReplacement : text.substr(at, length);
    if (piece.size() > max_bytes - out.size()) break;
    out += piece;
    at += length == 0 ? 1 : length;
    ++chars;
  }
  return out;
}

std::optional<double> storable(const app::OptionalValue& value) {
  if (!value || !std::isfinite(*value)) return std::nullopt;
  return *value;
}

std::optional<std::int64_t> storable_counter(const app::OptionalValue& value) {
  if (!value || !std::isfinite(*value)) return std::nullopt;
  const double rounded = std::round(*value);
  if (rounded < 0.0 || rounded > static_cast<double>(kUint32Max)) return std::nullopt;
  return static_cast<std::int64_t>(rounded);
}

std::int64_t storable_timestamp(std::int64_t timestamp) {
  return std::clamp<std::int64_t>(timestamp, 0, kUint32Max);
}

std::int64_t storable_int(std::int64_t value) {
  return std::clamp<std::int64_t>(value, -kInt32Max - 1, kInt32Max);
}

void append_number(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_number(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

}  // namespace meter::storage::detail
