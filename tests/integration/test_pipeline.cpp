// SPDX-License-Identifier: MIT
// The happy path end to end, on SQLite and on MariaDB: telegrams published on the raw topic come
// out on the values topic exactly as `smartmeter decode` prints them, and land in history (one
// row each, meter time), historyDebounced (one row per closed 5-minute bucket with the
// documented aggregates) and historyRaw (the payloads as received).
#include <signal.h>

#include <algorithm>
#include <sstream>

#include "it_fixture.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The values messages (line ends dropped) are the lines `smartmeter decode` printed, in any
// order: the service publishes in arrival order.
void expect_same_lines(std::vector<std::string> published, const std::string& decoded) {
  std::vector<std::string> expected = lines_of(decoded);
  for (auto& payload : published) {
    while (!payload.empty() && (payload.back() == '\n' || payload.back() == '\r')) {
      payload.pop_back();
    }
  }
  std::sort(expected.begin(), expected.end());
  std::sort(published.begin(), published.end());
  EXPECT_EQ(published, expected);
}

class Pipeline : public ServiceTest, public ::testing::WithParamInterface<Backend> {};

TEST_P(Pipeline, StoresEveryTelegramWithMeterTimeAndPublishesWhatDecodePrints) {
  USE_BACKEND(GetParam());
  ASSERT_TRUE(start_service());

  TestMeter meter;  // first telegram 150 s into a bucket: 30 + 60 + 60 closed, 50 open
  const auto sent = meter.telegrams(0, 200);
  publish(sent);
  ASSERT_TRUE(mqtt().wait_count(values_topic_, sent.size(), seconds(30)))
      << mqtt().count(values_topic_) << " values messages";
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(sent.size()), seconds(30)))
      << db().count() << " history rows";

  // history: one row per telegram, meter time, every value.
  expect_history_is(sent, meter);

  // Values topic: byte for byte what `smartmeter decode` prints for the same telegrams.
  std::string input;
  for (const auto& t : sent) input += t.hex + "\n";
  const CommandResult decoded = run_smartmeter({"decode", "--key", kKey}, dir_, input);
  ASSERT_EQ(decoded.status, 0) << decoded.err;
  const std::vector<std::string> published = mqtt().messages(values_topic_);
  ASSERT_EQ(lines_of(decoded.out).size(), sent.size());
  EXPECT_EQ(published.size(), sent.size());
  expect_same_lines(published, decoded.out);

  // historyDebounced: the three closed buckets (30, 60, 60 readings), not the open one.
  const auto buckets = expected_buckets(sent, meter.system_title());
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].samples, 30);
  EXPECT_EQ(buckets[1].samples, 60);
  expect_buckets_are(buckets);

  // historyRaw: every payload as received, with the meter and no error.
  const Rows raw =
      db().query("SELECT payload, meter, error FROM " + db().table("Raw") + " ORDER BY id");
  ASSERT_EQ(raw.size(), sent.size());
  std::vector<std::string> raw_payloads;
  for (const Row& row : raw) {
    raw_payloads.push_back(row[0].value_or(""));
    EXPECT_EQ(row[1].value_or("NULL"), meter.system_title());
    EXPECT_EQ(row[2].value_or("NULL"), "");
  }
  std::vector<std::string> sent_payloads;
  for (const auto& t : sent) sent_payloads.push_back(t.hex);
  std::sort(raw_payloads.begin(), raw_payloads.end());
  std::sort(sent_payloads.begin(), sent_payloads.end());
  EXPECT_EQ(raw_payloads, sent_payloads);

  // Ctrl-C stops it cleanly, and nothing more is written.
  milliseconds took{0};
  EXPECT_EQ(service().stop(SIGINT, seconds(10), &took), 0);
  EXPECT_LT(took, seconds(5));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{200}, std::int64_t{200}));
}

