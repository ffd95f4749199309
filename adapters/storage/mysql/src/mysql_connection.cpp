// SPDX-License-Identifier: MIT
#include "mysql_connection.h"

#include <mysqld_error.h>

#include <mutex>

#include "schema.h"

namespace meter::storage::mysql {

using app::Outcome;

namespace {

constexpr unsigned kConnectTimeoutS = 3;
constexpr std::size_t kMaxStatementBytes = 1 << 20;  // below every server's max_allowed_packet

std::once_flag g_library_once;

}  // namespace

std::string bq(std::string_view name) { return detail::quote_identifier(name, '`'); }

Values& Values::number(std::int64_t value) {
  separate();
  detail::append_number(row_, value);
  return *this;
}

Values& Values::number(std::optional<std::int64_t> value) {
  if (value) return number(*value);
  separate();
  row_ += "NULL";
  return *this;
}

Values& Values::number(std::optional<double> value) {
  separate();
  if (value) {
    detail::append_number(row_, *value);
  } else {
    row_ += "NULL";
  }
  return *this;
}

Values& Values::text(std::string_view value) {
  separate();
  row_ += connection_.quoted(value);
  return *this;
}

Values& Values::text_or_null(std::string_view value) {
  if (!value.empty()) return text(value);
  separate();
  row_ += "NULL";
  return *this;
}

std::string Values::take() {
  if (row_.empty()) row_ += '(';
  row_ += ')';
  return std::exchange(row_, {});
}

Outcome Connection::open(const MysqlSettings& settings, Timeouts timeouts) {
  close();
  failed_code_ = 0;
  std::call_once(g_library_once, [] { mysql_library_init(0, nullptr, nullptr); });
  connection_ = mysql_init(nullptr);
  if (connection_ == nullptr) return Outcome::failure("database unreachable: out of memory");
  const unsigned connect_timeout = kConnectTimeoutS;
  const my_bool no = 0;
  const my_bool yes = 1;
  mysql_options(connection_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(connection_, MYSQL_OPT_READ_TIMEOUT, &timeouts.read_s);
  mysql_options(connection_, MYSQL_OPT_WRITE_TIMEOUT, &timeouts.write_s);
  mysql_options(connection_, MYSQL_OPT_RECONNECT, &no);  // the role classes reconnect
  mysql_options(connection_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (settings.tls) {
    mysql_options(connection_, MYSQL_OPT_SSL_ENFORCE, &yes);
    mysql_options(connection_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
    if (!settings.tls_ca_file.empty()) {
      mysql_options(connection_, MYSQL_OPT_SSL_CA, settings.tls_ca_file.c_str());
    }
  }
  const char* socket = settings.unix_socket.empty() ? nullptr : settings.unix_socket.c_str();
  const char* host = socket != nullptr       ? "localhost"
                     : settings.host.empty() ? nullptr
                                             : settings.host.c_str();
  if (mysql_real_connect(connection_, host, settings.user.c_str(), settings.password.c_str(),
                         nullptr, settings.port, socket, 0) == nullptr) {
    Outcome failed = Outcome::failure("database unreachable: " + error());
    close();
    return failed;
  }
  return Outcome::success();
}

bool Connection::alive() {
  if (connection_ != nullptr && mysql_ping(connection_) != 0) close();
  return connection_ != nullptr;
}

void Connection::close() {
  if (connection_ != nullptr) mysql_close(connection_);
  connection_ = nullptr;
}

bool Connection::schema_gone() const {
  return failed_code_ == ER_NO_SUCH_TABLE || failed_code_ == ER_BAD_DB_ERROR ||
         failed_code_ == ER_BAD_FIELD_ERROR;
}

std::string Connection::error() const {
  if (connection_ == nullptr) return "not connected";
  return std::string(mysql_error(connection_)) + " (error " +
         std::to_string(mysql_errno(connection_)) + ")";
}

std::string Connection::failed() {
  failed_code_ = connection_ != nullptr ? mysql_errno(connection_) : 0;
  return error();
}

std::string Connection::run(const std::string& sql) {
  if (connection_ == nullptr) return "not connected";
  if (mysql_real_query(connection_, sql.data(), sql.size()) != 0) return failed();
  // Statements here return no rows, but drain a result should one come.
  if (MYSQL_RES* result = mysql_store_result(connection_); result != nullptr) {
    mysql_free_result(result);
  }
  return {};
}

std::string Connection::use_schema(const std::string& schema) {
  if (mysql_select_db(connection_, schema.c_str()) != 0) return failed();
  return {};
}

std::string Connection::quoted(std::string_view text) const {
  std::string out(2 * text.size() + 3, '\0');
  out[0] = '\'';
  const unsigned long length =
      mysql_real_escape_string(connection_, out.data() + 1, text.data(), text.size());
  out.resize(length + 1);
  out += '\'';
  return out;
}

std::string Chunker::add(const std::string& row) {
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

std::string Chunker::flush() {
  if (rows_ == 0) return {};
  sql_ += tail_;
  rows_ = 0;
  return connection_.run(sql_);
}

std::string insert_head(const std::string& table_ref, const std::vector<std::string>& columns) {
  return "INSERT INTO " + table_ref + " (" + detail::identifier_list(columns, '`') + ") VALUES ";
}

std::string upsert_tail(const std::vector<std::string>& update) {
  // Archived already, or kept on purpose: the first row stays.
  if (update.empty()) return " ON DUPLICATE KEY UPDATE `id`=`id`";
  std::string tail = " ON DUPLICATE KEY UPDATE ";
  for (std::size_t i = 0; i < update.size(); ++i) {
    if (i > 0) tail += ',';
    // VALUES(): MariaDB has no row alias; MySQL 8 still accepts it (deprecated).
    tail += bq(update[i]) + "=VALUES(" + bq(update[i]) + ")";
  }
  return tail;
}

}  // namespace meter::storage::mysql
