// SPDX-License-Identifier: MIT
// Power cuts and full disks, against the real `smartmeter run`, mosquitto and SQLite.
//
// A journal left damaged by a power cut (zeros at the end, garbage in the middle) does not stop
// the service: it starts, stores the complete records, logs one line naming the file and shows
// the dropped bytes in /metrics. A full disk (a small tmpfs, filled up) is a state: the service
// says so once, /healthz names it, telegrams wait in memory, and when space returns every
// reading is stored once. Mounting needs root; without it those tests skip and say so.
#include <signal.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "meter/app/journal.h"
#include "sec_support.h"

namespace meter::it {
namespace {

using std::chrono::seconds;

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

class Durability : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    env_["SMARTMETER_HTTP_LISTEN"] = "127.0.0.1:0";
  }
  void TearDown() override {
    if (!mounted_.empty()) {
      if (service_ && service_->running()) service_->stop(SIGTERM, seconds(15));
      ::umount2(mounted_.c_str(), MNT_DETACH);
    }
    ServiceTest::TearDown();
  }
  void start() {
    ASSERT_TRUE(start_service());
    const auto port = wait_http_port(service(), seconds(10));
    ASSERT_TRUE(port) << service().log();
    http_ = std::make_unique<HttpProbe>(*port);
  }
  std::filesystem::path journal_dir() const { return dir_ / "data" / "journal"; }
  // A journal as an earlier run left it: `telegrams` received, none stored yet.
  void write_journal(const std::vector<TestTelegram>& telegrams) {
    app::Journal journal(journal_dir());
    ASSERT_TRUE(journal.open());
    for (const auto& t : telegrams) ASSERT_TRUE(journal.append(1'760'000'000'000, t.hex));
  }
  // A tmpfs of `size` at `dir` (created); false when mounting is not permitted (the caller
  // skips with why_not_mounted_).
  bool mount_tmpfs(const std::filesystem::path& dir, const std::string& size) {
    std::filesystem::create_directories(dir);
    const std::string options = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      why_not_mounted_ = std::string("cannot mount a tmpfs (") + std::strerror(errno) +
                         "): the full-disk tests need root (mount -t tmpfs)";
      return false;
    }
    mounted_ = dir;
    return true;
  }
  // Writes a file in `dir` until the file system is full.
  static void fill(const std::filesystem::path& dir) {
    std::ofstream filler(dir / "filler", std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) filler.flush();
  }
  double metric(const std::string& name) { return metric_value(http_->metrics(), name); }
  bool wait_metric(const std::string& name, double value, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (metric(name) >= value) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  std::unique_ptr<HttpProbe> http_;
  std::filesystem::path mounted_;
  std::string why_not_mounted_;
};

// The tail of a power cut: 50 complete records, then 4096 zero bytes.
TEST_F(Durability, StartsOnAJournalWithAZeroTailAndStoresItsRecords) {
  USE_BACKEND(Backend::kSqlite);
  TestMeter meter;
  const auto sent = meter.telegrams(0, 50);
  write_journal(sent);
  {
    std::ofstream(journal_dir() / "journal.log", std::ios::binary | std::ios::app)
        << std::string(4096, '\0');
  }
  const auto started = Clock::now();
  start();
  ASSERT_TRUE(wait_rows(50, seconds(20))) << db().count() << " of 50 stored";
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  std::printf("started on a journal with a zero tail and stored its 50 records in %lld ms\n",
              static_cast<long long>(took.count()));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{50}, std::int64_t{50}));
  const std::string log = service().log();
  const std::string file = (journal_dir() / "journal.log").string();
  EXPECT_EQ(occurrences(log, file + " was damaged"), 1u) << log;
  EXPECT_NE(log.find("dropped 4096 bytes"), std::string::npos) << log;
  EXPECT_NE(log.find("journal.log.damaged"), std::string::npos) << log;
  EXPECT_EQ(metric("smartmeter_journal_damaged_bytes_total"), 4096);
  EXPECT_TRUE(std::filesystem::exists(journal_dir() / "journal.log.damaged"));

  // Running on: new telegrams are journaled after the cut and stored.
  publish(meter.telegrams(50, 10));
  ASSERT_TRUE(wait_rows(60, seconds(20)));
  EXPECT_EQ(stop_service(), 0);
}

