// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_reading_store.h"

#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <span>
#include <utility>

#include "schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::ColumnKind;
using detail::TableSpec;

constexpr unsigned kConnectTimeoutS = 3;
constexpr unsigned kReadWriteTimeoutS = 10;
// Migrating a table of the original system may rebuild years of rows: the DDL connection waits.
constexpr unsigned kSchemaTimeoutS = 3600;
constexpr std::size_t kMaxStatementBytes = 1 << 20;  // below every server's max_allowed_packet
constexpr std::size_t kPurgeChunkRows = 10000;

std::once_flag g_library_once;

// Identifiers were validated ([A-Za-z0-9_]), so quoting cannot be escaped.
std::string bq(std::string_view identifier) { return "`" + std::string(identifier) + "`"; }

const char* column_type(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kId:
      return "int(10) unsigned NOT NULL AUTO_INCREMENT";
    case ColumnKind::kBigId:
      return "bigint NOT NULL AUTO_INCREMENT";
    case ColumnKind::kTimestamp:
      return "int(10) unsigned NOT NULL DEFAULT 0";
    case ColumnKind::kCounter:
    case ColumnKind::kFrameCounter:
      return "int(10) unsigned NULL DEFAULT NULL";
    case ColumnKind::kValue:
      return "double NULL DEFAULT NULL";
    case ColumnKind::kMeter:
      return "varchar(16) NOT NULL DEFAULT ''";
    case ColumnKind::kShortText:
      return "varchar(32) NULL DEFAULT NULL";
    case ColumnKind::kBigint:
      return "bigint NULL DEFAULT NULL";
    case ColumnKind::kBigintRequired:
      return "bigint NOT NULL";
    case ColumnKind::kInt:
      return "int NULL DEFAULT NULL";
    case ColumnKind::kTag:
      return "varchar(32) NOT NULL DEFAULT ''";
    case ColumnKind::kPayload:
      return "text NOT NULL";
  }
  return "";
}

// The NULL-able form of an existing column, keeping its type (a user may have widened it);
// `double unsigned` of the original becomes `double` (deprecated, and PF can be negative).
std::string nullable_definition(const detail::ColumnSpec& column, std::string existing_type) {
  const bool plain =
      !existing_type.empty() && std::all_of(existing_type.begin(), existing_type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '(' || c == ')' || c == ',' || c == ' ';
      });
  if (!plain) return column_type(column.kind);
  if (column.kind == ColumnKind::kValue) {
    for (std::string_view word : {" unsigned", " zerofill"}) {
      if (const auto at = detail::lower(existing_type).find(word); at != std::string::npos) {
        existing_type.erase(at, word.size());
      }
    }
  }
  return existing_type + " NULL DEFAULT NULL";
}

std::string index_clause(const detail::IndexSpec& index) {
  std::string clause = std::string(index.unique ? "UNIQUE KEY " : "KEY ") + bq(index.name) + " (";
  for (std::size_t i = 0; i < index.columns.size(); ++i) {
    if (i > 0) clause += ", ";
    clause += bq(index.columns[i]);
  }
  return clause + ")";
}

class ResultSet {
 public:
  explicit ResultSet(MYSQL_RES* result) : result_(result) {}
  ResultSet(const ResultSet&) = delete;
  ResultSet& operator=(const ResultSet&) = delete;
  ~ResultSet() {
    if (result_ != nullptr) mysql_free_result(result_);
  }
  MYSQL_RES* get() const { return result_; }

 private:
  MYSQL_RES* result_;
};

// One row of a text-protocol result.
class Row {
 public:
  Row(MYSQL_ROW row, unsigned long* lengths) : row_(row), lengths_(lengths) {}

  bool null(std::size_t i) const { return row_[i] == nullptr; }
  std::string text(std::size_t i) const {
    return null(i) ? std::string() : std::string(row_[i], lengths_[i]);
  }
  std::int64_t integer(std::size_t i) const {
    std::int64_t value = 0;
    if (!null(i)) std::from_chars(row_[i], row_[i] + lengths_[i], value);
    return value;
  }
  app::OptionalValue real(std::size_t i) const {
    if (null(i)) return std::nullopt;
    double value = 0;
    const auto result = std::from_chars(row_[i], row_[i] + lengths_[i], value);
    if (result.ec != std::errc()) return std::nullopt;
    return value;
  }

 private:
  MYSQL_ROW row_;
  unsigned long* lengths_;
};

