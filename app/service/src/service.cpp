// SPDX-License-Identifier: MIT
#include "meter/app/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "meter/app/statistics_updates.h"
#include "meter/core/hex.h"

namespace meter::app {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kSyncInterval = std::chrono::milliseconds(200);
constexpr auto kStatsInterval = std::chrono::seconds(60);
constexpr auto kTickInterval = std::chrono::seconds(1);
constexpr std::size_t kDrainBatchRows = 500;
constexpr auto kPurgeInterval = std::chrono::hours(1);
constexpr auto kMinRetry = std::chrono::milliseconds(500);
constexpr auto kMaxRetry = std::chrono::seconds(30);
// How long opening an unresponsive database may block (connect and handshake timeouts).
constexpr auto kOpenAttemptTime = std::chrono::seconds(4);
constexpr std::uint64_t kLogsPerMinute = 20;
constexpr auto kHeldMoveInterval = std::chrono::milliseconds(1000);
// Readings older than this (meter time against the clock) are late: stored, they nudge the
// statistics thread.
constexpr std::int64_t kLateReadingSeconds = 1800;
// journal_offset of raw rows written from memory: beyond any journal's size.
constexpr std::uint64_t kHeldOffsetBase = std::uint64_t{1} << 62;

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string payload_prefix(const std::string& payload) {
  std::string prefix = payload.substr(0, 24);
  for (char& c : prefix) {
    if (c < 0x20 || c > 0x7E) c = '?';
  }
  return payload.size() > 24 ? prefix + "..." : prefix;
}

}  // namespace

Service::Service(Config config, ReadingStore& store, MqttConnection& mqtt,
                 const ValuesFormat& values_format, Journal& journal, CipherFactory make_cipher)
    : config_(std::move(config)),
      store_(store),
      mqtt_(mqtt),
      values_format_(values_format),
      journal_(journal),
      make_cipher_(std::move(make_cipher)),
      receive_cipher_(make_cipher_()),
      receive_decoder_(std::make_unique<core::TelegramDecoder>(*receive_cipher_, config_.keys,
                                                               config_.decoder_options())),
      receive_telegram_(std::make_unique<core::Telegram>()),
      writer_cipher_(make_cipher_()),
      writer_decoder_(std::make_unique<core::TelegramDecoder>(*writer_cipher_, config_.keys,
                                                              config_.decoder_options())),
      writer_batches_(std::make_unique<BatchBuilder>(*writer_decoder_)) {
  if (config_.values_publish_interval_seconds > 0) {
    values_windows_ = std::make_unique<ValuesWindows>(
        config_.values_publish_interval_seconds * 1000, config_.values_publish_mode);
  }
}

Service::~Service() = default;

ServiceStatus Service::status() const {
  ServiceStatus s;
  static_cast<ServiceCounters&>(s) = counters_;
  s.mqtt_connected = mqtt_.connected();
  s.mqtt_reconnects = mqtt_.reconnects();
  s.journal_pending_bytes = journal_.pending_bytes();
  s.storage = store_.describe();
  s.journal_error = journal_error();
  s.journal_damaged_bytes = journal_.recovery().dropped_bytes;
  s.journal_damaged_stretches = journal_.recovery().stretches.size();
  return s;
}

void Service::roll_log_window() {
  const auto current = now();
  if (current - log_window_start_ <= std::chrono::minutes(1)) return;
  if (suppressed_logs_ > 0) {
    spdlog::warn("{} more rejected telegrams were not logged in the last minute", suppressed_logs_);
  }
  log_window_start_ = current;
  logs_in_window_ = 0;
  suppressed_logs_ = 0;
}

void Service::log_failure(core::DecodeError error, std::size_t offset, const std::string& payload) {
  std::lock_guard lock(log_mutex_);
  roll_log_window();
  if (++logs_in_window_ > kLogsPerMinute) {
    ++suppressed_logs_;
    return;
  }
  spdlog::warn("rejected telegram: {} (at {} {}; payload {} bytes, starts \"{}\")",
               core::to_string(error), core::is_text_error(error) ? "character" : "byte", offset,
               payload.size(), payload_prefix(payload));
}

