// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "meter/app/journal.h"

namespace meter::app {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("smartmeter-journal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<Journal::Record> read_all(const Journal& journal, std::uint64_t from) {
    std::vector<Journal::Record> records;
    EXPECT_TRUE(journal.read(from, 100000, records));
    return records;
  }

  std::filesystem::path dir_;
};

TEST_F(JournalTest, RecordsComeBackInOrderWithAnyBytes) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.open());
  ASSERT_TRUE(journal.append(1000, "68FAFA68"));
  ASSERT_TRUE(journal.append(1001, std::string("two\nlines and a \0 byte", 23)));
  ASSERT_TRUE(journal.append(1002, ""));
  const auto records = read_all(journal, 0);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].received_at_ms, 1000);
  EXPECT_EQ(records[0].payload, "68FAFA68");
  EXPECT_EQ(records[1].payload, std::string("two\nlines and a \0 byte", 23));
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

}  // namespace
}  // namespace meter::app
