// SPDX-License-Identifier: Apache-2.0
// GcsBlobStore::size (objects.get metadata) against fake_gcs.py.
#include <gtest/gtest.h>

#include "adapters/blob/gcs/gcs_blob_store.hpp"
#include "fake_gcs_server.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::blob::gcs {
namespace {

class GcsBlobSizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = std::make_unique<ve::testing::FakeGcs>(dir_.path());
    GcsSettings s;
    s.credentials_file = fake_->key_file();
    s.api_endpoint = fake_->endpoint();
    s.base_backoff = std::chrono::milliseconds(5);
    s.max_attempts = 3;
    auto store = GcsBlobStore::create(std::move(s));
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override {
    const auto stats = fake_->stats();
    EXPECT_TRUE(stats["violations"].empty()) << stats["violations"].dump(2);
  }

  ve::testing::TempDir dir_;
  std::unique_ptr<ve::testing::FakeGcs> fake_;
  std::unique_ptr<GcsBlobStore> store_;
};

TEST_F(GcsBlobSizeTest, SizeOfEmptySmallAndMultiMebibyteObjectsWithoutDownloadingThem) {
  const std::string key = "in/sub dir/video+1 é.mp4";  // percent-encoded in the URL
  for (const std::size_t size : {std::size_t{0}, std::size_t{1000}, (std::size_t{12} << 20) + 7}) {
    fake_->put_object("in-bucket", key, std::string(size, 'v'));
    const auto got = store_->size("in-bucket", key);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got, size);
  }
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["metadata_gets"], 3);
  EXPECT_EQ(stats["media_gets"], 0);
  EXPECT_EQ(stats["token_requests"], 1);
}

TEST_F(GcsBlobSizeTest, MissingObjectIsNotFoundWithTheDownloadMessage) {
  const auto got = store_->size("in-bucket", "videos/missing.mp4");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::NotFound);
  EXPECT_EQ(got.error().message, "input not found: in-bucket/videos/missing.mp4");
  const auto download = store_->download("in-bucket", "videos/missing.mp4", dir_ / "x");
  ASSERT_FALSE(download);
  EXPECT_EQ(download.error().message, got.error().message);
}

TEST_F(GcsBlobSizeTest, UnsafeNamesAreInvalidInputWithoutARequest) {
  for (const auto& [bucket, key] : std::vector<std::pair<std::string, std::string>>{
           {"in-bucket", "../etc/passwd"}, {"Bad_Bucket!", "a.mp4"}}) {
    const auto got = store_->size(bucket, key);
    ASSERT_FALSE(got) << bucket << "/" << key;
    EXPECT_EQ(got.error().kind, core::ErrorKind::InvalidInput);
  }
  EXPECT_EQ(fake_->stats()["api_requests"], 0);
}

TEST_F(GcsBlobSizeTest, RetriesOn503AndRenewsARevokedToken) {
  fake_->put_object("in-bucket", "a.mp4", "abcde");
  fake_->control("fail", {{"count", 2}, {"status", 503}});
  auto got = store_->size("in-bucket", "a.mp4");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, 5u);
  fake_->control("revoke_tokens");
  got = store_->size("in-bucket", "a.mp4");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, 5u);
  const auto stats = fake_->stats();
  EXPECT_EQ(stats["failed_injected"], 2);
  EXPECT_EQ(stats["unauthorized"], 1);
  EXPECT_EQ(stats["token_requests"], 2);
}

TEST_F(GcsBlobSizeTest, OutageIsTransientAfterMaxAttempts) {
  fake_->put_object("in-bucket", "a.mp4", "abcde");
  fake_->control("fail", {{"count", 100}, {"status", 503}});
  const auto got = store_->size("in-bucket", "a.mp4");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::Transient);
  EXPECT_NE(got.error().message.find("reading the size of gs://in-bucket/a.mp4"), std::string::npos)
      << got.error().message;
  EXPECT_NE(got.error().message.find("gave up after 3 attempts"), std::string::npos) << got.error().message;
}

}  // namespace
}  // namespace ve::adapters::blob::gcs
