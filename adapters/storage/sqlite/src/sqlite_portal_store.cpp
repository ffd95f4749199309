// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_portal_store.h"

#include <ctime>

#include "portal_schema.h"
#include "schema.h"
#include "sqlite_connection.h"
#include "stats_schema.h"

namespace meter::storage {
namespace {

using app::Outcome;
using sqlite::q;
using sqlite::Statement;

constexpr sqlite::OpenOptions kOpenOptions{.busy_timeout_ms = 5000, .create = true};

std::string column_list() {
  std::string out;
  for (const char* column : detail::kPortalColumns) out += (out.empty() ? "" : ",") + q(column);
  return out;
}

}  // namespace

SqlitePortalStore::SqlitePortalStore(std::filesystem::path file)
    : file_(std::move(file)), db_(std::make_unique<sqlite::Connection>()) {}

SqlitePortalStore::~SqlitePortalStore() { close(); }

std::string SqlitePortalStore::describe() const {
  return "sqlite " + file_.string() + " (" + detail::kPortalTable + ")";
}

Outcome SqlitePortalStore::ready() {
  if (!db_->is_open()) {
    if (auto opened = db_->open(file_, kOpenOptions); !opened) return opened;
    schema_ready_ = false;
  }
  if (schema_ready_) return Outcome::success();
  if (auto created = db_->exec(
          "CREATE TABLE IF NOT EXISTS " + q(detail::kPortalTable) +
          " (\"meter\" TEXT NOT NULL, \"meteringPoint\" TEXT NOT NULL, \"intervalStart\" INTEGER "
          "NOT NULL, \"consumption\" REAL, \"gridDraw\" REAL, \"community\" REAL, \"feedIn\" REAL, "
          "\"source\" TEXT NOT NULL, \"imported\" INTEGER NOT NULL, PRIMARY KEY "
          "(\"meter\",\"intervalStart\"))");
      !created) {
    return created;
  }
  schema_ready_ = true;
  return Outcome::success();
}

Outcome SqlitePortalStore::open() {
  std::lock_guard lock(mutex_);
  return detail::guarded("open portal table", [&] { return ready(); });
}

Outcome SqlitePortalStore::read(const app::PortalQuery& query,
                                std::vector<app::PortalQuarterHour>& out) {
  Statement stmt = db_->prepare("SELECT " + column_list() + " FROM " + q(detail::kPortalTable) +
                                " WHERE (?='' OR \"meter\"=?) AND \"intervalStart\">=? AND "
                                "\"intervalStart\"<? ORDER BY \"meter\",\"intervalStart\"");
  stmt.bind(query.meter).bind(query.meter);
  stmt.bind(detail::clamp_bound(query.from)).bind(detail::clamp_bound(query.until));
  const bool done = stmt.each([&](const Statement& s) {
    app::PortalQuarterHour& row = out.emplace_back();
    row.meter = s.text(0);
    row.metering_point = s.text(1);
    row.start = s.integer(2);
    row.consumption_wh = s.real(3);
    row.grid_draw_wh = s.real(4);
    row.community_wh = s.real(5);
    row.feed_in_wh = s.real(6);
    row.source = s.text(7);
  });
  return done ? Outcome::success() : db_->fail("portal rows");
}

Outcome SqlitePortalStore::store(std::span<const app::PortalQuarterHour> rows,
                                 std::size_t& changed) {
  changed = 0;
  std::lock_guard lock(mutex_);
  return detail::guarded("portal store", [&] {
    if (auto ok = ready(); !ok) return ok;
    if (rows.empty()) return Outcome::success();
    return db_->transaction([&] {
      std::vector<app::PortalQuarterHour> stored;
      for (const app::PortalQuery& query : detail::portal_queries_of(rows)) {
        if (auto got = read(query, stored); !got) return got;
      }
      const auto writes = detail::portal_rows_to_write(stored, rows);
      Statement stmt = db_->prepare("INSERT OR REPLACE INTO " + q(detail::kPortalTable) + " (" +
                                    column_list() + ") VALUES (?,?,?,?,?,?,?,?,?)");
      if (!stmt) return db_->fail("portal store");
      const auto now = static_cast<std::int64_t>(std::time(nullptr));
      for (const app::PortalQuarterHour& row : writes) {
        stmt.bind(row.meter).bind(row.metering_point).bind(row.start);
        stmt.bind(row.consumption_wh).bind(row.grid_draw_wh).bind(row.community_wh);
        stmt.bind(row.feed_in_wh).bind(row.source).bind(now);
        if (!stmt.ok() || stmt.step() != SQLITE_DONE) return db_->fail("portal store");
        stmt.reset();
      }
      changed = writes.size();
      return Outcome::success();
    });
  });
}

Outcome SqlitePortalStore::rows(const app::PortalQuery& query,
                                std::vector<app::PortalQuarterHour>& out) {
  out.clear();
  std::lock_guard lock(mutex_);
  return detail::guarded("portal rows", [&] {
    if (auto ok = ready(); !ok) return ok;
    return read(query, out);
  });
}

Outcome SqlitePortalStore::metering_points(std::vector<app::MeteringPointOfMeter>& out) {
  out.clear();
  std::lock_guard lock(mutex_);
  return detail::guarded("portal metering points", [&] {
    if (auto ok = ready(); !ok) return ok;
    Statement stmt =
        db_->prepare("SELECT DISTINCT \"meter\",\"meteringPoint\" FROM " + q(detail::kPortalTable) +
                     " ORDER BY \"meter\",\"meteringPoint\"");
    const bool done = stmt.each([&](const Statement& s) { out.push_back({s.text(0), s.text(1)}); });
    return done ? Outcome::success() : db_->fail("portal metering points");
  });
}

void SqlitePortalStore::close() {
  std::lock_guard lock(mutex_);
  db_->close();
  schema_ready_ = false;
}

}  // namespace meter::storage
