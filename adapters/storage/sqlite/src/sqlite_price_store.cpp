// SPDX-License-Identifier: MIT
#include "meter/storage/sqlite_price_store.h"

#include <map>

#include "price_schema.h"
#include "schema.h"
#include "sqlite_connection.h"
#include "stats_schema.h"  // clamp_bound

namespace meter::storage {
namespace {

using app::Outcome;
using sqlite::q;
using sqlite::Statement;

constexpr sqlite::OpenOptions kOpenOptions{
    .busy_timeout_ms = 5000, .create = true, .create_directory = true};

std::string column_list() { return detail::identifier_list(detail::price_column_names(), '"'); }

}  // namespace

SqlitePriceStore::SqlitePriceStore(std::filesystem::path file)
    : file_(std::move(file)), db_(std::make_unique<sqlite::Connection>()) {}

SqlitePriceStore::~SqlitePriceStore() { close(); }

std::string SqlitePriceStore::describe() const {
  return "sqlite " + file_.string() + " (" + detail::kPricesTable + ")";
}

Outcome SqlitePriceStore::ready() {
  if (!db_->is_open()) {
    if (auto opened = db_->open(file_, kOpenOptions); !opened) return opened;
    schema_ready_ = false;
  }
  if (schema_ready_) return Outcome::success();
  const std::string table = q(detail::kPricesTable);
  if (auto created = db_->exec(
          "CREATE TABLE IF NOT EXISTS " + table +
          " (\"market\" TEXT NOT NULL, \"product\" TEXT NOT NULL, \"intervalStart\" INTEGER NOT "
          "NULL, \"price\" REAL NOT NULL, \"source\" TEXT NOT NULL, \"updated\" INTEGER NOT NULL, "
          "PRIMARY KEY (\"market\",\"product\",\"intervalStart\"));"
          "CREATE INDEX IF NOT EXISTS \"pricesUpdated\" ON " +
          table + " (\"updated\")");
      !created) {
    return created;
  }
  schema_ready_ = true;
  return Outcome::success();
}

Outcome SqlitePriceStore::open() {
  std::lock_guard lock(mutex_);
  return detail::guarded("open prices", [&] { return ready(); });
}

Outcome SqlitePriceStore::store(std::span<const app::PricePoint> points, std::size_t& changed) {
  std::lock_guard lock(mutex_);
  changed = 0;
  return detail::guarded("store prices", [&] {
    if (auto ok = ready(); !ok) return ok;
    if (const std::string invalid = detail::check_price_points(points); !invalid.empty()) {
      return Outcome::failure("store prices: " + invalid);
    }
    if (points.empty()) return Outcome::success();
    std::size_t written = 0;
    Outcome done = db_->transaction([&] {
      const std::string table = q(detail::kPricesTable);
      std::map<detail::PriceKey, detail::StoredPrice> stored;
      Statement read =
          db_->prepare("SELECT \"intervalStart\", \"price\", \"source\" FROM " + table +
                       " WHERE \"market\"=? AND \"product\"=? AND "
                       "\"intervalStart\">=? AND \"intervalStart\"<=?");
      for (const detail::PriceRange& range : detail::price_ranges(points)) {
        read.bind(range.market).bind(std::string(app::to_string(range.product)));
        read.bind(range.first).bind(range.last);
        const bool ok = read.each([&](const Statement& row) {
          stored[{range.market, range.product, row.integer(0)}] = {row.real(1).value_or(0),
                                                                   row.text(2)};
        });
        if (!ok) return db_->fail("read prices");
        read.reset();
      }
      const std::vector<app::PricePoint> rows = detail::changed_price_points(points, stored);
      if (rows.empty()) return Outcome::success();
      Statement newest = db_->prepare("SELECT MAX(\"updated\") FROM " + table);
      if (!newest || newest.step() != SQLITE_ROW) return db_->fail("read prices");
      const std::int64_t updated =
          detail::next_updated_ms(detail::wall_clock_ms(), newest.null(0) ? 0 : newest.integer(0));
      Statement write = db_->prepare("INSERT OR REPLACE INTO " + table + " (" + column_list() +
                                     ") VALUES (?,?,?,?,?,?)");
      if (!write) return db_->fail("store prices");
      for (const app::PricePoint& point : rows) {
        write.bind(point.market).bind(std::string(app::to_string(point.product)));
        write.bind(point.start).bind(std::optional<double>(point.eur_per_mwh));
        write.bind(point.source).bind(updated);
        if (!write.ok() || write.step() != SQLITE_DONE) return db_->fail("store prices");
        write.reset();
      }
      written = rows.size();
      return Outcome::success();
    });
    if (done) changed = written;
    return done;
  });
}

Outcome SqlitePriceStore::select(const app::PriceQuery& query, std::int64_t updated_since_ms,
                                 std::vector<app::PricePoint>& out) {
  out.clear();
  if (auto ok = ready(); !ok) return ok;
  Statement stmt = db_->prepare("SELECT \"intervalStart\", \"price\", \"source\" FROM " +
                                q(detail::kPricesTable) +
                                " WHERE \"market\"=? AND \"product\"=? AND \"intervalStart\">=? "
                                "AND \"intervalStart\"<? AND \"updated\">=? ORDER BY "
                                "\"intervalStart\"");
  stmt.bind(query.market).bind(std::string(app::to_string(query.product)));
  stmt.bind(detail::clamp_bound(query.from)).bind(detail::clamp_bound(query.until));
  stmt.bind(detail::clamp_bound(updated_since_ms));
  const bool read = stmt.each([&](const Statement& row) {
    app::PricePoint& point = out.emplace_back();
    point.market = query.market;
    point.product = query.product;
    point.start = row.integer(0);
    point.eur_per_mwh = row.real(1).value_or(0);
    point.source = row.text(2);
  });
  return read ? Outcome::success() : db_->fail("read prices");
}

Outcome SqlitePriceStore::prices(const app::PriceQuery& query, std::vector<app::PricePoint>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded(
      "read prices", [&] { return select(query, std::numeric_limits<std::int64_t>::min(), out); });
}

Outcome SqlitePriceStore::changed_since(const app::PriceQuery& query, std::int64_t updated_since_ms,
                                        std::vector<app::PricePoint>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("read changed prices",
                         [&] { return select(query, updated_since_ms, out); });
}

Outcome SqlitePriceStore::summaries(std::vector<app::PriceSummary>& out) {
  std::lock_guard lock(mutex_);
  return detail::guarded("price summaries", [&] {
    out.clear();
    if (auto ok = ready(); !ok) return ok;
    Statement stmt = db_->prepare(
        "SELECT \"market\", \"product\", MIN(\"intervalStart\"), MAX(\"intervalStart\"), "
        "COUNT(*), MAX(\"updated\") FROM " +
        q(detail::kPricesTable) + " GROUP BY \"market\", \"product\" ORDER BY 1, 2");
    const bool read = stmt.each([&](const Statement& row) {
      const auto product = app::parse_price_product(row.text(1));
      if (!product) return;  // a row another program wrote
      out.push_back({row.text(0), *product, row.integer(2), row.integer(3),
                     static_cast<std::size_t>(row.integer(4)), row.integer(5)});
    });
    return read ? Outcome::success() : db_->fail("price summaries");
  });
}

void SqlitePriceStore::close() {
  std::lock_guard lock(mutex_);
  db_->close();
  schema_ready_ = false;
}

}  // namespace meter::storage
