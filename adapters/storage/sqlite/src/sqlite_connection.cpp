// SPDX-License-Identifier: MIT
#include "sqlite_connection.h"

#include <system_error>
#include <utility>

#include "sqlite_open.h"

namespace meter::storage::sqlite {

using app::Outcome;

namespace {
constexpr std::size_t kMaxCachedStatements = 16;
}  // namespace

std::string q(std::string_view name) { return "\"" + std::string(name) + "\""; }

Statement::Statement(sqlite3* db, const std::string& sql, bool persistent) {
  ok_ =
      sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                         persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr) == SQLITE_OK;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), index_(other.index_), ok_(other.ok_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    index_ = other.index_;
    ok_ = other.ok_;
  }
  return *this;
}

Statement& Statement::bind(std::int64_t value) {
  check(sqlite3_bind_int64(stmt_, ++index_, value));
  return *this;
}

Statement& Statement::bind(std::optional<std::int64_t> value) {
  return value ? bind(*value) : bind_null();
}

Statement& Statement::bind(std::optional<double> value) {
  if (!value) return bind_null();
  check(sqlite3_bind_double(stmt_, ++index_, *value));
  return *this;
}

Statement& Statement::bind(const std::string& value) {
  check(sqlite3_bind_text64(stmt_, ++index_, value.data(), value.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_text_or_null(const std::string& value) {
  return value.empty() ? bind_null() : bind(value);
}

Statement& Statement::bind_null() {
  check(sqlite3_bind_null(stmt_, ++index_));
  return *this;
}

int Statement::step() { return sqlite3_step(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  index_ = 0;
  ok_ = stmt_ != nullptr;
}

bool Statement::null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<double> Statement::real(int column) const {
  if (null(column)) return std::nullopt;
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

Outcome Connection::open(const std::filesystem::path& file, const OpenOptions& options) {
  if (db_ != nullptr) return Outcome::success();
  const bool in_memory = file == ":memory:";
  if (options.create_directory && !in_memory && file.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      return Outcome::failure("cannot create directory " + file.parent_path().string() + ": " +
                              error.message());
    }
  }
  // Read-write without CREATE still lets a WAL reader create the -shm file.
  const int rc = options.create
                     ? detail::open_sqlite_private(file, &db_)
                     : sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    Outcome failed = fail("cannot open " + file.string());
    close();
    return failed;
  }
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db_, 1);
  std::vector<const char*> pragmas;
  if (options.wal && !in_memory) {
    pragmas = {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"};
  }
  if (options.query_only) pragmas.push_back("PRAGMA query_only=1");
  for (const char* pragma : pragmas) {
    if (auto done = exec(pragma); !done) {
      close();
      return Outcome::failure(file.string() + ": " + pragma + ": " + done.error);
    }
  }
  return Outcome::success();
}

void Connection::close() {
  statements_.clear();
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
}

std::string Connection::error() const { return db_ != nullptr ? sqlite3_errmsg(db_) : "not open"; }

Outcome Connection::fail(const std::string& context) const {
  return Outcome::failure(context + ": " + error());
}

Outcome Connection::exec(const std::string& sql) {
  if (db_ == nullptr) return Outcome::failure("not open");
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) {
    return Outcome::success();
  }
  std::string text = message != nullptr ? message : sqlite3_errmsg(db_);
  sqlite3_free(message);
  return Outcome::failure(std::move(text));
}

Statement* Connection::cached(const std::string& key, const std::string& sql) {
  if (auto found = statements_.find(key); found != statements_.end()) {
    found->second.reset();
    return &found->second;
  }
  if (statements_.size() >= kMaxCachedStatements) statements_.clear();
  Statement statement(db_, sql, true);
  if (!statement) return nullptr;
  return &statements_.insert_or_assign(key, std::move(statement)).first->second;
}

bool Connection::table_exists(const std::string& name) {
  Statement check = prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
  return check.bind(name).ok() && check.step() == SQLITE_ROW;
}

}  // namespace meter::storage::sqlite
