// SPDX-License-Identifier: Apache-2.0
#include "core/storage_location.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

TEST(StorageLocation, PlainNamesUseTheDefaultBackend) {
  auto l = parse_bucket_location("videos-input", StorageBackend::S3);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->backend, StorageBackend::S3);
  EXPECT_EQ(l->bucket, "videos-input");
  EXPECT_EQ(l->prefix, "");
  EXPECT_EQ(l->key_of("a/b.mp4"), "a/b.mp4");
}

TEST(StorageLocation, SchemesChooseTheBackendAndKeepThePrefix) {
  auto s3 = parse_bucket_location("s3://media-out/dash/2024/", StorageBackend::Local);
  ASSERT_TRUE(s3);
  EXPECT_EQ(s3->backend, StorageBackend::S3);
  EXPECT_EQ(s3->bucket, "media-out");
  EXPECT_EQ(s3->prefix, "dash/2024");
  EXPECT_EQ(s3->key_of("id/manifest.mpd"), "dash/2024/id/manifest.mpd");
  auto gs = parse_bucket_location("gs://in.example.com", StorageBackend::Local);
  ASSERT_TRUE(gs);
  EXPECT_EQ(gs->backend, StorageBackend::Gcs);
  EXPECT_EQ(gs->bucket, "in.example.com");
}

TEST(StorageLocation, RejectsWhatABackendWouldRefuseOrThatEscapes) {
  for (const char* bad : {"", "..", "a/../b", "s3://", "s3://UPPER", "s3://x", "ftp://bucket", "s3://ok-bucket/../x",
                          "s3://ok-bucket//x", "bad name"}) {
    auto l = parse_bucket_location(bad, StorageBackend::Local);
    EXPECT_FALSE(l) << bad;
    if (!l) {
      EXPECT_EQ(l.error().kind, ErrorKind::InvalidInput);
    }
  }
}

TEST(ContentType, ByExtension) {
  EXPECT_STREQ(content_type_for("a/manifest.mpd"), "application/dash+xml");
  EXPECT_STREQ(content_type_for("seg-video0-00001.m4s"), "video/iso.segment");
  EXPECT_STREQ(content_type_for("init-video0.mp4"), "video/mp4");
  EXPECT_STREQ(content_type_for("x.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_STREQ(content_type_for("a/seg-text2-00001.vtt"), "text/vtt");
  EXPECT_STREQ(content_type_for("a/poster.jpg"), "image/jpeg");
  EXPECT_STREQ(content_type_for("x.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace ve::core

#include "core/text_encoding.hpp"

namespace ve::core {
namespace {

TEST(TextEncoding, PercentEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(percent_encode("a b/c+é~"), "a%20b%2Fc%2B%C3%A9~");
  EXPECT_EQ(percent_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(percent_encode("urn:x=y&z"), "urn%3Ax%3Dy%26z");
}

TEST(TextEncoding, XmlEscape) { EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;"); }

}  // namespace
}  // namespace ve::core
