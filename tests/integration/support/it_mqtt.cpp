// SPDX-License-Identifier: MIT
#include "it_mqtt.h"

#include <mqtt/async_client.h>

#include <deque>
#include <thread>

namespace meter::it {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kQos = 1;

std::int64_t steady_ms() {
  return std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

MqttClient::MqttClient(unsigned port, std::string client_id)
    : port_(port), client_id_(std::move(client_id)) {
  client_ = std::make_unique<mqtt::async_client>(
      "tcp://127.0.0.1:" + std::to_string(port_), client_id_,
      mqtt::create_options(MQTTVERSION_3_1_1), static_cast<mqtt::iclient_persistence*>(nullptr));
  client_->set_message_callback([this](const mqtt::const_message_ptr& message) {
    {
      std::lock_guard lock(mutex_);
      received_[message->get_topic()].push_back(message->get_payload_str());
    }
    arrived_.notify_all();
  });
  // Clean session: subscriptions are gone after a reconnect, so renew them.
  client_->set_connected_handler([this](const std::string&) {
    std::vector<std::string> topics;
    {
      std::lock_guard lock(mutex_);
      topics = subscriptions_;
    }
    for (const auto& topic : topics) {
      try {
        client_->subscribe(topic, kQos);
      } catch (const mqtt::exception&) {
        // The next reconnect tries again.
      }
    }
  });
}

MqttClient::~MqttClient() {
  try {
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
}

bool MqttClient::connected() const { return client_->is_connected(); }

bool MqttClient::connect(milliseconds timeout) {
  std::lock_guard lock(connect_mutex_);
  return reconnect_locked(timeout);
}

bool MqttClient::reconnect_locked(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const auto options = mqtt::connect_options_builder()
                           .clean_session(true)
                           .keep_alive_interval(std::chrono::seconds(10))
                           .connect_timeout(std::chrono::seconds(2))
                           .automatic_reconnect(std::chrono::seconds(1), std::chrono::seconds(1))
                           .finalize();
  while (!client_->is_connected()) {
    try {
      if (client_->connect(options)->wait_for(std::chrono::seconds(3))) return true;
    } catch (const mqtt::exception&) {
      // Broker not there (yet): try again.
    }
    if (Clock::now() >= deadline) return client_->is_connected();
    // Paho's automatic reconnect may be at work already; give it a moment.
    for (int i = 0; i < 20 && !client_->is_connected(); ++i) {
      std::this_thread::sleep_for(milliseconds(25));
    }
  }
  return true;
}

bool MqttClient::subscribe(const std::string& topic) {
  {
    std::lock_guard lock(mutex_);
    subscriptions_.push_back(topic);
  }
  try {
    return client_->subscribe(topic, kQos)->wait_for(std::chrono::seconds(10));
  } catch (const mqtt::exception&) {
    return false;
  }
}

bool MqttClient::publish(const std::string& topic, const std::string& payload,
                         milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!client_->is_connected()) {
      std::lock_guard lock(connect_mutex_);
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (!reconnect_locked(std::max(left, milliseconds(1)))) continue;
    }
    try {
      auto token = client_->publish(topic, payload.data(), payload.size(), kQos, false);
      if (token->wait_for(std::chrono::seconds(3))) return true;
    } catch (const mqtt::exception&) {
      // Connection lost before the PUBACK: publish again (the broker may get it twice).
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

bool MqttClient::publish_all(const std::string& topic, const std::vector<std::string>& payloads,
                             std::size_t window, std::vector<std::int64_t>* publish_ms) {
  std::deque<mqtt::delivery_token_ptr> pending;
  try {
    for (const auto& payload : payloads) {
      while (pending.size() >= window) {
        if (!pending.front()->wait_for(std::chrono::seconds(30))) return false;
        pending.pop_front();
      }
      if (publish_ms != nullptr) publish_ms->push_back(steady_ms());
      pending.push_back(client_->publish(topic, payload.data(), payload.size(), kQos, false));
    }
    while (!pending.empty()) {
      if (!pending.front()->wait_for(std::chrono::seconds(30))) return false;
      pending.pop_front();
    }
  } catch (const mqtt::exception&) {
    return false;
  }
  return true;
}

std::vector<std::string> MqttClient::messages(const std::string& topic) const {
  std::lock_guard lock(mutex_);
  auto it = received_.find(topic);
  return it == received_.end() ? std::vector<std::string>{} : it->second;
}

std::size_t MqttClient::count(const std::string& topic) const {
  std::lock_guard lock(mutex_);
  auto it = received_.find(topic);
  return it == received_.end() ? 0 : it->second.size();
}

std::map<std::string, std::size_t> MqttClient::counts_under(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::size_t> out;
  for (const auto& [topic, messages] : received_) {
    if (topic.rfind(prefix, 0) == 0) out[topic] = messages.size();
  }
  return out;
}

bool MqttClient::wait_count(const std::string& topic, std::size_t n, milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] {
    auto it = received_.find(topic);
    return it != received_.end() && it->second.size() >= n;
  });
}

bool MqttClient::wait_message(const std::string& topic, const std::string& payload,
                              std::size_t from, milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] {
    auto it = received_.find(topic);
    if (it == received_.end()) return false;
    for (std::size_t i = from; i < it->second.size(); ++i) {
      if (it->second[i] == payload) return true;
    }
    return false;
  });
}

void MqttClient::clear(const std::string& topic) {
  std::lock_guard lock(mutex_);
  received_.erase(topic);
}

}  // namespace meter::it
