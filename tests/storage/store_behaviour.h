// SPDX-License-Identifier: MIT
// The ReadingStore behaviour suite, run unchanged against every adapter (type-parameterised).
// A Backend type gives each test an empty database and direct SQL access to check what the
// adapter stored:
//
//   void set_up(const std::string& test_id);   empty database for this test
//   std::string skip_reason() const;           non-empty: the backend cannot run here
//   std::unique_ptr<app::ReadingStore> make_store(const std::string& table);
//   Rows query(const std::string& sql);        throws std::runtime_error on SQL errors
//   void exec(const std::string& sql);
//   std::string t(const std::string& table);   quoted (qualified) table name
//   std::string original_ddl(const std::string& table);  the Python system's CREATE TABLE
//   static constexpr bool kOriginalEngine;     the Python system stored in this engine
//   void tear_down();
//
// Test SQL quotes identifiers with backticks, which both MariaDB and SQLite accept.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "meter/app/ports.h"
#include "meter/core/telegram.h"

namespace meter::storage::testing {

using Field = std::optional<std::string>;
using Row = std::vector<Field>;
using Rows = std::vector<Row>;
using core::Quantity;

inline double num(const Field& field) {
  if (!field) throw std::runtime_error("NULL where a number was expected");
  return std::stod(*field);
}

inline std::int64_t integer(const Field& field) {
  if (!field) throw std::runtime_error("NULL where an integer was expected");
  return std::stoll(*field);
}

inline app::Reading make_reading(const std::string& meter, std::uint32_t frame_counter,
                                 std::int64_t timestamp) {
  app::Reading reading;
  reading.meter = meter;
  reading.frame_counter = frame_counter;
  reading.timestamp = timestamp;
  reading.meter_time = "2021-09-27T09:47:15+02:00";
  reading.meter_number = "1KFM0200204000";
  reading.received_at_ms = timestamp * 1000 + 250;
  return reading;
}

inline app::Reading full_reading(const std::string& meter, std::uint32_t frame_counter,
                                 std::int64_t timestamp) {
  app::Reading reading = make_reading(meter, frame_counter, timestamp);
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    reading.values[i] = 10.5 * static_cast<double>(i + 1);
  }
  reading.values[static_cast<std::size_t>(Quantity::kEnergyImport)] = 12345678.0;
  reading.values[static_cast<std::size_t>(Quantity::kEnergyExport)] = 4321.0;
  reading.values[static_cast<std::size_t>(Quantity::kVoltageL1)] = 231.6;
  reading.values[static_cast<std::size_t>(Quantity::kPowerFactor)] = 0.78;
  return reading;
}

inline app::OptionalValue& value(app::Reading& reading, Quantity q) {
  return reading.values[static_cast<std::size_t>(q)];
}

inline app::DebouncedRow make_bucket(const std::string& meter, std::int64_t bucket_start,
                                     std::int64_t samples) {
  app::DebouncedRow row;
  row.meter = meter;
  row.bucket_start = bucket_start;
  row.samples = samples;
  row.values[static_cast<std::size_t>(Quantity::kEnergyImport)] =
      1000.0 + static_cast<double>(samples);
  row.values[static_cast<std::size_t>(Quantity::kPowerImport)] = 500.25;
  row.values[static_cast<std::size_t>(Quantity::kVoltageL1)] = 230.0;
  row.power_in_min = 100.0;
  row.power_in_max = 900.5;
  return row;
}

inline app::StoredBatch batch_of(const std::vector<app::Reading>& readings,
                                 const std::vector<app::RawTelegram>& raw = {},
                                 const std::vector<app::DebouncedRow>& debounced = {}) {
  return {readings, raw, debounced};
}

inline constexpr const char* kMeterA = "4B464D1020000001";
inline constexpr const char* kMeterB = "5341475930000002";

