// SPDX-License-Identifier: MIT
// A price source on 127.0.0.1 for the tests (cpp-httplib's server on a free port): answers
// aWATTar's /v1/marketdata and smartENERGY's /market/v1/price with the fixture JSON, or, as the
// test switches it, HTTP 500, garbage, or nothing in time. Counts the requests.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace meter::prices_testing {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(METER_PRICE_FIXTURES) + "/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class PriceServer {
 public:
  enum class Mode { kOk, kError500, kGarbage, kSlow };

  PriceServer() {
    const auto answer = [this](const std::string& fixture, httplib::Response& response) {
      ++requests_;
      switch (mode_.load()) {
        case Mode::kOk:
          response.set_content(read_fixture(fixture), "application/json");
          return;
        case Mode::kError500:
          response.status = 500;
          response.set_content("internal error", "text/plain");
          return;
        case Mode::kGarbage:
          response.set_content("{\"data\": [ {\"start_timestamp\": oops", "application/json");
          return;
        case Mode::kSlow:
          for (int i = 0; i < 40 && !stopping_; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
          response.set_content(read_fixture(fixture), "application/json");
          return;
      }
    };
    server_.Get("/mirror/v1/marketdata", [this, answer](const httplib::Request& request,
                                                        httplib::Response& response) {
      {
        std::lock_guard lock(mutex_);
        last_query_ = request.get_param_value("start") + "," + request.get_param_value("end");
      }
      answer("awattar-2026-01-15.json", response);
    });
    server_.Get("/mirror/market/v1/price",
                [answer](const httplib::Request&, httplib::Response& response) {
                  answer("smartenergy-2026-01-15.json", response);
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~PriceServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  PriceServer(const PriceServer&) = delete;
  PriceServer& operator=(const PriceServer&) = delete;

  void set_mode(Mode mode) { mode_ = mode; }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mirror"; }
  int requests() const { return requests_; }
  // "start,end" of the last aWATTar request (milliseconds).
  std::string last_query() const {
    std::lock_guard lock(mutex_);
    return last_query_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<Mode> mode_{Mode::kOk};
  std::atomic<int> requests_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::string last_query_;
};

}  // namespace meter::prices_testing
