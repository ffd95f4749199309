// SPDX-License-Identifier: MIT
// The ports the service owns; adapters (SQLite, MariaDB, MQTT, JSON) implement them. No vendor
// types.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meter/app/debouncer.h"
#include "meter/app/reading.h"

namespace meter::app {

// Outcome of a storage or network call: ok, or what went wrong in plain words.
struct Outcome {
  bool ok = true;
  std::string error;

  static Outcome success() { return {}; }
  static Outcome failure(std::string message) { return {false, std::move(message)}; }
  explicit operator bool() const { return ok; }
};

// Writes a decoded telegram as the values line the service publishes (sensors/smartmeter/values);
// the json adapter implements it.
class ValuesFormat {
 public:
  virtual ~ValuesFormat() = default;
  virtual std::string line(const core::Telegram& telegram) const = 0;
};

struct StoredBatch {
  std::span<const Reading> readings;
  std::span<const RawTelegram> raw;
  // Upserted as given (tests, imports); the service leaves it empty and calls
  // refresh_debounced() after the write instead.
  std::span<const DebouncedRow> debounced = {};
};

class ReadingStore {
 public:
  virtual ~ReadingStore() = default;

  // Connects if needed and creates or migrates the tables (never drops anything).
  virtual Outcome open() = 0;
  // Writes everything in one transaction. Readings are upserted on (meter, frame_counter), so
  // redelivery and replay store a reading once (replay overwrites it with the new decoding);
  // debounced rows are upserted on (meter, bucket_start). On failure nothing is written.
  virtual Outcome write(const StoredBatch& batch) = 0;
  // Computes the debounced rows again from history (debounce_bucket), after a write: for every
  // bucket in `touched` and, per meter, the newest bucket with readings before its first one
  // (it may just have become complete), the row of each that is complete (the meter has a
  // reading in a later bucket) is upserted; `rows` says how many. Serialised across processes
  // (MariaDB GET_LOCK, SQLite BEGIN IMMEDIATE) and read after that lock, so the last refresh
  // sees every committed reading and an older snapshot never overwrites a newer one.
  virtual Outcome refresh_debounced(std::span<const MeterBuckets> touched, std::int64_t interval_s,
                                    std::size_t& rows) = 0;
  // Raw archive, oldest first, from id > after_id; `next_id` is the last id returned.
  virtual Outcome raw_after(std::int64_t after_id, std::size_t limit, std::vector<RawTelegram>& out,
                            std::int64_t& next_id) = 0;
  virtual Outcome purge_raw_before(std::int64_t received_at_ms) = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;  // "sqlite data/smartmeter.db", for logs
};

struct MqttMessage {
  std::string topic;
  std::string payload;
};

// A connection to the broker: subscribes to the raw topic with QoS 1 on a persistent session,
// reconnects with backoff by itself, and keeps a retained status topic ("online"/"offline",
// the latter as last will).
class MqttConnection {
 public:
  using Handler = std::function<void(const MqttMessage&)>;
  virtual ~MqttConnection() = default;

  // Starts connecting in the background; `handler` runs on the client's thread for every
  // message on the subscribed topic. The client may acknowledge a QoS 1 delivery before the
  // handler runs (Paho does): a crash between the two loses that message.
  virtual Outcome start(Handler handler) = 0;
  // Queues a publish; never blocks on the network. False when the client is not connected.
  virtual bool publish(const std::string& topic, const std::string& payload, int qos,
                       bool retain) = 0;
  virtual bool connected() const = 0;
  virtual std::uint64_t reconnects() const = 0;
  // Publishes "offline" to the status topic and disconnects cleanly.
  virtual void stop() = 0;
};

}  // namespace meter::app