template <typename Backend>
class StoreBehaviour : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    backend_.set_up(std::string(info->test_suite_name()) + "_" + info->name());
    if (const std::string why = backend_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override {
    store_.reset();
    backend_.tear_down();
  }

  app::ReadingStore& store(const std::string& table = "history") {
    store_ = backend_.make_store(table);
    return *store_;
  }

  std::int64_t count(const std::string& table, const std::string& where = "") {
    const Rows rows = backend_.query("SELECT COUNT(*) FROM " + backend_.t(table) +
                                     (where.empty() ? "" : " WHERE " + where));
    return integer(rows.at(0).at(0));
  }

  Backend backend_;
  std::unique_ptr<app::ReadingStore> store_;
};

TYPED_TEST_SUITE_P(StoreBehaviour);

TYPED_TEST_P(StoreBehaviour, CreatesTheThreeTablesAndOpensTwice) {
  auto& store = this->store();
  ASSERT_TRUE(store.open()) << store.open().error;
  ASSERT_TRUE(store.open());  // idempotent
  auto& b = this->backend_;
  EXPECT_EQ(this->count("history"), 0);
  // Every column of the contract exists.
  b.query(
      "SELECT `id`, `timestamp`, `WIn`, `WOut`, `PIn`, `POut`, `U1`, `U2`, `U3`, `I1`, `I2`, "
      "`I3`, `PF`, `meter`, `frame_counter`, `meter_time`, `meter_number`, `received_at`, `RIn`, "
      "`ROut`, `QIn`, `QOut` FROM " +
      b.t("history"));
  b.query(
      "SELECT `id`, `timestamp`, `WIn`, `WOut`, `PIn`, `POut`, `U1`, `U2`, `U3`, `I1`, `I2`, "
      "`I3`, `PF`, `meter`, `frame_counter`, `meter_time`, `meter_number`, `received_at`, `RIn`, "
      "`ROut`, `QIn`, `QOut`, `bucket_start`, `samples`, `PInMin`, `PInMax`, `POutMin`, "
      "`POutMax` FROM " +
      b.t("historyDebounced"));
  b.query("SELECT `id`, `received_at`, `meter`, `error`, `payload` FROM " + b.t("historyRaw"));
  EXPECT_NE(store.describe(), "");
}

TYPED_TEST_P(StoreBehaviour, WritesAReadingAndReadsItBackDirectly) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  const std::vector<app::Reading> readings{full_reading(kMeterA, 7, 1632728835)};
  const auto written = store.write(batch_of(readings));
  ASSERT_TRUE(written) << written.error;

  const Rows rows = this->backend_.query(
      "SELECT `timestamp`, `meter`, `frame_counter`, `meter_time`, `meter_number`, "
      "`received_at`, `WIn`, `WOut`, `PIn`, `POut`, `U1`, `U2`, `U3`, `I1`, `I2`, `I3`, `PF`, "
      "`RIn`, `ROut`, `QIn`, `QOut`, `WIn1`, `WIn2`, `WOut1`, `WOut2`, `id` FROM " +
      this->backend_.t("history"));
  ASSERT_EQ(rows.size(), 1U);
  const Row& row = rows[0];
  EXPECT_EQ(integer(row[0]), 1632728835);
  EXPECT_EQ(row[1], kMeterA);
  EXPECT_EQ(integer(row[2]), 7);
  EXPECT_EQ(row[3], "2021-09-27T09:47:15+02:00");
  EXPECT_EQ(row[4], "1KFM0200204000");
  EXPECT_EQ(integer(row[5]), 1632728835250);
  for (std::size_t i = 0; i < core::kQuantityCount; ++i) {
    EXPECT_DOUBLE_EQ(num(row[6 + i]), *readings[0].values[i]) << core::kQuantities[i].key;
  }
  EXPECT_GT(integer(row[6 + core::kQuantityCount]), 0);
}

