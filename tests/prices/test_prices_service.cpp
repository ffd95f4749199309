// SPDX-License-Identifier: MIT
// `smartmeter prices` as a user runs it (the real binary, the settings file, SQLite or a real
// MariaDB), and `smartmeter run` with a price source on 127.0.0.1 that fails or hangs: the
// service logs the missing prices and keeps storing and publishing readings.
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "it_fixture.h"
#include "price_server.h"

namespace meter::it {
namespace {

using prices_testing::PriceServer;
using std::chrono::seconds;

std::string fixture_path(const std::string& name) {
  return std::string(METER_PRICE_FIXTURES) + "/" + name;
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class PricesCli : public ServiceTest, public ::testing::WithParamInterface<Backend> {
 protected:
  CommandResult prices(std::vector<std::string> args) {
    args.insert(args.begin(), "prices");
    args.insert(args.begin() + 2, {"--env", env_file_.string()});
    return run_smartmeter(args, dir_);
  }
};

TEST_P(PricesCli, ImportShowAndARefusedFile) {
  USE_BACKEND(GetParam());
  write_env();
  const std::string file = fixture_path("apg-quarter-hour-2025-10-26.csv");
  CommandResult imported = prices({"import", file});
  ASSERT_EQ(imported.status, 0) << imported.err;
  EXPECT_EQ(imported.out, file +
                              " (APG, market AT): stored quarter-hour 2025-10-26T00:00:00+02:00 .. "
                              "2025-10-26T23:45:00+01:00, 100 price(s), 100 changed\n");
  imported = prices({"import", file});
  ASSERT_EQ(imported.status, 0) << imported.err;
  EXPECT_NE(imported.out.find("100 price(s), 0 changed"), std::string::npos) << imported.out;
  imported = prices({"import", fixture_path("entsoe-hour-2025-10-26.csv"), "--market", "AT"});
  ASSERT_EQ(imported.status, 0) << imported.err;
  EXPECT_NE(imported.out.find("stored hour 2025-10-26T00:00:00+02:00 .. 2025-10-26T23:00:00+01:00, "
                              "25 price(s), 25 changed"),
            std::string::npos)
      << imported.out;

  CommandResult shown =
      prices({"show", "--from", "2025-10-26", "--to", "2025-10-26", "--product", "quarter-hour"});
  ASSERT_EQ(shown.status, 0) << shown.err;
  EXPECT_EQ(count_lines(shown.out), 101U) << shown.out;
  EXPECT_NE(shown.out.find("AT,quarter-hour,1761436800,2025-10-26T02:00:00+02:00,50,5,APG csv\n"),
            std::string::npos)
      << shown.out;
  shown = prices({"show", "--from", "2025-10-26", "--to", "2025-10-26", "--format", "json"});
  ASSERT_EQ(shown.status, 0) << shown.err;
  const auto rows = nlohmann::json::parse(shown.out);
  ASSERT_EQ(rows.size(), 125U);
  EXPECT_EQ(rows[0]["product"], "hour");
  EXPECT_EQ(rows[24]["localStart"], "2025-10-26T23:00:00+01:00");

  // A hole: refused, naming the line, and nothing of the file stored.
  std::ifstream in(fixture_path("apg-quarter-hour-2026-01-15.csv"));
  std::stringstream text;
  std::size_t line = 0;
  for (std::string row; std::getline(in, row);) {
    if (++line != 40) text << row << "\n";
  }
  const std::filesystem::path bad = dir_ / "hole.csv";
  std::ofstream(bad) << text.str();
  const CommandResult refused = prices({"import", bad.string()});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find(bad.string() + " line 40: a hole: no prices from 2026-01-15 09:30 CET "
                                            "to 2026-01-15 09:45 CET; nothing was stored"),
            std::string::npos)
      << refused.err;
  shown = prices({"show", "--from", "2026-01-15", "--to", "2026-01-15"});
  EXPECT_EQ(count_lines(shown.out), 1U) << shown.out;
  EXPECT_NE(shown.err.find("no prices"), std::string::npos) << shown.err;
}

TEST_P(PricesCli, FetchFromTheConfiguredSource) {
  USE_BACKEND(GetParam());
  PriceServer server;
  env_["SMARTMETER_PRICES_SOURCE"] = "awattar";
  env_["SMARTMETER_PRICES_URL"] = server.base_url();
  write_env();
  CommandResult fetched = prices({"fetch", "--from", "2026-01-15", "--to", "2026-01-15"});
  ASSERT_EQ(fetched.status, 0) << fetched.err;
  EXPECT_EQ(fetched.out, "aWATTar " + server.base_url() +
                             ": stored hour 2026-01-15T00:00:00+01:00 .. "
                             "2026-01-15T23:00:00+01:00, 24 price(s), 24 changed\n");
  server.set_mode(PriceServer::Mode::kError500);
  fetched = prices({"fetch", "--from", "2026-01-15", "--to", "2026-01-15"});
  EXPECT_EQ(fetched.status, 1);
  EXPECT_NE(fetched.err.find("HTTP 500; nothing was stored"), std::string::npos) << fetched.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, PricesCli,
                         ::testing::Values(Backend::kSqlite, Backend::kMariaDb));

class PricesService : public ServiceTest,
                      public ::testing::WithParamInterface<PriceServer::Mode> {};

TEST_P(PricesService, AFailingSourceLeavesTheReadingsAlone) {
  PriceServer server;
  server.set_mode(GetParam());
  env_["SMARTMETER_PRICES_SOURCE"] = "smartenergy";
  env_["SMARTMETER_PRICES_URL"] = server.base_url();
  ASSERT_TRUE(start_service());
  // While the source fails (or takes its time: the slow one answers after 4 s), readings flow.
  TestMeter meter;
  const auto sent = meter.telegrams(0, 20);
  publish(sent);
  ASSERT_TRUE(mqtt().wait_count(values_topic_, sent.size(), seconds(30)))
      << mqtt().count(values_topic_) << " values messages";
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(sent.size()), seconds(30)))
      << db().count() << " history rows";
  const bool fails = GetParam() != PriceServer::Mode::kSlow;  // the slow one answers, late
  if (fails) {
    ASSERT_TRUE(service().wait_for_log("prices: missing from", seconds(30))) << service().log();
    EXPECT_NE(service().log().find("cost after that is incomplete"), std::string::npos);
  } else {
    // Its answer holds no price of these days; whether that is reported as missing depends on
    // the time of day (tomorrow's prices come at 14:00), so only the answer is waited for.
    ASSERT_TRUE(service().wait_for_log("prices: smartENERGY", seconds(30))) << service().log();
  }
  EXPECT_GE(server.requests(), 1);

