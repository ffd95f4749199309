// SPDX-License-Identifier: MIT
#include "it_db.h"

#include <mysql.h>
#include <sqlite3.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace meter::it {

std::int64_t Database::scalar(const std::string& sql) {
  const Rows rows = query(sql);
  if (rows.empty() || rows[0].empty()) return 0;
  return as_int(rows[0][0]);
}

std::int64_t Database::count(const std::string& suffix) {
  try {
    return scalar("SELECT COUNT(*) FROM " + table(suffix));
  } catch (const std::runtime_error&) {
    return -1;  // not created yet
  }
}

std::optional<double> as_double(const Field& field) {
  if (!field) return std::nullopt;
  return std::strtod(field->c_str(), nullptr);
}

std::int64_t as_int(const Field& field) {
  if (!field) return 0;
  return std::strtoll(field->c_str(), nullptr, 10);
}

// ---------------------------------------------------------------- SQLite

SqliteDatabase::SqliteDatabase(const std::filesystem::path& file, std::string table)
    : table_(std::move(table)) {
  // Read-write: replay tests delete rows. The service has the file open in WAL mode.
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string error = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("sqlite open " + file.string() + ": " + error);
  }
  sqlite3_busy_timeout(db_, 10000);
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close(db_); }

std::string SqliteDatabase::table(const std::string& suffix) const {
  return "\"" + table_ + suffix + "\"";
}

Rows SqliteDatabase::query(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    throw std::runtime_error("sqlite: " + std::string(sqlite3_errmsg(db_)) + " in " + sql);
  }
  Rows rows;
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      const std::string error = sqlite3_errmsg(db_);
      sqlite3_finalize(stmt);
      throw std::runtime_error("sqlite: " + error + " in " + sql);
    }
    Row row;
    const int columns = sqlite3_column_count(stmt);
    for (int i = 0; i < columns; ++i) {
      if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
      } else {
        const auto* text = sqlite3_column_text(stmt, i);
        row.emplace_back(std::string(reinterpret_cast<const char*>(text),
                                     static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))));
      }
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  return rows;
}

void SqliteDatabase::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string text = error != nullptr ? error : "?";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + text + " in " + sql);
  }
}

// ---------------------------------------------------------------- MariaDB

MariaDatabase::MariaDatabase(unsigned port, std::string schema, std::string table)
    : port_(port), schema_(std::move(schema)), table_(std::move(table)) {
  connect();
}

MariaDatabase::~MariaDatabase() {
  if (connection_ != nullptr) mysql_close(connection_);
}

void MariaDatabase::connect() {
  if (connection_ != nullptr) {
    mysql_close(connection_);
    connection_ = nullptr;
  }
  connection_ = mysql_init(nullptr);
  const unsigned timeout = 5;
  mysql_options(connection_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(connection_, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_options(connection_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(connection_, "127.0.0.1", kUser, kPassword, nullptr, port_, nullptr, 0) ==
      nullptr) {
    const std::string error = mysql_error(connection_);
    mysql_close(connection_);
    connection_ = nullptr;
    throw std::runtime_error("mariadb connect: " + error);
  }
}

std::string MariaDatabase::table(const std::string& suffix) const {
  return "`" + schema_ + "`.`" + table_ + suffix + "`";
}

Rows MariaDatabase::query(const std::string& sql) {
  // The server may just have been restarted by a fault test: reconnect once.
  if (connection_ == nullptr || mysql_ping(connection_) != 0) connect();
  if (mysql_real_query(connection_, sql.data(), sql.size()) != 0) {
    throw std::runtime_error("mariadb: " + std::string(mysql_error(connection_)) + " in " + sql);
  }
  Rows rows;
  MYSQL_RES* result = mysql_store_result(connection_);
  if (result == nullptr) {
    if (mysql_field_count(connection_) != 0) {
      throw std::runtime_error("mariadb: " + std::string(mysql_error(connection_)));
    }
    return rows;
  }
  const unsigned columns = mysql_num_fields(result);
  while (MYSQL_ROW raw = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    Row row;
    for (unsigned i = 0; i < columns; ++i) {
      if (raw[i] == nullptr) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(raw[i], lengths[i]));
      }
    }
    rows.push_back(std::move(row));
  }
  mysql_free_result(result);
  return rows;
}

void MariaDatabase::exec(const std::string& sql) { query(sql); }

}  // namespace meter::it
