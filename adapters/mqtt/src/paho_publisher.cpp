// SPDX-License-Identifier: MIT
#include "meter/mqtt/paho_publisher.h"

#include <mqtt/async_client.h>

namespace meter::mqtt_adapter {

PahoPublisher::PahoPublisher(PublisherSettings settings) : settings_(std::move(settings)) {}

PahoPublisher::~PahoPublisher() { disconnect(); }

app::Outcome PahoPublisher::connect() {
  try {
    client_ = std::make_unique<mqtt::async_client>(
        settings_.uri, settings_.client_id, mqtt::create_options(MQTTVERSION_3_1_1), nullptr);
    auto options =
        mqtt::connect_options_builder()
            .clean_session(true)
            .keep_alive_interval(std::chrono::seconds(30))
            .connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(settings_.timeout))
            .max_inflight(static_cast<int>(settings_.max_in_flight));
    if (!settings_.user.empty()) options.user_name(settings_.user);
    if (!settings_.password.empty()) options.password(settings_.password);
    if (settings_.uri.rfind("ssl://", 0) == 0) {
      auto ssl = mqtt::ssl_options_builder().enable_server_cert_auth(true);
      if (!settings_.tls_ca_file.empty()) ssl.trust_store(settings_.tls_ca_file);
      options.ssl(ssl.finalize());
    }
    if (!client_->connect(options.finalize())->wait_for(settings_.timeout)) {
      return app::Outcome::failure("no answer from " + settings_.uri);
    }
    return app::Outcome::success();
  } catch (const mqtt::exception& error) {
    return app::Outcome::failure("cannot connect to " + settings_.uri + ": " + error.what());
  }
}

app::Outcome PahoPublisher::wait_oldest() {
  auto token = std::move(in_flight_.front());
  in_flight_.pop_front();
  try {
    if (!token->wait_for(settings_.timeout)) {
      return app::Outcome::failure("the broker did not acknowledge a message in time");
    }
    return app::Outcome::success();
  } catch (const mqtt::exception& error) {
    return app::Outcome::failure(std::string("publish failed: ") + error.what());
  }
}

app::Outcome PahoPublisher::publish(const std::string& topic, const std::string& payload, int qos,
                                    bool retain) {
  if (!connected()) return app::Outcome::failure("not connected to " + settings_.uri);
  while (in_flight_.size() >= settings_.max_in_flight) {
    if (auto waited = wait_oldest(); !waited) return waited;
  }
  try {
    in_flight_.push_back(client_->publish(topic, payload.data(), payload.size(), qos, retain));
    return app::Outcome::success();
  } catch (const mqtt::exception& error) {
    return app::Outcome::failure(std::string("publish failed: ") + error.what());
  }
}

app::Outcome PahoPublisher::flush() {
  while (!in_flight_.empty()) {
    if (auto waited = wait_oldest(); !waited) {
      in_flight_.clear();
      return waited;
    }
  }
  return app::Outcome::success();
}

app::Outcome PahoPublisher::reconnect() {
  // The tokens belong to the old client: dropped before it is.
  in_flight_.clear();
  client_.reset();
  return connect();
}

void PahoPublisher::disconnect() {
  if (!client_) return;
  (void)flush();
  try {
    if (client_->is_connected()) client_->disconnect()->wait_for(settings_.timeout);
  } catch (const mqtt::exception&) {
    // Disconnecting from a broker that went away: nothing left to do.
  }
  client_.reset();
}

bool PahoPublisher::connected() const { return client_ && client_->is_connected(); }

}  // namespace meter::mqtt_adapter
