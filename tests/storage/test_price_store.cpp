// SPDX-License-Identifier: MIT
// The PriceStore behaviour, one typed suite on SQLite (a temporary file) and on a real MariaDB
// on 127.0.0.1 (tools/test-servers.sh: under ctest the storage tests' fixture server,
// METER_TEST_MARIADB_DIR; run by hand a server of its own). Without mariadbd the MariaDB half
// skips and says so.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "mariadb_environment.h"
#include "meter/app/prices.h"
#include "meter/storage/mysql_price_store.h"
#include "meter/storage/sqlite_price_store.h"

namespace meter::price_store_testing {
namespace {

namespace fs = std::filesystem;
using app::PricePoint;
using app::PriceProduct;

using MariaDb = storage_testing::MariaDbEnvironment;

fs::path temporary_directory(const char* prefix) {
  std::string pattern = (fs::temp_directory_path() / prefix).string() + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

MariaDb* g_server = nullptr;

// Each engine: make() gives a store on a fresh database, or a reason to skip.
struct Sqlite {
  static constexpr const char* kName = "sqlite";
  fs::path dir = temporary_directory("meter-prices-");
  ~Sqlite() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string skip() const { return dir.empty() ? "no temporary directory" : ""; }
  std::unique_ptr<app::PriceStore> make() const {
    return std::make_unique<storage::SqlitePriceStore>(dir / "smartmeter.db");
  }
};

struct Mariadb {
  static constexpr const char* kName = "mariadb";
  std::string schema = "prices_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++);
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string skip() const {
    if (!g_server->skip().empty()) return g_server->skip();
    return g_server->port() == 0 ? "the test MariaDB did not start" : "";
  }
  storage::MysqlSettings settings() const {
    storage::MysqlSettings s;
    s.host = "127.0.0.1";
    s.port = g_server->port();
    s.user = "smartmeter";
    s.password = "smartmeter-test";
    s.schema = schema;
    return s;
  }
  std::unique_ptr<app::PriceStore> make() const {
    return std::make_unique<storage::MysqlPriceStore>(settings());
  }
};

// A day of one product from `start` (UTC), prices 10, 11, 12, ... plus `offset`.
std::vector<PricePoint> day(PriceProduct product, std::int64_t start, int count, double offset = 0,
                            const std::string& market = "AT") {
  std::vector<PricePoint> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(
        {market, product, start + i * app::duration_of(product), 10.0 + i + offset, "test"});
  }
  return out;
}

constexpr std::int64_t kDay = 1'774'735'200;  // 2026-03-28 22:00 UTC, local midnight of the 29th

template <typename Engine>
class PriceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = engine_.skip(); !why.empty()) GTEST_SKIP() << why;
    store_ = engine_.make();
    ASSERT_TRUE(store_->open()) << store_->describe();
  }
  Engine engine_;
  std::unique_ptr<app::PriceStore> store_;
};

using Engines = ::testing::Types<Sqlite, Mariadb>;
struct EngineNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(PriceStoreTest, Engines, EngineNames);

TYPED_TEST(PriceStoreTest, StoresAndReadsBackEachProductApart) {
  const auto hours = day(PriceProduct::kHour, kDay, 23);  // the spring day: 23 hours
  const auto quarters = day(PriceProduct::kQuarterHour, kDay, 92, 0.25);
  std::size_t changed = 0;
  ASSERT_TRUE(this->store_->store(hours, changed));
  EXPECT_EQ(changed, 23U);
  ASSERT_TRUE(this->store_->store(quarters, changed));
  EXPECT_EQ(changed, 92U);

  std::vector<PricePoint> read;
  ASSERT_TRUE(this->store_->prices({"AT", PriceProduct::kHour}, read));
  EXPECT_EQ(read, hours);
  ASSERT_TRUE(
      this->store_->prices({"AT", PriceProduct::kQuarterHour, kDay + 900, kDay + 3600}, read));
  ASSERT_EQ(read.size(), 3U);
  EXPECT_EQ(read[0], quarters[1]);
  EXPECT_EQ(read[2], quarters[3]);
  ASSERT_TRUE(this->store_->prices({"DE", PriceProduct::kHour}, read));
  EXPECT_TRUE(read.empty());

  std::vector<app::PriceSummary> summaries;
  ASSERT_TRUE(this->store_->summaries(summaries));
  ASSERT_EQ(summaries.size(), 2U);
  EXPECT_EQ(summaries[0].product, PriceProduct::kHour);
  EXPECT_EQ(summaries[0].first_start, kDay);
  EXPECT_EQ(summaries[0].last_start, kDay + 22 * 3600);
  EXPECT_EQ(summaries[0].count, 23U);
  EXPECT_EQ(summaries[1].product, PriceProduct::kQuarterHour);
  EXPECT_EQ(summaries[1].count, 92U);
  EXPECT_GE(summaries[1].last_updated_ms, summaries[0].last_updated_ms);
}

