// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::core {

// Where serve's HTTP server listens (HTTP_ADDR): a host (IPv4, [IPv6] or a name) and a port.
struct HttpAddress {
  std::string host;  // without brackets
  int port = 0;
};

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080", "0.0.0.0:8080"; InvalidInput naming what is
// wrong otherwise (no port, port outside 1..65535, empty host, stray characters).
Result<HttpAddress> parse_http_address(std::string_view text);

// True for 127.0.0.0/8, ::1 and "localhost": addresses only this machine can reach.
bool is_loopback(const HttpAddress& address);

// "host:port", with brackets around an IPv6 host.
std::string to_string(const HttpAddress& address);

}  // namespace ve::core
