// SPDX-License-Identifier: MIT
// MqttConnection on Eclipse Paho MQTT C++: persistent session (clean session off, fixed client
// id), QoS 1 subscription renewed on every connect, retained status topic with "offline" as
// last will, automatic reconnect with backoff (also when the broker is down at start).
// All Paho types stay in this adapter.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "meter/app/ports.h"

namespace mqtt {
class async_client;
}

namespace meter::mqtt_adapter {

struct MqttSettings {
  std::string uri;  // tcp://host:1883 or ssl://host:8883
  std::string client_id;
  std::string user;
  std::string password;
  std::string tls_ca_file;      // with ssl://: verify the broker against this CA (else system CAs)
  std::string subscribe_topic;  // empty: subscribe to nothing (publish only)
  std::string status_topic;
  // A passing listener (`smartmeter check`): a clean session the broker forgets at disconnect,
  // no status messages and no last will, so the service's own session and status stay as they are.
  bool listen_only = false;
};

class PahoMqttConnection final : public app::MqttConnection {
 public:
  explicit PahoMqttConnection(MqttSettings settings);
  ~PahoMqttConnection() override;

  app::Outcome start(Handler handler) override;
  bool publish(const std::string& topic, const std::string& payload, int qos, bool retain) override;
  bool connected() const override;
  std::uint64_t reconnects() const override { return reconnects_.load(); }
  void stop() override;
  // Why the newest connect attempt failed (empty: none failed since the last connect).
  std::string last_error() const;

 private:
  void connect_until_up();

  MqttSettings settings_;
  Handler handler_;
  std::unique_ptr<mqtt::async_client> client_;
  std::thread connector_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> connects_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

}  // namespace meter::mqtt_adapter