TYPED_TEST_P(StoreBehaviour, SameBatchTwiceStoresEachReadingOnce) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  std::vector<app::Reading> readings;
  for (std::uint32_t i = 0; i < 10; ++i)
    readings.push_back(full_reading(kMeterA, 100 + i, 1000 + 5 * i));
  readings.push_back(full_reading(kMeterB, 100, 1000));  // same counter, other meter
  const std::vector<app::DebouncedRow> buckets{make_bucket(kMeterA, 900, 3)};
  ASSERT_TRUE(store.write(batch_of(readings, {}, buckets)));
  const auto again = store.write(batch_of(readings, {}, buckets));
  ASSERT_TRUE(again) << again.error;
  EXPECT_EQ(this->count("history"), 11);
  EXPECT_EQ(this->count("historyDebounced"), 1);
}

TYPED_TEST_P(StoreBehaviour, ReplayOverwritesTheValuesOfTheSameFrame) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  app::Reading first = full_reading(kMeterA, 42, 5000);
  ASSERT_TRUE(store.write(batch_of({first})));
  const auto id_before =
      integer(this->backend_.query("SELECT `id` FROM " + this->backend_.t("history")).at(0).at(0));

  app::Reading replayed = first;
  value(replayed, Quantity::kPowerImport) = 777.0;
  value(replayed, Quantity::kPowerFactor) = std::nullopt;  // the new decoding lacks it
  replayed.timestamp = 5001;
  replayed.meter_number = "corrected";
  const auto written = store.write(batch_of({replayed}));
  ASSERT_TRUE(written) << written.error;

  const Rows rows = this->backend_.query(
      "SELECT `id`, `PIn`, `PF`, `timestamp`, `meter_number` FROM " + this->backend_.t("history"));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(integer(rows[0][0]), id_before);
  EXPECT_DOUBLE_EQ(num(rows[0][1]), 777.0);
  EXPECT_FALSE(rows[0][2].has_value());
  EXPECT_EQ(integer(rows[0][3]), 5001);
  EXPECT_EQ(rows[0][4], "corrected");
}

TYPED_TEST_P(StoreBehaviour, DuplicateInOneBatchKeepsTheLaterValues) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  app::Reading a = full_reading(kMeterA, 9, 100);
  app::Reading b = a;
  value(b, Quantity::kPowerImport) = 1.5;
  const auto written = store.write(batch_of({a, b}));
  ASSERT_TRUE(written) << written.error;
  const Rows rows = this->backend_.query("SELECT `PIn` FROM " + this->backend_.t("history"));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_DOUBLE_EQ(num(rows[0][0]), 1.5);
}

TYPED_TEST_P(StoreBehaviour, AbsentValuesAreNullNeverZero) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  app::Reading reading = make_reading(kMeterA, 1, 2000);
  value(reading, Quantity::kEnergyImport) = 800000.0;
  value(reading, Quantity::kPowerImport) = 0.0;  // a real zero stays zero
  reading.meter_time.clear();
  reading.meter_number.clear();
  ASSERT_TRUE(store.write(batch_of({reading})));

  const Rows rows = this->backend_.query(
      "SELECT `WIn`, `PIn`, `WOut`, `POut`, `U1`, `U2`, `U3`, `I1`, `I2`, `I3`, `PF`, `RIn`, "
      "`ROut`, `QIn`, `QOut`, `meter_time`, `meter_number` FROM " +
      this->backend_.t("history"));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_DOUBLE_EQ(num(rows[0][0]), 800000.0);
  EXPECT_DOUBLE_EQ(num(rows[0][1]), 0.0);
  for (std::size_t i = 2; i < rows[0].size(); ++i) {
    EXPECT_FALSE(rows[0][i].has_value()) << "column " << i << " = " << *rows[0][i];
  }
}

