// SPDX-License-Identifier: MIT
// What both storage adapters agree on: the three tables' columns and keys, the names the
// settings may give them, and how values are made storable. Dialect-specific SQL lives in each
// adapter.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meter/app/ports.h"
#include "meter/app/reading.h"

namespace meter::storage::detail {

enum class ColumnKind : std::uint8_t {
  kId,              // int unsigned auto-increment (history, debounced)
  kBigId,           // bigint auto-increment primary key (raw)
  kTimestamp,       // int unsigned NOT NULL DEFAULT 0, as in the original
  kCounter,         // int unsigned NULL: WIn, WOut (Wh), as in the original but NULL-able
  kValue,           // double NULL
  kMeter,           // varchar(16) NOT NULL DEFAULT ''
  kFrameCounter,    // int unsigned NULL
  kShortText,       // varchar(32) NULL
  kBigint,          // bigint NULL
  kBigintRequired,  // bigint NOT NULL
  kInt,             // int NULL
  kTag,             // varchar(32) NOT NULL DEFAULT ''
  kPayload,         // text NOT NULL
};

// Kinds that must accept NULL; an existing NOT NULL column of such a kind is migrated.
bool must_be_nullable(ColumnKind kind);

struct ColumnSpec {
  std::string name;
  ColumnKind kind;
};

struct IndexSpec {
  std::string name;  // MySQL index name; SQLite prefixes the table name
  bool unique = false;
  std::vector<std::string> columns;
};

enum class TableRole : std::uint8_t { kHistory, kDebounced, kRaw };

struct TableSpec {
  TableRole role;
  std::string name;
  std::vector<ColumnSpec> columns;
  std::vector<IndexSpec> indexes;  // besides the primary key
};

inline constexpr std::string_view kDebouncedSuffix = "Debounced";
inline constexpr std::string_view kRawSuffix = "Raw";
inline constexpr std::size_t kMaxTableName = 64 - kDebouncedSuffix.size();
inline constexpr std::size_t kMaxSchemaName = 64;
inline constexpr std::size_t kRowsPerStatement = 500;

std::vector<TableSpec> table_specs(const std::string& table);

// Columns written by an insert, in this order, after the leading `timestamp` and the 15 values.
inline constexpr std::size_t kValueColumn0 = 1;       // index of WIn in the insert column lists
std::vector<std::string> reading_insert_columns();    // timestamp, WIn..QOut, meter, ...
std::vector<std::string> debounced_insert_columns();  // timestamp, WIn..QOut, meter, ...
// received_at, meter, error, payload, journal_offset
std::vector<std::string> raw_insert_columns();
// Columns an upsert overwrites: all inserted ones but the unique key's.
std::vector<std::string> reading_update_columns();
std::vector<std::string> debounced_update_columns();

// Shared SQL text. Identifiers were validated ([A-Za-z0-9_]), so quoting cannot be escaped:
// `quote` is '"' for SQLite and '`' for MySQL.
std::string quote_identifier(std::string_view name, char quote);
// The quoted names joined by ',', each after `prefix` (e.g. "h.").
std::string identifier_list(const std::vector<std::string>& names, char quote,
                            std::string_view prefix = {});
// What the debounce refresh selects: meter, frame_counter, timestamp, meter_time, meter_number,
// received_at, then WIn..QOut.
std::vector<std::string> reading_select_columns();
inline constexpr std::size_t kReadingSelectValue0 = 6;

// History queries: buckets of power (mean and peak) and of counters (first and last).
inline constexpr const char* kPowerAggregates = "AVG(PIn), MAX(PIn), AVG(POut), MAX(POut)";
inline constexpr const char* kCounterAggregates = "MIN(WIn), MAX(WIn), MIN(WOut), MAX(WOut)";
inline constexpr const char* kPhaseAggregates =
    "AVG(U1), AVG(U2), AVG(U3), AVG(I1), AVG(I2), AVG(I3)";
inline constexpr std::size_t kMaxMeters = 64;  // meters a history query lists

// "" when `name` is a usable identifier, else what is wrong with it (for `setting`).
std::string check_identifier(std::string_view name, std::string_view setting,
                             std::size_t max_length);

// Case-insensitive ASCII comparison (MySQL and SQLite column names are case-insensitive).
bool same_name(std::string_view a, std::string_view b);
std::string lower(std::string_view text);

// An index that serves `wanted`: a unique one needs exactly its columns (in any order), a plain
// one is served by any index that starts with its columns.
struct ExistingIndex {
  bool unique = false;
  std::vector<std::string> columns;
};
bool index_present(const IndexSpec& wanted, const std::vector<ExistingIndex>& existing);

// Valid UTF-8 (invalid bytes become U+FFFD), cut to at most `max_chars` code points, and to
// `max_bytes` bytes, at a character boundary.
std::string fit_text(std::string_view text, std::size_t max_chars, std::size_t max_bytes);
inline constexpr std::size_t kPayloadMaxBytes = 65535;  // MySQL `text`

// NULL for an absent or non-finite value (neither engine stores NaN; MySQL rejects infinity).
std::optional<double> storable(const app::OptionalValue& value);
// WIn/WOut go into `int unsigned`: rounded to whole Wh; NULL outside 0..4294967295, so one
// implausible decoding cannot make the whole batch fail in strict SQL mode.
std::optional<std::int64_t> storable_counter(const app::OptionalValue& value);
// `timestamp` is int unsigned NOT NULL: clamped to 0..4294967295.
std::int64_t storable_timestamp(std::int64_t timestamp);
std::int64_t storable_int(std::int64_t value);  // clamped to the int range (samples)

// Shortest text that reads back as the same double (std::to_chars).
void append_number(std::string& out, double value);
void append_number(std::string& out, std::int64_t value);

// Runs `body` and turns an exception (out of memory, a library bug) into a failure, so that
// none leaves the adapter; `on_exception` may reset state the body left half done.
template <typename Body, typename Cleanup = void (*)()>
app::Outcome guarded(
    const char* operation, Body&& body, Cleanup&& on_exception = [] {}) noexcept {
  try {
    return body();
  } catch (const std::exception& error) {
    try {
      on_exception();
      return app::Outcome::failure(std::string(operation) + ": " + error.what());
    } catch (...) {
      return app::Outcome{false, {}};
    }
  } catch (...) {
    try {
      on_exception();
      return app::Outcome::failure(std::string(operation) + ": unknown exception");
    } catch (...) {
      return app::Outcome{false, {}};
    }
  }
}

}  // namespace meter::storage::detail
