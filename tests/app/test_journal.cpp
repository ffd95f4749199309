// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "meter/app/journal.h"

namespace meter::app {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // /dev/shm where there is one: the tests open hundreds of journals, and fsync is free there.
    const std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    dir_ = base / ("smartmeter-journal-" + std::to_string(::getpid()) + "-" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<Journal::Record> read_all(const Journal& journal, std::uint64_t from) {
    std::vector<Journal::Record> records;
    EXPECT_TRUE(journal.read(from, 100000, records));
    return records;
  }

  std::filesystem::path log() const { return dir_ / "journal.log"; }
  std::string file_text(const std::filesystem::path& file) const {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void write_file(const std::filesystem::path& file, const std::string& bytes) const {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  }
  void append_file(const std::filesystem::path& file, const std::string& bytes) const {
    std::ofstream(file, std::ios::binary | std::ios::app) << bytes;
  }
  // A journal of `count` records "telegram-<i>" received at 1000 + i; their end offsets.
  std::vector<std::uint64_t> write_records(std::size_t count) {
    Journal journal(dir_);
    EXPECT_TRUE(journal.open());
    std::vector<std::uint64_t> ends;
    for (std::size_t i = 0; i < count; ++i) {
      EXPECT_TRUE(
          journal.append(static_cast<std::int64_t>(1000 + i), "telegram-" + std::to_string(i)));
      ends.push_back(journal.size());
    }
    return ends;
  }
  // The numbers i of the records "telegram-<i>" read from `from`, in order.
  std::vector<std::size_t> numbers(const Journal& journal, std::uint64_t from = 0) {
    std::vector<std::size_t> out;
    for (const auto& record : read_all(journal, from)) {
      EXPECT_EQ(record.payload.rfind("telegram-", 0), 0u) << record.payload;
      const std::size_t i = std::stoul(record.payload.substr(9));
      EXPECT_EQ(record.received_at_ms, static_cast<std::int64_t>(1000 + i));
      out.push_back(i);
    }
    return out;
  }
  static std::vector<std::size_t> range(std::size_t from, std::size_t to) {
    std::vector<std::size_t> out;
    for (std::size_t i = from; i < to; ++i) out.push_back(i);
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(JournalTest, RecordsComeBackInOrderWithAnyBytes) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  ASSERT_TRUE(journal.append(1000, "68FAFA68"));
  ASSERT_TRUE(journal.append(1001, std::string("two\nlines and a \0 byte\0", 23)));
  ASSERT_TRUE(journal.append(1002, ""));
  const auto records = read_all(journal, 0);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].received_at_ms, 1000);
  EXPECT_EQ(records[0].payload, "68FAFA68");
  EXPECT_EQ(records[1].payload, std::string("two\nlines and a \0 byte\0", 23));
  EXPECT_EQ(records[2].payload, "");
  EXPECT_EQ(records[2].end_offset, journal.size());
}

TEST_F(JournalTest, CheckpointSurvivesReopeningAndUncommittedRecordsAreReadAgain) {
  std::uint64_t first_end = 0;
  {
    Journal journal(dir_);
    ASSERT_TRUE(journal.open());
    ASSERT_TRUE(journal.append(1, "a"));
    ASSERT_TRUE(journal.append(2, "b"));
    first_end = read_all(journal, 0)[0].end_offset;
    EXPECT_EQ(journal.commit(first_end), first_end);
  }
  Journal reopened(dir_);
  ASSERT_TRUE(reopened.open());
  EXPECT_EQ(reopened.checkpoint(), first_end);
  const auto records = read_all(reopened, reopened.checkpoint());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload, "b");
}

TEST_F(JournalTest, TornTailFromACrashIsDroppedAndLaterAppendsStayReadable) {
  {
    Journal journal(dir_);
    ASSERT_TRUE(journal.open());
    ASSERT_TRUE(journal.append(1, "complete"));
  }
  std::ofstream(dir_ / "journal.log", std::ios::app) << "2 10 half";  // killed mid-write
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  ASSERT_TRUE(journal.append(3, "after restart"));
  const auto records = read_all(journal, 0);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].payload, "complete");
  EXPECT_EQ(records[1].payload, "after restart");
}

TEST_F(JournalTest, ReadingStopsAtTheLimitAndResumesFromAnOffset) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(journal.append(i, std::to_string(i)));
  std::vector<Journal::Record> first;
  ASSERT_TRUE(journal.read(0, 2, first));
  ASSERT_EQ(first.size(), 2u);
  const auto rest = read_all(journal, first.back().end_offset);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].payload, "2");
  EXPECT_EQ(journal.pending_bytes(), journal.size());
}

