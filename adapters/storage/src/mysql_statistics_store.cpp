// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_statistics_store.h"

#include <mysql.h>

#include <charconv>
#include <functional>

#include "schema.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using detail::kStatsColumns;
using detail::StatsColumnKind;

constexpr unsigned kConnectTimeoutS = 3;
constexpr unsigned kReadWriteTimeoutS = 30;
constexpr std::size_t kRowsPerInsert = 500;

std::string bq(std::string_view identifier) { return "`" + std::string(identifier) + "`"; }

const char* mysql_type(StatsColumnKind kind) {
  switch (kind) {
    case StatsColumnKind::kMeter:
      return "varchar(16) NOT NULL";
    case StatsColumnKind::kLocalTime:
      return "varchar(32) NOT NULL";
    case StatsColumnKind::kTime:
      return "bigint NOT NULL";
    case StatsColumnKind::kCount:
      return "int NOT NULL";
    case StatsColumnKind::kFlag:
      return "tinyint NOT NULL";
    case StatsColumnKind::kValue:
      return "double NULL";
    case StatsColumnKind::kRatio:
      return "double NOT NULL";
  }
  return "";
}

std::string column_list() {
  std::string out;
  for (const auto& column : kStatsColumns) out += (out.empty() ? "" : ",") + bq(column.name);
  return out;
}

std::string sql_number(const app::OptionalValue& value) {
  if (!value) return "NULL";
  std::string out;
  detail::append_number(out, *value);
  return out;
}

std::optional<std::int64_t> to_int(const char* text) {
  if (text == nullptr) return std::nullopt;
  std::int64_t value = 0;
  const char* end = text + std::char_traits<char>::length(text);
  if (std::from_chars(text, end, value).ec != std::errc()) return std::nullopt;
  return value;
}

app::OptionalValue to_double(const char* text) {
  if (text == nullptr) return std::nullopt;
  double value = 0;
  const char* end = text + std::char_traits<char>::length(text);
  if (std::from_chars(text, end, value).ec != std::errc()) return std::nullopt;
  return value;
}

}  // namespace

