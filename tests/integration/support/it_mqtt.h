// SPDX-License-Identifier: MIT
// An MQTT client for the tests (Paho C++ async_client, clean session, 127.0.0.1): publishes
// telegrams with QoS 1 and records what arrives on the topics it subscribed to. It reconnects
// by itself when the broker goes away (a restart in a fault test).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mqtt {
class async_client;
}

namespace meter::it {

class MqttClient {
 public:
  MqttClient(unsigned port, std::string client_id);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Connects (retrying until `timeout`); true when connected.
  bool connect(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool connected() const;

  // Subscribes with QoS 1 and waits for the broker's SUBACK. Renewed after a reconnect.
  bool subscribe(const std::string& topic);

  // Publishes with QoS 1 and waits for the broker's PUBACK; on a lost connection reconnects
  // and publishes again until `timeout` (so a message may reach the broker twice).
  bool publish(const std::string& topic, const std::string& payload,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Publishes all payloads with QoS 1, up to `window` unacknowledged at a time; true when the
  // broker acknowledged every one. `publish_ms` (optional) gets each publish's steady-clock time.
  bool publish_all(const std::string& topic, const std::vector<std::string>& payloads,
                   std::size_t window = 64, std::vector<std::int64_t>* publish_ms = nullptr);

  // Messages received on `topic` so far (in arrival order).
  std::vector<std::string> messages(const std::string& topic) const;
  std::size_t count(const std::string& topic) const;
  // Messages so far per topic, of the topics that start with `prefix` (after a `prefix#`
  // subscribe).
  std::map<std::string, std::size_t> counts_under(const std::string& prefix) const;
  // Waits until `topic` has at least `n` messages; false on timeout.
  bool wait_count(const std::string& topic, std::size_t n, std::chrono::milliseconds timeout);
  // Waits until a message equal to `payload` arrives on `topic` at index >= `from`.
  bool wait_message(const std::string& topic, const std::string& payload, std::size_t from,
                    std::chrono::milliseconds timeout);
  void clear(const std::string& topic);

 private:
  bool reconnect_locked(std::chrono::milliseconds timeout);

  unsigned port_;
  std::string client_id_;
  std::unique_ptr<mqtt::async_client> client_;
  std::mutex connect_mutex_;
  std::vector<std::string> subscriptions_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::string, std::vector<std::string>> received_;
};

}  // namespace meter::it
