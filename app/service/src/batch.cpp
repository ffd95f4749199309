// SPDX-License-Identifier: MIT
#include "meter/app/batch.h"

#include "meter/core/telegram_decoder.h"

namespace meter::app {

void BatchBuilder::add(std::int64_t received_at_ms, const std::string& payload,
                       std::uint64_t journal_offset, Batch& batch) {
  RawTelegram raw{received_at_ms, payload, "", "", journal_offset};
  core::PayloadReader telegrams(decoder_, payload);
  for (core::Status status; telegrams.next(telegram_, status);) {
    if (status) {
      Reading reading = make_reading(telegram_, received_at_ms);
      if (raw.meter.empty()) raw.meter = reading.meter;
      batch.readings.push_back(std::move(reading));
    } else {
      ++batch.failures[static_cast<std::size_t>(status.failure().code)];
      if (raw.error.empty()) raw.error = core::error_name(status.failure().code);
    }
  }
  batch.raw.push_back(std::move(raw));
  batch.end_offset = journal_offset;
}

Outcome store_batch(ReadingStore& store, const Batch& batch, std::int64_t debounce_interval_s,
                    bool archive_raw, StoreBatchResult& result) {
  StoredBatch stored{batch.readings, {}};
  if (archive_raw) stored.raw = batch.raw;
  if (auto written = store.write(stored); !written) return written;
  const auto touched = touched_buckets(batch.readings, debounce_interval_s);
  result.debounced_rows = 0;
  if (touched.empty()) return Outcome::success();
  return store.refresh_debounced(touched, debounce_interval_s, result.debounced_rows);
}

}  // namespace meter::app
