// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/blob/http_exchange.hpp"
#include "adapters/blob/s3_url.hpp"
#include "ports/blob_store.hpp"

namespace ve::adapters::blob {

struct S3Settings {
  std::string endpoint;  // e.g. http://127.0.0.1:9000 or https://s3.us-east-1.amazonaws.com
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  bool force_path_style = true;  // endpoint/bucket/key, else bucket.host/key
  bool public_read = false;      // x-amz-acl: public-read on uploads
  int max_attempts = 5;
  std::chrono::milliseconds base_backoff{200};
  uint64_t multipart_threshold = 64ULL << 20;  // larger files go up in parts
  uint64_t part_size = 16ULL << 20;            // clamped to 8..64 MiB (and to at most 10,000 parts)
};

// An S3-compatible object store over libcurl, signed with libcurl's SigV4. Objects stream
// between files and the network in fixed-size chunks; downloads land atomically (temp file beside
// the target, renamed after the length checked out). Connection errors, timeouts, 5xx, 408 and 429
// are retried with exponential backoff and full jitter; exhausted retries are Transient.
// Thread-safe: each thread uses its own libcurl handle (and keeps its connections alive).
class S3BlobStore final : public ports::BlobStore {
 public:
  explicit S3BlobStore(S3Settings settings);

  // NotFound "input not found: <bucket>/<key>" for a missing object.
  using ports::BlobStore::download;
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                        std::stop_token cancel, const ports::DownloadProgress& progress) override;
  // Single PUT up to multipart_threshold, multipart above (aborted on failure: no parts left).
  core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) override;
  // The object's size from a HEAD request (retried like the others); NotFound
  // "input not found: <bucket>/<key>" when it does not exist.
  core::Result<uint64_t> size(const std::string& bucket, const std::string& key) override;
  core::Result<std::string> read(const std::string& bucket, const std::string& key, uint64_t offset,
                                 uint64_t length) override;
  core::Status remove(const std::string& bucket, const std::string& key) override;
  // size() for callers that only need to know the object exists (`size` may be null).
  core::Status head(const std::string& bucket, const std::string& key, uint64_t* size);
  // Every key under `prefix` (ListObjectsV2, following continuation tokens), in S3's order.
  core::Result<std::vector<std::string>> list(const std::string& bucket, const std::string& prefix);

 private:
  std::string url(std::string_view bucket, std::string_view key, QueryParams query = {}) const;
  // Sends `request` until it succeeds (2xx), fails for good, or max_attempts are used up.
  // `rewind` runs before every retry (truncate a download's temp file); false stops retrying.
  HttpResponse exchange(std::string_view what, const HttpRequest& request, bool (*rewind)(std::FILE*) = nullptr) const;
  core::Error error_for(const HttpResponse& response, std::string_view operation, std::string_view bucket,
                        std::string_view key) const;
  std::vector<std::string> upload_headers(std::string_view key) const;
  core::Status upload_multipart(int fd, uint64_t size, const std::string& bucket, const std::string& key) const;
  void abort_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id) const;

  S3Settings settings_;
  SigningSettings signing_;
};

}  // namespace ve::adapters::blob
