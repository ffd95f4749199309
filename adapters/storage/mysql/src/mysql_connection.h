// SPDX-License-Identifier: MIT
// The one MySQL / MariaDB connection type of the reading store, the history query and the
// statistics store (MariaDB Connector/C): connect options (utf8mb4, connect timeout 3 s, read
// and write timeouts per role, no automatic reconnect: the role classes reconnect, knowing their
// state), TLS with a verified server certificate, a ping that notices a connection the server
// closed, statements in the text protocol with escaped values (`Values` binds a row's values),
// rows, multi-row statements, transactions that roll back on failure, and error text. Not
// thread-safe: each role class serialises its calls.
#pragma once

#include <mysql.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meter/app/ports.h"
#include "meter/storage/mysql_settings.h"

namespace meter::storage::mysql {

// `name` in MySQL's identifier quotes (validated names only).
std::string bq(std::string_view name);

// One row of a text-protocol result.
class Row {
 public:
  Row(MYSQL_ROW row, unsigned long* lengths) : row_(row), lengths_(lengths) {}

  bool null(std::size_t i) const { return row_[i] == nullptr; }
  std::string text(std::size_t i) const {
    return null(i) ? std::string() : std::string(row_[i], lengths_[i]);
  }
  std::optional<std::int64_t> optional_integer(std::size_t i) const {
    std::int64_t value = 0;
    if (null(i) || std::from_chars(row_[i], row_[i] + lengths_[i], value).ec != std::errc()) {
      return std::nullopt;
    }
    return value;
  }
  std::int64_t integer(std::size_t i) const { return optional_integer(i).value_or(0); }
  std::optional<double> real(std::size_t i) const {
    double value = 0;
    if (null(i) || std::from_chars(row_[i], row_[i] + lengths_[i], value).ec != std::errc()) {
      return std::nullopt;
    }
    return value;
  }

 private:
  MYSQL_ROW row_;
  unsigned long* lengths_;
};

struct Timeouts {
  unsigned read_s = 10;
  unsigned write_s = 10;
};

class Connection;

// The values of one row, "(v1,v2,...)", each bound as an SQL literal: numbers in their shortest
// exact text, text escaped for the connection's character set, NULL for what is absent.
class Values {
 public:
  explicit Values(const Connection& connection) : connection_(connection) {}
  Values& number(std::int64_t value);
  Values& number(std::optional<std::int64_t> value);
  Values& number(std::optional<double> value);
  Values& text(std::string_view value);
  Values& text_or_null(std::string_view value);  // NULL when empty
  // "(...)"; the builder is empty again afterwards.
  std::string take();

 private:
  void separate() { row_ += row_.empty() ? '(' : ','; }

  const Connection& connection_;
  std::string row_;
};

class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects; "database unreachable: <message> (error N)" on failure.
  app::Outcome open(const MysqlSettings& settings, Timeouts timeouts);
  bool is_open() const { return connection_ != nullptr; }
  // Open and answering: a connection the server closed (restart, wait_timeout) is closed here.
  bool alive();
  void close();

  // The server's code for the last statement that failed through run() or select().
  unsigned error_code() const { return failed_code_; }
  // That failure says the schema, a table or a column is gone (dropped or replaced behind us).
  bool schema_gone() const;
  std::string error() const;  // "<message> (error N)", "not connected" without a connection

  // Each "" on success, else error().
  std::string run(const std::string& sql);
  template <typename OnRow>
  std::string select(const std::string& sql, OnRow&& on_row);
  std::string use_schema(const std::string& schema);

  // `text` as an SQL string literal.
  std::string quoted(std::string_view text) const;
  std::uint64_t affected_rows() const { return mysql_affected_rows(connection_); }

  // Runs `body` (returning "" or an error) between START TRANSACTION and COMMIT; rolled back
  // when the body fails, throws or the commit fails ("commit: ..." then).
  template <typename Body>
  std::string transaction(Body&& body);

 private:
  std::string failed();  // error(), and its code kept

  MYSQL* connection_ = nullptr;
  unsigned failed_code_ = 0;
};

// Appends rows to multi-row INSERTs and sends each when it is full (rows or bytes).
class Chunker {
 public:
  Chunker(Connection& connection, std::string head, std::string tail)
      : connection_(connection), head_(std::move(head)), tail_(std::move(tail)) {}

  std::string add(const std::string& row);  // "" on success
  std::string flush();

 private:
  Connection& connection_;
  std::string head_;
  std::string tail_;
  std::string sql_;
  std::size_t rows_ = 0;
};

// "INSERT INTO <table> (`a`,`b`) VALUES "
std::string insert_head(const std::string& table_ref, const std::vector<std::string>& columns);
// " ON DUPLICATE KEY UPDATE `a`=VALUES(`a`),..."; with no columns the existing row is kept.
std::string upsert_tail(const std::vector<std::string>& update);

template <typename OnRow>
std::string Connection::select(const std::string& sql, OnRow&& on_row) {
  if (mysql_real_query(connection_, sql.data(), sql.size()) != 0) return failed();
  MYSQL_RES* result = mysql_store_result(connection_);
  if (result == nullptr) return mysql_field_count(connection_) == 0 ? "" : failed();
  struct Free {
    MYSQL_RES* result;
    ~Free() { mysql_free_result(result); }
  } free{result};
  while (MYSQL_ROW row = mysql_fetch_row(result)) on_row(Row(row, mysql_fetch_lengths(result)));
  return {};
}

template <typename Body>
std::string Connection::transaction(Body&& body) {
  if (auto begun = run("START TRANSACTION"); !begun.empty()) return begun;
  struct RollbackUnlessCommitted {
    Connection* connection;
    bool committed = false;
    ~RollbackUnlessCommitted() {
      if (!committed && connection->is_open()) (void)connection->run("ROLLBACK");
    }
  } guard{this};
  std::string error = body();
  if (error.empty()) {
    error = run("COMMIT");
    if (!error.empty()) error = "commit: " + error;
  }
  guard.committed = error.empty();
  return error;
}

}  // namespace meter::storage::mysql
