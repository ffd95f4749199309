// SPDX-License-Identifier: MIT
// Bad telegrams mixed into the stream: wrong key, a flipped checksum byte, the first frame only,
// garbage text, 100 kB payloads, non-hex text, binary junk, empty messages. The service keeps
// running, stores every good telegram, counts and names each cause, and keeps its log short.
#include <signal.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "it_fixture.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

struct BadKind {
  const char* name;
  const char* log_text;  // what the log line must say
};

constexpr BadKind kBadKinds[] = {
    {"wrong key", "probably the wrong key"},
    {"flipped checksum byte", "checksum"},
    {"first frame only", "incomplete"},
    {"garbage text", ""},  // "not hex" or "no M-Bus frame": either names it
    {"100 kB payload", "too large"},
    {"non-hex character", "not hex"},
    {"binary junk", ""},
    {"empty message", ""},
};
constexpr std::size_t kKindCount = sizeof kBadKinds / sizeof kBadKinds[0];

// The bad message of kind `kind`, made from telegram `index` of `meter`.
std::string bad_message(const TestMeter& meter, std::size_t kind, std::size_t index) {
  TestTelegram t = meter.telegram(index);
  std::vector<std::uint8_t> bytes = t.bytes;
  const std::size_t first_frame = 4u + bytes[1] + 2u;  // 68 L L 68 ... CS 16
  switch (kind) {
    case 0:
      return meter.with_key(index, kOtherKey).hex;
    case 1:
      bytes[first_frame - 2] ^= 0xFF;
      return to_hex(bytes);
    case 2:
      bytes.resize(first_frame);
      return to_hex(bytes);
    case 3:
      return "hello from the garage, this is not a telegram #" + std::to_string(index);
    case 4: {
      std::string big;
      while (big.size() < 100 * 1000) big += t.hex;
      return big;
    }
    case 5: {
      std::string text = t.hex;
      text[60] = 'G';
      return text;
    }
    case 6: {
      std::string junk(300, '\0');
      for (std::size_t i = 0; i < junk.size(); ++i) {
        junk[i] = static_cast<char>((i * 131 + index * 7) & 0xFF);
      }
      return junk;
    }
    default:
      return "";
  }
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class BadInput : public ServiceTest {};

TEST_F(BadInput, EveryCauseIsNamedAndTheNextGoodTelegramIsStored) {
  USE_BACKEND(Backend::kSqlite);
  ASSERT_TRUE(start_service());
  TestMeter meter;
  std::vector<TestTelegram> good;
  std::vector<std::string> stream;
  std::size_t bad_journaled = 0;  // all but the oversized ones reach the raw archive
  for (std::size_t i = 0; i < 2 * kKindCount; ++i) {
    good.push_back(meter.telegram(i));
    stream.push_back(good.back().hex);
    const std::size_t kind = i % kKindCount;
    // Bad telegrams use frame counters of their own (index + 500): never a good one's.
    stream.push_back(bad_message(meter, kind, i + 500));
    if (kind != 4) ++bad_journaled;
  }
  for (const auto& payload : stream) publish_text(payload);

  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(good.size()), seconds(30)))
      << db().count() << " history rows";
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(good.size() + bad_journaled), seconds(10), "Raw"))
      << db().count("Raw") << " raw rows";
  EXPECT_TRUE(service().running()) << "the service died on bad input";
  expect_history_is(good, meter);
  EXPECT_TRUE(mqtt().wait_count(values_topic_, good.size(), seconds(10)));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(mqtt().count(values_topic_), good.size()) << "only good telegrams have values";

  // Rejected telegrams are archived with their cause.
  const Rows errors = db().query("SELECT error, COUNT(*) FROM " + db().table("Raw") +
                                 " WHERE error <> '' GROUP BY error ORDER BY error");
  std::map<std::string, std::int64_t> by_cause;
  std::int64_t archived = 0;
  for (const Row& row : errors) {
    by_cause[row[0].value_or("")] = as_int(row[1]);
    archived += as_int(row[1]);
  }
  EXPECT_EQ(archived, static_cast<std::int64_t>(bad_journaled));
  EXPECT_EQ(by_cause["wrong_key"], 2);
  EXPECT_EQ(by_cause["checksum"], 2);
  EXPECT_EQ(by_cause["not_hex"] + by_cause["no_frame"], 2 + 2 + 2 + 2)
      << "garbage text, non-hex, binary junk and empty messages";
  EXPECT_GE(by_cause["incomplete"] + by_cause["truncated"], 2);

  // The log names every cause.
  const std::string log = service().log();
  for (std::size_t kind = 0; kind < kKindCount; ++kind) {
    if (*kBadKinds[kind].log_text == '\0') continue;
    EXPECT_NE(log.find(kBadKinds[kind].log_text), std::string::npos)
        << "the log does not mention " << kBadKinds[kind].name << " (\"" << kBadKinds[kind].log_text
        << "\")";
  }
  EXPECT_EQ(count_of(log, "rejected telegram:"), 2 * kKindCount);

  // The summary at the end counts them per cause.
  EXPECT_EQ(stop_service(), 0);
  const std::string summary = service().log();
  EXPECT_NE(summary.find("wrong_key 2"), std::string::npos) << summary;
  EXPECT_NE(summary.find("checksum 2"), std::string::npos);
  EXPECT_NE(summary.find("oversized 2"), std::string::npos);
  EXPECT_NE(summary.find("decoded " + std::to_string(good.size())), std::string::npos);
}

TEST_F(BadInput, AThousandBadMessagesKeepTheLogShort) {
  USE_BACKEND(Backend::kSqlite);
  ASSERT_TRUE(start_service());
  TestMeter meter;
  std::vector<TestTelegram> good;
  std::vector<std::string> stream;
  std::size_t next_good = 0;
  for (std::size_t i = 0; i < 1000; ++i) {
    if (i % 50 == 0) {
      good.push_back(meter.telegram(next_good++));
      stream.push_back(good.back().hex);
    }
    // Everything but the 100 kB payloads: a thousand of those would only test the broker.
    std::size_t kind = i % kKindCount;
    if (kind == 4) kind = 5;
    stream.push_back(bad_message(meter, kind, 5000 + i));
  }
  good.push_back(meter.telegram(next_good++));
  stream.push_back(good.back().hex);
  ASSERT_TRUE(mqtt().publish_all(raw_topic_, stream));

  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(good.size()), seconds(30)));
  ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(stream.size()), seconds(30), "Raw"))
      << db().count("Raw") << " raw rows";
  EXPECT_TRUE(service().running());
  expect_history_is(good, meter);

  const std::string log = service().log();
  EXPECT_EQ(count_of(log, "rejected telegram:"), 20u) << "at most 20 lines a minute";
  EXPECT_LT(count_of(log, "\n"), 40u) << log;

  EXPECT_EQ(stop_service(), 0);
  const std::string after = service().log();
  EXPECT_NE(after.find("received " + std::to_string(stream.size())), std::string::npos) << after;
  EXPECT_NE(after.find("decoded " + std::to_string(good.size())), std::string::npos) << after;
}

}  // namespace
}  // namespace meter::it
