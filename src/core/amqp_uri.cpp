// SPDX-License-Identifier: Apache-2.0
#include "core/amqp_uri.hpp"

#include <cctype>
#include <charconv>
#include <system_error>

#include "core/text_encoding.hpp"

namespace ve::core {
namespace {

// Never quotes the URI: a password with an unescaped '/', '?' or '#' ends up in the other parts.
Error bad_uri(const std::string& why) { return Error::invalid_input(why); }

}  // namespace

Result<AmqpUri> parse_amqp_uri(std::string_view uri) {
  AmqpUri out;
  const size_t scheme_end = uri.find("://");
  std::string scheme(uri.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end));
  for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (scheme == "amqps") {
    out.tls = true;
    out.port = 5671;
  } else if (scheme != "amqp") {
    return fail(bad_uri("must start with amqp:// or amqps://"));
  }
  std::string_view rest = uri.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail(bad_uri("must not have query parameters or a fragment (write ? and # in a password as %3F and %23)"));
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  // The last '@' ends the user information, so an unescaped '@' in a password still works.
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    if (!user) return fail(bad_uri("has a malformed %-escape in the user name"));
    out.user = std::move(*user);
    if (colon != std::string_view::npos) {
      auto password = percent_decode(userinfo.substr(colon + 1));
      if (!password) return fail(bad_uri("has a malformed %-escape in the password"));
      out.password = std::move(*password);
    }
  }

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // IPv6 literal
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(bad_uri("has an IPv6 address without its closing ]"));
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return fail(bad_uri("has something other than :port after ]"));
    if (!after.empty()) port = after.substr(1);
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  auto decoded_host = percent_decode(host);
  if (!decoded_host || decoded_host->empty()) return fail(bad_uri("has no host name"));
  out.host = std::move(*decoded_host);
  if (!port.empty()) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return fail(bad_uri("has an invalid port (a number from 1 to 65535 after the host name)"));
    }
    out.port = value;
  }

  if (path.find('/') != std::string_view::npos) {
    return fail(bad_uri("has a / inside the vhost: write it as %2F (the vhost \"/\" is amqp://host/%2F)"));
  }
  auto vhost = percent_decode(path);
  if (!vhost) return fail(bad_uri("has a malformed %-escape in the vhost"));
  // No vhost, or an empty one: the broker's default vhost.
  if (!vhost->empty()) out.vhost = std::move(*vhost);
  return out;
}

}  // namespace ve::core