MysqlStatisticsStore::MysqlStatisticsStore(MysqlSettings settings)
    : settings_(std::move(settings)), tables_(app::stats_table_names(settings_.table)) {
  invalid_ =
      detail::check_identifier(settings_.table, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
  if (invalid_.empty()) {
    invalid_ =
        detail::check_identifier(settings_.schema, "SMARTMETER_DB_SCHEMA", detail::kMaxSchemaName);
  }
}

MysqlStatisticsStore::~MysqlStatisticsStore() { close(); }

std::string MysqlStatisticsStore::describe() const {
  return "mysql " + settings_.host + ":" + std::to_string(settings_.port) + "/" + settings_.schema +
         " (" + tables_.quarter_hour + ", " + tables_.daily + ")";
}

Outcome MysqlStatisticsStore::fail(const std::string& context) {
  Outcome failed = Outcome::failure(
      context + ": " + (connection_ != nullptr ? mysql_error(connection_) : "not connected"));
  disconnect();  // the next call starts on a fresh connection
  return failed;
}

Outcome MysqlStatisticsStore::run(const std::string& sql) {
  if (mysql_real_query(connection_, sql.data(), sql.size()) != 0) return fail("query");
  return Outcome::success();
}

// Runs a SELECT and calls `row` for each result row (NULL columns are nullptr).
namespace {
bool select_rows(st_mysql* connection, const std::string& sql,
                 const std::function<void(MYSQL_ROW)>& row) {
  if (mysql_real_query(connection, sql.data(), sql.size()) != 0) return false;
  MYSQL_RES* result = mysql_store_result(connection);
  if (result == nullptr) return mysql_field_count(connection) == 0;
  while (MYSQL_ROW values = mysql_fetch_row(result)) row(values);
  mysql_free_result(result);
  return true;
}
}  // namespace

std::string MysqlStatisticsStore::quoted(const std::string& text) {
  std::string out(text.size() * 2 + 1, '\0');
  const unsigned long length =
      mysql_real_escape_string(connection_, out.data(), text.data(), text.size());
  out.resize(length);
  return "'" + out + "'";
}

void MysqlStatisticsStore::disconnect() {
  if (connection_ != nullptr) mysql_close(connection_);
  connection_ = nullptr;
  schema_ready_ = false;
}

Outcome MysqlStatisticsStore::ready() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (connection_ != nullptr && mysql_ping(connection_) != 0) disconnect();
  if (connection_ == nullptr) {
    connection_ = mysql_init(nullptr);
    if (connection_ == nullptr) return Outcome::failure("database unreachable: out of memory");
    const unsigned connect_timeout = kConnectTimeoutS;
    const unsigned io_timeout = kReadWriteTimeoutS;
    const my_bool yes = 1;
    mysql_options(connection_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(connection_, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(connection_, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(connection_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (settings_.tls) {
      mysql_options(connection_, MYSQL_OPT_SSL_ENFORCE, &yes);
      mysql_options(connection_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
      if (!settings_.tls_ca_file.empty()) {
        mysql_options(connection_, MYSQL_OPT_SSL_CA, settings_.tls_ca_file.c_str());
      }
    }
    const char* socket = settings_.unix_socket.empty() ? nullptr : settings_.unix_socket.c_str();
    const char* host = socket != nullptr ? "localhost" : settings_.host.c_str();
    if (mysql_real_connect(connection_, host, settings_.user.c_str(), settings_.password.c_str(),
                           nullptr, settings_.port, socket, 0) == nullptr) {
      const std::string message = mysql_error(connection_);
      disconnect();
      return Outcome::failure("database unreachable: " + message);
    }
  }
  if (schema_ready_) return Outcome::success();
  if (auto created = run("CREATE DATABASE IF NOT EXISTS " + bq(settings_.schema) +
                         " DEFAULT CHARACTER SET utf8mb4");
      !created) {
    return created;
  }
  if (mysql_select_db(connection_, settings_.schema.c_str()) != 0) return fail("use schema");
  for (const std::string& table : {tables_.quarter_hour, tables_.daily}) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + bq(table) + " (";
    for (const auto& column : kStatsColumns) {
      sql += bq(column.name) + " " + mysql_type(column.kind) + ",";
    }
    sql += "PRIMARY KEY (`meter`,`intervalStart`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    if (auto created = run(sql); !created) return created;
  }
  schema_ready_ = true;
  return Outcome::success();
}

Outcome MysqlStatisticsStore::open() {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "open statistics", [&] { return ready(); }, [&] { disconnect(); });
}

bool MysqlStatisticsStore::history_exists(Outcome& outcome) {
  bool exists = false;
  if (!select_rows(connection_,
                   "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA=" +
                       quoted(settings_.schema) + " AND TABLE_NAME=" + quoted(settings_.table),
                   [&](MYSQL_ROW) { exists = true; })) {
    outcome = fail("history table");
  }
  return exists;
}

Outcome MysqlStatisticsStore::meters(std::vector<std::string>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics meters",
      [&] {
        out.clear();
        if (auto ok = ready(); !ok) return ok;
        Outcome outcome = Outcome::success();
        if (!history_exists(outcome)) return outcome;
        // One index lookup per meter instead of a scan of all readings.
        for (std::string after;;) {
          std::optional<std::string> next;
          if (!select_rows(connection_,
                           "SELECT MIN(`meter`) FROM " + bq(settings_.table) + " WHERE `meter` > " +
                               quoted(after),
                           [&](MYSQL_ROW row) {
                             if (row[0] != nullptr) next = row[0];
                           })) {
            return fail("meters");
          }
          if (!next) break;
          after = *next;
          out.push_back(after);
        }
        return Outcome::success();
      },
      [&] { disconnect(); });
}

Outcome MysqlStatisticsStore::meters_since(std::int64_t after_id, std::vector<std::string>& out,
                                           std::vector<std::int64_t>& oldest,
                                           std::int64_t& newest_id) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics changed meters",
      [&] {
        out.clear();
        oldest.clear();
        newest_id = after_id;
        if (auto ok = ready(); !ok) return ok;
        Outcome outcome = Outcome::success();
        if (!history_exists(outcome)) return outcome;
        std::optional<std::int64_t> newest;
        if (!select_rows(connection_, "SELECT MAX(`id`) FROM " + bq(settings_.table),
                         [&](MYSQL_ROW row) {
                           if (row[0] != nullptr) newest = std::stoll(row[0]);
                         })) {
          return fail("changed meters");
        }
        if (!newest || *newest <= after_id) return Outcome::success();
        newest_id = *newest;
        // A range of the primary key: only the rows added since.
        if (!select_rows(connection_,
                         "SELECT `meter`, MIN(`timestamp`) FROM " + bq(settings_.table) +
                             " WHERE `id` > " + std::to_string(after_id) +
                             " AND `id` <= " + std::to_string(newest_id) + " GROUP BY `meter`",
                         [&](MYSQL_ROW row) {
                           if (row[0] == nullptr || row[1] == nullptr) return;
                           out.emplace_back(row[0]);
                           oldest.push_back(std::stoll(row[1]));
                         })) {
          return fail("changed meters");
        }
        return Outcome::success();
      },
      [&] { disconnect(); });
}