  // /api/status and /metrics say so.
  std::smatch match;
  const std::string log = service().log();
  ASSERT_TRUE(
      std::regex_search(log, match, std::regex(R"(dashboard at http://127\.0\.0\.1:(\d+)/)")));
  httplib::Client client("127.0.0.1", std::stoi(match[1].str()));
  client.set_read_timeout(5, 0);
  const auto status = client.Get("/api/status");
  ASSERT_TRUE(status);
  ASSERT_EQ(status->status, 200) << status->body;
  const auto prices = nlohmann::json::parse(status->body).at("prices");
  EXPECT_EQ(prices.at("source"), "smartENERGY " + server.base_url()) << prices.dump();
  EXPECT_EQ(prices.at("last_fetch_ok"), !fails) << prices.dump();
  EXPECT_EQ(prices.at("error").get<std::string>().empty(), !fails) << prices.dump();
  EXPECT_TRUE(prices.at("newest_interval_end").is_null()) << prices.dump();
  const auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(fails ? "smartmeter_prices_fetch_ok 0\n"
                                     : "smartmeter_prices_fetch_ok 1\n"),
            std::string::npos);

  const auto stopped = stop_service(seconds(30));
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, 0) << service().log();
}

INSTANTIATE_TEST_SUITE_P(Faults, PricesService,
                         ::testing::Values(PriceServer::Mode::kError500,
                                           PriceServer::Mode::kGarbage, PriceServer::Mode::kSlow));

}  // namespace
}  // namespace meter::it