TEST_F(JournalTest, FullyCommittedLargeLogIsTruncated) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  const std::string payload(1000, 'A');
  while (journal.size() <= Journal::kTruncateAbove) ASSERT_TRUE(journal.append(1, payload));
  EXPECT_EQ(journal.commit(journal.size()), 0u);
  EXPECT_EQ(journal.size(), 0u);
  EXPECT_EQ(std::filesystem::file_size(dir_ / "journal.log"), 0u);
  ASSERT_TRUE(journal.append(2, "next"));
  EXPECT_EQ(read_all(journal, 0).size(), 1u);
}

TEST_F(JournalTest, RejectsPayloadsLargerThanItsLimit) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  EXPECT_FALSE(journal.append(1, std::string(Journal::kMaxPayloadBytes + 1, 'A')));
  EXPECT_EQ(journal.size(), 0u);
}

// A power cut after the file grew but before its data reached the disk leaves zeros at the end.
TEST_F(JournalTest, ZeroFilledTailIsCutKeptAsideAndReported) {
  const auto ends = write_records(50);
  append_file(log(), std::string(4096, '\0'));
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  EXPECT_EQ(numbers(journal), range(0, 50));
  const JournalRecovery& recovery = journal.recovery();
  ASSERT_EQ(recovery.stretches.size(), 1u);
  EXPECT_EQ(recovery.stretches[0].begin, ends.back());
  EXPECT_EQ(recovery.stretches[0].end, ends.back() + 4096);
  EXPECT_TRUE(recovery.stretches[0].at_end);
  EXPECT_TRUE(recovery.stretches[0].zeros);
  EXPECT_EQ(recovery.dropped_bytes, 4096u);
  EXPECT_EQ(recovery.pending_records, 50u);
  EXPECT_EQ(std::filesystem::file_size(log()), ends.back());
  const std::string kept = file_text(journal.damaged_path());
  EXPECT_NE(kept.find(std::string(4096, '\0')), std::string::npos);
  EXPECT_NE(kept.find("bytes " + std::to_string(ends.back())), std::string::npos);
  const std::string line = describe_recovery(recovery, journal);
  EXPECT_NE(line.find(log().string()), std::string::npos) << line;
  EXPECT_NE(line.find("dropped 4096 bytes"), std::string::npos) << line;
  EXPECT_NE(line.find(journal.damaged_path().string()), std::string::npos) << line;

  ASSERT_TRUE(journal.append(1050, "telegram-50"));
  EXPECT_EQ(numbers(journal), range(0, 51));
  Journal again(dir_);
  ASSERT_TRUE(again.open());
  EXPECT_FALSE(again.recovery().damaged());
  EXPECT_EQ(numbers(again), range(0, 51));
}

TEST_F(JournalTest, RandomBytesAtTheEndAreCut) {
  write_records(50);
  std::mt19937 random(14);
  std::string noise(300, '\0');
  for (char& c : noise) c = static_cast<char>(random());
  append_file(log(), noise);
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  EXPECT_EQ(numbers(journal), range(0, 50));
  ASSERT_EQ(journal.recovery().stretches.size(), 1u);
  EXPECT_EQ(journal.recovery().dropped_bytes, 300u);
  EXPECT_FALSE(journal.recovery().stretches[0].zeros);
}

// Killed or cut off at any byte of the last record: the ones before it stay.
TEST_F(JournalTest, RecordCutAtAnyLengthIsDropped) {
  const auto ends = write_records(4);
  const std::string whole = file_text(log());
  for (std::uint64_t cut = ends[2] + 1; cut < ends[3]; ++cut) {
    write_file(log(), whole.substr(0, cut));
    Journal journal(dir_);
    ASSERT_TRUE(journal.open());
    EXPECT_EQ(numbers(journal), range(0, 3)) << "cut at " << cut;
    EXPECT_EQ(journal.size(), ends[2]);
    EXPECT_EQ(journal.recovery().dropped_bytes, cut - ends[2]);
  }
}

TEST_F(JournalTest, DamageInTheMiddleSkipsToTheNextValidRecord) {
  const auto ends = write_records(50);
  std::string bytes = file_text(log());
  bytes[ends[19] + Journal::kHeaderBytes + 3] ^= 0x10;  // a bit of record 20's payload
  bytes[ends[29] + 5] ^= 0x01;                          // record 30's length
  write_file(log(), bytes);
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  std::vector<std::size_t> expected = range(0, 50);
  std::erase(expected, 20u);
  std::erase(expected, 30u);
  EXPECT_EQ(numbers(journal), expected);
  const JournalRecovery& recovery = journal.recovery();
  ASSERT_EQ(recovery.stretches.size(), 2u);
  EXPECT_EQ(recovery.stretches[0].begin, ends[19]);
  EXPECT_EQ(recovery.stretches[0].end, ends[20]);
  EXPECT_FALSE(recovery.stretches[0].at_end);
  EXPECT_EQ(recovery.dropped_bytes, (ends[20] - ends[19]) + (ends[30] - ends[29]));
  EXPECT_EQ(recovery.pending_records, 48u);
  EXPECT_EQ(journal.size(), ends.back()) << "damage in the middle does not cut the file";

  // Reading in small steps from each record's end crosses the skipped stretches too.
  std::vector<std::size_t> stepped;
  std::uint64_t offset = 0;
  for (;;) {
    std::vector<Journal::Record> one;
    ASSERT_TRUE(journal.read(offset, 1, one));
    if (one.empty()) break;
    stepped.push_back(std::stoul(one[0].payload.substr(9)));
    offset = one[0].end_offset;
  }
  EXPECT_EQ(stepped, expected);
  ASSERT_TRUE(journal.append(1050, "telegram-50"));
  // The damage was overwritten with padding: the next start finds nothing (and logs nothing).
  Journal reopened(dir_);
  ASSERT_TRUE(reopened.open());
  EXPECT_FALSE(reopened.recovery().damaged());
  expected.push_back(50);
  EXPECT_EQ(numbers(reopened), expected);
  EXPECT_EQ(numbers(journal, ends[25]),
            (std::vector<std::size_t>{26, 27, 28, 29, 31, 32, 33, 34, 35, 36, 37, 38,
                                      39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50}));
}

