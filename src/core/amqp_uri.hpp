// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::core {

// The broker address of an amqp:// or amqps:// URI (RabbitMQ's URI spec): user, password and
// vhost percent-decoded; parts left out take the built-in defaults (guest, guest, port 5672 or
// 5671 for amqps, vhost "/"). InvalidInput, naming the part but never echoing the password, for
// anything else (query parameters included: they are not supported).
struct AmqpUri {
  bool tls = false;
  std::string user = "guest";
  std::string password = "guest";
  std::string host;
  int port = 5672;
  std::string vhost = "/";
};
Result<AmqpUri> parse_amqp_uri(std::string_view uri);

}  // namespace ve::core