std::string error_text(MYSQL* connection) {
  return std::string(mysql_error(connection)) + " (error " +
         std::to_string(mysql_errno(connection)) + ")";
}

// "" on success, else the server's message.
std::string run(MYSQL* connection, const std::string& sql) {
  if (mysql_real_query(connection, sql.data(), sql.size()) != 0) return error_text(connection);
  // Statements here return no rows, but drain a result should one come.
  if (MYSQL_RES* result = mysql_store_result(connection); result != nullptr) {
    mysql_free_result(result);
  }
  return {};
}

// Runs a query returning rows; "" on success.
template <typename OnRow>
std::string select(MYSQL* connection, const std::string& sql, OnRow on_row) {
  if (mysql_real_query(connection, sql.data(), sql.size()) != 0) return error_text(connection);
  ResultSet result(mysql_store_result(connection));
  if (result.get() == nullptr) {
    return mysql_field_count(connection) == 0 ? "" : error_text(connection);
  }
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    on_row(Row(row, mysql_fetch_lengths(result.get())));
  }
  return {};
}

// Appends values to multi-row statements and sends each when it is full.
class StatementChunker {
 public:
  StatementChunker(MYSQL* connection, std::string head, std::string tail)
      : connection_(connection), head_(std::move(head)), tail_(std::move(tail)) {}

  // "" on success.
  std::string add(const std::string& row) {
    if (rows_ > 0 && (rows_ == detail::kRowsPerStatement ||
                      sql_.size() + row.size() + tail_.size() > kMaxStatementBytes)) {
      if (auto error = flush(); !error.empty()) return error;
    }
    if (rows_ == 0) {
      sql_ = head_;
    } else {
      sql_ += ',';
    }
    sql_ += row;
    ++rows_;
    return {};
  }

  std::string flush() {
    if (rows_ == 0) return {};
    sql_ += tail_;
    rows_ = 0;
    return run(connection_, sql_);
  }

 private:
  MYSQL* connection_;
  std::string head_;
  std::string tail_;
  std::string sql_;
  std::size_t rows_ = 0;
};

std::string upsert_tail(const std::vector<std::string>& update) {
  std::string tail = " ON DUPLICATE KEY UPDATE ";
  for (std::size_t i = 0; i < update.size(); ++i) {
    if (i > 0) tail += ',';
    // VALUES(): MariaDB has no row alias; MySQL 8 still accepts it (deprecated).
    tail += bq(update[i]) + "=VALUES(" + bq(update[i]) + ")";
  }
  return tail;
}

std::string insert_head(const std::string& table, const std::vector<std::string>& columns) {
  std::string head = "INSERT INTO " + table + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) head += ',';
    head += bq(columns[i]);
  }
  return head + ") VALUES ";
}

void append_optional(std::string& out, std::optional<double> value) {
  if (value) {
    detail::append_number(out, *value);
  } else {
    out += "NULL";
  }
}

void append_optional(std::string& out, std::optional<std::int64_t> value) {
  if (value) {
    detail::append_number(out, *value);
  } else {
    out += "NULL";
  }
}

void append_values(std::string& out,
                   const std::array<app::OptionalValue, core::kQuantityCount>& v) {
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    out += ',';
    if (i < 2) {
      append_optional(out, detail::storable_counter(v[i]));
    } else {
      append_optional(out, detail::storable(v[i]));
    }
  }
}

}  // namespace

MysqlReadingStore::MysqlReadingStore(MysqlSettings settings) : settings_(std::move(settings)) {
  invalid_ = detail::check_identifier(settings_.schema, "schema name", detail::kMaxSchemaName);
  if (invalid_.empty()) {
    invalid_ = detail::check_identifier(settings_.table, "table name", detail::kMaxTableName);
  }
}

MysqlReadingStore::~MysqlReadingStore() { close(); }

Outcome MysqlReadingStore::validate() const {
  return invalid_.empty() ? Outcome::success() : Outcome::failure(invalid_);
}

std::string MysqlReadingStore::describe() const {
  std::string where = settings_.unix_socket.empty()
                          ? (settings_.host.empty() ? "localhost" : settings_.host) + ":" +
                                std::to_string(settings_.port)
                          : settings_.unix_socket;
  return "mysql " + settings_.user + "@" + where + "/" + settings_.schema + "." + settings_.table;
}

std::string MysqlReadingStore::table_ref(std::string_view suffix) const {
  return bq(settings_.schema) + "." + bq(settings_.table + std::string(suffix));
}

