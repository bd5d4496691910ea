// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>

#include "core/error.hpp"

namespace ve::ports {

// Objects in buckets, streamed to and from files in fixed-size chunks (never whole in memory).
// Thread-safe. Errors: NotFound for a missing object ("input not found: <bucket>/<key>"),
// InvalidInput for an unsafe key, Transient for retryable outages, Internal otherwise.
// Told the bytes of an object received so far, as a download goes (from the transfer's thread;
// again from 0 when a retry starts over).
using DownloadProgress = std::function<void(uint64_t bytes)>;

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // A stop requested on `cancel` aborts a transfer in progress within about a second (and any
  // retry): Transient "... cancelled", nothing left at `to`. Local copies are not interrupted.
  // `progress` (may be empty) hears of the bytes as they arrive; a local copy reports once, when done.
  virtual core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                                std::stop_token cancel, const DownloadProgress& progress) = 0;
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                        std::stop_token cancel) {
    return download(bucket, key, to, std::move(cancel), DownloadProgress{});
  }
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to) {
    return download(bucket, key, to, std::stop_token{});
  }
  virtual core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) = 0;
  // The object's size in bytes, without downloading it (to check disk space before a download).
  virtual core::Result<uint64_t> size(const std::string& bucket, const std::string& key) = 0;
  // Up to `length` bytes of the object from `offset` (fewer at its end, none past it), at most
  // kMaxReadLength at a time: for serving stored outputs piece by piece. NotFound for a missing
  // object.
  static constexpr uint64_t kMaxReadLength = 512 * 1024;
  virtual core::Result<std::string> read(const std::string& bucket, const std::string& key, uint64_t offset,
                                         uint64_t length) = 0;
  // Deletes the object; one that does not exist is no error (a retried delete succeeds).
  virtual core::Status remove(const std::string& bucket, const std::string& key) = 0;
};

}  // namespace ve::ports
