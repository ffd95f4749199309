// SPDX-License-Identifier: MIT
// What the service stored, read back through the databases' own C APIs (sqlite3, MariaDB
// Connector/C): every value as text, NULL as nullopt. Throws std::runtime_error on SQL errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct st_mysql;

namespace meter::it {

using Field = std::optional<std::string>;
using Row = std::vector<Field>;
using Rows = std::vector<Row>;

class Database {
 public:
  virtual ~Database() = default;
  virtual Rows query(const std::string& sql) = 0;
  virtual void exec(const std::string& sql) = 0;
  // `table` + suffix, quoted and qualified for this engine ("history", "Debounced" ...).
  virtual std::string table(const std::string& suffix = "") const = 0;
  virtual std::string name() const = 0;  // "sqlite" or "mariadb"

  // The first column of the first row as a number (0 when NULL or no row).
  std::int64_t scalar(const std::string& sql);
  // COUNT(*) of `table(suffix)`; -1 while the table does not exist yet.
  std::int64_t count(const std::string& suffix = "");
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::filesystem::path& file, std::string table = "history");
  ~SqliteDatabase() override;
  Rows query(const std::string& sql) override;
  void exec(const std::string& sql) override;
  std::string table(const std::string& suffix = "") const override;
  std::string name() const override { return "sqlite"; }

 private:
  sqlite3* db_ = nullptr;
  std::string table_;
};

class MariaDatabase final : public Database {
 public:
  static constexpr const char* kUser = "smartmeter";
  static constexpr const char* kPassword = "smartmeter-test";

  // Connects to 127.0.0.1:port (schema may not exist yet: table() qualifies with it).
  MariaDatabase(unsigned port, std::string schema, std::string table = "history");
  ~MariaDatabase() override;
  Rows query(const std::string& sql) override;
  void exec(const std::string& sql) override;
  std::string table(const std::string& suffix = "") const override;
  std::string name() const override { return "mariadb"; }

 private:
  void connect();
  unsigned port_;
  std::string schema_;
  std::string table_;
  st_mysql* connection_ = nullptr;
};

std::optional<double> as_double(const Field& field);
std::int64_t as_int(const Field& field);

}  // namespace meter::it