std::string MysqlReadingStore::quoted(std::string_view text) {
  std::string out(2 * text.size() + 3, '\0');
  out[0] = '\'';
  const unsigned long length =
      mysql_real_escape_string(connection_, out.data() + 1, text.data(), text.size());
  out.resize(length + 1);
  out += '\'';
  return out;
}

void MysqlReadingStore::disconnect() {
  if (connection_ != nullptr) {
    mysql_close(connection_);
    connection_ = nullptr;
  }
}

Outcome MysqlReadingStore::fail(const std::string& context) {
  if (connection_ == nullptr) return Outcome::failure(context + ": not connected");
  const unsigned code = mysql_errno(connection_);
  std::string message = context + ": " + error_text(connection_);
  // The tables were dropped or replaced behind our back: check them again before the next call.
  if (code == ER_NO_SUCH_TABLE || code == ER_BAD_DB_ERROR || code == ER_BAD_FIELD_ERROR) {
    schema_ready_ = false;
  }
  disconnect();
  return Outcome::failure(std::move(message));
}

namespace {

// A new connection, or the reason there is none.
MYSQL* open_connection(const MysqlSettings& settings, unsigned read_timeout_s, std::string& error) {
  std::call_once(g_library_once, [] { mysql_library_init(0, nullptr, nullptr); });
  MYSQL* connection = mysql_init(nullptr);
  if (connection == nullptr) {
    error = "database unreachable: out of memory";
    return nullptr;
  }
  const unsigned connect_timeout = kConnectTimeoutS;
  const unsigned write_timeout = kReadWriteTimeoutS;
  const my_bool no = 0;
  const my_bool yes = 1;
  mysql_options(connection, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(connection, MYSQL_OPT_READ_TIMEOUT, &read_timeout_s);
  mysql_options(connection, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_options(connection, MYSQL_OPT_RECONNECT, &no);  // we reconnect, knowing the state
  mysql_options(connection, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (settings.tls) {
    mysql_options(connection, MYSQL_OPT_SSL_ENFORCE, &yes);
    mysql_options(connection, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
    if (!settings.tls_ca_file.empty()) {
      mysql_options(connection, MYSQL_OPT_SSL_CA, settings.tls_ca_file.c_str());
    }
  }
  const char* host = settings.host.empty() ? nullptr : settings.host.c_str();
  const char* socket = settings.unix_socket.empty() ? nullptr : settings.unix_socket.c_str();
  if (socket != nullptr) host = "localhost";
  if (mysql_real_connect(connection, host, settings.user.c_str(), settings.password.c_str(),
                         nullptr, settings.port, socket, 0) == nullptr) {
    error = "database unreachable: " + error_text(connection);
    mysql_close(connection);
    return nullptr;
  }
  return connection;
}

}  // namespace

Outcome MysqlReadingStore::connect() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (connection_ != nullptr) return Outcome::success();
  std::string error;
  connection_ = open_connection(settings_, kReadWriteTimeoutS, error);
  if (connection_ == nullptr) return Outcome::failure(std::move(error));
  return Outcome::success();
}

Outcome MysqlReadingStore::ready() {
  // A connection the server closed (restart, wait_timeout) is only noticed when used: find
  // out before the call, so that one server restart does not cost a failed batch.
  if (connection_ != nullptr && mysql_ping(connection_) != 0) disconnect();
  if (auto connected = connect(); !connected) return connected;
  if (schema_ready_) return Outcome::success();
  return ensure_schema();
}

Outcome MysqlReadingStore::open() {
  return detail::guarded(
      "open",
      [&] {
        std::lock_guard lock(mutex_);
        schema_ready_ = false;
        return ready();
      },
      [&] {
        std::lock_guard lock(mutex_);
        disconnect();
      });
}

Outcome MysqlReadingStore::ensure_schema() {
  std::string error;
  MYSQL* ddl = open_connection(settings_, kSchemaTimeoutS, error);
  if (ddl == nullptr) return Outcome::failure(std::move(error));
  struct Closer {
    MYSQL* connection;
    ~Closer() { mysql_close(connection); }
  } closer{ddl};
  const auto failed = [&](const std::string& context, const std::string& message) {
    return Outcome::failure(context + ": " + message);
  };

  // Created only when missing: a user with rights on existing tables only needs no CREATE.
  bool schema_exists = false;
  error = select(
      ddl, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='" + settings_.schema + "'",
      [&](const Row&) { schema_exists = true; });
  if (!error.empty()) return failed("checking schema " + settings_.schema, error);
  if (!schema_exists) {
    error = run(ddl, "CREATE DATABASE IF NOT EXISTS " + bq(settings_.schema) +
                         " DEFAULT CHARACTER SET utf8mb4");
    if (!error.empty()) return failed("creating schema " + settings_.schema, error);
  }

  for (const TableSpec& spec : detail::table_specs(settings_.table)) {
    const std::string table = bq(settings_.schema) + "." + bq(spec.name);
    struct Existing {
      std::string name;
      bool nullable;
      std::string type;
    };
    std::vector<Existing> existing;
    error = select(ddl,
                   "SELECT COLUMN_NAME, IS_NULLABLE, COLUMN_TYPE FROM information_schema.COLUMNS "
                   "WHERE TABLE_SCHEMA='" +
                       settings_.schema + "' AND TABLE_NAME='" + spec.name +
                       "' ORDER BY ORDINAL_POSITION",
                   [&](const Row& row) {
                     existing.push_back({row.text(0), row.text(1) == "YES", row.text(2)});
                   });
    if (!error.empty()) return failed("reading the columns of " + spec.name, error);

    if (existing.empty()) {
      std::string sql = "CREATE TABLE IF NOT EXISTS " + table + " (";
      for (const auto& column : spec.columns) {
        sql += bq(column.name) + " " + column_type(column.kind) + ", ";
      }
      if (spec.role == detail::TableRole::kRaw) {
        sql += "PRIMARY KEY (`id`)";
      } else {
        // As the original's DDL (PROTOCOL.md 1.6), so tools written for it see the same keys.
        sql += "PRIMARY KEY (`id`, `timestamp`), UNIQUE KEY `id_UNIQUE` (`id`)";
      }
      for (const auto& index : spec.indexes) sql += ", " + index_clause(index);
      sql += ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
      error = run(ddl, sql);
      if (!error.empty()) return failed("creating table " + spec.name, error);
      continue;
    }

    // Migration in place: one ALTER TABLE with everything missing, so a big table is rebuilt
    // at most once.
    std::vector<std::string> clauses;
    for (const auto& column : spec.columns) {
      const auto found = std::find_if(existing.begin(), existing.end(), [&](const Existing& e) {
        return detail::same_name(e.name, column.name);
      });
      if (found == existing.end()) {
        if (column.kind == ColumnKind::kId || column.kind == ColumnKind::kBigId) continue;
        clauses.push_back("ADD COLUMN " + bq(column.name) + " " + column_type(column.kind));
      } else if (detail::must_be_nullable(column.kind) &&
                 (!found->nullable ||
                  (column.kind == ColumnKind::kValue &&
                   detail::lower(found->type).find("unsigned") != std::string::npos))) {
        clauses.push_back("MODIFY COLUMN " + bq(found->name) + " " +
                          nullable_definition(column, found->type));
      }
    }
    std::map<std::string, detail::ExistingIndex> by_name;
    error = select(ddl,
                   "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
                   "WHERE TABLE_SCHEMA='" +
                       settings_.schema + "' AND TABLE_NAME='" + spec.name +
                       "' ORDER BY INDEX_NAME, SEQ_IN_INDEX",
                   [&](const Row& row) {
                     auto& index = by_name[row.text(0)];
                     index.unique = row.integer(1) == 0;
                     index.columns.push_back(row.text(2));
                   });
    if (!error.empty()) return failed("reading the indexes of " + spec.name, error);
    std::vector<detail::ExistingIndex> indexes;
    indexes.reserve(by_name.size());
    for (auto& [name, index] : by_name) indexes.push_back(std::move(index));
    for (const auto& index : spec.indexes) {
      if (detail::index_present(index, indexes)) continue;
      const bool name_taken = by_name.count(index.name) != 0;
      detail::IndexSpec named = index;
      if (name_taken) named.name += "_sm";
      clauses.push_back("ADD " + index_clause(named));
    }
    if (clauses.empty()) continue;
    std::string sql = "ALTER TABLE " + table + " ";
    for (std::size_t i = 0; i < clauses.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += clauses[i];
    }
    error = run(ddl, sql);
    if (!error.empty()) return failed("migrating table " + spec.name, error);
  }
  schema_ready_ = true;
  return Outcome::success();
}

Outcome MysqlReadingStore::query(const std::string& sql) {
  if (auto error = run(connection_, sql); !error.empty()) return Outcome::failure(error);
  return Outcome::success();
}

Outcome MysqlReadingStore::write(const app::StoredBatch& batch) {
  return detail::guarded(
      "write",
      [&] {
        std::lock_guard lock(mutex_);
        if (auto up = ready(); !up) return up;
        if (batch.readings.empty() && batch.raw.empty() && batch.debounced.empty() &&
            batch.debounced_if_absent.empty()) {
          return Outcome::success();
        }

        std::string error = run(connection_, "START TRANSACTION");

        if (error.empty() && !batch.readings.empty()) {
          StatementChunker chunks(connection_,
                                  insert_head(table_ref(""), detail::reading_insert_columns()),
                                  upsert_tail(detail::reading_update_columns()));
          std::string row;
          for (const auto& r : batch.readings) {
            row = "(";
            detail::append_number(row, detail::storable_timestamp(r.timestamp));
            append_values(row, r.values);
            row += ',' + quoted(detail::fit_text(r.meter, 16, 64)) + ',';
            detail::append_number(row, static_cast<std::int64_t>(r.frame_counter));
            row += ',';
            row += r.meter_time.empty() ? "NULL" : quoted(detail::fit_text(r.meter_time, 32, 128));
            row += ',';
            row +=
                r.meter_number.empty() ? "NULL" : quoted(detail::fit_text(r.meter_number, 32, 128));
            row += ',';
            detail::append_number(row, r.received_at_ms);
            row += ')';
            if (error = chunks.add(row); !error.empty()) break;
          }
          if (error.empty()) error = chunks.flush();
          if (!error.empty()) error = "readings: " + error;
        }

        // Existing rows: overwritten by `debounced`, kept for `debounced_if_absent`.
        const auto write_debounced = [&](std::span<const app::DebouncedRow> rows,
                                         const std::string& tail) {
          std::string failure;
          if (rows.empty()) return failure;
          StatementChunker chunks(
              connection_,
              insert_head(table_ref(detail::kDebouncedSuffix), detail::debounced_insert_columns()),
              tail);
          std::string row;
          for (const auto& r : rows) {
            row = "(";
            detail::append_number(row, detail::storable_timestamp(r.bucket_start));
            append_values(row, r.values);
            row += ',' + quoted(detail::fit_text(r.meter, 16, 64)) + ',';
            detail::append_number(row, r.bucket_start);
            row += ',';
            detail::append_number(row, detail::storable_int(r.samples));
            for (const auto* value :
                 {&r.power_in_min, &r.power_in_max, &r.power_out_min, &r.power_out_max}) {
              row += ',';
              append_optional(row, detail::storable(*value));
            }
            row += ')';
            if (failure = chunks.add(row); !failure.empty()) break;
          }
          if (failure.empty()) failure = chunks.flush();
          if (!failure.empty()) failure = "debounced rows: " + failure;
          return failure;
        };
        if (error.empty()) {
          error = write_debounced(batch.debounced, upsert_tail(detail::debounced_update_columns()));
        }
        if (error.empty()) {
          error = write_debounced(batch.debounced_if_absent, " ON DUPLICATE KEY UPDATE `id`=`id`");
        }

        if (error.empty() && !batch.raw.empty()) {
          StatementChunker chunks(
              connection_, insert_head(table_ref(detail::kRawSuffix), detail::raw_insert_columns()),
              " ON DUPLICATE KEY UPDATE `id`=`id`");  // archived already: keep the first row
          std::string row;
          for (const auto& r : batch.raw) {
            row = "(";
            detail::append_number(row, r.received_at_ms);
            row += ',' + quoted(detail::fit_text(r.meter, 16, 64));
            row += ',' + quoted(detail::fit_text(r.error, 32, 128));
            row += ',' + quoted(detail::fit_text(r.payload, detail::kPayloadMaxBytes,
                                                 detail::kPayloadMaxBytes));
            row += ',';
            detail::append_number(row, static_cast<std::int64_t>(r.journal_offset));
            row += ')';
            if (error = chunks.add(row); !error.empty()) break;
          }
          if (error.empty()) error = chunks.flush();
          if (!error.empty()) error = "raw telegrams: " + error;
        }

        if (error.empty()) {
          error = run(connection_, "COMMIT");
          if (!error.empty()) error = "commit: " + error;
        }
        if (!error.empty()) {
          const unsigned code = mysql_errno(connection_);
          run(connection_, "ROLLBACK");
          if (code == ER_NO_SUCH_TABLE || code == ER_BAD_DB_ERROR || code == ER_BAD_FIELD_ERROR) {
            schema_ready_ = false;
          }
          disconnect();
          return Outcome::failure("write to " + settings_.schema + "." + settings_.table +
                                  " failed: " + error);
        }
        return Outcome::success();
      },
      [&] {
        std::lock_guard lock(mutex_);
        disconnect();
      });
}

Outcome MysqlReadingStore::readings_to_debounce(std::int64_t interval_s, std::int64_t not_before,
                                                std::vector<app::Reading>& out) {
  return detail::guarded(
      "readings_to_debounce",
      [&] {
        std::lock_guard lock(mutex_);
        out.clear();
        if (auto up = ready(); !up) return up;
        std::string sql =
            "SELECT h.`meter`, h.`frame_counter`, h.`timestamp`, h.`meter_time`, h.`meter_number`, "
            "h.`received_at`";
        for (const auto& quantity : core::kQuantities) sql += ", h." + bq(quantity.key);
        sql += " FROM " + table_ref("") +
               " AS h LEFT JOIN (SELECT `meter`, MAX(`bucket_start`) AS last_bucket FROM " +
               table_ref(detail::kDebouncedSuffix) +
               " WHERE `meter` <> '' AND `bucket_start` IS NOT NULL GROUP BY `meter`) AS d"
               " ON d.`meter` = h.`meter`"
               " WHERE h.`meter` <> '' AND h.`timestamp` >= ";
        detail::append_number(sql, not_before);
        sql += " AND (d.last_bucket IS NULL OR h.`timestamp` >= d.last_bucket + ";
        detail::append_number(sql, interval_s);
        sql += ") ORDER BY h.`meter`, h.`timestamp`, h.`frame_counter`";
        const std::string error = select(connection_, sql, [&](const Row& row) {
          app::Reading reading;
          reading.meter = row.text(0);
          reading.frame_counter = static_cast<std::uint32_t>(row.integer(1));
          reading.timestamp = row.integer(2);
          reading.meter_time = row.text(3);
          reading.meter_number = row.text(4);
          reading.received_at_ms = row.integer(5);
          for (std::size_t i = 0; i < core::kQuantityCount; ++i)
            reading.values[i] = row.real(6 + i);
          out.push_back(std::move(reading));
        });
        if (!error.empty()) {
          out.clear();
          return fail("readings_to_debounce");
        }
        return Outcome::success();
      },
      [&] {
        std::lock_guard lock(mutex_);
        disconnect();
      });
}

Outcome MysqlReadingStore::raw_after(std::int64_t after_id, std::size_t limit,
                                     std::vector<app::RawTelegram>& out, std::int64_t& next_id) {
  return detail::guarded(
      "raw_after",
      [&] {
        std::lock_guard lock(mutex_);
        out.clear();
        if (auto up = ready(); !up) return up;
        std::string sql = "SELECT `id`, `received_at`, `meter`, `error`, `payload` FROM " +
                          table_ref(detail::kRawSuffix) + " WHERE `id` > ";
        detail::append_number(sql, after_id);
        sql += " ORDER BY `id` LIMIT " + std::to_string(limit);
        std::int64_t last = next_id;
        const std::string error = select(connection_, sql, [&](const Row& row) {
          last = row.integer(0);
          out.push_back({row.integer(1), row.text(4), row.text(2), row.text(3)});
        });
        if (!error.empty()) {
          out.clear();
          return fail("raw_after");
        }
        next_id = last;
        return Outcome::success();
      },
      [&] {
        std::lock_guard lock(mutex_);
        disconnect();
      });
}

Outcome MysqlReadingStore::purge_raw_before(std::int64_t received_at_ms) {
  return detail::guarded(
      "purge_raw_before",
      [&] {
        std::lock_guard lock(mutex_);
        if (auto up = ready(); !up) return up;
        // In chunks: one huge DELETE would hold locks and undo log for a long time.
        std::string sql =
            "DELETE FROM " + table_ref(detail::kRawSuffix) + " WHERE `received_at` < ";
        detail::append_number(sql, received_at_ms);
        sql += " ORDER BY `id` LIMIT " + std::to_string(kPurgeChunkRows);
        for (;;) {
          if (auto done = query(sql); !done) return fail("purge_raw_before");
          if (mysql_affected_rows(connection_) < kPurgeChunkRows) break;
        }
        return Outcome::success();
      },
      [&] {
        std::lock_guard lock(mutex_);
        disconnect();
      });
}

void MysqlReadingStore::close() {
  std::lock_guard lock(mutex_);
  disconnect();
  schema_ready_ = false;
}

}  // namespace meter::storage