TYPED_TEST(PriceStoreTest, StoringAgainChangesOnlyWhatDiffers) {
  auto hours = day(PriceProduct::kHour, kDay, 24);
  std::size_t changed = 0;
  ASSERT_TRUE(this->store_->store(hours, changed));
  std::vector<app::PriceSummary> before;
  ASSERT_TRUE(this->store_->summaries(before));
  ASSERT_EQ(before.size(), 1U);

  ASSERT_TRUE(this->store_->store(hours, changed));
  EXPECT_EQ(changed, 0U) << "the same prices again are no change";
  std::vector<app::PriceSummary> same;
  ASSERT_TRUE(this->store_->summaries(same));
  EXPECT_EQ(same, before);

  hours[5].eur_per_mwh = -3.5;  // a correction
  hours[6].source = "other";
  ASSERT_TRUE(this->store_->store(hours, changed));
  EXPECT_EQ(changed, 2U);

  std::vector<PricePoint> since;
  ASSERT_TRUE(this->store_->changed_since({"AT", PriceProduct::kHour},
                                          before[0].last_updated_ms + 1, since));
  ASSERT_EQ(since.size(), 2U);
  EXPECT_EQ(since[0], hours[5]);
  EXPECT_EQ(since[1], hours[6]);
  ASSERT_TRUE(this->store_->changed_since({"AT", PriceProduct::kHour}, 0, since));
  EXPECT_EQ(since.size(), 24U);

  std::vector<PricePoint> read;
  ASSERT_TRUE(this->store_->prices({"AT", PriceProduct::kHour}, read));
  EXPECT_EQ(read, hours);
}

TYPED_TEST(PriceStoreTest, AnInvalidPointStoresNothing) {
  auto hours = day(PriceProduct::kHour, kDay, 24);
  hours[20].start += 60;  // not on the hour
  std::size_t changed = 7;
  const app::Outcome stored = this->store_->store(hours, changed);
  EXPECT_FALSE(stored);
  EXPECT_NE(stored.error.find("not aligned"), std::string::npos) << stored.error;
  EXPECT_EQ(changed, 0U);
  std::vector<PricePoint> read;
  ASSERT_TRUE(this->store_->prices({"AT", PriceProduct::kHour}, read));
  EXPECT_TRUE(read.empty()) << "nothing half stored";
}

TYPED_TEST(PriceStoreTest, ASecondConnectionSeesTheSamePrices) {
  const auto hours = day(PriceProduct::kHour, kDay, 24, 0, "DE");
  std::size_t changed = 0;
  ASSERT_TRUE(this->store_->store(hours, changed));
  this->store_->close();
  auto other = this->engine_.make();
  std::vector<PricePoint> read;
  ASSERT_TRUE(other->prices({"DE", PriceProduct::kHour}, read));
  EXPECT_EQ(read, hours);
}

TEST(MysqlPriceStore, UnreachableServerIsAnOutcomeNotACrash) {
  storage::MysqlSettings unreachable;
  unreachable.host = "127.0.0.1";
  unreachable.port = 1;
  storage::MysqlPriceStore store(unreachable);
  const app::Outcome opened = store.open();
  EXPECT_FALSE(opened);
  EXPECT_NE(opened.error.find("database unreachable"), std::string::npos) << opened.error;
}

}  // namespace
}  // namespace meter::price_store_testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  meter::price_store_testing::g_server =
      new meter::price_store_testing::MariaDb("meter-prices-mariadb-");
  ::testing::AddGlobalTestEnvironment(meter::price_store_testing::g_server);
  return RUN_ALL_TESTS();
}
