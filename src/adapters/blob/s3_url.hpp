// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ve::adapters::blob {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The request URL for an object (key may be empty for the bucket itself), path-style
// (endpoint/bucket/key) or virtual-hosted (scheme://bucket.host/key). Key segments are encoded,
// the query sorted by name and encoded, with "name=" for empty values: libcurl's SigV4 signs the
// path and query exactly as written, so they must already be in canonical form.
std::string object_url(std::string_view endpoint, bool path_style, std::string_view bucket, std::string_view key,
                       QueryParams query = {});


}  // namespace ve::adapters::blob
