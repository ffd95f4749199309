// SPDX-License-Identifier: MIT
#include "meter/storage/mysql_price_store.h"

#include <map>

#include "mysql_connection.h"
#include "mysql_session.h"
#include "price_schema.h"
#include "schema.h"
#include "stats_schema.h"  // clamp_bound

namespace meter::storage {
namespace {

using app::Outcome;
using mysql::bq;
using mysql::Row;

Outcome create_prices_table(mysql::Session& session) {
  if (!session.connection()
           .run("CREATE TABLE IF NOT EXISTS " + bq(detail::kPricesTable) +
                " (`market` varchar(16) NOT NULL, `product` varchar(16) NOT NULL, "
                "`intervalStart` bigint NOT NULL, `price` double NOT NULL, `source` varchar(64) "
                "NOT NULL, `updated` bigint NOT NULL, PRIMARY KEY "
                "(`market`,`product`,`intervalStart`), KEY `pricesUpdated` (`updated`)) "
                "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
           .empty()) {
    return session.fail("query");
  }
  return Outcome::success();
}

}  // namespace

MysqlPriceStore::MysqlPriceStore(MysqlSettings settings)
    : session_(std::make_unique<mysql::Session>(std::move(settings), mysql::Session::Names::kSchema,
                                                create_prices_table)) {}

MysqlPriceStore::~MysqlPriceStore() { close(); }

std::string MysqlPriceStore::describe() const { return session_->describe(detail::kPricesTable); }

Outcome MysqlPriceStore::open() {
  return session_->serialised("open prices", [] { return Outcome::success(); });
}

std::string MysqlPriceStore::write(std::span<const app::PricePoint> points, std::size_t& changed) {
  mysql::Connection& connection = session_->connection();
  const std::string table = bq(detail::kPricesTable);
  std::map<detail::PriceKey, detail::StoredPrice> stored;
  for (const detail::PriceRange& range : detail::price_ranges(points)) {
    // FOR UPDATE: another writer waits until this transaction ends.
    const std::string sql = "SELECT `intervalStart`, `price`, `source` FROM " + table +
                            " WHERE `market`=" + connection.quoted(range.market) +
                            " AND `product`=" + connection.quoted(app::to_string(range.product)) +
                            " AND `intervalStart`>=" + std::to_string(range.first) +
                            " AND `intervalStart`<=" + std::to_string(range.last) + " FOR UPDATE";
    std::string error = connection.select(sql, [&](const Row& row) {
      stored[{range.market, range.product, row.integer(0)}] = {row.real(1).value_or(0),
                                                               row.text(2)};
    });
    if (!error.empty()) return error;
  }
  const std::vector<app::PricePoint> rows = detail::changed_price_points(points, stored);
  if (rows.empty()) return {};
  std::int64_t newest = 0;
  if (std::string error =
          connection.select("SELECT MAX(`updated`) FROM " + table,
                            [&](const Row& row) { newest = row.optional_integer(0).value_or(0); });
      !error.empty()) {
    return error;
  }
  const std::int64_t updated = detail::next_updated_ms(detail::wall_clock_ms(), newest);
  const auto columns = detail::price_column_names();
  mysql::Chunker chunks(connection, mysql::insert_head(table, columns),
                        mysql::upsert_tail({columns.begin() + 3, columns.end()}));
  mysql::Values values(connection);
  for (const app::PricePoint& point : rows) {
    values.text(point.market).text(app::to_string(point.product)).number(point.start);
    values.number(std::optional<double>(point.eur_per_mwh)).text(point.source).number(updated);
    if (std::string error = chunks.add(values.take()); !error.empty()) return error;
  }
  if (std::string error = chunks.flush(); !error.empty()) return error;
  changed = rows.size();
  return {};
}

Outcome MysqlPriceStore::store(std::span<const app::PricePoint> points, std::size_t& changed) {
  changed = 0;
  if (const std::string invalid = detail::check_price_points(points); !invalid.empty()) {
    return Outcome::failure("store prices: " + invalid);
  }
  return session_->serialised("store prices", [&] {
    if (points.empty()) return Outcome::success();
    std::size_t written = 0;
    Outcome done = session_->transaction("store prices", [&] { return write(points, written); });
    if (done) changed = written;
    return done;
  });
}

Outcome MysqlPriceStore::select(const app::PriceQuery& query, std::int64_t updated_since_ms,
                                std::vector<app::PricePoint>& out) {
  out.clear();
  mysql::Connection& connection = session_->connection();
  const std::string sql =
      "SELECT `intervalStart`, `price`, `source` FROM " + bq(detail::kPricesTable) +
      " WHERE `market`=" + connection.quoted(query.market) +
      " AND `product`=" + connection.quoted(app::to_string(query.product)) +
      " AND `intervalStart`>=" + std::to_string(detail::clamp_bound(query.from)) +
      " AND `intervalStart`<" + std::to_string(detail::clamp_bound(query.until)) +
      " AND `updated`>=" + std::to_string(detail::clamp_bound(updated_since_ms)) +
      " ORDER BY `intervalStart`";
  return session_->query("read prices", sql, [&](const Row& row) {
    app::PricePoint& point = out.emplace_back();
    point.market = query.market;
    point.product = query.product;
    point.start = row.integer(0);
    point.eur_per_mwh = row.real(1).value_or(0);
    point.source = row.text(2);
  });
}

Outcome MysqlPriceStore::prices(const app::PriceQuery& query, std::vector<app::PricePoint>& out) {
  return session_->serialised(
      "read prices", [&] { return select(query, std::numeric_limits<std::int64_t>::min(), out); });
}

Outcome MysqlPriceStore::changed_since(const app::PriceQuery& query, std::int64_t updated_since_ms,
                                       std::vector<app::PricePoint>& out) {
  return session_->serialised("read changed prices",
                              [&] { return select(query, updated_since_ms, out); });
}

Outcome MysqlPriceStore::summaries(std::vector<app::PriceSummary>& out) {
  out.clear();
  return session_->serialised("price summaries", [&] {
    return session_->query(
        "price summaries",
        "SELECT `market`, `product`, MIN(`intervalStart`), MAX(`intervalStart`), COUNT(*), "
        "MAX(`updated`) FROM " +
            bq(detail::kPricesTable) + " GROUP BY `market`, `product` ORDER BY 1, 2",
        [&](const Row& row) {
          const auto product = app::parse_price_product(row.text(1));
          if (!product) return;  // a row another program wrote
          out.push_back({row.text(0), *product, row.integer(2), row.integer(3),
                         static_cast<std::size_t>(row.integer(4)), row.integer(5)});
        });
  });
}

void MysqlPriceStore::close() { session_->close(); }

}  // namespace meter::storage