TYPED_TEST_P(StoreBehaviour, UnstorableValuesBecomeNullInsteadOfFailingTheBatch) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  app::Reading reading = full_reading(kMeterA, 1, 2000);
  value(reading, Quantity::kEnergyImport) = -5.0;         // int unsigned column
  value(reading, Quantity::kEnergyExport) = 1e12;         // above int unsigned
  value(reading, Quantity::kPowerImport) = std::nan("");  // no engine stores NaN
  value(reading, Quantity::kPowerExport) = HUGE_VAL;      // MySQL rejects infinity
  value(reading, Quantity::kPowerFactor) = -0.5;          // negative is fine in double
  reading.meter_number = std::string(40, 'N') + "\xff";   // longer than varchar(32)
  const auto written = store.write(batch_of({reading}));
  ASSERT_TRUE(written) << written.error;
  const Rows rows =
      this->backend_.query("SELECT `WIn`, `WOut`, `PIn`, `POut`, `PF`, `meter_number` FROM " +
                           this->backend_.t("history"));
  ASSERT_EQ(rows.size(), 1U);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_FALSE(rows[0][i].has_value()) << i;
  EXPECT_DOUBLE_EQ(num(rows[0][4]), -0.5);
  EXPECT_EQ(rows[0][5], std::string(32, 'N'));
}

TYPED_TEST_P(StoreBehaviour, TextIsStoredVerbatimWithQuotesAndBackslashes) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  app::Reading reading = full_reading(kMeterA, 3, 3000);
  reading.meter_number = "O'Brien\\\"; DROP";
  app::RawTelegram raw{123, "68FAFA68'); DROP TABLE x; --\\", "", "kBadChecksum"};
  app::RawTelegram invalid_utf8{124,
                                std::string("AB\xC3\x28"
                                            "CD",
                                            6),
                                "", ""};
  const auto written = store.write(batch_of({reading}, {raw, invalid_utf8}));
  ASSERT_TRUE(written) << written.error;
  EXPECT_EQ(
      this->backend_.query("SELECT `meter_number` FROM " + this->backend_.t("history")).at(0).at(0),
      reading.meter_number);
  std::vector<app::RawTelegram> out;
  std::int64_t next = 0;
  ASSERT_TRUE(store.raw_after(0, 10, out, next));
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].payload, raw.payload);
  EXPECT_EQ(out[0].error, "kBadChecksum");
  EXPECT_EQ(out[1].payload, "AB\xEF\xBF\xBD(CD");  // invalid byte replaced by U+FFFD
}

TYPED_TEST_P(StoreBehaviour, DebouncedRowsAreUpsertedPerMeterAndBucket) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  ASSERT_TRUE(
      store.write(batch_of({}, {}, {make_bucket(kMeterA, 600, 2), make_bucket(kMeterB, 600, 1)})));
  app::DebouncedRow updated = make_bucket(kMeterA, 600, 5);
  updated.power_out_max = 12.0;
  const auto written = store.write(batch_of({}, {}, {updated, make_bucket(kMeterA, 900, 1)}));
  ASSERT_TRUE(written) << written.error;
  EXPECT_EQ(this->count("historyDebounced"), 3);
  const Rows rows = this->backend_.query(
      "SELECT `timestamp`, `bucket_start`, `samples`, `WIn`, `PIn`, `U1`, `PInMin`, `PInMax`, "
      "`POutMin`, `POutMax`, `PF`, `frame_counter` FROM " +
      this->backend_.t("historyDebounced") + " WHERE `meter` = '" + kMeterA +
      "' AND `bucket_start` = 600");
  ASSERT_EQ(rows.size(), 1U);
  const Row& row = rows[0];
  EXPECT_EQ(integer(row[0]), 600);  // timestamp = bucket start, as dashboards expect
  EXPECT_EQ(integer(row[1]), 600);
  EXPECT_EQ(integer(row[2]), 5);
  EXPECT_DOUBLE_EQ(num(row[3]), 1005.0);
  EXPECT_DOUBLE_EQ(num(row[4]), 500.25);
  EXPECT_DOUBLE_EQ(num(row[5]), 230.0);
  EXPECT_DOUBLE_EQ(num(row[6]), 100.0);
  EXPECT_DOUBLE_EQ(num(row[7]), 900.5);
  EXPECT_FALSE(row[8].has_value());
  EXPECT_DOUBLE_EQ(num(row[9]), 12.0);
  EXPECT_FALSE(row[10].has_value());
  EXPECT_FALSE(row[11].has_value());
}