// Garbage in the middle: the records before and after it are stored, the damaged one is not.
TEST_F(Durability, StartsOnAJournalDamagedInTheMiddleAndStoresTheRest) {
  USE_BACKEND(Backend::kSqlite);
  TestMeter meter;
  const auto sent = meter.telegrams(0, 50);
  write_journal(sent);
  const auto log_file = journal_dir() / "journal.log";
  std::string bytes = read_text(log_file);
  const std::size_t record = app::Journal::kHeaderBytes + sent[0].hex.size();
  for (std::size_t i = 0; i < 40; ++i) bytes[20 * record + 30 + i] = static_cast<char>(0xA5 ^ i);
  write_text(log_file, bytes);
  start();
  ASSERT_TRUE(wait_rows(49, seconds(20))) << db().count() << " of 49 stored";
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{49}, std::int64_t{49}));
  EXPECT_TRUE(stored_readings("frame_counter = " + std::to_string(sent[20].frame_counter)).empty());
  const std::string log = service().log();
  EXPECT_EQ(occurrences(log, log_file.string() + " was damaged"), 1u) << log;
  EXPECT_NE(
      log.find("dropped " + std::to_string(record) + " bytes at " + std::to_string(20 * record)),
      std::string::npos)
      << log;
  EXPECT_EQ(metric("smartmeter_journal_damaged_bytes_total"), static_cast<double>(record));
  EXPECT_EQ(metric("smartmeter_journal_damaged_stretches_total"), 1);
  EXPECT_EQ(stop_service(), 0);
}

// After an upgrade: the journal an older version wrote ("<ms> <length> <hex>\n" records) with
// 20 telegrams not stored yet behind its checkpoint. They are stored, and the new ones follow.
TEST_F(Durability, StoresWhatTheOlderTextJournalHeldAndContinuesInTheNewFormat) {
  USE_BACKEND(Backend::kSqlite);
  TestMeter meter;
  const auto old = meter.telegrams(0, 30);
  std::string text;
  std::size_t checkpoint = 0;
  for (std::size_t i = 0; i < old.size(); ++i) {
    text += std::to_string(1'760'000'000'000 + i) + " " + std::to_string(old[i].hex.size()) + " " +
            old[i].hex + "\n";
    if (i == 9) checkpoint = text.size();  // the first 10 were stored before the upgrade
  }
  std::filesystem::create_directories(journal_dir());
  write_text(journal_dir() / "journal.log", text);
  write_text(journal_dir() / "journal.checkpoint", std::to_string(checkpoint));
  start();
  ASSERT_TRUE(wait_rows(20, seconds(20))) << db().count() << " of 20 stored";
  publish(meter.telegrams(30, 5));
  ASSERT_TRUE(wait_rows(25, seconds(20))) << db().count() << " of 25 stored";
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{25}, std::int64_t{25}));
  EXPECT_TRUE(stored_readings("frame_counter < " + std::to_string(old[10].frame_counter)).empty());
  EXPECT_EQ(service().log().find("damaged"), std::string::npos) << service().log();
  EXPECT_EQ(journal_records(), 5u) << "new records are written in the new format";
  EXPECT_EQ(stop_service(), 0);
}

// The data directory (journal and SQLite) on a small tmpfs that fills up while telegrams come.
TEST_F(Durability, FullDiskHoldsTelegramsAndStoresEachOnceWhenSpaceReturns) {
  const auto data = dir_ / "data";
  if (!mount_tmpfs(data, "4m")) GTEST_SKIP() << why_not_mounted_;
  USE_BACKEND(Backend::kSqlite);
  start();
  TestMeter meter;
  const auto before = meter.telegrams(0, 20);
  publish(before);
  ASSERT_TRUE(wait_rows(20, seconds(20)));

  fill(data);
  const auto while_full = meter.telegrams(20, 1000);
  publish(while_full);
  ASSERT_TRUE(wait_metric("smartmeter_telegrams_received_total", 1020, seconds(20)));
  const auto health = http_->get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503) << health->body;
  EXPECT_NE(health->body.find("journal: disk full"), std::string::npos) << health->body;
  EXPECT_NE(health->body.find("telegrams held in memory"), std::string::npos) << health->body;
  const nlohmann::json status = http_->get_json("/api/status");
  EXPECT_FALSE(status["journal"]["writable"].get<bool>()) << status.dump();
  const std::int64_t stored_while_full = db().count();
  const double held = metric("smartmeter_telegrams_held_in_memory");

  std::filesystem::remove(data / "filler");
  const auto after = meter.telegrams(1020, 5);
  publish(after);
  ASSERT_TRUE(wait_rows(1025, seconds(90))) << db().count() << " of 1025 stored";
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{1025}, std::int64_t{1025}));
  EXPECT_EQ(metric("smartmeter_telegrams_lost_total"), 0);
  const auto healthy = http_->get("/healthz");
  ASSERT_TRUE(healthy);
  EXPECT_EQ(healthy->status, 200) << healthy->body;
  const std::string log = service().log();
  EXPECT_LE(occurrences(log, "cannot append to"), 2u) << "the failure is logged once, not per "
                                                         "telegram";
  EXPECT_LE(occurrences(log, "full"), 12u) << log;
  std::printf(
      "full disk: 1000 telegrams while full, %lld of them stored at once, %.0f held in memory "
      "when checked, 0 lost; all 1025 stored once after space returned\n",
      static_cast<long long>(stored_while_full - 20), held);
  EXPECT_EQ(stop_service(), 0);
}

