// SPDX-License-Identifier: MIT
// `smartmeter run`: raw telegrams from MQTT -> journal -> decode -> values topic; a writer thread
// moves journal records into the database in batches (history, raw archive), then computes the
// debounced buckets they touched from history (see debouncer.h).
//
//   MQTT thread:   append to journal -> decode -> publish values JSON
//   writer thread: journal from checkpoint -> decode -> batch -> one transaction -> checkpoint
//   sync thread:   fdatasync the journal every 200 ms
//
// The MQTT thread never waits for the database. While the database is down the journal grows
// and the writer retries with backoff; nothing is lost and, since writes are upserts keyed by
// (meter, frame counter), nothing is stored twice.
//
// When the journal cannot be written (a full disk), telegrams are held in memory, in arrival
// order, up to kMaxHeldBytes: the writer moves them into the journal as soon as it takes
// records again, and meanwhile writes them to the database directly. Only what arrives while
// the journal fails and the memory queue is full is lost (counted in `lost`), and the held
// telegrams if the process ends before either took them.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "meter/app/batch.h"
#include "meter/app/config.h"
#include "meter/app/journal.h"
#include "meter/app/live_state.h"
#include "meter/app/ports.h"
#include "meter/app/service_status.h"
#include "meter/app/statistics_updates.h"
#include "meter/app/telegram_log.h"
#include "meter/app/values_window.h"
#include "meter/core/decode_error.h"
#include "meter/core/gcm_cipher.h"
#include "meter/core/telegram_decoder.h"

namespace meter::app {

class StatisticsStore;
class StatisticsUpdates;

// Makes one GcmCipher per thread (OpenSSL contexts are not shared between threads).
using CipherFactory = std::function<std::unique_ptr<core::GcmCipher>()>;

class Service {
 public:
  // `values_format` writes the line published on the values topic.
  Service(Config config, ReadingStore& store, MqttConnection& mqtt,
          const ValuesFormat& values_format, Journal& journal, CipherFactory make_cipher);
  ~Service();

  // Runs until `stop` becomes true; then stops MQTT, drains the journal into the database for
  // up to `drain_timeout`, syncs and returns. Returns the process exit status.
  int run(const std::atomic<bool>& stop,
          std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));

  const ServiceCounters& counters() const { return counters_; }
  // The counters with the state of the broker connection, the journal and the database, for
  // the API, /metrics and /healthz. Any thread.
  ServiceStatus status() const;
  // Optional: every received telegram is also reported to `live` (dashboard, metrics,
  // diagnosis). Set before run(); `live` must outlive the service.
  void set_live_state(LiveState* live) { live_ = live; }
  // Optional: every received telegram, decoded or not, is also kept in `log` (the setup view's
  // last telegrams per meter). Set before run(); `log` must outlive the service.
  void set_telegram_log(TelegramLog* log) { telegram_log_ = log; }
  // Optional: called about once a second on the thread that runs run() (announcements).
  void set_tick(std::function<void()> tick) { tick_ = std::move(tick); }
  // Optional: run() keeps the statistics tables in `statistics` up to date on a thread of its
  // own (StatisticsUpdates), with a pass soon after readings of past quarter-hours were stored
  // (a backfill, a backlog), and stops it promptly on shutdown. Set before run(); `statistics`
  // must outlive the service.
  void set_statistics_store(StatisticsStore* statistics) { statistics_ = statistics; }
  // Optional: runs after each statistics pass on the statistics thread (the cost of the
  // quarter-hours). Set before run().
  void set_statistics_followup(StatisticsFollowup followup) {
    statistics_followup_ = std::move(followup);
  }
  // For tests and replay: the message handler the MQTT connection calls.
  void on_message(const MqttMessage& message);
  // Why the journal cannot be written, empty while it can.
  std::string journal_error() const;

  // Memory for telegrams while the journal cannot be written (payload bytes plus overhead).
  static constexpr std::size_t kMaxHeldBytes = 32 * 1024 * 1024;

