// SPDX-License-Identifier: MIT
// `smartmeter replay`: readings deleted from history (or damaged) come back from the raw
// archive with the same values, the debounced table is rebuilt, nothing is stored twice, and
// running it again changes nothing. It runs while the service runs.
#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

class Replay : public ServiceTest, public ::testing::WithParamInterface<Backend> {};

TEST_P(Replay, BringsBackDeletedReadingsWithoutDuplicates) {
  USE_BACKEND(GetParam());
  ASSERT_TRUE(start_service());
  TestMeter meter;
  const auto sent = meter.telegrams(0, 150);
  publish(sent);
  ASSERT_TRUE(wait_rows(150, seconds(30))) << db().count() << " rows";
  ASSERT_TRUE(wait_rows(150, seconds(10), "Raw"));
  const auto buckets = expected_buckets(sent, meter.system_title());
  ASSERT_EQ(static_cast<std::int64_t>(buckets.size()), db().count("Debounced"));
  const std::vector<StoredReading> before = stored_readings();

  // Lose 40 readings and every bucket row; damage one reading that stays.
  db().exec("DELETE FROM " + db().table() + " WHERE frame_counter BETWEEN 1030 AND 1069");
  db().exec("DELETE FROM " + db().table("Debounced"));
  db().exec("UPDATE " + db().table() + " SET PIn = 0, U1 = NULL WHERE frame_counter = 1100");
  ASSERT_EQ(db().count(), 110);

  const CommandResult replay =
      run_smartmeter({"replay", "--env", env_file_.string()}, dir_, "", seconds(60));
  EXPECT_EQ(replay.status, 0) << replay.err;
  EXPECT_NE(replay.err.find("replayed 150 raw telegrams"), std::string::npos) << replay.err;
  expect_history_is(sent, meter);
  expect_buckets_are(buckets);
  const std::vector<StoredReading> after = stored_readings();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].received_at, before[i].received_at)
        << "replay keeps the receive time of frame counter " << after[i].frame_counter;
  }

  // Again: nothing changes, nothing is added.
  const CommandResult again =
      run_smartmeter({"replay", "--env", env_file_.string()}, dir_, "", seconds(60));
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{150}, std::int64_t{150}));
  EXPECT_EQ(db().count("Raw"), 150) << "replay must not archive the telegrams again";
  expect_buckets_are(buckets);
  EXPECT_TRUE(service().running());
}

// The raw archive holds a telegram twice when it arrived twice (QoS 1 redelivery, a journal
// replay after a crash): replay rebuilds the buckets counting each reading once.
TEST_P(Replay, ATelegramArchivedTwiceCountsOnce) {
  USE_BACKEND(GetParam());
  ASSERT_TRUE(start_service());
  TestMeter meter;
  const auto sent = meter.telegrams(0, 100);
  std::vector<TestTelegram> with_repeats;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    with_repeats.push_back(sent[i]);
    if (i % 4 == 0) with_repeats.push_back(sent[i]);  // delivered again right away
  }
  publish(with_repeats);
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(with_repeats.size()), seconds(30), "Raw"));
  ASSERT_TRUE(wait_rows(100, seconds(30)));
  ASSERT_EQ(stop_service(), 0);
  db().exec("DELETE FROM " + db().table("Debounced"));

  const CommandResult replay =
      run_smartmeter({"replay", "--env", env_file_.string()}, dir_, "", seconds(60));
  EXPECT_EQ(replay.status, 0) << replay.err;
  expect_history_is(sent, meter);
  expect_buckets_are(expected_buckets(sent, meter.system_title()));
}

// The raw archive only goes back SMARTMETER_RAW_RETENTION_DAYS, so its oldest bucket can be
// partial (the purge cut into it). Replay must not overwrite that bucket's complete row with
// the few readings left of it.
TEST_P(Replay, APurgedArchiveLeavesCompleteBucketsAlone) {
  USE_BACKEND(GetParam());
  ASSERT_TRUE(start_service());
  TestMeter meter;  // buckets of 30, 60, 60 readings, then the open one
  const auto sent = meter.telegrams(0, 160);
  publish(sent);
  ASSERT_TRUE(wait_rows(160, seconds(30)));
  ASSERT_TRUE(wait_rows(160, seconds(10), "Raw"));
  ASSERT_EQ(stop_service(), 0);
  const auto buckets = expected_buckets(sent, meter.system_title());
  expect_buckets_are(buckets);

  // What the retention purge does to the oldest telegrams (DELETE ... WHERE received_at < x).
  db().exec("DELETE FROM " + db().table("Raw") + " WHERE id <= 20");
  const CommandResult replay =
      run_smartmeter({"replay", "--env", env_file_.string()}, dir_, "", seconds(60));
  EXPECT_EQ(replay.status, 0) << replay.err;
  expect_history_is(sent, meter);
  expect_buckets_are(buckets);
}

// SMARTMETER_RAW_RETENTION_DAYS: raw telegrams older than that are purged; 0 keeps them.
TEST_P(Replay, RawTelegramsOlderThanTheRetentionArePurged) {
  USE_BACKEND(GetParam());
  ASSERT_TRUE(start_service());  // creates the tables
  ASSERT_EQ(stop_service(), 0);
  const std::int64_t day_ms = 86400LL * 1000;
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (int age_days : {40, 3, 2}) {
    db().exec("INSERT INTO " + db().table("Raw") +
              " (received_at, meter, error, payload) VALUES (" +
              std::to_string(now_ms - age_days * day_ms) + ", '', 'not_hex', 'old " +
              std::to_string(age_days) + "')");
  }
  env_["SMARTMETER_RAW_RETENTION_DAYS"] = "0";
  ASSERT_TRUE(start_service());
  TestMeter meter;
  publish(meter.telegrams(0, 5));
  ASSERT_TRUE(wait_rows(8, seconds(20), "Raw"));
  ASSERT_EQ(stop_service(), 0);
  EXPECT_EQ(db().count("Raw"), 8) << "retention 0 keeps everything";

  env_["SMARTMETER_RAW_RETENTION_DAYS"] = "30";
  ASSERT_TRUE(start_service());
  const auto deadline = Clock::now() + seconds(10);
  while (db().count("Raw") > 7 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(db().count("Raw"), 7) << "the 40-day-old telegram is purged at start";
  ASSERT_EQ(stop_service(), 0);

  env_["SMARTMETER_RAW_RETENTION_DAYS"] = "1";
  ASSERT_TRUE(start_service());
  const auto deadline2 = Clock::now() + seconds(10);
  while (db().count("Raw") > 5 && Clock::now() < deadline2) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(db().count("Raw"), 5) << "only today's telegrams are left";
  EXPECT_EQ(db().count(), 5) << "the purge never touches history";
}

INSTANTIATE_TEST_SUITE_P(Storage, Replay, ::testing::Values(Backend::kSqlite, Backend::kMariaDb),
                         backend_name);

}  // namespace
}  // namespace meter::it
