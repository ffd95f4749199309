// SPDX-License-Identifier: MIT
// Where and how the MySQL / MariaDB stores connect; one value for the reading store, the
// history query and the statistics store.
#pragma once

#include <string>

namespace meter::storage {

struct MysqlSettings {
  std::string host;
  std::string user;
  std::string password;
  std::string schema = "smartmeter";
  std::string table = "history";
  unsigned port = 3306;
  std::string unix_socket;  // used instead of host:port when set
  bool tls = false;         // require TLS and verify the server's certificate
  std::string tls_ca_file;  // CA for that check (else the system's CAs)
};

}  // namespace meter::storage
