// SPDX-License-Identifier: MIT
// The aWATTar and smartENERGY feeds against a price source on 127.0.0.1 (nothing reaches the
// internet): the fixture JSON read into points, and a source that fails (HTTP 500, garbage, no
// answer in time) as an outcome; the fetcher's schedule and its attempts into a real SQLite
// price store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "meter/app/price_fetch.h"
#include "meter/core/civil_time.h"
#include "meter/prices/price_feeds.h"
#include "meter/storage/sqlite_price_store.h"
#include "price_server.h"

namespace meter::prices_testing {
namespace {

namespace fs = std::filesystem;
using app::PriceProduct;

// make_fixtures.py's price of interval i.
double expected_price(std::size_t i) {
  return 40 + 1.25 * static_cast<double>(i) - (i % 7 == 3 ? 30 : 0) - (i % 11 == 5 ? 45 : 0);
}

std::int64_t day_start(const char* iso) {
  std::int64_t day = 0;
  EXPECT_TRUE(core::parse_iso_day(iso, 10, &day));
  return core::vienna_day_start_utc(day);
}

const std::int64_t kDay = day_start("2026-01-15");

std::unique_ptr<app::PriceFeed> feed(const std::string& source, const PriceServer& server) {
  prices::FeedSettings settings;
  settings.source = source;
  settings.base_url = server.base_url();
  settings.timeout = std::chrono::seconds(1);
  return prices::make_price_feed(settings);
}

class Feeds : public ::testing::TestWithParam<const char*> {
 protected:
  PriceServer server_;
};

TEST_P(Feeds, ReadTheSourcesDay) {
  const std::string source = GetParam();
  const auto f = feed(source, server_);
  ASSERT_NE(f, nullptr);
  std::vector<app::PricePoint> points;
  const app::Outcome fetched = f->fetch(kDay, kDay + 86400, points);
  ASSERT_TRUE(fetched) << fetched.error;
  const bool quarter = source == "smartenergy";
  EXPECT_EQ(f->product(), quarter ? PriceProduct::kQuarterHour : PriceProduct::kHour);
  const std::int64_t step = quarter ? 900 : 3600;
  ASSERT_EQ(points.size(), static_cast<std::size_t>(86400 / step));
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(points[i].start, kDay + static_cast<std::int64_t>(i) * step) << i;
    EXPECT_EQ(points[i].product, f->product());
    EXPECT_EQ(points[i].market, "AT");
    // smartENERGY sends ct/kWh with VAT, rounded to 0.001 ct: back to EUR/MWh without.
    EXPECT_NEAR(points[i].eur_per_mwh, expected_price(i), quarter ? 0.005 : 1e-9) << i;
  }
  if (!quarter) {
    EXPECT_EQ(server_.last_query(),
              std::to_string(kDay * 1000) + "," + std::to_string((kDay + 86400) * 1000));
  }
  // Only what was asked for.
  ASSERT_TRUE(f->fetch(kDay + 3600, kDay + 7200, points));
  EXPECT_EQ(points.size(), static_cast<std::size_t>(3600 / step));
}

TEST_P(Feeds, AFailingSourceIsAnOutcome) {
  const auto f = feed(GetParam(), server_);
  std::vector<app::PricePoint> points;
  server_.set_mode(PriceServer::Mode::kError500);
  app::Outcome fetched = f->fetch(kDay, kDay + 86400, points);
  EXPECT_FALSE(fetched);
  EXPECT_NE(fetched.error.find("HTTP 500"), std::string::npos) << fetched.error;

  server_.set_mode(PriceServer::Mode::kGarbage);
  fetched = f->fetch(kDay, kDay + 86400, points);
  EXPECT_FALSE(fetched);
  EXPECT_NE(fetched.error.find("not the JSON expected"), std::string::npos) << fetched.error;
  EXPECT_TRUE(points.empty());

  server_.set_mode(PriceServer::Mode::kSlow);
  fetched = f->fetch(kDay, kDay + 86400, points);
  EXPECT_FALSE(fetched);
  EXPECT_NE(fetched.error.find(server_.base_url()), std::string::npos) << fetched.error;

  prices::FeedSettings closed;
  closed.source = GetParam();
  closed.base_url = "http://127.0.0.1:1";
  fetched = prices::make_price_feed(closed)->fetch(kDay, kDay + 86400, points);
  EXPECT_FALSE(fetched);
  EXPECT_NE(fetched.error.find("127.0.0.1:1"), std::string::npos) << fetched.error;
}

INSTANTIATE_TEST_SUITE_P(Sources, Feeds, ::testing::Values("awattar", "smartenergy"));

TEST(PriceJson, WrongUnitsAndIntervalsAreRefused) {
  std::vector<app::PricePoint> points;
  EXPECT_FALSE(prices::parse_awattar(
      R"({"data":[{"start_timestamp":0,"end_timestamp":3600000,"marketprice":1,"unit":"ct/kWh"}]})",
      "AT", points));
  const app::Outcome odd = prices::parse_awattar(
      R"({"data":[{"start_timestamp":0,"end_timestamp":1800000,"marketprice":1,"unit":"Eur/MWh"}]})",
      "AT", points);
  EXPECT_FALSE(odd);
  EXPECT_EQ(odd.error, "data[0]: an interval of 30 minutes");
  const app::Outcome date = prices::parse_smartenergy(
      R"({"unit":"ct/kWh","interval":15,"data":[{"date":"2026-01-15 00:00","value":1}]})", "AT",
      points);
  EXPECT_EQ(date.error, "data[0]: '2026-01-15 00:00' is not a time with offset");
  EXPECT_TRUE(points.empty());
}

TEST(PriceSchedule, FetchesAtThePublishTimeAndBacksOff) {
  const app::PriceSchedule schedule;              // 14:00 local, 60 s doubling to an hour
  const std::int64_t morning = kDay + 10 * 3600;  // 10:00 CET (kDay is local midnight)
  const std::int64_t publish_today = kDay + 14 * 3600;
  const std::int64_t publish_tomorrow = publish_today + 86400;
  EXPECT_EQ(app::next_fetch_at(morning, false, 0, schedule), publish_today);
  EXPECT_EQ(app::next_fetch_at(morning, true, 0, schedule), publish_tomorrow);
  EXPECT_EQ(app::next_fetch_at(publish_today + 60, true, 0, schedule), publish_tomorrow);
  // Published late: try again soon.
  EXPECT_EQ(app::next_fetch_at(publish_today + 60, false, 0, schedule), publish_today + 120);
  EXPECT_EQ(app::next_fetch_at(morning, false, 1, schedule), morning + 60);
  EXPECT_EQ(app::next_fetch_at(morning, false, 3, schedule), morning + 240);
  EXPECT_EQ(app::next_fetch_at(morning, true, 20, schedule), morning + 3600);
  // The day the clocks go forward: 14:00 is 12:00 UTC.
  const std::int64_t spring = day_start("2026-03-29");
  EXPECT_EQ(app::next_fetch_at(spring, false, 0, schedule), spring + 14 * 3600 - 3600);
}

class Fetcher : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "meter-fetch-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = std::make_unique<storage::SqlitePriceStore>(dir_ / "smartmeter.db");
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<storage::SqlitePriceStore> store_;
  PriceServer server_;
};

