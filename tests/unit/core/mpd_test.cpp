// SPDX-License-Identifier: Apache-2.0
#include "core/mpd.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

PackagedTrack video_track() {
  PackagedTrack p;
  p.id = "video0";
  p.track.kind = MediaKind::Video;
  p.track.codec = Codec::H264;
  p.track.codecs = "avc1.640028";
  p.track.timescale = 12800;
  p.track.width = 640;
  p.track.height = 360;
  p.track.sample_aspect_ratio = {2, 1};
  p.track.frame_rate = {30000, 1001};
  p.presentation_time_offset = 1024;
  // 4 s, 4 s, 2 s; starts at 1024 so that presentation time 0 is media time 1024.
  p.segments = {{1024, 52224, 100000}, {52224, 103424, 200000}, {103424, 129024, 50000}};
  return p;
}

PackagedTrack audio_track() {
  PackagedTrack p;
  p.id = "audio1";
  p.track.kind = MediaKind::Audio;
  p.track.codec = Codec::Aac;
  p.track.codecs = "mp4a.40.2";
  p.track.language = "eng";
  p.track.timescale = 48000;
  p.track.sample_rate = 48000;
  p.track.channels = 6;
  p.segments = {{0, 192000, 64000}, {192000, 480000, 96000}};
  return p;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Mpd, StaticManifestWithTimelinePerTrack) {
  const std::string mpd = render_mpd({video_track(), audio_track()}, 4.0);
  EXPECT_TRUE(contains(mpd, "type=\"static\""));
  EXPECT_TRUE(contains(mpd, "mediaPresentationDuration=\"PT10.000S\"")) << mpd;
  EXPECT_TRUE(contains(mpd, "minBufferTime=\"PT4.000S\""));
  EXPECT_TRUE(contains(mpd, "contentType=\"video\" mimeType=\"video/mp4\""));
  EXPECT_TRUE(contains(mpd, "par=\"32:9\""));  // 640*2 : 360
  EXPECT_TRUE(contains(mpd, "codecs=\"avc1.640028\" bandwidth=\"400000\" width=\"640\" height=\"360\" sar=\"2:1\" "
                            "frameRate=\"30000/1001\""))
      << mpd;
  EXPECT_TRUE(contains(mpd, "presentationTimeOffset=\"1024\""));
  EXPECT_TRUE(contains(mpd, "<S t=\"1024\" d=\"51200\" r=\"1\"/>"));
  EXPECT_TRUE(contains(mpd, "<S t=\"103424\" d=\"25600\"/>"));
  EXPECT_TRUE(contains(mpd, "initialization=\"init-$RepresentationID$.mp4\""));
  EXPECT_TRUE(contains(mpd, "media=\"seg-$RepresentationID$-$Number%05d$.m4s\" startNumber=\"1\""));
  EXPECT_TRUE(contains(mpd, "lang=\"eng\""));
  EXPECT_TRUE(contains(mpd, "audioSamplingRate=\"48000\""));
  EXPECT_TRUE(contains(mpd, "audio_channel_configuration:2011\" value=\"6\""));
  EXPECT_EQ(mpd.find("presentationTimeOffset", mpd.find("audio1")), std::string::npos);  // audio has none
}

TEST(Mpd, DurationIsTheLatestTrackEndAfterItsOffset) {
  EXPECT_DOUBLE_EQ(presentation_duration_seconds({video_track()}), (129024.0 - 1024) / 12800);
  EXPECT_DOUBLE_EQ(presentation_duration_seconds({video_track(), audio_track()}), 10.0);
}

TEST(Mpd, EscapesAttributeValues) {
  PackagedTrack a = audio_track();
  a.track.language = "e\"n<g";
  EXPECT_TRUE(contains(render_mpd({a}, 2), "lang=\"e&quot;n&lt;g\""));
}

TEST(Mpd, IntegerFrameRateAndSquarePixelsByDefault) {
  PackagedTrack v = video_track();
  v.track.frame_rate = {50, 2};
  v.track.sample_aspect_ratio = {0, 1};
  const std::string mpd = render_mpd({v}, 2);
  EXPECT_TRUE(contains(mpd, "sar=\"1:1\" frameRate=\"25\""));
  EXPECT_TRUE(contains(mpd, "par=\"16:9\""));
}

TEST(Mpd, SubtitleTracksAreTextAdaptationSetsWithTheirWebVttFile) {
  const std::string mpd = render_mpd({video_track(), audio_track()}, 4.0, {{"text2", "fre", 1000}});
  const size_t set = mpd.find("contentType=\"text\"");
  ASSERT_NE(set, std::string::npos) << mpd;
  EXPECT_GT(set, mpd.find("audio1"));  // after the media sets
  EXPECT_TRUE(contains(mpd, "<AdaptationSet id=\"2\" contentType=\"text\" mimeType=\"text/vtt\" lang=\"fre\">"));
  EXPECT_TRUE(contains(mpd, "<Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"subtitle\"/>"));
  // 1000 bytes over the 10 s presentation.
  EXPECT_TRUE(contains(mpd, "<Representation id=\"text2\" bandwidth=\"800\">"));
  EXPECT_TRUE(contains(mpd, "<BaseURL>text2.vtt</BaseURL>"));
  EXPECT_EQ(render_mpd({video_track()}, 4.0).find("text/vtt"), std::string::npos);
}

}  // namespace
}  // namespace ve::core
