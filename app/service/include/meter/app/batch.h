// SPDX-License-Identifier: MIT
// One writer batch: raw telegrams decoded into readings and archive rows, then stored in one
// transaction followed by the recompute of the debounced buckets it touched. The service's
// writer and `smartmeter replay` both go this way, so they store the same rows.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "meter/app/ports.h"
#include "meter/core/decode_error.h"
#include "meter/core/telegram.h"
#include "meter/core/telegram_decoder.h"

namespace meter::app {

struct Batch {
  std::vector<Reading> readings;
  std::vector<RawTelegram> raw;
  std::uint64_t end_offset = 0;  // journal offset after the batch's last record
  std::array<std::uint64_t, core::kDecodeErrorCount> failures{};  // telegrams not decoded, by cause
  bool empty() const { return raw.empty(); }
};

// Decodes payloads into a batch with its own decoder (one per thread).
class BatchBuilder {
 public:
  explicit BatchBuilder(core::TelegramDecoder& decoder) : decoder_(decoder) {}
  // The archive row keeps the payload as received: its first meter and its first failure.
  void add(std::int64_t received_at_ms, const std::string& payload, std::uint64_t journal_offset,
           Batch& batch);

 private:
  core::TelegramDecoder& decoder_;
  core::Telegram telegram_;
};

struct StoreBatchResult {
  std::size_t debounced_rows = 0;
};

// Writes the readings (and, with `archive_raw`, the raw rows) in one transaction, then
// refreshes the debounced buckets they touched. Both steps are idempotent: on failure the whole
// call may simply be repeated.
Outcome store_batch(ReadingStore& store, const Batch& batch, std::int64_t debounce_interval_s,
                    bool archive_raw, StoreBatchResult& result);

}  // namespace meter::app