// Several meters on one topic, each with its own key from SMARTMETER_KEYS: every reading is
// stored under its meter, buckets are per meter.
TEST_P(Pipeline, SeveralMetersWithTheirOwnKeys) {
  USE_BACKEND(GetParam());
  TestMeter first("4B464D6750000001", "181220000001", kKey);
  TestMeter second("5341475905E990F3", "181220000002", kOtherKey);
  second.first_counter = 70000;
  env_["SMARTMETER_KEYS"] = std::string("5341475905E990F3=") + kOtherKey;
  ASSERT_TRUE(start_service());

  const auto a = first.telegrams(0, 80);
  const auto b = second.telegrams(0, 80);
  std::vector<TestTelegram> interleaved;
  for (std::size_t i = 0; i < a.size(); ++i) {
    interleaved.push_back(a[i]);
    interleaved.push_back(b[i]);
  }
  publish(interleaved);
  ASSERT_TRUE(wait_rows(160, seconds(30))) << db().count() << " history rows";
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{160}, std::int64_t{160}));
  EXPECT_EQ(stored_readings("meter = '" + first.system_title() + "'").size(), 80u);
  EXPECT_EQ(stored_readings("meter = '" + second.system_title() + "'").size(), 80u);

  std::vector<BucketRow> buckets = expected_buckets(a, first.system_title());
  const auto second_buckets = expected_buckets(b, second.system_title());
  buckets.insert(buckets.end(), second_buckets.begin(), second_buckets.end());
  std::sort(buckets.begin(), buckets.end(), [](const BucketRow& x, const BucketRow& y) {
    return std::tie(x.meter, x.bucket_start) < std::tie(y.meter, y.bucket_start);
  });
  expect_buckets_are(buckets);
}

// A backlog (telegrams the broker kept while the service was away) arrives as a burst: every
// one of them is stored, and every one gets its values message.
TEST_P(Pipeline, ABacklogGetsEveryValuesMessage) {
  USE_BACKEND(GetParam());
  ASSERT_TRUE(start_service());  // creates the persistent session
  ASSERT_EQ(stop_service(), 0);
  TestMeter meter;
  // Below mosquitto's default max_queued_messages (1000), which the test broker keeps.
  const auto sent = meter.telegrams(0, 990);
  publish(sent);  // the broker keeps them for the service
  ASSERT_TRUE(start_service());
  ASSERT_TRUE(wait_rows(990, seconds(30))) << db().count() << " of 990 stored";
  EXPECT_TRUE(mqtt().wait_count(values_topic_, sent.size(), seconds(5)))
      << "values messages for " << mqtt().count(values_topic_) << " of " << sent.size()
      << " telegrams";
  expect_history_is(sent, meter);
}

INSTANTIATE_TEST_SUITE_P(Storage, Pipeline, ::testing::Values(Backend::kSqlite, Backend::kMariaDb),
                         backend_name);

// Every framing the bytes identify, with no setting but the keys: the service stores and
// publishes the same readings whether they came in M-Bus or HDLC frames, in block transfer
// blocks with an authentication tag, or as the P1 text telegram in a ciphered APDU.
struct LinkCase {
  Link link;
  const char* name;
};

class PipelineLinks : public ServiceTest, public ::testing::WithParamInterface<LinkCase> {};

TEST_P(PipelineLinks, StoresAndPublishesEveryFramingWithoutAFormatSetting) {
  TestMeter meter;
  meter.link = GetParam().link;
  env_["SMARTMETER_AUTH_KEY"] = kAuthKeyHex;
  ASSERT_TRUE(start_service());
  const auto sent = meter.telegrams(0, 12);
  publish(sent);
  ASSERT_TRUE(mqtt().wait_count(values_topic_, sent.size(), seconds(30)))
      << mqtt().count(values_topic_) << " values messages\n"
      << service().log();
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(sent.size()), seconds(30)))
      << db().count() << " history rows";
  expect_history_is(sent, meter);

  std::string input;
  for (const auto& t : sent) input += t.hex + "\n";
  const CommandResult decoded =
      run_smartmeter({"decode", "--key", kKey, "--auth-key", kAuthKeyHex}, dir_, input);
  ASSERT_EQ(decoded.status, 0) << decoded.err;
  expect_same_lines(mqtt().messages(values_topic_), decoded.out);
  EXPECT_EQ(service().stop(SIGTERM, seconds(10)), 0);
}

INSTANTIATE_TEST_SUITE_P(Framings, PipelineLinks,
                         ::testing::Values(LinkCase{Link::kHdlc, "hdlc"},
                                           LinkCase{Link::kGbtInHdlc, "gbt_in_hdlc_sc30"},
                                           LinkCase{Link::kP1TextApdu, "p1_text_apdu"}),
                         [](const ::testing::TestParamInfo<LinkCase>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace meter::it
