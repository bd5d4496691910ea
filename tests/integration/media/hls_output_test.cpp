// SPDX-License-Identifier: Apache-2.0
// HLS playlists and WebVTT subtitles beside the DASH manifest, over the same segments: what the
// playlists say, that ffmpeg's HLS demuxer reads the input's packets back from master.m3u8, that
// audio and video keep the input's relative timing without presentationTimeOffset, and that
// subtitle cues keep the input's times and text.
#include <gtest/gtest.h>

#include <regex>

#include "adapters/media/dash_packager.hpp"
#include "support/presentation_check.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::media {
namespace {

using ve::testing::read_text;
using ve::testing::TempDir;

core::Result<ports::PackageSummary> package(const std::filesystem::path& input, const std::filesystem::path& out,
                                            core::OutputFormats formats = {}) {
  DashPackager packager;
  ports::PackageOptions options;
  options.verify = true;
  options.formats = formats;
  return packager.package(input, out, options, nullptr);
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// Seconds of the first packet's decode time of the one stream in `file`. In our segments the first
// sample's decode time is its presentation time (composition offset 0; later B-frames have
// negative offsets, trun version 1). FFmpeg's MP4 demuxer reports such presentation times moved up
// by the largest negative offset, so the decode time is what it reports as written.
double first_dts_seconds(const std::filesystem::path& file) {
  const auto r = ve::testing::run("ffprobe -v error -show_entries packet=dts_time -of csv=p=0 -read_intervals %+#1 " +
                                  ve::testing::quote(file.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return std::stod(r.output);
}

double first_pts_seconds(const std::filesystem::path& file, const char* stream) {
  const auto r = ve::testing::run("ffprobe -v error -select_streams " + std::string(stream) +
                                  " -show_entries packet=pts_time -of csv=p=0 -read_intervals %+#1 " +
                                  ve::testing::quote(file.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return std::stod(r.output);
}

TEST(HlsOutput, MasterAndMediaPlaylistsDescribeTheSegments) {
  TempDir out;
  const auto input = ve::testing::shared_media("video.mp4");
  ASSERT_TRUE(package(input, out / "p"));
  const std::string master = read_text(out / "p/master.m3u8");
  EXPECT_TRUE(master.starts_with("#EXTM3U\n")) << master;
  EXPECT_TRUE(has(master, "#EXT-X-INDEPENDENT-SEGMENTS")) << master;
  EXPECT_TRUE(std::regex_search(master, std::regex("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"[^\"]+\",.*URI=\"audio1.m3u8\"")))
      << master;
  EXPECT_TRUE(std::regex_search(
      master, std::regex("#EXT-X-STREAM-INF:BANDWIDTH=[0-9]+,AVERAGE-BANDWIDTH=[0-9]+,CODECS=\"avc1\\.[0-9a-f]{6},"
                         "mp4a\\.40\\.2\",RESOLUTION=1920x1080,FRAME-RATE=25\\.000,AUDIO=\"[^\"]+\"\nvideo0\\.m3u8\n")))
      << master;

  const std::string video = read_text(out / "p/video0.m3u8");
  EXPECT_TRUE(has(video, "#EXT-X-VERSION:6\n")) << video;
  EXPECT_TRUE(has(video, "#EXT-X-PLAYLIST-TYPE:VOD\n")) << video;
  EXPECT_TRUE(has(video, "#EXT-X-MAP:URI=\"init-video0.mp4\"\n")) << video;
  EXPECT_TRUE(has(video, "seg-video0-00001.m4s\n")) << video;
  EXPECT_TRUE(video.ends_with("#EXT-X-ENDLIST\n")) << video;
  // The EXTINF durations add up to the presentation's duration, as the MPD's timeline does.
  double total = 0;
  std::smatch m;
  for (auto it = video.cbegin(); std::regex_search(it, video.cend(), m, std::regex("#EXTINF:([0-9.]+),")); it = m[0].second) {
    total += std::stod(m[1]);
  }
  EXPECT_NEAR(total, 5.0, 0.05) << video;
  // No media written twice: the playlists name the very files the MPD names.
  size_t media_files = 0;
  for (const auto& name : ve::testing::list_names(out / "p")) media_files += name.ends_with(".m4s");
  EXPECT_EQ(media_files, 3u);
  ve::testing::expect_presentation_matches(input, out / "p");
}

TEST(HlsOutput, FormatsChooseTheManifests) {
  TempDir out;
  const auto input = ve::testing::shared_media("bento4-video-h264-001.mp4");
  ASSERT_TRUE(package(input, out / "hls", {false, true}));
  EXPECT_FALSE(std::filesystem::exists(out / "hls/manifest.mpd"));
  EXPECT_TRUE(std::filesystem::exists(out / "hls/master.m3u8"));
  ASSERT_TRUE(package(input, out / "dash", {true, false}));
  EXPECT_TRUE(std::filesystem::exists(out / "dash/manifest.mpd"));
  for (const auto& name : ve::testing::list_names(out / "dash")) EXPECT_FALSE(name.ends_with(".m3u8")) << name;
}

TEST(HlsOutput, AudioOnlyInputGetsAudioOnlyVariants) {
  TempDir out;
  const auto input = ve::testing::shared_media("multiple-aac-tracks.mp4");
  ASSERT_TRUE(package(input, out / "p"));
  const std::string master = read_text(out / "p/master.m3u8");
  EXPECT_TRUE(std::regex_search(master, std::regex("#EXT-X-STREAM-INF:BANDWIDTH=[0-9]+,AVERAGE-BANDWIDTH=[0-9]+,"
                                                   "CODECS=\"mp4a\\.40\\.[0-9]+\",AUDIO=\"[^\"]+\"\naudio0\\.m3u8\n")))
      << master;
  EXPECT_TRUE(has(master, "URI=\"audio1.m3u8\"")) << master;
  EXPECT_FALSE(has(master, "RESOLUTION=")) << master;
  ve::testing::expect_presentation_matches(input, out / "p");
}

// HLS has no presentationTimeOffset: the media timelines themselves must keep the input's offset
// between audio and video (B-frame delay and AAC priming under edit lists differ per track).
TEST(HlsOutput, AudioAndVideoKeepTheirRelativeTimingWithoutPresentationTimeOffset) {
  for (const char* name : {"edts.mp4", "video.mp4", "rotate-buck-bunny.mp4"}) {
    TempDir out;
    const auto input = ve::testing::shared_media(name);
    ASSERT_TRUE(package(input, out / "p")) << name;
    const double input_offset = first_pts_seconds(input, "v:0") - first_pts_seconds(input, "a:0");
    std::filesystem::path joined[2];
    const char* reps[2] = {"video0", "audio1"};
    for (int i = 0; i < 2; ++i) {
      joined[i] = out / (std::string(reps[i]) + ".mp4");
      ve::testing::concatenate({out / "p" / ("init-" + std::string(reps[i]) + ".mp4"),
                                out / "p" / ("seg-" + std::string(reps[i]) + "-00001.m4s")},
                               joined[i]);
    }
    const double output_offset = first_dts_seconds(joined[0]) - first_dts_seconds(joined[1]);
    EXPECT_NEAR(output_offset, input_offset, 0.001) << name;
  }
}

// A 6 s input whose French mov_text track has three cues, the first in italics.
std::filesystem::path subtitled_input(const TempDir& tmp, const std::string& extra = "") {
  ve::testing::write_bytes(tmp / "cues.srt",
                           "1\n00:00:01,000 --> 00:00:02,500\n<i>Bonjour</i> tout le monde\n\n"
                           "2\n00:00:03,250 --> 00:00:04,000\nSecond cue\n\n"
                           "3\n00:00:04,500 --> 00:00:05,750\nThird cue\n");
  const auto input = tmp / "subtitled.mp4";
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=size=320x240:rate=25:duration=6 -f lavfi -i sine=duration=6 -i " +
                                   ve::testing::quote((tmp / "cues.srt").string()) +
                                   " -map 0 -map 1 -map 2 -c:v libx264 -preset ultrafast -g 25 -c:a aac -c:s mov_text "
                                   "-metadata:s:s:0 language=fre " + extra,
                               input);
  return input;
}

TEST(HlsOutput, SubtitleTracksBecomeWebVttInBothManifests) {
  TempDir tmp;
  const auto input = subtitled_input(tmp);
  auto summary = package(input, tmp / "p");
  ASSERT_TRUE(summary) << summary.error().message;

  const std::string mpd = read_text(tmp / "p/manifest.mpd");
  EXPECT_TRUE(has(mpd, "contentType=\"text\" mimeType=\"text/vtt\" lang=\"fre\"")) << mpd;
  EXPECT_TRUE(has(mpd, "<BaseURL>text2.vtt</BaseURL>")) << mpd;
  const std::string whole = read_text(tmp / "p/text2.vtt");
  EXPECT_TRUE(whole.starts_with("WEBVTT")) << whole;
  EXPECT_TRUE(has(whole, "00:00:01.000 --> 00:00:02.500\n<i>Bonjour</i> tout le monde\n")) << whole;
  EXPECT_TRUE(has(whole, "00:00:03.250 --> 00:00:04.000\nSecond cue\n")) << whole;
  EXPECT_TRUE(has(whole, "00:00:04.500 --> 00:00:05.750\nThird cue\n")) << whole;

  const std::string master = read_text(tmp / "p/master.m3u8");
  EXPECT_TRUE(std::regex_search(master, std::regex("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"fr\","
                                                   "NAME=\"French\",.*URI=\"text2.m3u8\"")))
      << master;
  EXPECT_TRUE(has(master, "SUBTITLES=\"subs\"")) << master;
  const std::string playlist = read_text(tmp / "p/text2.m3u8");
  EXPECT_FALSE(has(playlist, "#EXT-X-MAP")) << playlist;
  EXPECT_TRUE(has(playlist, "seg-text2-00001.vtt")) << playlist;
  // Each segment maps LOCAL 0 to the media timeline; the second cue sits in the segment that
  // covers 3.25 s, with its own time.
  const std::string first = read_text(tmp / "p/seg-text2-00001.vtt");
  EXPECT_TRUE(std::regex_search(first, std::regex("^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:[0-9]+,LOCAL:00:00:00.000\n")))
      << first;
  EXPECT_TRUE(has(first, "00:00:01.000 --> 00:00:02.500")) << first;
  ve::testing::expect_presentation_matches(input, tmp / "p");
  // Every HLS segment is a WebVTT file ffmpeg reads (its HLS demuxer in 5.1 skips subtitle
  // renditions, so each segment is read on its own), and together they hold every cue.
  std::string cues_read;
  std::smatch m;
  for (auto it = playlist.cbegin(); std::regex_search(it, playlist.cend(), m, std::regex("seg-text2-[0-9]+\\.vtt"));
       it = m[0].second) {
    const auto r = ve::testing::run("ffmpeg -nostdin -v error -i " + ve::testing::quote((tmp / "p" / m[0].str()).string()) +
                                    " -f webvtt -");
    EXPECT_EQ(r.exit_code, 0) << m[0].str() << ": " << r.output;
    cues_read += r.output;
  }
  for (const char* text : {"tout le monde", "Second cue", "Third cue"}) EXPECT_TRUE(has(cues_read, text)) << text;
}

TEST(HlsOutput, SkippedTracksAreNamedInTheSummary) {
  TempDir tmp;
  const auto input = tmp / "timecode.mp4";
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -c:v libx264 -preset ultrafast "
                               "-timecode 01:00:00:00",
                               input);
  auto summary = package(input, tmp / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  ASSERT_EQ(summary->skipped.size(), 1u);
  EXPECT_TRUE(has(summary->skipped[0], "timecode")) << summary->skipped[0];
}

}  // namespace
}  // namespace ve::adapters::media