// Every single bit flipped, one at a time: at most the record holding it is lost, none comes
// back twice or altered, and the journal stays usable.
TEST_F(JournalTest, AnySingleBitFlipLosesAtMostThatRecord) {
  const auto ends = write_records(3);
  const std::string whole = file_text(log());
  for (std::size_t bit = 0; bit < whole.size() * 8; ++bit) {
    std::string bytes = whole;
    bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
    write_file(log(), bytes);
    std::filesystem::remove(dir_ / "journal.checkpoint");
    Journal journal(dir_);
    ASSERT_TRUE(journal.open());
    const std::size_t hit = static_cast<std::size_t>(
        std::upper_bound(ends.begin(), ends.end(), bit / 8) - ends.begin());
    std::vector<std::size_t> expected = range(0, 3);
    std::erase(expected, hit);
    EXPECT_EQ(numbers(journal), expected) << "bit " << bit;
    EXPECT_TRUE(journal.recovery().damaged()) << "bit " << bit;
    ASSERT_TRUE(journal.append(1003, "telegram-3"));
    EXPECT_EQ(numbers(journal).back(), 3u);
  }
}

// A checkpoint larger than the file (the file lost its end, or was replaced): everything in it
// is read again, which stores nothing twice.
TEST_F(JournalTest, CheckpointBeyondTheEndReadsTheJournalAgain) {
  write_records(5);
  write_file(dir_ / "journal.checkpoint", "999999");
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  EXPECT_TRUE(journal.recovery().checkpoint_reset);
  EXPECT_EQ(journal.checkpoint(), 0u);
  EXPECT_EQ(numbers(journal, journal.checkpoint()), range(0, 5));
  EXPECT_NE(describe_recovery(journal.recovery(), journal).find("read again"), std::string::npos);
}

// A journal written by an older version ("<ms> <length> <payload>\n"): its pending records are
// read, new ones are appended in the current format after them, and both survive reopening.
TEST_F(JournalTest, OlderTextJournalIsReadAndContinuedInTheNewFormat) {
  std::filesystem::create_directories(dir_);
  const std::string first = "1000 10 telegram-0\n";
  write_file(log(), first + "1001 10 telegram-1\n1002 10 telegram-2\n");
  write_file(dir_ / "journal.checkpoint", std::to_string(first.size()));
  {
    Journal journal(dir_);
    ASSERT_TRUE(journal.open());
    EXPECT_FALSE(journal.recovery().damaged());
    EXPECT_EQ(journal.recovery().pending_records, 2u);
    EXPECT_EQ(numbers(journal, journal.checkpoint()), range(1, 3));
    ASSERT_TRUE(journal.append(1003, "telegram-3"));
    EXPECT_EQ(numbers(journal, journal.checkpoint()), range(1, 4));
    EXPECT_EQ(file_text(log()).substr(file_text(log()).size() - 30, 4), "\x89SMJ");
  }
  Journal reopened(dir_);
  ASSERT_TRUE(reopened.open());
  EXPECT_FALSE(reopened.recovery().damaged());
  EXPECT_EQ(numbers(reopened, reopened.checkpoint()), range(1, 4));
  EXPECT_EQ(numbers(reopened, 0), range(0, 4));
}

TEST_F(JournalTest, OlderTextJournalWithAZeroTailKeepsItsCompleteRecords) {
  std::filesystem::create_directories(dir_);
  write_file(log(), "1000 10 telegram-0\n1001 10 telegram-1\n" + std::string(4096, '\0'));
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  EXPECT_EQ(numbers(journal), range(0, 2));
  EXPECT_EQ(journal.recovery().dropped_bytes, 4096u);
  ASSERT_TRUE(journal.append(1002, "telegram-2"));
  EXPECT_EQ(numbers(journal), range(0, 3));
}

}  // namespace
}  // namespace meter::app
