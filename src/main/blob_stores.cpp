// SPDX-License-Identifier: Apache-2.0
#include "main/blob_stores.hpp"

namespace ve::main {
namespace {

bool uses(const core::Config& config, core::StorageBackend backend) {
  const core::StorageBackend fallback = config.storage.backend;
  for (const auto& setting : {config.input_bucket, config.output_bucket}) {
    auto location = core::parse_bucket_location(setting, fallback);  // validated by load_config
    if (location && location->backend == backend) return true;
  }
  return false;
}

}  // namespace

BlobStores::BlobStores(const core::Config& config) : local(config.storage_root) {}

core::Result<std::unique_ptr<BlobStores>> make_blob_stores(const core::Config& config) {
  auto stores = std::make_unique<BlobStores>(config);
  std::map<core::StorageBackend, ports::BlobStore*> backends{{core::StorageBackend::Local, &stores->local}};
  const core::StorageSettings& s = config.storage;
  if (uses(config, core::StorageBackend::S3)) {
    if (s.s3_access_key_id.empty() || s.s3_secret_access_key.empty()) {
      return core::fail(core::Error::invalid_input(
          "configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required for S3 buckets"));
    }
    adapters::blob::S3Settings settings;
    settings.endpoint = s.s3_endpoint.empty() ? "https://s3." + s.s3_region + ".amazonaws.com" : s.s3_endpoint;
    settings.region = s.s3_region;
    settings.access_key_id = s.s3_access_key_id;
    settings.secret_access_key = s.s3_secret_access_key;
    settings.force_path_style = s.s3_force_path_style;
    settings.public_read = s.public_read;
    stores->s3 = std::make_unique<adapters::blob::S3BlobStore>(settings);
    backends[core::StorageBackend::S3] = stores->s3.get();
  }
  if (uses(config, core::StorageBackend::Gcs)) {
    if (s.google_credentials.empty()) {
      return core::fail(core::Error::invalid_input(
          "configuration: GOOGLE_APPLICATION_CREDENTIALS must name a service account's JSON key for gs:// buckets"));
    }
    adapters::blob::gcs::GcsSettings settings;
    settings.credentials_file = s.google_credentials;
    if (!s.gcs_endpoint.empty()) settings.api_endpoint = s.gcs_endpoint;
    settings.public_read = s.public_read;
    auto gcs = adapters::blob::gcs::GcsBlobStore::create(settings);
    if (!gcs) return core::fail(gcs.error());
    stores->gcs = std::move(*gcs);
    backends[core::StorageBackend::Gcs] = stores->gcs.get();
  }
  stores->router = std::make_unique<app::BucketRouter>(s.backend, std::move(backends));
  return stores;
}

}  // namespace ve::main