TYPED_TEST_P(StoreBehaviour, RawArchivePagesInOrderAndPurges) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  std::vector<app::RawTelegram> raw;
  for (int i = 1; i <= 25; ++i) {
    raw.push_back({i * 1000, "68" + std::to_string(i), i % 2 == 0 ? kMeterA : "",
                   i % 2 == 0 ? "" : "kNoKey"});
  }
  ASSERT_TRUE(store.write(batch_of({}, raw)));

  std::vector<app::RawTelegram> all;
  std::int64_t after = 0;
  int pages = 0;
  for (;;) {
    std::vector<app::RawTelegram> page;
    std::int64_t next = after;
    const auto got = store.raw_after(after, 10, page, next);
    ASSERT_TRUE(got) << got.error;
    if (page.empty()) {
      EXPECT_EQ(next, after);  // nothing returned: unchanged
      break;
    }
    EXPECT_GT(next, after);
    EXPECT_LE(page.size(), 10U);
    all.insert(all.end(), page.begin(), page.end());
    after = next;
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(all.size(), 25U);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].received_at_ms, raw[i].received_at_ms);
    EXPECT_EQ(all[i].payload, raw[i].payload);
    EXPECT_EQ(all[i].meter, raw[i].meter);
    EXPECT_EQ(all[i].error, raw[i].error);
  }

  ASSERT_TRUE(store.purge_raw_before(10000));  // strictly older than 10 s: 9 rows
  EXPECT_EQ(this->count("historyRaw"), 16);
  std::vector<app::RawTelegram> rest;
  std::int64_t next = 0;
  ASSERT_TRUE(store.raw_after(0, 100, rest, next));
  ASSERT_EQ(rest.size(), 16U);
  EXPECT_EQ(rest.front().received_at_ms, 10000);
  ASSERT_TRUE(store.purge_raw_before(0));
  EXPECT_EQ(this->count("historyRaw"), 16);
}

// The rows of refresh_debounced(): complete buckets only, computed from what history holds,
// recomputed when a late reading lands in a closed bucket.
TYPED_TEST_P(StoreBehaviour, DebouncedRowsAreComputedFromHistoryWhenABucketIsComplete) {
  auto& store = this->store();
  auto& b = this->backend_;
  ASSERT_TRUE(store.open());
  const auto refresh = [&](const std::vector<app::Reading>& readings) {
    EXPECT_TRUE(store.write(batch_of(readings)));
    std::size_t rows = 99;
    const auto touched = app::touched_buckets(readings, 300);
    const auto refreshed = store.refresh_debounced(touched, 300, rows);
    EXPECT_TRUE(refreshed) << refreshed.error;
    return rows;
  };
  auto first = full_reading(kMeterA, 1, 600);
  auto second = full_reading(kMeterA, 2, 700);
  value(second, Quantity::kPowerImport) = 100.0;
  value(second, Quantity::kEnergyImport) = 12345999.0;
  auto no_time = full_reading(kMeterA, 9, 5000);  // without meter time: never debounced
  no_time.meter_time.clear();
  EXPECT_EQ(refresh({first, second, no_time, full_reading("", 8, 9000)}), 0U);  // 600 is open
  EXPECT_EQ(this->count("historyDebounced"), 0);

  // A reading in a later bucket completes 600 (the newest earlier bucket with readings).
  EXPECT_EQ(refresh({full_reading(kMeterA, 3, 1500)}), 1U);
  const std::string select =
      "SELECT `samples`, `WIn`, `PIn`, `PInMin`, `PInMax`, `timestamp` FROM " +
      b.t("historyDebounced") + " WHERE `bucket_start` = 600";
  Rows rows = b.query(select);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(integer(rows[0][0]), 2);
  EXPECT_DOUBLE_EQ(num(rows[0][1]), 12345999.0);              // the newest reading's
  EXPECT_DOUBLE_EQ(num(rows[0][2]), (100.0 + 10.5 * 3) / 2);  // the mean
  EXPECT_DOUBLE_EQ(num(rows[0][3]), 10.5 * 3);
  EXPECT_DOUBLE_EQ(num(rows[0][4]), 100.0);
  EXPECT_EQ(integer(rows[0][5]), 600);

  // A late reading into the closed bucket recomputes it; written twice it counts once.
  auto late = full_reading(kMeterA, 4, 650);
  value(late, Quantity::kPowerImport) = 1000.0;
  EXPECT_EQ(refresh({late}), 1U);
  EXPECT_EQ(refresh({late}), 1U);
  rows = b.query(select);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(integer(rows[0][0]), 3);
  EXPECT_DOUBLE_EQ(num(rows[0][1]), 12345999.0);  // 700 is still the newest
  EXPECT_DOUBLE_EQ(num(rows[0][4]), 1000.0);
  EXPECT_EQ(this->count("historyDebounced"), 1);  // 1500 stays open

  // Nothing touched, nothing to do; an unknown meter has no complete bucket.
  std::size_t none = 7;
  ASSERT_TRUE(store.refresh_debounced({}, 300, none));
  EXPECT_EQ(none, 0U);
  const std::vector<app::MeterBuckets> unknown{{kMeterB, {300}}};
  ASSERT_TRUE(store.refresh_debounced(unknown, 300, none));
  EXPECT_EQ(none, 0U);
}

