// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/s3_url.hpp"

#include "core/text_encoding.hpp"

#include <algorithm>

namespace ve::adapters::blob {

std::string object_url(std::string_view endpoint, bool path_style, std::string_view bucket, std::string_view key,
                       QueryParams query) {
  std::string base(endpoint);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url;
  if (path_style) {
    url = base + "/" + core::percent_encode(bucket, false);
  } else {
    // scheme://host[:port][/prefix] -> scheme://bucket.host[:port][/prefix]
    const size_t scheme_end = base.find("://");
    const size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    url = base.substr(0, host_start) + std::string(bucket) + "." + base.substr(host_start);
  }
  url += '/';
  url += core::percent_encode(key, true);
  // Canonical order is by encoded name, then encoded value.
  for (auto& [name, value] : query) {
    name = core::percent_encode(name, false);
    value = core::percent_encode(value, false);
  }
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += query[i].first + "=" + query[i].second;
  }
  return url;
}

}  // namespace ve::adapters::blob