Outcome MysqlStatisticsStore::reading_span(
    const std::string& meter, std::optional<std::pair<std::int64_t, std::int64_t>>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics reading span",
      [&] {
        out.reset();
        if (auto ok = ready(); !ok) return ok;
        Outcome outcome = Outcome::success();
        if (!history_exists(outcome)) return outcome;
        if (!select_rows(connection_,
                         "SELECT MIN(`timestamp`), MAX(`timestamp`) FROM " + bq(settings_.table) +
                             " WHERE `meter`=" + quoted(meter),
                         [&](MYSQL_ROW row) {
                           const auto low = to_int(row[0]);
                           const auto high = to_int(row[1]);
                           if (low && high) out.emplace(*low, *high);
                         })) {
          return fail("reading span");
        }
        return Outcome::success();
      },
      [&] { disconnect(); });
}

Outcome MysqlStatisticsStore::readings(const std::string& meter, std::int64_t from,
                                       std::int64_t until, std::vector<app::Reading>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics readings",
      [&] {
        out.clear();
        if (auto ok = ready(); !ok) return ok;
        Outcome outcome = Outcome::success();
        if (!history_exists(outcome)) return outcome;
        using core::Quantity;
        const std::string sql =
            "SELECT `timestamp`,`WIn`,`WOut`,`PIn`,`POut` FROM " + bq(settings_.table) +
            " WHERE `meter`=" + quoted(meter) +
            " AND `timestamp`>=" + std::to_string(std::max<std::int64_t>(0, from)) +
            " AND `timestamp`<" + std::to_string(detail::clamp_bound(until)) +
            " ORDER BY `timestamp`";
        if (!select_rows(connection_, sql, [&](MYSQL_ROW row) {
              app::Reading& reading = out.emplace_back();
              reading.meter = meter;
              reading.timestamp = to_int(row[0]).value_or(0);
              int column = 1;
              for (const Quantity quantity : {Quantity::kEnergyImport, Quantity::kEnergyExport,
                                              Quantity::kPowerImport, Quantity::kPowerExport}) {
                reading.values[static_cast<std::size_t>(quantity)] = to_double(row[column++]);
              }
            })) {
          return fail("readings");
        }
        return Outcome::success();
      },
      [&] { disconnect(); });
}