void Service::on_message(const MqttMessage& message) {
  ++counters_.received;
  const std::int64_t received_at = wall_clock_ms();
  if (message.payload.size() > core::kMaxHexChars) {
    ++counters_.oversized;
    if (live_ != nullptr) live_->record_failure(core::DecodeError::kTooLarge, nullptr, received_at);
    if (telegram_log_ != nullptr) {
      telegram_log_->record_failure("", core::DecodeError::kTooLarge, core::kMaxHexChars,
                                    std::nullopt, message.payload, received_at);
    }
    log_failure(core::DecodeError::kTooLarge, core::kMaxHexChars, message.payload);
    return;
  }
  // Journal first: from here on the telegram survives a crash of the service.
  spool(received_at, message.payload);
  writer_wake_.notify_one();

  // A payload may hold several telegrams: each is decoded, reported and published on its own.
  core::PayloadReader telegrams(*receive_decoder_, message.payload);
  for (core::Status status;;) {
    // Cleared so that a failure before the security header names no meter (live state).
    receive_telegram_->system_title = {};
    if (!telegrams.next(*receive_telegram_, status)) break;
    if (live_ != nullptr) {
      if (status) {
        live_->record_decoded(*receive_telegram_, received_at);
      } else {
        live_->record_failure(status.failure().code, receive_telegram_.get(), received_at);
      }
    }
    if (telegram_log_ != nullptr) log_telegram(status, message.payload, received_at);
    if (!status) {
      ++counters_.errors[static_cast<std::size_t>(status.failure().code)];
      log_failure(status.failure().code, status.failure().offset, message.payload);
      continue;
    }
    ++counters_.decoded;
    if (!values_windows_) {
      publish_values(*receive_telegram_);
      continue;
    }
    std::vector<core::Telegram> ready;
    {
      std::lock_guard lock(values_mutex_);
      // Once drained at shutdown, the few telegrams that still come are published as they are.
      if (values_drained_) {
        ready.push_back(*receive_telegram_);
      } else {
        values_windows_->add(*receive_telegram_, received_at, ready);
      }
    }
    for (const core::Telegram& telegram : ready) publish_values(telegram);
  }
}

void Service::publish_values(const core::Telegram& telegram) {
  if (mqtt_.publish(config_.values_topic, values_format_.line(telegram), 0, false)) {
    ++counters_.published;
  } else if (counters_.publish_failures++ == 0) {
    spdlog::warn(
        "mqtt: values not published (broker not connected or client queue full); "
        "failed publishes are counted in the stats line");
  }
}

void Service::close_values_windows(bool all) {
  if (!values_windows_) return;
  std::vector<core::Telegram> ready;
  {
    std::lock_guard lock(values_mutex_);
    if (all) {
      values_windows_->drain(ready);
      values_drained_ = true;
    } else {
      values_windows_->expire(wall_clock_ms(), ready);
    }
  }
  for (const core::Telegram& telegram : ready) publish_values(telegram);
}

void Service::log_telegram(const core::Status& status, const std::string& payload,
                           std::int64_t received_at_ms) {
  const core::Telegram& telegram = *receive_telegram_;
  if (status) {
    telegram_log_->record_decoded(make_reading(telegram, received_at_ms), payload, received_at_ms);
    return;
  }
  // A failure names a meter only once its system title was read (cleared before decoding).
  const bool titled = std::any_of(telegram.system_title.begin(), telegram.system_title.end(),
                                  [](std::uint8_t b) { return b != 0; });
  std::string meter;
  std::optional<std::uint32_t> counter;
  if (titled) {
    meter.resize(telegram.system_title.size() * 2);
    core::encode_hex_upper(telegram.system_title.data(), telegram.system_title.size(),
                           meter.data());
    counter = telegram.frame_counter;
  }
  telegram_log_->record_failure(meter, status.failure().code, status.failure().offset, counter,
                                payload, received_at_ms);
}

std::string Service::journal_error() const {
  std::lock_guard lock(held_mutex_);
  return journal_error_;
}