TYPED_TEST_P(StoreBehaviour, MigratesTheOriginalTablesInPlace) {
  auto& b = this->backend_;
  if (!TypeParam::kOriginalEngine) GTEST_SKIP() << "the original system stored in MySQL only";
  b.exec(b.original_ddl("history"));
  b.exec(b.original_ddl("historyDebounced"));
  b.exec("INSERT INTO " + b.t("history") +
         " (`timestamp`, `WIn`, `WOut`, `PIn`, `POut`, `U1`, `U2`, `U3`, `I1`, `I2`, `I3`, `PF`)"
         " VALUES (1600000000, 800000, 12, 230, 0, 231.6, 232.1, 229.9, 1.5, 0.12, 0.3, 0.78)");
  b.exec("INSERT INTO " + b.t("historyDebounced") +
         " (`timestamp`, `WIn`, `WOut`, `PIn`, `POut`, `U1`, `U2`, `U3`, `I1`, `I2`, `I3`, `PF`)"
         " VALUES (1600000000, 800000, 12, 230, 0, 231.6, 232.1, 229.9, 1.5, 0.12, 0.3, 0.78)");
  const auto legacy_id = integer(b.query("SELECT `id` FROM " + b.t("history")).at(0).at(0));

  auto& store = this->store();
  const auto opened = store.open();
  ASSERT_TRUE(opened) << opened.error;
  const auto reopened = store.open();  // idempotent
  ASSERT_TRUE(reopened) << reopened.error;

  for (const std::string table : {"history", "historyDebounced"}) {
    const Rows legacy = b.query(
        "SELECT `id`, `timestamp`, `WIn`, `WOut`, `PIn`, `U1`, `I2`, `PF`, `meter`, "
        "`frame_counter`, `meter_time`, `received_at`, `RIn`, `QOut` FROM " +
        b.t(table));
    ASSERT_EQ(legacy.size(), 1U) << table;
    const Row& row = legacy[0];
    if (table == "history") {
      EXPECT_EQ(integer(row[0]), legacy_id);
    }
    EXPECT_EQ(integer(row[1]), 1600000000);
    EXPECT_DOUBLE_EQ(num(row[2]), 800000);
    EXPECT_DOUBLE_EQ(num(row[3]), 12);
    EXPECT_DOUBLE_EQ(num(row[4]), 230);
    EXPECT_DOUBLE_EQ(num(row[5]), 231.6);
    EXPECT_DOUBLE_EQ(num(row[6]), 0.12);
    EXPECT_DOUBLE_EQ(num(row[7]), 0.78);
    EXPECT_EQ(row[8], "");  // legacy rows belong to no known meter
    for (std::size_t i = 9; i < row.size(); ++i) EXPECT_FALSE(row[i].has_value()) << table << i;
  }

  // Writes work, absent values are NULL (the NOT NULL DEFAULT 0 is gone), upserts work.
  app::Reading reading = make_reading(kMeterA, 1, 1700000000);
  value(reading, Quantity::kEnergyImport) = 900000.0;
  value(reading, Quantity::kPowerFactor) = -0.25;
  ASSERT_TRUE(store.write(batch_of({reading}, {}, {make_bucket(kMeterA, 1699999800, 2)})));
  const auto again =
      store.write(batch_of({reading}, {{1, "68", "", ""}}, {make_bucket(kMeterA, 1699999800, 3)}));
  ASSERT_TRUE(again) << again.error;
  EXPECT_EQ(this->count("history"), 2);
  EXPECT_EQ(this->count("historyDebounced"), 2);
  const Rows fresh =
      b.query("SELECT `PIn`, `PF`, `U1` FROM " + b.t("history") + " WHERE `frame_counter` = 1");
  ASSERT_EQ(fresh.size(), 1U);
  EXPECT_FALSE(fresh[0][0].has_value());
  EXPECT_DOUBLE_EQ(num(fresh[0][1]), -0.25);
  EXPECT_FALSE(fresh[0][2].has_value());
  EXPECT_EQ(integer(b.query("SELECT `samples` FROM " + b.t("historyDebounced") +
                            " WHERE `bucket_start` IS NOT NULL")
                        .at(0)
                        .at(0)),
            3);
  // The legacy row (no meter, no meter time) is not debounced.
  std::size_t rows = 9;
  const std::vector<app::MeterBuckets> touched{{"", {1600000000 - 1600000000 % 300}}};
  ASSERT_TRUE(store.refresh_debounced(touched, 300, rows));
  EXPECT_EQ(rows, 0U);
}

