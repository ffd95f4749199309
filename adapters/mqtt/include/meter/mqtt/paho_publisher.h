// SPDX-License-Identifier: MIT
// A publish-only MQTT client on Eclipse Paho MQTT C++ for `smartmeter simulate` and for
// announcing retained messages (Home Assistant discovery): clean session, no subscription.
// publish() keeps up to `max_in_flight` unacknowledged QoS 1/2 messages and waits for the oldest
// one beyond that, so a fast producer is paced by the broker instead of filling memory.
// All Paho types stay in this adapter; no exception escapes.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "meter/app/ports.h"

namespace mqtt {
class async_client;
class delivery_token;
}  // namespace mqtt

namespace meter::mqtt_adapter {

struct PublisherSettings {
  std::string uri;  // tcp://host:1883 or ssl://host:8883
  std::string client_id;
  std::string user;
  std::string password;
  std::string tls_ca_file;  // with ssl://: verify the broker against this CA (else system CAs)
  std::size_t max_in_flight = 64;
  std::chrono::milliseconds timeout{10000};  // connect and per-acknowledgement wait
};

class PahoPublisher {
 public:
  explicit PahoPublisher(PublisherSettings settings);
  ~PahoPublisher();
  PahoPublisher(const PahoPublisher&) = delete;
  PahoPublisher& operator=(const PahoPublisher&) = delete;

  app::Outcome connect();
  // Queues one message; fails when not connected or an earlier message was not acknowledged.
  app::Outcome publish(const std::string& topic, const std::string& payload, int qos = 1,
                       bool retain = false);
  // Waits until the broker acknowledged everything published so far.
  app::Outcome flush();
  // After a lost connection: forgets what was not acknowledged and connects again.
  app::Outcome reconnect();
  // flush() and disconnect cleanly; safe to call twice.
  void disconnect();
  bool connected() const;

 private:
  app::Outcome wait_oldest();

  PublisherSettings settings_;
  std::unique_ptr<mqtt::async_client> client_;
  std::deque<std::shared_ptr<mqtt::delivery_token>> in_flight_;
};

}  // namespace meter::mqtt_adapter
