// SPDX-License-Identifier: Apache-2.0
#include "core/http_address.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ve::core {
namespace {

Error bad_address(std::string_view text, const std::string& why) {
  return Error::invalid_input("'" + std::string(text) + "' is not a host:port address: " + why);
}

bool host_characters_ok(std::string_view host, bool ipv6) {
  return std::all_of(host.begin(), host.end(), [ipv6](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '.' || c == '-' || (ipv6 && c == ':');
  });
}

}  // namespace

Result<HttpAddress> parse_http_address(std::string_view text) {
  HttpAddress address;
  std::string_view port;
  bool ipv6 = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return fail(bad_address(text, "unclosed '['"));
    address.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') return fail(bad_address(text, "no :port after ']'"));
    port = text.substr(close + 2);
    ipv6 = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(bad_address(text, "no :port"));
    address.host = std::string(text.substr(0, colon));
    if (address.host.find(':') != std::string::npos) return fail(bad_address(text, "write an IPv6 host as [::1]:8080"));
    port = text.substr(colon + 1);
  }
  if (address.host.empty()) return fail(bad_address(text, "no host (use 127.0.0.1 or 0.0.0.0)"));
  if (!host_characters_ok(address.host, ipv6)) return fail(bad_address(text, "the host has characters a host cannot have"));
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || address.port < 1 || address.port > 65535) {
    return fail(bad_address(text, "the port must be a number from 1 to 65535"));
  }
  return address;
}

bool is_loopback(const HttpAddress& address) {
  const std::string& h = address.host;
  if (h == "localhost" || h == "::1") return true;
  // 127.0.0.0/8 in dotted decimal.
  if (h.rfind("127.", 0) != 0) return false;
  int parts = 0;
  for (size_t start = 0; start <= h.size();) {
    const size_t dot = std::min(h.find('.', start), h.size());
    const std::string_view part(h.data() + start, dot - start);
    int value = -1;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 255) return false;
    ++parts;
    start = dot + 1;
  }
  return parts == 4;
}

std::string to_string(const HttpAddress& address) {
  const bool ipv6 = address.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace ve::core
