// SPDX-License-Identifier: MIT
// The one SQLite connection type of the reading store, the history query and the statistics
// store: opening (a new file created 0600, see sqlite_open.h), pragmas, the busy timeout,
// prepared statements with consecutive binders and typed columns, a statement cache,
// transactions that roll back on failure, and error text. Not thread-safe: each role class
// serialises its calls.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "meter/app/ports.h"

namespace meter::storage::sqlite {

// `name` in SQLite's identifier quotes (validated names only).
std::string q(std::string_view name);

// A prepared statement that finalises itself (or, when cached, stays with its connection).
// Parameters are bound in order; a failed bind or prepare makes ok() false.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, const std::string& sql, bool persistent = false);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }

  Statement& bind(std::int64_t value);
  Statement& bind(std::optional<std::int64_t> value);      // NULL when empty
  Statement& bind(std::optional<double> value);            // NULL when empty
  Statement& bind(const std::string& value);               // copied by SQLite
  Statement& bind_text_or_null(const std::string& value);  // NULL when empty
  Statement& bind_null();

  int step();  // SQLITE_ROW, SQLITE_DONE or an error code
  // Steps to the end, calling `row(*this)` for each row; false on an error.
  template <typename OnRow>
  bool each(OnRow&& row) {
    if (!ok_) return false;
    for (;;) {
      const int rc = step();
      if (rc == SQLITE_DONE) return true;
      if (rc != SQLITE_ROW) return false;
      row(*this);
    }
  }
  // Ready to run again: reset, bindings cleared, binding from the first parameter again.
  void reset();

  bool null(int column) const;
  std::int64_t integer(int column) const;
  std::optional<double> real(int column) const;  // nullopt for NULL
  std::string text(int column) const;            // "" for NULL

 private:
  void check(int rc) { ok_ = ok_ && rc == SQLITE_OK; }

  sqlite3_stmt* stmt_ = nullptr;
  int index_ = 0;
  bool ok_ = false;
};

struct OpenOptions {
  int busy_timeout_ms = 5000;
  bool create = true;             // a missing file is created with mode 0600
  bool create_directory = false;  // and its directory
  bool wal = false;               // journal_mode=WAL, synchronous=NORMAL (not for ":memory:")
  bool query_only = false;
};

class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Opens `file` (":memory:" for tests) unless open; "cannot open <file>: <why>" on failure.
  app::Outcome open(const std::filesystem::path& file, const OpenOptions& options);
  bool is_open() const { return db_ != nullptr; }
  void close();
  sqlite3* handle() const { return db_; }

  // SQLite's message for the last failure ("not open" without a connection).
  std::string error() const;
  // Failure "<context>: <error()>".
  app::Outcome fail(const std::string& context) const;
  // Runs statements without results; the failure carries SQLite's message.
  app::Outcome exec(const std::string& sql);

  Statement prepare(const std::string& sql) const { return Statement(db_, sql); }
  // A prepared statement kept under `key` for reuse (reset before it is returned); nullptr
  // when `sql` does not prepare. At most 16 are kept.
  Statement* cached(const std::string& key, const std::string& sql);

  bool table_exists(const std::string& name);
  std::int64_t changes() const { return sqlite3_changes(db_); }

  // Runs `body` (returning app::Outcome) between BEGIN IMMEDIATE and COMMIT; rolled back when
  // the body fails, throws or the commit fails ("commit: ..." then).
  template <typename Body>
  app::Outcome transaction(Body&& body) {
    if (auto begun = exec("BEGIN IMMEDIATE"); !begun) return begun;
    RollbackUnlessCommitted guard{this};
    app::Outcome done = body();
    if (done) {
      done = exec("COMMIT");
      if (!done) done.error = "commit: " + done.error;
    }
    guard.committed = static_cast<bool>(done);
    return done;
  }

 private:
  struct RollbackUnlessCommitted {
    Connection* connection;
    bool committed = false;
    ~RollbackUnlessCommitted() {
      if (!committed) (void)connection->exec("ROLLBACK");
    }
  };

  sqlite3* db_ = nullptr;
  std::map<std::string, Statement> statements_;
};

}  // namespace meter::storage::sqlite