TYPED_TEST_P(StoreBehaviour, RejectsATableNameThatIsNotAnIdentifier) {
  const std::vector<std::string> bad_names{"history; DROP", "",     "his-tory",
                                           "history`",      "h\"x", std::string(60, 'x')};
  for (const std::string& bad : bad_names) {
    auto& store = this->store(bad);
    const auto opened = store.open();
    EXPECT_FALSE(opened) << bad;
    EXPECT_NE(opened.error.find("table name"), std::string::npos) << opened.error;
    EXPECT_FALSE(store.write(batch_of({full_reading(kMeterA, 1, 1)})));
    std::size_t rows = 0;
    const std::vector<app::MeterBuckets> touched{{kMeterA, {0}}};
    EXPECT_FALSE(store.refresh_debounced(touched, 300, rows));
    std::vector<app::RawTelegram> raw;
    std::int64_t next = 0;
    EXPECT_FALSE(store.raw_after(0, 1, raw, next));
    EXPECT_FALSE(store.purge_raw_before(0));
  }
  auto& good = this->store("Meter_2");
  EXPECT_TRUE(good.open());
}

TYPED_TEST_P(StoreBehaviour, AFailedWriteStoresNothingAndTheNextOneHeals) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  this->backend_.exec("DROP TABLE " + this->backend_.t("historyRaw"));
  const std::vector<app::Reading> readings{full_reading(kMeterA, 1, 100)};
  const std::vector<app::RawTelegram> raw{{1, "68", kMeterA, ""}};
  const auto failed = store.write(batch_of(readings, raw, {make_bucket(kMeterA, 0, 1)}));
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error.find("historyRaw"), std::string::npos) << failed.error;
  EXPECT_EQ(this->count("history"), 0);  // rolled back with the raw part
  EXPECT_EQ(this->count("historyDebounced"), 0);
  const auto healed = store.write(batch_of(readings, raw, {make_bucket(kMeterA, 0, 1)}));
  ASSERT_TRUE(healed) << healed.error;  // the missing table was created again
  EXPECT_EQ(this->count("history"), 1);
  EXPECT_EQ(this->count("historyRaw"), 1);
}

