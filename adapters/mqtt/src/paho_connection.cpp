// SPDX-License-Identifier: MIT
#include "meter/mqtt/paho_connection.h"

#include <spdlog/spdlog.h>

#include <mqtt/async_client.h>
#include <chrono>

namespace meter::mqtt_adapter {
namespace {

constexpr auto kKeepAlive = std::chrono::seconds(30);
constexpr auto kMinBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr int kQosAtLeastOnce = 1;
constexpr int kMaxQueuedPublishes = 100000;
constexpr auto kConnectPoll = std::chrono::milliseconds(100);
constexpr auto kStopStatusWait = std::chrono::milliseconds(1000);
constexpr auto kDisconnectTimeout = std::chrono::milliseconds(1000);
// MQTT 5 Maximum Packet Size: the broker does not send us larger messages. Paho keeps its read
// buffer at the size of the largest message it ever read, so one 10 MB payload would stay in
// memory for good; this bounds it. Telegrams are far smaller (the service rejects payloads over
// 16 KiB as oversized and counts them; larger ones up to this size are still counted).
constexpr std::int32_t kMaxPacketBytes = 1024 * 1024;
// MQTT 5 Session Expiry Interval "never": the broker keeps the session while we are away, as
// clean session off did in MQTT 3.1.1.
constexpr std::int32_t kSessionNeverExpires = -1;  // 0xFFFFFFFF on the wire

}  // namespace

PahoMqttConnection::PahoMqttConnection(MqttSettings settings) : settings_(std::move(settings)) {}

PahoMqttConnection::~PahoMqttConnection() { stop(); }

app::Outcome PahoMqttConnection::start(Handler handler) {
  handler_ = std::move(handler);
  try {
    // No client-side persistence: the journal is the durable store; the broker keeps what we
    // have not acknowledged in the persistent session.
    // Paho drops publishes beyond maxBufferedMessages (default 100) still queued in the client;
    // a burst of telegrams queues one values message each, so allow a deep queue.
    const auto create = mqtt::create_options_builder()
                            .mqtt_version(MQTTVERSION_5)
                            .max_buffered_messages(kMaxQueuedPublishes)
                            .finalize();
    client_ =
        std::make_unique<mqtt::async_client>(settings_.uri, settings_.client_id, create, nullptr);
  } catch (const mqtt::exception& error) {
    return app::Outcome::failure("cannot create MQTT client for " + settings_.uri + ": " +
                                 error.what());
  }
  client_->set_connected_handler([this](const std::string&) {
    connected_ = true;
    if (connects_++ > 0) ++reconnects_;
    spdlog::info("mqtt: connected to {} as {}", settings_.uri, settings_.client_id);
    try {
      // No topic: telegrams come from elsewhere (a serial port); the broker only takes values.
      if (!settings_.subscribe_topic.empty())
        client_->subscribe(settings_.subscribe_topic, kQosAtLeastOnce);
      if (!settings_.listen_only) {
        client_->publish(settings_.status_topic, "online", kQosAtLeastOnce, true);
      }
    } catch (const mqtt::exception& error) {
      spdlog::warn("mqtt: subscribing to {} failed: {}", settings_.subscribe_topic, error.what());
    }
  });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    connected_ = false;
    spdlog::warn("mqtt: connection to {} lost{}{}; reconnecting", settings_.uri,
                 cause.empty() ? "" : ": ", cause);
  });
  client_->set_message_callback([this](const mqtt::const_message_ptr& message) {
    handler_(app::MqttMessage{message->get_topic(), message->get_payload_str()});
  });
  connector_ = std::thread([this] { connect_until_up(); });
  return app::Outcome::success();
}