 private:
  struct HeldTelegram {
    std::int64_t received_at_ms = 0;
    std::string payload;
  };

  // Journal, or memory when the journal fails (or older telegrams are still in memory).
  void spool(std::int64_t received_at_ms, const std::string& payload);
  void journal_failed_locked(const std::string& error);  // with held_mutex_ held
  // Moves held telegrams (after the first `skip`, which the writer is storing) into the journal
  // while it takes them; true if it moved any.
  bool move_held_to_journal(std::size_t skip);
  // Writes the oldest held telegrams to the database; false when stopping before it worked.
  bool store_held_directly();
  void report_journal_minute();
  void writer_loop();
  void sync_loop();
  void build_batch(const std::vector<Journal::Record>& records, Batch& batch);
  // Between attempts, held telegrams after the first `held_in_batch` move to the journal.
  bool write_with_retry(Batch& batch, bool until_success, std::size_t held_in_batch = 0);
  bool drain_expired() const;
  void wait_before_retry(std::chrono::milliseconds delay);
  void roll_log_window();  // with log_mutex_ held
  void log_failure(core::DecodeError error, std::size_t offset, const std::string& payload);
  // Keeps the telegram just decoded (or not) in the telegram log.
  void log_telegram(const core::Status& status, const std::string& payload,
                    std::int64_t received_at_ms);
  void publish_values(const core::Telegram& telegram);
  // A batch with readings of past quarter-hours asks for a statistics pass soon.
  void nudge_statistics_for(const Batch& batch);
  // Publishes the values windows that ended (all: every open one, and later telegrams as they
  // come; at shutdown). Nothing without SMARTMETER_VALUES_PUBLISH_INTERVAL.
  void close_values_windows(bool all);
  std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }

  Config config_;
  ReadingStore& store_;
  MqttConnection& mqtt_;
  const ValuesFormat& values_format_;
  Journal& journal_;
  CipherFactory make_cipher_;
  ServiceCounters counters_;
  LiveState* live_ = nullptr;
  TelegramLog* telegram_log_ = nullptr;
  std::function<void()> tick_;
  StatisticsStore* statistics_ = nullptr;
  StatisticsFollowup statistics_followup_;
  std::atomic<StatisticsUpdates*> statistics_updates_{nullptr};  // while run() runs

  std::unique_ptr<core::GcmCipher> receive_cipher_;
  std::unique_ptr<core::TelegramDecoder> receive_decoder_;
  std::unique_ptr<core::Telegram> receive_telegram_;
  std::unique_ptr<core::GcmCipher> writer_cipher_;
  std::unique_ptr<core::TelegramDecoder> writer_decoder_;
  std::unique_ptr<BatchBuilder> writer_batches_;
  // Publish-rate control of the values topic; null: every telegram is published.
  std::unique_ptr<ValuesWindows> values_windows_;
  std::mutex values_mutex_;  // the MQTT thread adds, run()'s thread expires
  bool values_drained_ = false;

  std::mutex wake_mutex_;
  std::condition_variable writer_wake_;
  std::mutex sync_mutex_;
  std::condition_variable sync_wake_;
  std::atomic<bool> writer_stop_{false};
  std::atomic<bool> sync_stop_{false};
  std::chrono::steady_clock::time_point drain_deadline_{};
  std::mutex log_mutex_;
  std::chrono::steady_clock::time_point log_window_start_{};
  std::uint64_t logs_in_window_ = 0;
  std::uint64_t suppressed_logs_ = 0;

  mutable std::mutex held_mutex_;  // also orders journal appends while telegrams are held
  std::deque<HeldTelegram> held_;
  std::size_t held_bytes_ = 0;
  std::uint64_t held_sequence_ = 0;  // journal_offset of the raw rows written from memory
  std::string journal_error_;        // empty while the journal takes records
  std::uint64_t held_this_minute_ = 0;
  std::uint64_t lost_this_minute_ = 0;
};

}  // namespace meter::app
