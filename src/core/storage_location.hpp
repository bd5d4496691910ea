// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::core {

enum class StorageBackend { Local, S3, Gcs };

const char* to_string(StorageBackend backend);

// Where a bucket setting points: a plain name ("videos") uses the default backend;
// "s3://bucket/prefix" and "gs://bucket/prefix" choose one explicitly.
struct BucketLocation {
  StorageBackend backend = StorageBackend::Local;
  std::string bucket;
  std::string prefix;  // no leading or trailing '/'; empty for the bucket's root

  // The full object key of `key` under this location's prefix.
  std::string key_of(std::string_view key) const;
};

// InvalidInput naming the problem: an unknown scheme, a bucket name that S3 or Google Cloud Storage
// would refuse, or a prefix that is not a safe object key.
Result<BucketLocation> parse_bucket_location(std::string_view setting, StorageBackend default_backend);

// Content-Type for an uploaded object, from its extension.
const char* content_type_for(std::string_view key);

}  // namespace ve::core
