// SPDX-License-Identifier: MIT
#include "mysql_reading_schema.h"

#include <algorithm>
#include <map>
#include <vector>

#include "mysql_connection.h"
#include "schema.h"

namespace meter::storage::mysql {
namespace {

using app::Outcome;
using detail::ColumnKind;
using detail::TableSpec;

// Migrating a table of the original system may rebuild years of rows: the DDL connection waits.
constexpr Timeouts kSchemaTimeouts{.read_s = 3600, .write_s = 10};

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

struct ExistingColumn {
  std::string name;
  bool nullable;
  std::string type;
};

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
  return std::string(index.unique ? "UNIQUE KEY " : "KEY ") + bq(index.name) + " (" +
         detail::identifier_list(index.columns, '`') + ")";
}

Outcome failed(const std::string& context, const std::string& message) {
  return Outcome::failure(context + ": " + message);
}

// Created only when missing: a user with rights on existing tables only needs no CREATE.
Outcome ensure_database(Connection& ddl, const std::string& schema) {
  bool exists = false;
  std::string error =
      ddl.select("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='" + schema + "'",
                 [&](const Row&) { exists = true; });
  if (!error.empty()) return failed("checking schema " + schema, error);
  if (exists) return Outcome::success();
  error = ddl.run("CREATE DATABASE IF NOT EXISTS " + bq(schema) + " DEFAULT CHARACTER SET utf8mb4");
  if (!error.empty()) return failed("creating schema " + schema, error);
  return Outcome::success();
}

Outcome existing_columns(Connection& ddl, const std::string& schema, const std::string& table,
                         std::vector<ExistingColumn>& out) {
  const std::string error = ddl.select(
      "SELECT COLUMN_NAME, IS_NULLABLE, COLUMN_TYPE FROM information_schema.COLUMNS "
      "WHERE TABLE_SCHEMA='" +
          schema + "' AND TABLE_NAME='" + table + "' ORDER BY ORDINAL_POSITION",
      [&](const Row& row) {
        out.push_back({row.text(0), row.text(1) == "YES", row.text(2)});
      });
  if (!error.empty()) return failed("reading the columns of " + table, error);
  return Outcome::success();
}

Outcome create_table(Connection& ddl, const std::string& table_ref, const TableSpec& spec) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + table_ref + " (";
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
  if (auto error = ddl.run(sql); !error.empty())
    return failed("creating table " + spec.name, error);
  return Outcome::success();
}

// ADD COLUMN for what is missing, MODIFY COLUMN for value columns that are NOT NULL or (the
// original's) `double unsigned`.
void column_clauses(const TableSpec& spec, const std::vector<ExistingColumn>& existing,
                    std::vector<std::string>& clauses) {
  for (const auto& column : spec.columns) {
    const auto found = std::find_if(existing.begin(), existing.end(), [&](const auto& e) {
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
}

// ADD KEY for every wanted index no existing one serves (a taken name gets "_sm").
Outcome index_clauses(Connection& ddl, const std::string& schema, const TableSpec& spec,
                      std::vector<std::string>& clauses) {
  std::map<std::string, detail::ExistingIndex> by_name;
  const std::string error = ddl.select(
      "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
      "WHERE TABLE_SCHEMA='" +
          schema + "' AND TABLE_NAME='" + spec.name + "' ORDER BY INDEX_NAME, SEQ_IN_INDEX",
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
    detail::IndexSpec named = index;
    if (by_name.count(index.name) != 0) named.name += "_sm";
    clauses.push_back("ADD " + index_clause(named));
  }
  return Outcome::success();
}

// Migration in place: one ALTER TABLE with everything missing, so a big table is rebuilt at
// most once.
Outcome migrate_table(Connection& ddl, const std::string& schema, const std::string& table_ref,
                      const TableSpec& spec, const std::vector<ExistingColumn>& existing) {
  std::vector<std::string> clauses;
  column_clauses(spec, existing, clauses);
  if (auto listed = index_clauses(ddl, schema, spec, clauses); !listed) return listed;
  if (clauses.empty()) return Outcome::success();
  std::string sql = "ALTER TABLE " + table_ref + " ";
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += clauses[i];
  }
  if (auto error = ddl.run(sql); !error.empty()) {
    return failed("migrating table " + spec.name, error);
  }
  return Outcome::success();
}

}  // namespace

Outcome ensure_reading_tables(const MysqlSettings& settings) {
  Connection ddl;
  if (auto opened = ddl.open(settings, kSchemaTimeouts); !opened) return opened;
  if (auto ensured = ensure_database(ddl, settings.schema); !ensured) return ensured;
  for (const TableSpec& spec : detail::table_specs(settings.table)) {
    const std::string table_ref = bq(settings.schema) + "." + bq(spec.name);
    std::vector<ExistingColumn> existing;
    if (auto read = existing_columns(ddl, settings.schema, spec.name, existing); !read) return read;
    Outcome done = existing.empty()
                       ? create_table(ddl, table_ref, spec)
                       : migrate_table(ddl, settings.schema, table_ref, spec, existing);
    if (!done) return done;
  }
  return Outcome::success();
}

}  // namespace meter::storage::mysql
