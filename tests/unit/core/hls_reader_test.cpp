// SPDX-License-Identifier: Apache-2.0
#include "core/hls_reader.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

TEST(HlsReader, MasterListsVariantsAndRenditions) {
  const auto entries = parse_master_playlist(
      "#EXTM3U\r\n#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio-aac\",NAME=\"English, main\",URI=\"audio1.m3u8\"\n"
      "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"French\",URI=\"text2.m3u8\"\n"
      "#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"cc\",INSTREAM-ID=\"CC1\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=100,CODECS=\"avc1.64001f,mp4a.40.2\",AUDIO=\"audio-aac\"\nvideo0.m3u8\n");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].type, "AUDIO");
  EXPECT_EQ((*entries)[0].uri, "audio1.m3u8");
  EXPECT_EQ((*entries)[1].type, "SUBTITLES");
  EXPECT_EQ((*entries)[1].uri, "text2.m3u8");
  EXPECT_EQ((*entries)[2].type, "VARIANT");
  EXPECT_EQ((*entries)[2].uri, "video0.m3u8");
}

TEST(HlsReader, MasterRefusesBrokenOnes) {
  EXPECT_FALSE(parse_master_playlist(""));
  EXPECT_FALSE(parse_master_playlist("WEBVTT\n"));
  EXPECT_FALSE(parse_master_playlist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"));
  EXPECT_FALSE(parse_master_playlist("#EXTM3U\nvideo0.m3u8\n"));
  EXPECT_FALSE(parse_master_playlist("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.m4s\n"));
}

TEST(HlsReader, MediaPlaylistFilesAndDurations) {
  const auto files = parse_media_playlist(
      "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init-video0.mp4\"\n"
      "#EXTINF:4.000,\nseg-video0-00001.m4s\n#EXTINF:1.04,title\nseg-video0-00002.m4s\n#EXT-X-ENDLIST\n");
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(files->init_uri, "init-video0.mp4");
  EXPECT_EQ(files->segment_uris, (std::vector<std::string>{"seg-video0-00001.m4s", "seg-video0-00002.m4s"}));
  ASSERT_EQ(files->durations.size(), 2u);
  EXPECT_DOUBLE_EQ(files->durations[1], 1.04);
}

TEST(HlsReader, MediaPlaylistMustBeCompleteAndWellFormed) {
  EXPECT_FALSE(parse_media_playlist("#EXTM3U\n#EXTINF:4,\na.m4s\n"));                      // no ENDLIST
  EXPECT_FALSE(parse_media_playlist("#EXTM3U\na.m4s\n#EXT-X-ENDLIST\n"));                   // no EXTINF
  EXPECT_FALSE(parse_media_playlist("#EXTM3U\n#EXTINF:x,\na.m4s\n#EXT-X-ENDLIST\n"));       // bad duration
  EXPECT_FALSE(parse_media_playlist("#EXTM3 \n#EXTINF:1,\na.m4s\n#EXT-X-ENDLIST\n"));       // no header
  const auto vtt = parse_media_playlist("#EXTM3U\n#EXTINF:4,\nseg-text2-00001.vtt\n#EXT-X-ENDLIST");
  ASSERT_TRUE(vtt);
  EXPECT_TRUE(vtt->init_uri.empty());
}

}  // namespace
}  // namespace ve::core