Outcome MysqlStatisticsStore::newest_row_start(const std::string& meter,
                                               app::StatsInterval interval,
                                               std::optional<std::int64_t>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics newest row",
      [&] {
        out.reset();
        if (auto ok = ready(); !ok) return ok;
        if (!select_rows(connection_,
                         "SELECT MAX(`intervalStart`) FROM " + bq(tables_.of(interval)) +
                             " WHERE `meter`=" + quoted(meter),
                         [&](MYSQL_ROW row) { out = to_int(row[0]); })) {
          return fail("newest row");
        }
        return Outcome::success();
      },
      [&] { disconnect(); });
}

Outcome MysqlStatisticsStore::upsert(std::span<const app::StatsRow> rows) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics upsert",
      [&] {
        if (auto ok = ready(); !ok) return ok;
        if (rows.empty()) return Outcome::success();
        if (auto begun = run("START TRANSACTION"); !begun) return begun;
        std::string update;
        for (std::size_t i = 2; i < kStatsColumns.size(); ++i) {
          update += (i == 2 ? "" : ",") + bq(kStatsColumns[i].name) + "=VALUES(" +
                    bq(kStatsColumns[i].name) + ")";
        }
        for (const app::StatsInterval interval :
             {app::StatsInterval::kQuarterHour, app::StatsInterval::kDay}) {
          std::string values;
          std::size_t pending = 0;
          auto flush = [&]() -> Outcome {
            if (pending == 0) return Outcome::success();
            const std::string sql = "INSERT INTO " + bq(tables_.of(interval)) + " (" +
                                    column_list() + ") VALUES " + values +
                                    " ON DUPLICATE KEY UPDATE " + update;
            values.clear();
            pending = 0;
            return run(sql);
          };
          for (const app::StatsRow& row : rows) {
            if (row.interval != interval) continue;
            values += (pending == 0 ? "(" : ",(") + quoted(row.meter) + "," +
                      std::to_string(row.start) + "," + std::to_string(row.end) + "," +
                      quoted(app::vienna_iso(row.start));
            for (const app::OptionalValue* value : detail::stats_values(row)) {
              values += "," + sql_number(*value);
            }
            values += "," + std::to_string(row.samples) + "," + sql_number(row.coverage) + "," +
                      (row.gap ? "1" : "0") + "," + (row.complete ? "1" : "0") + ")";
            if (++pending == kRowsPerInsert) {
              if (auto written = flush(); !written) return written;
            }
          }
          if (auto written = flush(); !written) return written;
        }
        return run("COMMIT");
      },
      [&] { disconnect(); });
}

Outcome MysqlStatisticsStore::rows(const app::StatsQuery& query, std::vector<app::StatsRow>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "statistics rows",
      [&] {
        out.clear();
        if (auto ok = ready(); !ok) return ok;
        std::string sql =
            "SELECT " + column_list() + " FROM " + bq(tables_.of(query.interval)) +
            " WHERE `intervalStart`>=" + std::to_string(detail::clamp_bound(query.from)) +
            " AND `intervalStart`<" + std::to_string(detail::clamp_bound(query.until));
        if (!query.meter.empty()) sql += " AND `meter`=" + quoted(query.meter);
        sql += " ORDER BY `meter`,`intervalStart`";
        if (!select_rows(connection_, sql, [&](MYSQL_ROW values) {
              app::StatsRow& row = out.emplace_back();
              row.interval = query.interval;
              row.meter = values[0] != nullptr ? values[0] : "";
              row.start = to_int(values[1]).value_or(0);
              row.end = to_int(values[2]).value_or(0);
              int column = static_cast<int>(detail::kStatsFirstValueColumn);
              for (app::OptionalValue* value : detail::stats_values(row)) {
                *value = to_double(values[column++]);
              }
              row.samples = to_int(values[column++]).value_or(0);
              row.coverage = to_double(values[column++]).value_or(0);
              row.gap = to_int(values[column++]).value_or(0) != 0;
              row.complete = to_int(values[column++]).value_or(0) != 0;
            })) {
          return fail("rows");
        }
        return Outcome::success();
      },
      [&] { disconnect(); });
}

void MysqlStatisticsStore::close() {
  std::lock_guard lock(mutex_);
  disconnect();
}

}  // namespace meter::storage
