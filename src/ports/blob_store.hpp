// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace ve::ports {

// Objects in buckets, streamed to and from files in fixed-size chunks (never whole in memory).
// Thread-safe. Errors: NotFound for a missing object ("input not found: <bucket>/<key>"),
// InvalidInput for an unsafe key, Transient for retryable outages, Internal otherwise.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to) = 0;
  virtual core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) = 0;
  // The object's size in bytes, without downloading it (to check disk space before a download).
  virtual core::Result<uint64_t> size(const std::string& bucket, const std::string& key) = 0;
};

}  // namespace ve::ports
