// SPDX-License-Identifier: MIT
// What a payload may hold and what it leaves behind: several telegrams in one MQTT message (one
// per line, or M-Bus frames back to back) are each stored, published and counted; the SQLite
// database is created readable by its owner only; 10 MB payloads do not keep their memory.
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "it_fixture.h"
#include "sanitizers.h"

namespace meter::it {
namespace {

using std::chrono::seconds;
namespace fs = std::filesystem;

class Payloads : public ServiceTest {
 protected:
  // The service on SQLite, with the first `count` telegrams of `meter` stored.
  void start_with_stored(const TestMeter& meter, std::size_t count) {
    USE_BACKEND(Backend::kSqlite);
    ASSERT_TRUE(start_service());
    publish(meter.telegrams(0, count));
    ASSERT_TRUE(wait_rows(static_cast<std::int64_t>(count), seconds(30)));
  }
};

TEST_F(Payloads, SeveralTelegramsInOnePayloadAreEachStoredPublishedAndCounted) {
  USE_BACKEND(Backend::kSqlite);
  ASSERT_TRUE(start_service());
  TestMeter meter;
  const auto sent = meter.telegrams(0, 50);
  std::string by_line;
  std::string back_to_back;
  for (std::size_t i = 0; i < 25; ++i) by_line += sent[i].hex + "\n";
  for (std::size_t i = 25; i < 50; ++i) back_to_back += sent[i].hex;
  publish_text(by_line);
  publish_text(back_to_back);

  ASSERT_TRUE(wait_rows(50, seconds(30))) << db().count() << " history rows of 50";
  expect_history_is(sent, meter);
  EXPECT_TRUE(mqtt().wait_count(values_topic_, 50, seconds(10)))
      << mqtt().count(values_topic_) << " values messages of 50";
  // The raw archive keeps the two payloads as received.
  EXPECT_EQ(db().count("Raw"), 2);

  EXPECT_EQ(stop_service(), 0);
  const std::string log = service().log();
  EXPECT_NE(log.find("received 2, decoded 50"), std::string::npos) << log;
  EXPECT_NE(log.find("stored 50 readings"), std::string::npos) << log;
}

std::optional<::mode_t> mode_of(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return std::nullopt;
  return info.st_mode & 0777;
}

TEST_F(Payloads, TheDatabaseIsCreatedReadableByItsOwnerOnly) {
  ASSERT_NO_FATAL_FAILURE(start_with_stored(TestMeter(), 3));
  const fs::path file = dir_ / "data" / "smartmeter.db";
  for (const fs::path& made : {file, fs::path(file.string() + "-wal")}) {
    const auto mode = mode_of(made);
    ASSERT_TRUE(mode.has_value()) << made;
    EXPECT_EQ(*mode & 077, 0u) << made << " has mode " << std::oct << *mode;
  }
  EXPECT_EQ(service().log().find("smartmeter.db can be read by other users"), std::string::npos);
  EXPECT_EQ(stop_service(), 0);
}

TEST_F(Payloads, AnExistingReadableDatabaseKeepsItsModeWithAWarning) {
  USE_BACKEND(Backend::kSqlite);
  const fs::path file = dir_ / "data" / "smartmeter.db";
  fs::create_directories(file.parent_path());
  std::ofstream(file).close();  // an empty file is an empty SQLite database
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  ASSERT_TRUE(start_service());
  EXPECT_TRUE(service().wait_for_log(file.string() + " can be read by other users", seconds(5)))
      << service().log();
  EXPECT_NE(service().log().find("chmod 600 " + file.string()), std::string::npos);
  EXPECT_EQ(mode_of(file), ::mode_t{0644}) << "the mode of an existing file is the user's";
  EXPECT_EQ(stop_service(), 0);
}

using test::kAddressSanitizer;

std::optional<long> rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return std::nullopt;
}

TEST_F(Payloads, TenMegabytePayloadsReleaseTheirMemory) {
  TestMeter meter;
  ASSERT_NO_FATAL_FAILURE(start_with_stored(meter, 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto before = rss_kb(service().pid());
  ASSERT_TRUE(before.has_value());

  // 10 MB payloads are refused by the broker on the service's behalf (MQTT 5 maximum packet
  // size); one of 500 kB still reaches the service and is counted as oversized.
  const std::string big(10 * 1000 * 1000, 'A');
  constexpr std::size_t kBig = 6;
  for (std::size_t i = 0; i < kBig; ++i) publish_text(big);
  publish_text(std::string(500 * 1000, 'B'));
  // Messages are handled in order: once the next telegram is stored, all big ones were seen.
  publish(meter.telegrams(20, 1));
  ASSERT_TRUE(wait_rows(21, seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto after = rss_kb(service().pid());
  ASSERT_TRUE(after.has_value());
  std::cerr << "RSS before " << *before << " kB, after " << kBig << " payloads of 10 MB " << *after
            << " kB\n";
  // One payload's copies held for good would be 10 MB and more: 4 MB is a generous margin.
  if (!kAddressSanitizer) {
    EXPECT_LT(*after - *before, 4 * 1024) << "kB kept after the big payloads";
  }
  EXPECT_TRUE(service().running());
  EXPECT_EQ(stop_service(), 0);
  EXPECT_NE(service().log().find("oversized 1;"), std::string::npos) << service().log();
}

}  // namespace
}  // namespace meter::it