void Service::spool(std::int64_t received_at_ms, const std::string& payload) {
  std::lock_guard lock(held_mutex_);
  // While older telegrams are held, newer ones queue behind them: the writer keeps the order.
  if (held_.empty()) {
    const Outcome appended = journal_.append(received_at_ms, payload);
    if (appended) {
      if (!journal_error_.empty()) {
        spdlog::info("journal: writable again");
        journal_error_.clear();
      }
      return;
    }
    journal_failed_locked(appended.error);
  }
  ++counters_.journal_failures;
  const std::size_t cost = payload.size() + sizeof(HeldTelegram);
  if (held_bytes_ + cost > kMaxHeldBytes) {
    if (counters_.lost++ == 0 || lost_this_minute_ == 0) {
      spdlog::error(
          "journal: the memory queue is full ({} telegrams): telegrams are lost until the journal "
          "or the database takes them again (counted as lost)",
          held_.size());
    }
    ++lost_this_minute_;
    return;
  }
  held_.push_back({received_at_ms, payload});
  held_bytes_ += cost;
  counters_.held = held_.size();
  ++held_this_minute_;
}

void Service::journal_failed_locked(const std::string& error) {
  if (!journal_error_.empty()) return;
  journal_error_ = error;
  spdlog::error(
      "journal: {}; telegrams are held in memory (up to {} MiB) and written to the database "
      "directly until the journal takes them again",
      error, kMaxHeldBytes >> 20);
}

bool Service::move_held_to_journal(std::size_t skip) {
  constexpr std::size_t kMovesPerLock = 1000;  // the MQTT thread waits meanwhile
  std::lock_guard lock(held_mutex_);
  std::size_t moved = 0;
  bool failed = false;
  while (skip + moved < held_.size() && moved < kMovesPerLock) {
    const HeldTelegram& telegram = held_[skip + moved];
    const Outcome appended = journal_.append(telegram.received_at_ms, telegram.payload);
    if (!appended) {
      journal_failed_locked(appended.error);
      failed = true;
      break;
    }
    held_bytes_ -= telegram.payload.size() + sizeof(HeldTelegram);
    ++moved;
  }
  if (moved == 0) return false;
  const auto first = held_.begin() + static_cast<std::ptrdiff_t>(skip);
  held_.erase(first, first + static_cast<std::ptrdiff_t>(moved));
  counters_.held = held_.size();
  if (!failed && !journal_error_.empty()) {
    // What the writer is storing right now (`skip`) stays in memory until the database took it.
    spdlog::info("journal: writable again; the telegrams held in memory move into it");
    journal_error_.clear();
  }
  return true;
}

bool Service::store_held_directly() {
  std::vector<Journal::Record> records;
  {
    std::lock_guard lock(held_mutex_);
    for (std::size_t i = 0; i < held_.size() && i < config_.batch_max_rows; ++i) {
      // Raw rows are unique on (received_at, journal_offset): an offset no journal reaches.
      records.push_back(
          {held_[i].received_at_ms, held_[i].payload, kHeldOffsetBase + ++held_sequence_});
    }
  }
  if (records.empty()) return true;
  Batch batch;
  build_batch(records, batch);
  if (!write_with_retry(batch, true, records.size())) return false;
  std::lock_guard lock(held_mutex_);
  for (std::size_t i = 0; i < records.size(); ++i) {
    held_bytes_ -= held_.front().payload.size() + sizeof(HeldTelegram);
    held_.pop_front();
  }
  counters_.held = held_.size();
  counters_.stored_from_memory += records.size();
  return true;
}

void Service::report_journal_minute() {
  std::lock_guard lock(held_mutex_);
  if (!journal_error_.empty() || lost_this_minute_ > 0) {
    spdlog::warn(
        "journal: still not writable ({}): {} telegrams held in memory in the last minute, {} "
        "held now, {} lost",
        journal_error_.empty() ? "memory queue full" : journal_error_, held_this_minute_,
        held_.size(), lost_this_minute_);
  }
  held_this_minute_ = 0;
  lost_this_minute_ = 0;
}

void Service::build_batch(const std::vector<Journal::Record>& records, Batch& batch) {
  // The writer decodes again with its own decoder: the MQTT thread's is not shared.
  for (const auto& record : records) {
    writer_batches_->add(record.received_at_ms, record.payload, record.end_offset, batch);
  }
}

