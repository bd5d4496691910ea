// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>

#include "core/storage_location.hpp"
#include "ports/blob_store.hpp"

namespace ve::app {

// A BlobStore whose "bucket" is a bucket setting (a plain name, s3://bucket/prefix or
// gs://bucket/prefix): it sends each call to the backend the setting names, with the key under
// the setting's prefix. InvalidInput for a setting it cannot parse or a backend not configured.
// Thread-safe when the backends are.
class BucketRouter final : public ports::BlobStore {
 public:
  BucketRouter(core::StorageBackend default_backend, std::map<core::StorageBackend, ports::BlobStore*> backends)
      : default_backend_(default_backend), backends_(std::move(backends)) {}

  using ports::BlobStore::download;
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                        std::stop_token cancel, const ports::DownloadProgress& progress) override;
  core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) override;
  core::Result<uint64_t> size(const std::string& bucket, const std::string& key) override;
  core::Result<std::string> read(const std::string& bucket, const std::string& key, uint64_t offset,
                                 uint64_t length) override;
  core::Status remove(const std::string& bucket, const std::string& key) override;

 private:
  core::Result<std::pair<ports::BlobStore*, core::BucketLocation>> route(const std::string& setting) const;

  core::StorageBackend default_backend_;
  std::map<core::StorageBackend, ports::BlobStore*> backends_;
};

}  // namespace ve::app
