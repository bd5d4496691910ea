// SPDX-License-Identifier: Apache-2.0
#include "adapters/store/postgres_dsn.hpp"

#include <cctype>

namespace ve::adapters::store {
namespace {

bool is_uri(std::string_view dsn) { return dsn.starts_with("postgresql://") || dsn.starts_with("postgres://"); }

std::string percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

void add_secret(std::vector<std::string>& secrets, std::string_view raw) {
  if (raw.empty()) return;
  secrets.emplace_back(raw);
  if (std::string decoded = percent_decode(raw); decoded != raw) secrets.push_back(std::move(decoded));
}

// The value of `password` in key=value form: unquoted up to white space, or single-quoted with
// backslash escapes.
void key_value_secrets(std::string_view dsn, std::vector<std::string>& secrets) {
  size_t pos = 0;
  while ((pos = dsn.find("password", pos)) != std::string_view::npos) {
    const bool starts_word = pos == 0 || std::isspace(static_cast<unsigned char>(dsn[pos - 1]));
    size_t i = pos + 8;
    pos = i;
    if (!starts_word) continue;
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    if (i >= dsn.size() || dsn[i] != '=') continue;
    ++i;
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    std::string value;
    if (i < dsn.size() && dsn[i] == '\'') {
      for (++i; i < dsn.size() && dsn[i] != '\''; ++i) {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        value += dsn[i];
      }
    } else {
      for (; i < dsn.size() && !std::isspace(static_cast<unsigned char>(dsn[i])); ++i) value += dsn[i];
    }
    add_secret(secrets, value);
  }
}

void uri_secrets(std::string_view dsn, std::vector<std::string>& secrets) {
  const size_t start = dsn.find("://") + 3;
  const size_t query = dsn.find('?', start);
  const std::string_view authority = dsn.substr(start, query == std::string_view::npos ? query : query - start);
  // The last '@' ends the user info: a careless password may hold a raw '@' or '/'.
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view user_info = authority.substr(0, at);
    if (const size_t colon = user_info.find(':'); colon != std::string_view::npos) {
      add_secret(secrets, user_info.substr(colon + 1));
    }
  }
  if (query == std::string_view::npos) return;
  std::string_view params = dsn.substr(query + 1);
  while (!params.empty()) {
    const size_t amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    if (param.starts_with("password=")) add_secret(secrets, param.substr(9));
    params = amp == std::string_view::npos ? std::string_view{} : params.substr(amp + 1);
  }
}

}  // namespace

std::string with_connect_timeout(const std::string& dsn, int seconds) {
  if (dsn.find("connect_timeout") != std::string::npos) return dsn;
  const std::string param = "connect_timeout=" + std::to_string(seconds);
  if (is_uri(dsn)) return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + param;
  return dsn.empty() ? param : dsn + " " + param;
}

std::vector<std::string> dsn_secrets(std::string_view dsn) {
  std::vector<std::string> secrets;
  if (is_uri(dsn)) {
    uri_secrets(dsn, secrets);
  } else {
    key_value_secrets(dsn, secrets);
  }
  return secrets;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = 0; (pos = text.find(secret, pos)) != std::string::npos; pos += 3) text.replace(pos, secret.size(), "***");
  }
  return text;
}

}  // namespace ve::adapters::store
