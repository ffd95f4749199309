// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_history_query.h"

#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "schema.h"

namespace meter::storage {
namespace {

using app::Outcome;

constexpr unsigned kConnectTimeoutS = 3;
constexpr unsigned kReadTimeoutS = 10;
constexpr std::size_t kMaxMeters = 64;

std::once_flag g_init_once;

app::OptionalValue number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc()) return std::nullopt;
  return value;
}

std::int64_t integer(const std::optional<std::string>& text) {
  std::int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

}  // namespace

MysqlHistoryQuery::MysqlHistoryQuery(MysqlSettings settings) : settings_(std::move(settings)) {
  invalid_ =
      detail::check_identifier(settings_.schema, "SMARTMETER_DB_SCHEMA", detail::kMaxSchemaName);
  if (invalid_.empty()) {
    invalid_ =
        detail::check_identifier(settings_.table, "SMARTMETER_DB_TABLE", detail::kMaxTableName);
  }
  table_ref_ = "`" + settings_.schema + "`.`" + settings_.table + "`";
}

MysqlHistoryQuery::~MysqlHistoryQuery() { disconnect(); }

void MysqlHistoryQuery::disconnect() {
  if (connection_ != nullptr) mysql_close(connection_);
  connection_ = nullptr;
}

Outcome MysqlHistoryQuery::connect() {
  if (!invalid_.empty()) return Outcome::failure(invalid_);
  if (connection_ != nullptr && mysql_ping(connection_) == 0) return Outcome::success();
  disconnect();
  std::call_once(g_init_once, [] { mysql_library_init(0, nullptr, nullptr); });
  MYSQL* connection = mysql_init(nullptr);
  if (connection == nullptr) return Outcome::failure("database unreachable: out of memory");
  const unsigned connect_timeout = kConnectTimeoutS;
  const unsigned read_timeout = kReadTimeoutS;
  const my_bool on = 1;
  const my_bool off = 0;
  mysql_options(connection, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(connection, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_options(connection, MYSQL_OPT_RECONNECT, &off);
  mysql_options(connection, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (settings_.tls) {
    mysql_options(connection, MYSQL_OPT_SSL_ENFORCE, &on);
    mysql_options(connection, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    if (!settings_.tls_ca_file.empty()) {
      mysql_options(connection, MYSQL_OPT_SSL_CA, settings_.tls_ca_file.c_str());
    }
  }
  const bool by_socket = !settings_.unix_socket.empty();
  if (mysql_real_connect(connection, by_socket ? "localhost" : settings_.host.c_str(),
                         settings_.user.c_str(), settings_.password.c_str(), nullptr,
                         settings_.port, by_socket ? settings_.unix_socket.c_str() : nullptr,
                         0) == nullptr) {
    std::string message = "database unreachable: " + std::string(mysql_error(connection));
    mysql_close(connection);
    return Outcome::failure(std::move(message));
  }
  connection_ = connection;
  return Outcome::success();
}

std::string MysqlHistoryQuery::quoted(const std::string& text) {
  std::string out(2 * text.size() + 1, '\0');
  const unsigned long length =
      mysql_real_escape_string(connection_, out.data(), text.data(), text.size());
  out.resize(length);
  return "'" + out + "'";
}

Outcome MysqlHistoryQuery::select(const std::string& sql, std::vector<Row>& rows) {
  rows.clear();
  if (mysql_real_query(connection_, sql.data(), sql.size()) != 0) {
    const unsigned code = mysql_errno(connection_);
    if (code == ER_NO_SUCH_TABLE || code == ER_BAD_DB_ERROR) return Outcome::success();
    Outcome failed = Outcome::failure("query: " + std::string(mysql_error(connection_)));
    disconnect();
    return failed;
  }
  MYSQL_RES* result = mysql_store_result(connection_);
  if (result == nullptr) {
    if (mysql_field_count(connection_) == 0) return Outcome::success();
    Outcome failed = Outcome::failure("result: " + std::string(mysql_error(connection_)));
    disconnect();
    return failed;
  }
  const unsigned columns = mysql_num_fields(result);
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    Row& out = rows.emplace_back(columns);
    for (unsigned i = 0; i < columns; ++i) {
      if (row[i] != nullptr) out[i] = std::string(row[i], lengths[i]);
    }
  }
  mysql_free_result(result);
  return Outcome::success();
}

Outcome MysqlHistoryQuery::meters(std::vector<app::MeterSummary>& out) {
  return detail::guarded("meters", [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    if (auto connected = connect(); !connected) return connected;
    std::vector<Row> rows;
    // Loose index scan on (meter, timestamp): one seek per meter.
    auto listed = select("SELECT meter, MIN(`timestamp`), MAX(`timestamp`) FROM " + table_ref_ +
                             " GROUP BY meter ORDER BY 3 DESC LIMIT " + std::to_string(kMaxMeters),
                         rows);
    if (!listed) return listed;
    for (const Row& row : rows) {
      if (!row[0] || row[0]->empty()) continue;
      out.push_back({*row[0], "", integer(row[1]), integer(row[2])});
    }
    for (auto& meter : out) {
      std::vector<Row> number;
      auto got = select("SELECT meter_number FROM " + table_ref_ + " WHERE meter = " +
                            quoted(meter.meter) + " ORDER BY `timestamp` DESC LIMIT 1",
                        number);
      if (!got) return got;
      if (!number.empty() && number[0][0]) meter.meter_number = *number[0][0];
    }
    return Outcome::success();
  });
}

// PowerPoint and CounterBucket alike: bucket start, readings, four aggregates.
template <typename Bucket>
Outcome MysqlHistoryQuery::buckets(const char* what, const std::string& aggregates,
                                   const std::string& meter, std::int64_t from, std::int64_t to,
                                   std::int64_t step_s, std::vector<Bucket>& out) {
  return detail::guarded(what, [&] {
    std::lock_guard lock(mutex_);
    out.clear();
    if (step_s <= 0) return Outcome::failure("step must be positive");
    if (auto connected = connect(); !connected) return connected;
    const std::string step = std::to_string(step_s);
    std::vector<Row> rows;
    auto got = select("SELECT (`timestamp` DIV " + step + ") * " + step + " AS bucket, COUNT(*), " +
                          aggregates + " FROM " + table_ref_ + " WHERE meter = " + quoted(meter) +
                          " AND `timestamp` >= " + std::to_string(from) + " AND `timestamp` < " +
                          std::to_string(to) + " GROUP BY bucket ORDER BY bucket",
                      rows);
    for (const Row& r : rows) {
      out.push_back(
          {integer(r[0]), integer(r[1]), number(r[2]), number(r[3]), number(r[4]), number(r[5])});
    }
    return got;
  });
}

Outcome MysqlHistoryQuery::power(const std::string& meter, std::int64_t from, std::int64_t to,
                                 std::int64_t step_s, std::vector<app::PowerPoint>& out) {
  return buckets("power", "AVG(PIn), MAX(PIn), AVG(POut), MAX(POut)", meter, from, to, step_s, out);
}

Outcome MysqlHistoryQuery::counters(const std::string& meter, std::int64_t from, std::int64_t to,
                                    std::int64_t step_s, std::vector<app::CounterBucket>& out) {
  return buckets("energy counters", "MIN(WIn), MAX(WIn), MIN(WOut), MAX(WOut)", meter, from, to,
                 step_s, out);
}

std::string MysqlHistoryQuery::describe() const {
  return "mysql " + settings_.host + ":" + std::to_string(settings_.port) + "/" + settings_.schema +
         "." + settings_.table;
}

}  // namespace meter::storage
