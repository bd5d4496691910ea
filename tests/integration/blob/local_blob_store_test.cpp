// SPDX-License-Identifier: Apache-2.0
// LocalBlobStore (buckets as folders) on the real filesystem.
#include "adapters/blob/local_blob_store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "support/test_support.hpp"

namespace ve::testing {
namespace {

namespace fs = std::filesystem;
using adapters::blob::LocalBlobStore;

TEST(LocalBlobStoreSize, SizeOfEmptySmallAndMultiMebibyteObjects) {
  TempDir root;
  LocalBlobStore store(root.path());
  const std::vector<char> chunk(1 << 20, 'v');
  for (const uint64_t size : std::initializer_list<uint64_t>{0, 1000, (24ULL << 20) + 7}) {
    const fs::path file = root / "videos-input" / "in" / (std::to_string(size) + ".mp4");
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    for (uint64_t left = size; left > 0; left -= std::min<uint64_t>(left, chunk.size())) {
      out.write(chunk.data(), static_cast<std::streamsize>(std::min<uint64_t>(left, chunk.size())));
    }
    out.close();
    const auto got = store.size("videos-input", "in/" + std::to_string(size) + ".mp4");
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got, size);
  }
}

// A local copy is one step: its size is told once, when the copy is in place.
TEST(LocalBlobStore, DownloadTellsItsSizeOnceCopied) {
  TempDir root;
  LocalBlobStore store(root.path());
  fs::create_directories(root / "in");
  std::ofstream(root / "in" / "clip.mp4", std::ios::binary) << std::string(5000, 'v');
  std::vector<uint64_t> told;
  const fs::path to = root / "work" / "input.mp4";
  auto ok = store.download("in", "clip.mp4", to, {}, [&](uint64_t bytes) {
    told.push_back(bytes);
    EXPECT_TRUE(fs::exists(to));
  });
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(told, std::vector<uint64_t>{5000});
}

TEST(LocalBlobStoreRead, RangesInsideAcrossAndPastTheEnd) {
  TempDir root;
  LocalBlobStore store(root.path());
  fs::create_directories(root / "out" / "v");
  std::string bytes;
  for (int i = 0; i < 600 * 1024; ++i) bytes += static_cast<char>('a' + i % 26);
  std::ofstream(root / "out" / "v" / "seg.m4s", std::ios::binary) << bytes;
  EXPECT_EQ(*store.read("out", "v/seg.m4s", 10, 5), bytes.substr(10, 5));
  EXPECT_EQ(store.read("out", "v/seg.m4s", 0, bytes.size())->size(), ports::BlobStore::kMaxReadLength);
  EXPECT_EQ(*store.read("out", "v/seg.m4s", bytes.size() - 3, 10), bytes.substr(bytes.size() - 3));
  EXPECT_TRUE(store.read("out", "v/seg.m4s", bytes.size() + 1, 10)->empty());
  EXPECT_EQ(store.read("out", "v/none.m4s", 0, 1).error().kind, core::ErrorKind::NotFound);
  EXPECT_EQ(store.read("out", "../out/v/seg.m4s", 0, 1).error().kind, core::ErrorKind::InvalidInput);
}

TEST(LocalBlobStoreSize, MissingObjectOrAFolderIsNotFoundWithTheDownloadMessage) {
  TempDir root;
  LocalBlobStore store(root.path());
  fs::create_directories(root / "videos-input" / "a-folder.mp4");
  for (const std::string key : {"in/missing.mp4", "a-folder.mp4"}) {
    const auto got = store.size("videos-input", key);
    ASSERT_FALSE(got) << key;
    EXPECT_EQ(got.error().kind, core::ErrorKind::NotFound);
    EXPECT_EQ(got.error().message, "input not found: videos-input/" + key);
    const auto download = store.download("videos-input", key, root / "copy");
    ASSERT_FALSE(download);
    EXPECT_EQ(download.error().message, got.error().message);
  }
}

TEST(LocalBlobStoreSize, KeysAreValidatedAsForDownloads) {
  TempDir root;
  write_bytes(root / "secret", "outside the bucket");
  LocalBlobStore store(root.path());
  for (const auto& [bucket, key] : std::vector<std::pair<std::string, std::string>>{
           {"videos-input", "../secret"}, {"videos-input", "/etc/passwd"}, {"..", "secret"}, {"a/b", "k"}}) {
    const auto got = store.size(bucket, key);
    ASSERT_FALSE(got) << bucket << " " << key;
    EXPECT_EQ(got.error().kind, core::ErrorKind::InvalidInput) << bucket << " " << key;
  }
}

TEST(LocalBlobStore, LinksInsideTheBucketWorkLinksLeadingOutAreRefused) {
  TempDir root;
  write_bytes(root / "outside.mp4", "a file elsewhere on the machine");
  fs::create_directories(root / "outside-dir");
  write_bytes(root / "outside-dir" / "x.mp4", "another");
  fs::create_directories(root / "videos-input" / "real");
  write_bytes(root / "videos-input" / "real" / "clip.mp4", "clip bytes");
  fs::create_symlink("real/clip.mp4", root / "videos-input" / "alias.mp4");
  fs::create_symlink("../outside.mp4", root / "videos-input" / "escape.mp4");
  fs::create_directory_symlink("../outside-dir", root / "videos-input" / "linked");
  // A bucket folder that is itself a link is fine: the bucket is where it leads.
  fs::create_directory_symlink("videos-input", root / "alias-bucket");
  LocalBlobStore store(root.path());

  ASSERT_TRUE(store.download("videos-input", "alias.mp4", root / "copy1"));
  EXPECT_EQ(read_text(root / "copy1"), "clip bytes");
  ASSERT_TRUE(store.download("alias-bucket", "real/clip.mp4", root / "copy2"));
  EXPECT_EQ(*store.size("videos-input", "alias.mp4"), 10u);
  for (const std::string key : {"escape.mp4", "linked/x.mp4"}) {
    const auto got = store.download("videos-input", key, root / "copy3");
    ASSERT_FALSE(got) << key;
    EXPECT_EQ(got.error().kind, core::ErrorKind::InvalidInput);
    EXPECT_EQ(got.error().message, "videos-input/" + key + " is a symbolic link leading outside the bucket; refused");
    EXPECT_FALSE(fs::exists(root / "copy3"));
    EXPECT_FALSE(store.size("videos-input", key));
  }
}

TEST(LocalBlobStoreRemove, RemovesTheFileAndTheFoldersItLeftEmptyNeverWhatALinkPointsTo) {
  TempDir root;
  LocalBlobStore store(root.path());
  write_bytes(root / "src", "presentation");
  write_bytes(root / "outside", "keep me");
  ASSERT_TRUE(store.upload(root / "src", "out", "v1/dash/manifest.mpd"));
  ASSERT_TRUE(store.upload(root / "src", "out", "v2/manifest.mpd"));
  fs::create_directories(root / "out" / "v3");
  fs::create_symlink(root / "outside", root / "out" / "v3" / "link.mpd");

  ASSERT_TRUE(store.remove("out", "v1/dash/manifest.mpd"));
  EXPECT_FALSE(fs::exists(root / "out" / "v1"));  // dash/ and v1/ were left empty
  EXPECT_TRUE(fs::exists(root / "out" / "v2" / "manifest.mpd"));
  EXPECT_TRUE(store.remove("out", "v1/dash/manifest.mpd"));  // already gone: no error
  ASSERT_TRUE(store.remove("out", "v3/link.mpd"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(root / "out" / "v3" / "link.mpd")));
  EXPECT_EQ(read_text(root / "outside"), "keep me");
  EXPECT_TRUE(fs::exists(root / "out"));  // the bucket itself stays
  const auto refused = store.remove("out", "../outside");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_TRUE(fs::exists(root / "outside"));
}

}  // namespace
}  // namespace ve::testing
