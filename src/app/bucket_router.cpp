// SPDX-License-Identifier: Apache-2.0
#include "app/bucket_router.hpp"

namespace ve::app {

core::Result<std::pair<ports::BlobStore*, core::BucketLocation>> BucketRouter::route(const std::string& setting) const {
  auto location = core::parse_bucket_location(setting, default_backend_);
  if (!location) return core::fail(location.error());
  const auto it = backends_.find(location->backend);
  if (it == backends_.end() || !it->second) {
    return core::fail(core::Error::invalid_input(std::string("storage backend ") + core::to_string(location->backend) +
                                                 " for '" + setting + "' is not configured"));
  }
  return std::make_pair(it->second, std::move(*location));
}

core::Status BucketRouter::download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                                   std::stop_token cancel, const ports::DownloadProgress& progress) {
  auto target = route(bucket);
  if (!target) return core::fail(target.error());
  return target->first->download(target->second.bucket, target->second.key_of(key), to, cancel, progress);
}

core::Status BucketRouter::upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) {
  auto target = route(bucket);
  if (!target) return core::fail(target.error());
  return target->first->upload(from, target->second.bucket, target->second.key_of(key));
}

core::Result<uint64_t> BucketRouter::size(const std::string& bucket, const std::string& key) {
  auto target = route(bucket);
  if (!target) return core::fail(target.error());
  return target->first->size(target->second.bucket, target->second.key_of(key));
}

core::Result<std::string> BucketRouter::read(const std::string& bucket, const std::string& key, uint64_t offset,
                                             uint64_t length) {
  auto target = route(bucket);
  if (!target) return core::fail(target.error());
  return target->first->read(target->second.bucket, target->second.key_of(key), offset, length);
}

core::Status BucketRouter::remove(const std::string& bucket, const std::string& key) {
  auto target = route(bucket);
  if (!target) return core::fail(target.error());
  return target->first->remove(target->second.bucket, target->second.key_of(key));
}

}  // namespace ve::app
