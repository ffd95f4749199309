// SPDX-License-Identifier: MIT
#include "sqlite_reading_schema.h"

#include <algorithm>
#include <vector>

#include "schema.h"

namespace meter::storage::sqlite {
namespace {

using app::Outcome;
using detail::ColumnKind;
using detail::TableSpec;

const char* column_type(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kId:
    case ColumnKind::kBigId:
      return "INTEGER PRIMARY KEY";  // the rowid: auto-assigned, ascending
    case ColumnKind::kTimestamp:
      return "INTEGER NOT NULL DEFAULT 0";
    case ColumnKind::kCounter:
    case ColumnKind::kFrameCounter:
    case ColumnKind::kBigint:
    case ColumnKind::kInt:
      return "INTEGER";
    case ColumnKind::kValue:
      return "REAL";
    case ColumnKind::kMeter:
    case ColumnKind::kTag:
    case ColumnKind::kPayload:
      return "TEXT NOT NULL DEFAULT ''";
    case ColumnKind::kShortText:
      return "TEXT";
    case ColumnKind::kBigintRequired:
      return "INTEGER NOT NULL DEFAULT 0";  // ADD COLUMN needs a default for NOT NULL
  }
  return "";
}

struct ExistingColumn {
  std::string name;
  bool not_null = false;
};

Outcome existing_columns(Connection& db, const std::string& table,
                         std::vector<ExistingColumn>& out) {
  Statement info = db.prepare("SELECT name, \"notnull\" FROM pragma_table_info(?)");
  const bool read = info.bind(table).each([&](const Statement& row) {
    out.push_back({row.text(0), row.integer(1) != 0});
  });
  return read ? Outcome::success() : db.fail("reading the columns of " + table);
}

Outcome create_table(Connection& db, const TableSpec& spec) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + q(spec.name) + " (";
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += q(spec.columns[i].name) + " " + column_type(spec.columns[i].kind);
  }
  sql += ")";
  if (auto created = db.exec(sql); !created) {
    return Outcome::failure("creating table " + spec.name + ": " + created.error);
  }
  return Outcome::success();
}

// Columns of newer versions are added. Value columns that are NOT NULL come from a table this
// service did not create (it made them NULL-able from the start): refused, since every reading
// without one of those registers would fail the whole batch.
Outcome add_missing_columns(Connection& db, const TableSpec& spec,
                            const std::vector<ExistingColumn>& existing) {
  for (const auto& column : spec.columns) {
    const auto found = std::find_if(existing.begin(), existing.end(), [&](const auto& e) {
      return detail::same_name(e.name, column.name);
    });
    if (found != existing.end()) {
      if (found->not_null && detail::must_be_nullable(column.kind)) {
        return Outcome::failure("cannot use table " + spec.name + ": column " + found->name +
                                " is NOT NULL, but readings store absent values as NULL");
      }
      continue;
    }
    if (column.kind == ColumnKind::kId || column.kind == ColumnKind::kBigId) continue;
    const std::string sql = "ALTER TABLE " + q(spec.name) + " ADD COLUMN " + q(column.name) + " " +
                            column_type(column.kind);
    if (auto added = db.exec(sql); !added) {
      return Outcome::failure("adding column " + spec.name + "." + column.name + ": " +
                              added.error);
    }
  }
  return Outcome::success();
}

Outcome existing_indexes(Connection& db, const std::string& table,
                         std::vector<detail::ExistingIndex>& out) {
  Statement list = db.prepare(
      "SELECT il.name, il.\"unique\", ii.name FROM pragma_index_list(?1) AS il "
      "JOIN pragma_index_info(il.name) AS ii ORDER BY il.name, ii.seqno");
  std::string current;
  const bool read = list.bind(table).each([&](const Statement& row) {
    std::string name = row.text(0);
    if (out.empty() || name != current) {
      out.push_back({row.integer(1) != 0, {}});
      current = std::move(name);
    }
    out.back().columns.push_back(row.text(2));
  });
  return read ? Outcome::success() : db.fail("reading the indexes of " + table);
}

Outcome add_missing_indexes(Connection& db, const TableSpec& spec,
                            const std::vector<detail::ExistingIndex>& existing) {
  for (const auto& index : spec.indexes) {
    if (detail::index_present(index, existing)) continue;
    const std::string sql = std::string(index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                            "IF NOT EXISTS " + q(spec.name + "_" + index.name) + " ON " +
                            q(spec.name) + " (" + detail::identifier_list(index.columns, '"') + ")";
    if (auto created = db.exec(sql); !created) {
      return Outcome::failure("creating index " + index.name + " on " + spec.name + ": " +
                              created.error);
    }
  }
  return Outcome::success();
}

Outcome ensure_table(Connection& db, const TableSpec& spec) {
  std::vector<ExistingColumn> columns;
  if (auto read = existing_columns(db, spec.name, columns); !read) return read;
  if (auto done = columns.empty() ? create_table(db, spec) : add_missing_columns(db, spec, columns);
      !done) {
    return done;
  }
  std::vector<detail::ExistingIndex> indexes;
  if (auto read = existing_indexes(db, spec.name, indexes); !read) return read;
  return add_missing_indexes(db, spec, indexes);
}

}  // namespace

Outcome ensure_reading_tables(Connection& db, const std::string& table) {
  for (const TableSpec& spec : detail::table_specs(table)) {
    if (auto done = ensure_table(db, spec); !done) return done;
  }
  return Outcome::success();
}

}  // namespace meter::storage::sqlite