// Only the journal's file system is full, the database has room: held telegrams are written
// to the database directly while the disk stays full.
TEST_F(Durability, FullJournalDiskWritesTheTelegramsToTheDatabaseDirectly) {
  const auto data = dir_ / "data";
  if (!mount_tmpfs(data, "1m")) GTEST_SKIP() << why_not_mounted_;
  USE_BACKEND(Backend::kSqlite);
  std::filesystem::create_directories(dir_ / "db");
  env_["SMARTMETER_SQLITE_FILE"] = (dir_ / "db" / "smartmeter.db").string();
  start();
  db_ = std::make_unique<SqliteDatabase>(dir_ / "db" / "smartmeter.db");
  TestMeter meter;
  publish(meter.telegrams(0, 20));
  ASSERT_TRUE(wait_rows(20, seconds(20)));
  fill(data);
  publish(meter.telegrams(20, 300));
  ASSERT_TRUE(wait_rows(320, seconds(30))) << db().count() << " of 320 stored while full";
  EXPECT_GE(metric("smartmeter_telegrams_stored_from_memory_total"), 299);
  EXPECT_EQ(metric("smartmeter_journal_writable"), 0);
  const auto health = http_->get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503) << health->body;
  EXPECT_NE(health->body.find("journal: disk full"), std::string::npos) << health->body;

  std::filesystem::remove(data / "filler");
  publish(meter.telegrams(320, 5));
  ASSERT_TRUE(wait_rows(325, seconds(30))) << db().count() << " of 325 stored";
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{325}, std::int64_t{325}));
  EXPECT_EQ(metric("smartmeter_journal_writable"), 1);
  EXPECT_EQ(metric("smartmeter_telegrams_lost_total"), 0);
  EXPECT_EQ(stop_service(), 0);
}

// Only the database's file system is full (SQLite: "database or disk is full"): the readings
// wait in the journal, the write is retried, nothing is dropped, and it is logged once.
TEST_F(Durability, FullDatabaseDiskKeepsReadingsInTheJournalUntilSpaceReturns) {
  const auto db_dir = dir_ / "db";
  if (!mount_tmpfs(db_dir, "2m")) GTEST_SKIP() << why_not_mounted_;
  USE_BACKEND(Backend::kSqlite);
  env_["SMARTMETER_SQLITE_FILE"] = (db_dir / "smartmeter.db").string();
  start();
  db_ = std::make_unique<SqliteDatabase>(db_dir / "smartmeter.db");
  TestMeter meter;
  publish(meter.telegrams(0, 20));
  ASSERT_TRUE(wait_rows(20, seconds(20)));
  fill(db_dir);
  publish(meter.telegrams(20, 400));
  ASSERT_TRUE(wait_metric("smartmeter_telegrams_received_total", 420, seconds(20)));
  ASSERT_TRUE(service().wait_for_log("database or disk is full", seconds(20)))
      << "the database never filled up: the test proved nothing";
  std::filesystem::remove(db_dir / "filler");
  ASSERT_TRUE(wait_rows(420, seconds(90))) << db().count() << " of 420 stored";
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(counts(), std::make_pair(std::int64_t{420}, std::int64_t{420}));
  EXPECT_LE(occurrences(service().log(), "database or disk is full"), 2u) << service().log();
  EXPECT_EQ(stop_service(), 0);
}

}  // namespace
}  // namespace meter::it