void PahoMqttConnection::connect_until_up() {
  auto options_builder = mqtt::connect_options_builder()
                             .mqtt_version(MQTTVERSION_5)
                             .clean_start(settings_.listen_only)
                             .keep_alive_interval(kKeepAlive)
                             .automatic_reconnect(kMinBackoff, kMaxBackoff)
                             .connect_timeout(std::chrono::seconds(10));
  if (!settings_.listen_only) {
    options_builder.will(mqtt::message(settings_.status_topic, "offline", kQosAtLeastOnce, true));
  }
  if (!settings_.user.empty()) options_builder.user_name(settings_.user);
  if (!settings_.password.empty()) options_builder.password(settings_.password);
  if (settings_.uri.rfind("ssl://", 0) == 0) {
    auto ssl = mqtt::ssl_options_builder().enable_server_cert_auth(true);
    if (!settings_.tls_ca_file.empty()) ssl.trust_store(settings_.tls_ca_file);
    options_builder.ssl(ssl.finalize());
  }
  auto options = options_builder.finalize();
  // Set on the finished options: Paho C++ 1.2 drops properties given to the builder.
  options.set_properties(
      {{mqtt::property::SESSION_EXPIRY_INTERVAL, settings_.listen_only ? 0 : kSessionNeverExpires},
       {mqtt::property::MAXIMUM_PACKET_SIZE, kMaxPacketBytes}});

  auto backoff = kMinBackoff;
  while (!stopping_) {
    try {
      // Poll the token so that stop() is not held up by a connect attempt to a dead broker.
      auto token = client_->connect(options);
      while (!token->wait_for(kConnectPoll)) {
        if (stopping_) return;
      }
      const std::lock_guard lock(error_mutex_);
      last_error_.clear();
      return;  // from here on Paho's automatic reconnect takes over
    } catch (const mqtt::exception& error) {
      // Paho (1.2) says only "TCP/TLS connect failure" when the broker's certificate does not
      // verify, and its TLS error callback is unsafe to use: name what to check instead.
      std::string hint;
      if (settings_.uri.rfind("ssl://", 0) == 0) {
        hint = settings_.tls_ca_file.empty()
                   ? " (TLS: is the broker's certificate signed by a system CA? Otherwise set "
                     "MQTT_TLS_CA_FILE)"
                   : " (TLS: is the broker's certificate signed by the CA in MQTT_TLS_CA_FILE " +
                         settings_.tls_ca_file + " and issued for this host?)";
      }
      spdlog::warn("mqtt: cannot connect to {}: {}{}; next try in {} s", settings_.uri,
                   error.what(), hint, backoff.count());
      const std::lock_guard lock(error_mutex_);
      last_error_ = error.what() + hint;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, backoff, [this] { return stopping_.load(); });
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

bool PahoMqttConnection::publish(const std::string& topic, const std::string& payload, int qos,
                                 bool retain) {
  if (!client_ || !connected_) return false;
  try {
    client_->publish(topic, payload.data(), payload.size(), qos, retain);
    return true;
  } catch (const mqtt::exception&) {
    return false;
  }
}

std::string PahoMqttConnection::last_error() const {
  const std::lock_guard lock(error_mutex_);
  return last_error_;
}

bool PahoMqttConnection::connected() const {
  return connected_ && client_ && client_->is_connected();
}

void PahoMqttConnection::stop() {
  if (stopping_.exchange(true)) return;
  wake_.notify_all();
  if (connector_.joinable()) connector_.join();
  if (!client_) return;
  try {
    if (client_->is_connected()) {
      if (!settings_.listen_only) {
        client_->publish(settings_.status_topic, "offline", kQosAtLeastOnce, true)
            ->wait_for(kStopStatusWait);
      }
      client_->disconnect(static_cast<int>(kDisconnectTimeout.count()))
          ->wait_for(kDisconnectTimeout + std::chrono::milliseconds(500));
    }
  } catch (const mqtt::exception& error) {
    spdlog::warn("mqtt: clean disconnect failed: {}", error.what());
  }
  connected_ = false;
}

}  // namespace meter::mqtt_adapter
