// SPDX-License-Identifier: Apache-2.0
#include "core/output_naming.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

TEST(PresentationName, StripsFolderAndLastExtension) {
  EXPECT_EQ(*presentation_name("../media/video.mp4"), "video");
  EXPECT_EQ(*presentation_name("/abs/clip.final.mov"), "clip.final");
  EXPECT_EQ(*presentation_name("noext"), "noext");
}

TEST(PresentationName, RejectsNamesThatCannotBeAFolder) {
  for (const char* bad : {"", "dir/", ".", "..", "x/..", ".mp4", "a/.hidden"}) {
    auto r = presentation_name(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidInput);
  }
}

TEST(SegmentNames, ExpandFromTheTemplatesTheManifestUses) {
  EXPECT_EQ(representation_id(MediaKind::Video, 0), "video0");
  EXPECT_EQ(representation_id(MediaKind::Audio, 2), "audio2");
  EXPECT_EQ(init_segment_name("video0"), "init-video0.mp4");
  EXPECT_EQ(media_segment_name("audio1", 7), "seg-audio1-00007.m4s");
  EXPECT_EQ(media_segment_name("audio1", 123456), "seg-audio1-123456.m4s");
}

TEST(SegmentNames, HlsPlaylistsAndWebVttFiles) {
  EXPECT_EQ(hls_playlist_name("video0"), "video0.m3u8");
  EXPECT_EQ(webvtt_file_name("text2"), "text2.vtt");
  EXPECT_EQ(webvtt_segment_name("text2", 1), "seg-text2-00001.vtt");
  EXPECT_EQ(webvtt_segment_name("text2", 123456), "seg-text2-123456.vtt");
}

TEST(ExpandTemplate, HandlesIdentifiersAndRejectsUnknownOnes) {
  EXPECT_EQ(*expand_template("a-$Number$-$$-$RepresentationID$", "v", 12), "a-12-$-v");
  EXPECT_EQ(*expand_template("$Number%03d$", "v", 5), "005");
  EXPECT_FALSE(expand_template("$Time$", "v", 1));
  EXPECT_FALSE(expand_template("$Number", "v", 1));
}

}  // namespace
}  // namespace ve::core