bool Service::write_with_retry(Batch& batch, bool until_success, std::size_t held_in_batch) {
  auto delay = kMinRetry;
  for (;;) {
    StoreBatchResult result;
    const Outcome outcome = store_batch(store_, batch, config_.debounce_seconds, true, result);
    if (outcome) {
      if (!counters_.database_up.exchange(true))
        spdlog::info("database: writing to {}", store_.describe());
      counters_.stored_readings += batch.readings.size();
      counters_.stored_debounced += result.debounced_rows;
      return true;
    }
    ++counters_.store_failures;
    if (counters_.database_up.exchange(false) || delay == kMinRetry) {
      spdlog::error(
          "database: {}; readings wait in the journal ({} bytes) and in memory ({} telegrams) "
          "and are retried",
          outcome.error, journal_.pending_bytes(), counters_.held.load());
    }
    if (!until_success || drain_expired()) return false;
    // Held telegrams are safer in the journal than in memory while the database is away.
    for (auto waited = std::chrono::milliseconds(0); waited < delay && !drain_expired();
         waited += kHeldMoveInterval) {
      move_held_to_journal(held_in_batch);
      wait_before_retry(std::min(kHeldMoveInterval, delay - waited));
    }
    delay = std::min(delay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxRetry));
  }
}

bool Service::drain_expired() const { return writer_stop_ && now() >= drain_deadline_; }

void Service::wait_before_retry(std::chrono::milliseconds delay) {
  // Sleeps `delay`, but never past the drain deadline once stopping: SIGTERM must not wait
  // for a 30 s backoff to run out.
  const auto wake_at = now() + delay;
  std::unique_lock lock(wake_mutex_);
  while (now() < wake_at && !drain_expired()) {
    const auto until = writer_stop_ ? std::min(wake_at, drain_deadline_) : wake_at;
    writer_wake_.wait_until(lock, until);
  }
}

void Service::writer_loop() {
  // Open the store before taking records.
  auto delay = kMinRetry;
  for (;;) {
    const Outcome opened = store_.open();
    if (opened) break;
    if (!opened) spdlog::error("database: cannot open {}: {}", store_.describe(), opened.error);
    // Stopping: with nothing in the journal there is nothing to drain; otherwise try while an
    // attempt can still end before the deadline.
    if (writer_stop_ &&
        (journal_.pending_bytes() == 0 || now() + kOpenAttemptTime >= drain_deadline_)) {
      return;
    }
    wait_before_retry(delay);
    delay = std::min(delay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxRetry));
  }
  counters_.database_up = true;

  std::uint64_t offset = journal_.checkpoint();
  std::optional<Clock::time_point> last_purge;  // purges at start, then hourly
  std::vector<Journal::Record> records;
  for (;;) {
    if (config_.raw_retention_days > 0 && (!last_purge || now() - *last_purge > kPurgeInterval)) {
      const std::int64_t cutoff = wall_clock_ms() - config_.raw_retention_days * 86400 * 1000;
      if (auto purged = store_.purge_raw_before(cutoff); !purged) {
        spdlog::warn("database: raw archive purge failed: {}", purged.error);
      }
      last_purge = now();
    }
    records.clear();
    // Draining at shutdown: big batches, whatever the configured size, to exit quickly.
    const std::size_t batch_rows =
        writer_stop_ ? std::max(config_.batch_max_rows, kDrainBatchRows) : config_.batch_max_rows;
    if (auto read = journal_.read(offset, batch_rows, records); !read) {
      spdlog::critical("journal: {}", read.error);
      return;
    }
    if (records.empty()) {
      if (move_held_to_journal(0)) continue;  // the journal takes records again: read them
      if (counters_.held > 0) {
        if (!store_held_directly()) return;  // stopping with the database down
        continue;
      }
      if (writer_stop_) return;  // drained
      std::unique_lock lock(wake_mutex_);
      writer_wake_.wait_for(lock, config_.batch_max_delay);
      continue;
    }
    Batch batch;
    build_batch(records, batch);
    if (!write_with_retry(batch, true)) return;  // stopping with the database down
    offset = journal_.commit(batch.end_offset);
    nudge_statistics_for(batch);
  }
}

