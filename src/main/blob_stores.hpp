// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "adapters/blob/gcs/gcs_blob_store.hpp"
#include "adapters/blob/local_blob_store.hpp"
#include "adapters/blob/s3_blob_store.hpp"
#include "app/bucket_router.hpp"
#include "core/config.hpp"

namespace ve::main {

// The storage backends the configuration uses (local always; S3 and Google Cloud Storage when a
// bucket setting or STORAGE_BACKEND names them) behind one router.
struct BlobStores {
  explicit BlobStores(const core::Config& config);
  adapters::blob::LocalBlobStore local;
  std::unique_ptr<adapters::blob::S3BlobStore> s3;
  std::unique_ptr<adapters::blob::gcs::GcsBlobStore> gcs;
  std::unique_ptr<app::BucketRouter> router;
};

// InvalidInput naming the setting when a backend in use lacks what it needs (keys, credentials).
core::Result<std::unique_ptr<BlobStores>> make_blob_stores(const core::Config& config);

}  // namespace ve::main