TYPED_TEST_P(StoreBehaviour, LargeBatchesAreSplitIntoStatements) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  std::vector<app::Reading> readings;
  std::vector<app::RawTelegram> raw;
  std::vector<app::DebouncedRow> buckets;
  for (std::uint32_t i = 0; i < 1201; ++i) {
    readings.push_back(full_reading(kMeterA, i, 1000 + i));
    raw.push_back({1000 + i, std::string(600, 'A'), kMeterA, ""});
    buckets.push_back(make_bucket(kMeterB, 300 * static_cast<std::int64_t>(i), 1));
  }
  raw[17].payload = std::string(70000, 'F');  // longer than MySQL `text`: cut to 65535 bytes
  const auto written = store.write(batch_of(readings, raw, buckets));
  ASSERT_TRUE(written) << written.error;
  EXPECT_EQ(this->count("history"), 1201);
  EXPECT_EQ(this->count("historyRaw"), 1201);
  EXPECT_EQ(this->count("historyDebounced"), 1201);
  EXPECT_EQ(this->count("historyRaw", "LENGTH(`payload`) = 65535"), 1);
}

TYPED_TEST_P(StoreBehaviour, ThroughputOf20000ReadingsInBatchesOf500) {
  auto& store = this->store();
  ASSERT_TRUE(store.open());
  constexpr std::uint32_t kRows = 20000;
  constexpr std::uint32_t kBatch = 500;
  std::vector<std::vector<app::Reading>> batches;
  for (std::uint32_t start = 0; start < kRows; start += kBatch) {
    auto& batch = batches.emplace_back();
    for (std::uint32_t i = start; i < start + kBatch; ++i) {
      batch.push_back(full_reading(i % 2 == 0 ? kMeterA : kMeterB, i, 1600000000 + i));
    }
  }
  const auto begin = std::chrono::steady_clock::now();
  for (const auto& batch : batches) {
    const auto written = store.write(batch_of(batch));
    ASSERT_TRUE(written) << written.error;
  }
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - begin;
  const double rate = kRows / seconds.count();
  std::cout << "[ throughput ] " << store.describe() << ": " << kRows << " readings in batches of "
            << kBatch << " in " << seconds.count() << " s = " << static_cast<long>(rate)
            << " rows/s\n";
  ::testing::Test::RecordProperty("rows_per_second", static_cast<int>(rate));
  EXPECT_EQ(this->count("history"), kRows);
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreBehaviour, CreatesTheThreeTablesAndOpensTwice, WritesAReadingAndReadsItBackDirectly,
    SameBatchTwiceStoresEachReadingOnce, ReplayOverwritesTheValuesOfTheSameFrame,
    DuplicateInOneBatchKeepsTheLaterValues, AbsentValuesAreNullNeverZero,
    UnstorableValuesBecomeNullInsteadOfFailingTheBatch,
    TextIsStoredVerbatimWithQuotesAndBackslashes, DebouncedRowsAreUpsertedPerMeterAndBucket,
    RawArchivePagesInOrderAndPurges, DebouncedRowsAreComputedFromHistoryWhenABucketIsComplete,
    MigratesTheOriginalTablesInPlace, RejectsATableNameThatIsNotAnIdentifier,
    AFailedWriteStoresNothingAndTheNextOneHeals, LargeBatchesAreSplitIntoStatements,
    ThroughputOf20000ReadingsInBatchesOf500);

}  // namespace meter::storage::testing
