// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

#include "ports/blob_store.hpp"

namespace ve::adapters::blob {

// Buckets as folders: bucket B is <root>/B and object key K the file <root>/B/K. Keys are
// validated (core::validate_object_key) so nothing resolves outside the bucket. Uploads land
// atomically (written beside the target, then renamed). Thread-safe.
class LocalBlobStore final : public ports::BlobStore {
 public:
  explicit LocalBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  using ports::BlobStore::download;
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                        std::stop_token cancel, const ports::DownloadProgress& progress) override;
  core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) override;
  core::Result<uint64_t> size(const std::string& bucket, const std::string& key) override;
  core::Result<std::string> read(const std::string& bucket, const std::string& key, uint64_t offset,
                                 uint64_t length) override;
  core::Status remove(const std::string& bucket, const std::string& key) override;

 private:
  core::Result<std::filesystem::path> object_path(const std::string& bucket, const std::string& key) const;
  // The object's file for reading: NotFound unless it is a regular file, InvalidInput when a
  // symbolic link leads it outside its bucket's folder.
  core::Result<std::filesystem::path> existing_object(const std::string& bucket, const std::string& key) const;
  std::filesystem::path root_;
};

}  // namespace ve::adapters::blob