void Service::nudge_statistics_for(const Batch& batch) {
  StatisticsUpdates* updates = statistics_updates_.load();
  if (updates == nullptr) return;
  // Readings of quarter-hours that ended a while ago: not the live ones, which the minutely
  // pass covers, but a backfill or a backlog, which the dashboard should show soon.
  const std::int64_t late_before = wall_clock_ms() / 1000 - kLateReadingSeconds;
  const bool late = std::any_of(batch.readings.begin(), batch.readings.end(),
                                [&](const Reading& r) { return r.timestamp < late_before; });
  if (late) updates->nudge();
}

void Service::sync_loop() {
  bool failing = false;  // one line when it starts failing, one when it works again
  while (!sync_stop_) {
    {
      std::unique_lock lock(sync_mutex_);
      sync_wake_.wait_for(lock, kSyncInterval, [this] { return sync_stop_.load(); });
    }
    const Outcome synced = journal_.sync();
    if (!synced && !failing) spdlog::error("journal: {}", synced.error);
    if (synced && failing) spdlog::info("journal: synced to disk again");
    failing = !synced;
  }
}

int Service::run(const std::atomic<bool>& stop, std::chrono::milliseconds drain_timeout) {
  std::thread writer([this] { writer_loop(); });
  std::thread syncer([this] { sync_loop(); });
  if (auto started = mqtt_.start([this](const MqttMessage& m) { on_message(m); }); !started) {
    spdlog::critical("mqtt: {}", started.error);
    drain_deadline_ = now();
    writer_stop_ = true;
    sync_stop_ = true;
    writer_wake_.notify_all();
    sync_wake_.notify_all();
    writer.join();
    syncer.join();
    return 1;
  }
  spdlog::info("running: {} -> {} and {}",
               config_.serial_device.empty() ? config_.subscription_topic()
                                             : "serial " + config_.serial_device,
               config_.values_topic, store_.describe());
  // Every minute on its own connection; a pass in progress ends early at shutdown.
  std::optional<StatisticsUpdates> statistics;
  if (statistics_ != nullptr) {
    statistics.emplace(*statistics_, StatisticsUpdates::kFirstUpdateAfter,
                       StatisticsUpdates::kUpdateEvery, statistics_followup_);
  }
  if (statistics) statistics_updates_ = &*statistics;

  auto last_stats = now();
  auto last_tick = now();
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (now() - last_tick >= kTickInterval) {
      // A window whose meter fell silent is published at its end, not at the next telegram.
      close_values_windows(false);
      if (tick_) tick_();
      last_tick = now();
    }
    if (now() - last_stats >= kStatsInterval) {
      {
        // Reports suppressed rejections even when no further bad telegram arrives.
        std::lock_guard lock(log_mutex_);
        roll_log_window();
      }
      spdlog::info("stats: {}", counters_.summary());
      report_journal_minute();
      last_stats = now();
    }
  }
  spdlog::info("stopping: no new telegrams; writing what is pending");
  if (statistics) statistics->request_stop();
  // The deadline covers the MQTT disconnect too; it is written before writer_stop_, which
  // the writer reads first.
  drain_deadline_ = now() + drain_timeout;
  close_values_windows(true);  // the open windows' messages go out before the disconnect
  mqtt_.stop();
  writer_stop_ = true;
  writer_wake_.notify_all();
  writer.join();
  sync_stop_ = true;
  sync_wake_.notify_all();
  syncer.join();
  move_held_to_journal(0);  // the last chance for what the database did not take
  if (auto synced = journal_.sync(); !synced) spdlog::error("journal: {}", synced.error);
  if (const auto held = counters_.held.load(); held > 0) {
    counters_.lost += held;
    spdlog::error(
        "{} telegrams held in memory are lost: neither the journal nor the database took them",
        held);
  }
  const auto pending = journal_.pending_bytes();
  if (pending > 0) {
    spdlog::warn("{} bytes of telegrams stay in the journal and are stored at the next start",
                 pending);
  }
  statistics_updates_ = nullptr;  // the writer, its only other user, has ended
  statistics.reset();
  store_.close();
  spdlog::info("stopped: {}", counters_.summary());
  return 0;
}

}  // namespace meter::app
