// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/s3_url.hpp"

#include <algorithm>

namespace ve::adapters::blob {

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::string object_url(std::string_view endpoint, bool path_style, std::string_view bucket, std::string_view key,
                       QueryParams query) {
  std::string base(endpoint);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url;
  if (path_style) {
    url = base + "/" + uri_encode(bucket, false);
  } else {
    // scheme://host[:port][/prefix] -> scheme://bucket.host[:port][/prefix]
    const size_t scheme_end = base.find("://");
    const size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    url = base.substr(0, host_start) + std::string(bucket) + "." + base.substr(host_start);
  }
  url += '/';
  url += uri_encode(key, true);
  // Canonical order is by encoded name, then encoded value.
  for (auto& [name, value] : query) {
    name = uri_encode(name, false);
    value = uri_encode(value, false);
  }
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += query[i].first + "=" + query[i].second;
  }
  return url;
}

}  // namespace ve::adapters::blob
