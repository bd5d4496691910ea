// SPDX-License-Identifier: Apache-2.0
// S3BlobStore::size (HEAD) against s3rver behind the SigV4-checking proxy.
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "adapters/blob/s3_blob_store.hpp"
#include "support/s3_fixture.hpp"

namespace ve::testing {
namespace {

namespace fs = std::filesystem;
using adapters::blob::S3BlobStore;

// A file of `size` bytes, written 1 MiB at a time.
void write_sized_file(const fs::path& path, uint64_t size) {
  const std::vector<char> chunk(1 << 20, 'v');
  std::ofstream out(path, std::ios::binary);
  for (uint64_t left = size; left > 0;) {
    const auto n = static_cast<std::streamsize>(std::min<uint64_t>(left, chunk.size()));
    out.write(chunk.data(), n);
    left -= static_cast<uint64_t>(n);
  }
}

class S3BlobSizeTest : public ::testing::Test {
 protected:
  S3Server server{{"media"}};
  TempDir dir;
};

TEST_F(S3BlobSizeTest, SizeOfEmptySmallAndMultiMebibyteObjects) {
  S3BlobStore store(server.settings());
  // Put by curl, an independent client; the multi-MiB one is larger than curl's and ours buffers.
  for (const uint64_t size : std::initializer_list<uint64_t>{0, 1000, (24ULL << 20) + 7}) {
    const std::string key = "in/sized " + std::to_string(size) + ".mp4";
    write_sized_file(dir / "f", size);
    const auto put = server.curl("-f -T " + quote((dir / "f").string()) + " " +
                                 quote(server.endpoint() + "/media/in/sized%20" + std::to_string(size) + ".mp4"));
    ASSERT_EQ(put.exit_code, 0) << put.output;
    const auto got = store.size("media", key);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got, size) << key;
  }
}

TEST_F(S3BlobSizeTest, SizeOfAnObjectThisStoreUploadedInParts) {
  auto settings = server.settings();
  settings.multipart_threshold = 1 << 20;  // 8 MiB parts: 3 of them
  S3BlobStore store(settings);
  write_sized_file(dir / "f", (20ULL << 20) + 5);
  ASSERT_TRUE(store.upload(dir / "f", "media", "multi/video.mp4"));
  const auto got = store.size("media", "multi/video.mp4");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, (20ULL << 20) + 5);
}

TEST_F(S3BlobSizeTest, MissingObjectIsNotFoundWithTheDownloadMessage) {
  S3BlobStore store(server.settings());
  const auto got = store.size("media", "nope/missing.mp4");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::NotFound);
  EXPECT_EQ(got.error().message, "input not found: media/nope/missing.mp4");
}

TEST_F(S3BlobSizeTest, UnsafeKeyIsInvalidInput) {
  S3BlobStore store(server.settings());
  const auto got = store.size("media", "../etc/passwd");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::InvalidInput);
}

TEST_F(S3BlobSizeTest, OutageIsTransientAfterRetries) {
  S3BlobStore store(server.settings());
  server.stop();
  const auto got = store.size("media", "a.mp4");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::Transient) << got.error().message;
  EXPECT_NE(got.error().message.find("after 4 attempts"), std::string::npos) << got.error().message;
}

}  // namespace
}  // namespace ve::testing
