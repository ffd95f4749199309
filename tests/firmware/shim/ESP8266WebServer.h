// SPDX-License-Identifier: MIT
// Host shim of ESP8266WebServer.h (see shim.h; requests come from shim::request()).
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#include <ESP8266WiFi.h>

#include <functional>
#include <map>
#include <string>

enum HTTPMethod { HTTP_ANY, HTTP_GET, HTTP_HEAD, HTTP_POST };

class ESP8266WebServer {
 public:
  using THandlerFunction = std::function<void(void)>;

  explicit ESP8266WebServer(int port = 80);
  ~ESP8266WebServer();
  ESP8266WebServer(const ESP8266WebServer&) = delete;
  ESP8266WebServer& operator=(const ESP8266WebServer&) = delete;

  void begin();
  void handleClient();
  void on(const String& uri, HTTPMethod method, THandlerFunction handler);
  void onNotFound(THandlerFunction handler);
  const String& arg(const String& name) const;
  bool hasArg(const String& name) const;
  void sendHeader(const String& name, const String& value, bool first = false);
  void send(int code, const char* content_type, const char* content, std::size_t length);
  void send(int code, const char* content_type, const String& content);

  // shim::request() drives these.
  bool dispatch(HTTPMethod method, const std::string& path);
  std::map<String, String> args;
  std::map<std::string, std::string> response_headers;
  int response_code = 0;
  std::string response_type;
  std::string response_body;

 private:
  struct Route {
    HTTPMethod method;
    THandlerFunction handler;
  };
  std::map<std::string, Route> routes_;
  THandlerFunction not_found_;
};

// NOLINTEND(readability-identifier-naming)