TEST_F(Fetcher, FailsThenStoresTodayAndRetriesForTomorrow) {
  const auto f = feed("awattar", server_);
  std::int64_t now = kDay + 16 * 3600;  // 16:00: tomorrow's prices should be out
  app::PriceFetcher fetcher(*f, *store_, "AT", {}, [&] { return now; });

  server_.set_mode(PriceServer::Mode::kError500);
  fetcher.fetch_once();
  app::PriceFetchStatus status = fetcher.status();
  EXPECT_EQ(status.failures, 1);
  EXPECT_NE(status.last_error.find("HTTP 500"), std::string::npos) << status.last_error;
  EXPECT_EQ(status.last_success, 0);
  EXPECT_FALSE(status.newest_end);
  EXPECT_EQ(fetcher.next_attempt(), now + 60);

  server_.set_mode(PriceServer::Mode::kOk);
  now += 60;
  fetcher.fetch_once();
  status = fetcher.status();
  EXPECT_EQ(status.failures, 0);
  EXPECT_TRUE(status.last_error.empty());
  EXPECT_EQ(status.last_success, now);
  ASSERT_TRUE(status.newest_end);
  EXPECT_EQ(*status.newest_end, kDay + 86400);  // the fixture has today only
  EXPECT_EQ(fetcher.next_attempt(), now + 60) << "tomorrow is missing: soon again";
  std::vector<app::PricePoint> stored;
  ASSERT_TRUE(store_->prices({"AT", PriceProduct::kHour}, stored));
  EXPECT_EQ(stored.size(), 24U);
}

TEST_F(Fetcher, ItsThreadStopsWhileTheSourceHangs) {
  const auto f = feed("smartenergy", server_);
  server_.set_mode(PriceServer::Mode::kSlow);
  app::PriceFetcher fetcher(*f, *store_, "AT", {}, [] { return kDay + 3600; });
  fetcher.start();
  while (server_.requests() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  fetcher.stop();  // returns once the request times out (1 s)
  EXPECT_EQ(fetcher.status().failures, 1);
}

}  // namespace
}  // namespace meter::prices_testing
