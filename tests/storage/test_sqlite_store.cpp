// SPDX-License-Identifier: MIT
// The storage behaviour suite on SQLite (a fresh file per test), plus what only SQLite has.
#include <sqlite3.h>
#include <stdlib.h>

#include <charconv>
#include <filesystem>
#include <fstream>

#include "meter/storage/sqlite_reading_store.h"
#include "store_behaviour.h"

namespace meter::storage::testing {
namespace {

namespace fs = std::filesystem;

fs::path make_temp_dir(const char* prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

class SqliteBackend {
 public:
  static constexpr bool kOriginalEngine = false;

  SqliteBackend() = default;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;
  ~SqliteBackend() { tear_down(); }

  void set_up(const std::string& /*test_id*/) {
    dir_ = make_temp_dir("meter-sqlite-");
    file_ = dir_ / "data" / "smartmeter.db";  // "data" does not exist yet: open() creates it
  }
  std::string skip_reason() const { return {}; }
  void tear_down() {
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
    if (!dir_.empty()) fs::remove_all(dir_);
    dir_.clear();
  }

  const fs::path& file() const { return file_; }

  std::unique_ptr<app::ReadingStore> make_store(const std::string& table) {
    return std::make_unique<SqliteReadingStore>(file_, table, 300);
  }

  Rows query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(connection(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    Rows rows;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      Row row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_NULL:
            row.emplace_back(std::nullopt);
            break;
          case SQLITE_FLOAT: {  // shortest exact text, not SQLite's 15 digits
            char buffer[32];
            const auto end =
                std::to_chars(buffer, buffer + sizeof buffer, sqlite3_column_double(stmt, i)).ptr;
            row.emplace_back(std::string(buffer, end));
            break;
          }
          default:
            row.emplace_back(
                std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))));
        }
      }
      rows.push_back(std::move(row));
    }
    const std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (!error.empty()) throw std::runtime_error(sql + ": " + error);
    return rows;
  }

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(connection(), sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error(sql + ": " + message);
    }
  }

  std::string t(const std::string& table) const { return "`" + table + "`"; }

  // PROTOCOL.md 1.6 in SQLite's dialect: SQLite cannot parse `int(10) unsigned` or
  // AUTO_INCREMENT, so this is the shape a copy of the original table into SQLite would have
  // (id as the rowid, every value column NOT NULL DEFAULT 0). The original stored in MySQL
  // only, and this service's SQLite tables had NULL-able value columns from the start.
  std::string original_ddl(const std::string& table) const {
    return "CREATE TABLE " + t(table) +
           " (\n"
           "  `id` INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n"
           "  `timestamp` int unsigned NOT NULL DEFAULT 0,\n"
           "  `WIn` int unsigned NOT NULL DEFAULT 0,\n"
           "  `WOut` int unsigned NOT NULL DEFAULT 0,\n"
           "  `PIn` double unsigned NOT NULL DEFAULT 0,\n"
           "  `POut` double unsigned NOT NULL DEFAULT 0,\n"
           "  `U1` double unsigned NOT NULL DEFAULT 0,\n"
           "  `U2` double unsigned NOT NULL DEFAULT 0,\n"
           "  `U3` double unsigned NOT NULL DEFAULT 0,\n"
           "  `I1` double unsigned NOT NULL DEFAULT 0,\n"
           "  `I2` double unsigned NOT NULL DEFAULT 0,\n"
           "  `I3` double unsigned NOT NULL DEFAULT 0,\n"
           "  `PF` double NOT NULL DEFAULT 0\n"
           ")";
  }

 private:
  sqlite3* connection() {
    if (db_ == nullptr) {
      fs::create_directories(file_.parent_path());
      if (sqlite3_open(file_.c_str(), &db_) != SQLITE_OK) {
        throw std::runtime_error("cannot open " + file_.string());
      }
      sqlite3_busy_timeout(db_, 5000);
    }
    return db_;
  }

  fs::path dir_;
  fs::path file_;
  sqlite3* db_ = nullptr;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreBehaviour, SqliteBackend);

class SqliteOnly : public ::testing::Test {
 protected:
  void SetUp() override { backend_.set_up("sqlite"); }
  void TearDown() override { backend_.tear_down(); }
  SqliteBackend backend_;
};

TEST_F(SqliteOnly, CreatesTheDataDirectoryAndUsesWal) {
  const fs::path nested = backend_.file().parent_path() / "a" / "b" / "meter.db";
  SqliteReadingStore store(nested);
  const auto opened = store.open();
  ASSERT_TRUE(opened) << opened.error;
  EXPECT_TRUE(fs::exists(nested));
  EXPECT_EQ(store.describe(), "sqlite " + nested.string());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(nested.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteOnly, WorksInMemory) {
  SqliteReadingStore store(":memory:");
  ASSERT_TRUE(store.open());
  const std::vector<app::Reading> readings{full_reading(kMeterA, 1, 10)};
  ASSERT_TRUE(store.write(batch_of(readings)));
  const std::vector<app::Reading> later{full_reading(kMeterA, 2, 400)};
  ASSERT_TRUE(store.write(batch_of(later)));
  std::size_t rows = 0;
  ASSERT_TRUE(store.refresh_debounced(app::touched_buckets(later, 300), 300, rows));
  EXPECT_EQ(rows, 1U);
}

TEST_F(SqliteOnly, ReportsAnUnusableFileClearly) {
  const fs::path blocker = backend_.file().parent_path().parent_path() / "not-a-dir";
  { std::ofstream(blocker) << "x"; }
  SqliteReadingStore store(blocker / "smartmeter.db");
  const auto opened = store.open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error.find("not-a-dir"), std::string::npos) << opened.error;
}

// No SQLite table of this service has NOT NULL value columns: such a table is someone
// else's, and every reading without one of its registers would fail. Refused, left as it is.
TEST_F(SqliteOnly, ATableWithNotNullValueColumnsIsRefusedAndLeftAsItIs) {
  backend_.exec(backend_.original_ddl("history"));
  backend_.exec("INSERT INTO `history` (`timestamp`, `WIn`) VALUES (1, 2)");
  const Rows schema = backend_.query("SELECT sql FROM sqlite_schema ORDER BY name");
  SqliteReadingStore store(backend_.file());
  const auto opened = store.open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error.find("column WIn is NOT NULL"), std::string::npos) << opened.error;
  EXPECT_FALSE(store.write({}));
  EXPECT_EQ(backend_.query("SELECT sql FROM sqlite_schema ORDER BY name"), schema);
  EXPECT_EQ(backend_.query("SELECT `timestamp`, `WIn` FROM `history`"),
            (Rows{{Field("1"), Field("2")}}));
}

}  // namespace meter::storage::testing
