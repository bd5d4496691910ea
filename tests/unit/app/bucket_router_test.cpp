// SPDX-License-Identifier: Apache-2.0
#include "app/bucket_router.hpp"

#include <gtest/gtest.h>

#include "fakes/fakes.hpp"
#include "support/test_support.hpp"

namespace ve::app {
namespace {

TEST(BucketRouter, SendsEachSettingToItsBackendUnderItsPrefix) {
  fakes::FakeBlobStore local, s3;
  BucketRouter router(core::StorageBackend::Local, {{core::StorageBackend::Local, &local}, {core::StorageBackend::S3, &s3}});
  ve::testing::TempDir tmp;
  ve::testing::write_bytes(tmp / "f", "bytes");
  ASSERT_TRUE(router.upload(tmp / "f", "s3://out-bucket/dash", "id/manifest.mpd"));
  ASSERT_TRUE(router.upload(tmp / "f", "plain", "k"));
  EXPECT_EQ(s3.objects().count("out-bucket/dash/id/manifest.mpd"), 1u);
  EXPECT_EQ(local.objects().count("plain/k"), 1u);

  s3.put("in-bucket", "uploads/a.mp4", "video");
  ASSERT_TRUE(router.download("s3://in-bucket/uploads", "a.mp4", tmp / "a.mp4"));
  EXPECT_EQ(ve::testing::read_text(tmp / "a.mp4"), "video");
}

TEST(BucketRouter, SizeAsksTheBackendUnderThePrefix) {
  fakes::FakeBlobStore local, gcs;
  BucketRouter router(core::StorageBackend::Local, {{core::StorageBackend::Local, &local}, {core::StorageBackend::Gcs, &gcs}});
  gcs.put("in-bucket", "uploads/a.mp4", "12345");
  auto size = router.size("gs://in-bucket/uploads", "a.mp4");
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, 5u);
  const auto missing = router.size("videos-input", "a.mp4");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, core::ErrorKind::NotFound);
  EXPECT_EQ(missing.error().message, "input not found: videos-input/a.mp4");
  const auto unconfigured = router.size("s3://in-bucket", "a.mp4");
  ASSERT_FALSE(unconfigured);
  EXPECT_EQ(unconfigured.error().kind, core::ErrorKind::InvalidInput);
}

TEST(BucketRouter, UnconfiguredBackendOrBadSettingIsInvalidInput) {
  fakes::FakeBlobStore local;
  BucketRouter router(core::StorageBackend::Local, {{core::StorageBackend::Local, &local}});
  ve::testing::TempDir tmp;
  auto r = router.download("gs://some-bucket", "a.mp4", tmp / "a");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(r.error().message.find("gcs"), std::string::npos) << r.error().message;
  EXPECT_FALSE(router.download("s3://../x", "a.mp4", tmp / "a"));
}

}  // namespace
}  // namespace ve::app
