// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "adapters/blob/gcs/access_token.hpp"
#include "ports/blob_store.hpp"

namespace ve::adapters::blob::gcs {

struct GcsSettings {
  std::filesystem::path credentials_file;  // service-account JSON key (GOOGLE_APPLICATION_CREDENTIALS)
  std::string api_endpoint = "https://storage.googleapis.com";  // overridable for tests
  bool public_read = false;                                      // uploads get predefinedAcl=publicRead
  int max_attempts = 5;                                          // per request, the first included
  std::chrono::milliseconds base_backoff{200};                   // full jitter, doubling per attempt
  std::size_t chunk_bytes = 8 * 1024 * 1024;                     // resumable upload chunk, n * 256 KiB
};

// Google Cloud Storage over the JSON API: downloads stream to a file beside the target and are
// renamed into place; uploads are resumable, sent in chunk_bytes pieces read from the file.
// Retries connection errors, timeouts, 408, 429 and 5xx with exponential backoff and full jitter;
// a 401 renews the access token once. Thread-safe (each thread reuses its own connections).
// Errors as ports::BlobStore; a rejected key or a 403 is Internal.
class GcsBlobStore final : public ports::BlobStore {
 public:
  // Loads and checks the key; no network. InvalidInput naming the file and the problem.
  static core::Result<std::unique_ptr<GcsBlobStore>> create(GcsSettings settings);

  using ports::BlobStore::download;
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                        std::stop_token cancel, const ports::DownloadProgress& progress) override;
  core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) override;
  // objects.get metadata (fields=size), retried and authorized as downloads are.
  core::Result<std::uint64_t> size(const std::string& bucket, const std::string& key) override;
  core::Result<std::string> read(const std::string& bucket, const std::string& key, uint64_t offset,
                                 uint64_t length) override;
  // objects.delete, retried and authorized as downloads are; a missing object is no error.
  core::Status remove(const std::string& bucket, const std::string& key) override;

  // What one try of a request came to: success, or an error and whether trying again may help.
  struct Attempt {
    core::Status status;
    bool retry = false;
    bool unauthorized = false;  // HTTP 401: renew the token and try again (once)
  };

 private:
  GcsBlobStore(GcsSettings settings, ServiceAccount account);
  // The JSON API's URL of an object (objects.get / objects.delete), names percent-encoded.
  std::string object_url(const std::string& bucket, const std::string& key) const;
  // Runs `attempt` until it succeeds, fails for good or max_attempts are spent; a stop requested
  // on `cancel` ends the backoff between attempts (Transient "...: cancelled").
  core::Status with_retries(const std::string& what, const std::function<Attempt(const std::string& token)>& attempt,
                            std::stop_token cancel = {});
  Attempt start_upload(const std::string& token, const std::string& bucket, const std::string& key,
                       std::uint64_t size, std::string& session);
  GcsSettings settings_;
  AccessTokenProvider tokens_;
};



}  // namespace ve::adapters::blob::gcs
