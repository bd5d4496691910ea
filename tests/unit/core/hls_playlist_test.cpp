// SPDX-License-Identifier: Apache-2.0
#include "core/hls_playlist.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace ve::core {
namespace {

// Segments of the given durations in milliseconds and sizes in bytes.
HlsMediaPlaylist playlist_ms(const std::vector<std::pair<int64_t, uint64_t>>& segments) {
  HlsMediaPlaylist p;
  p.timescale = 1000;
  p.init_uri = "init-video0.mp4";
  for (const auto& [ms, bytes] : segments) p.segments.push_back({ms, bytes, "s.m4s"});
  return p;
}

HlsMediaPlaylist one_segment(int64_t ticks, uint32_t timescale) {
  HlsMediaPlaylist p;
  p.timescale = timescale;
  p.segments.push_back({ticks, 1, "s.vtt"});
  return p;
}

std::string extinf_of(int64_t ticks, uint32_t timescale) {
  const std::string text = render_media_playlist(one_segment(ticks, timescale));
  const size_t begin = text.find("#EXTINF:") + 8;
  return text.substr(begin, text.find(',', begin) - begin);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(HlsMediaPlaylist, PackagedTrackHasTheTimelineDurationsAndSegmentNames) {
  PackagedTrack t;
  t.id = "video0";
  t.track.timescale = 12800;
  t.presentation_time_offset = 1024;
  // B-frames: the first segment's own end overlaps the second's start; the timeline has no overlap.
  t.segments = {{1024, 52300, 100000}, {52224, 103424, 200000}, {103424, 129024, 50000}};
  const HlsMediaPlaylist p = media_playlist_of(t);
  EXPECT_EQ(p.timescale, 12800u);
  EXPECT_EQ(p.init_uri, "init-video0.mp4");
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[0].uri, "seg-video0-00001.m4s");
  EXPECT_EQ(p.segments[2].uri, "seg-video0-00003.m4s");
  EXPECT_EQ(p.segments[1].bytes, 200000u);
  std::vector<int64_t> timeline;
  for (const TimelineEntry& e : build_timeline(t.segments)) timeline.insert(timeline.end(), e.r + 1, e.d);
  std::vector<int64_t> durations;
  for (const HlsSegment& s : p.segments) durations.push_back(s.duration);
  EXPECT_EQ(durations, timeline);
  EXPECT_EQ(durations, (std::vector<int64_t>{51200, 51200, 25600}));
}

TEST(HlsMediaPlaylist, RendersAVodPlaylistWithMap) {
  HlsMediaPlaylist p = playlist_ms({{4000, 10}, {4000, 10}, {2000, 10}});
  p.segments[0].uri = "seg-video0-00001.m4s";
  p.segments[1].uri = "seg-video0-00002.m4s";
  p.segments[2].uri = "seg-video0-00003.m4s";
  EXPECT_EQ(render_media_playlist(p),
            "#EXTM3U\n"
            "#EXT-X-VERSION:6\n"
            "#EXT-X-TARGETDURATION:4\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MAP:URI=\"init-video0.mp4\"\n"
            "#EXTINF:4.000,\nseg-video0-00001.m4s\n"
            "#EXTINF:4.000,\nseg-video0-00002.m4s\n"
            "#EXTINF:2.000,\nseg-video0-00003.m4s\n"
            "#EXT-X-ENDLIST\n");
}

TEST(HlsMediaPlaylist, WithoutMapVersionThreeIsEnough) {
  HlsMediaPlaylist p = one_segment(4000, 1000);  // a WebVTT playlist
  const std::string text = render_media_playlist(p);
  EXPECT_TRUE(contains(text, "#EXT-X-VERSION:3\n")) << text;
  EXPECT_FALSE(contains(text, "EXT-X-MAP"));
  EXPECT_TRUE(contains(text, "#EXTINF:4.000,\ns.vtt\n"));
}

TEST(HlsMediaPlaylist, ExtinfIsExactToTheTickWhereSixDecimalsAllow) {
  EXPECT_EQ(extinf_of(60060, 30000), "2.002");  // 60 frames at 30000/1001
  EXPECT_EQ(extinf_of(180180, 90000), "2.002");
  EXPECT_EQ(extinf_of(1001, 30000), "0.033367");  // 0.0333666... rounded to the microsecond
  EXPECT_EQ(extinf_of(1001, 24000), "0.041708");  // 0.04170833...
  EXPECT_EQ(extinf_of(1024, 48000), "0.021333");
  EXPECT_EQ(extinf_of(4500, 1000), "4.500");
  EXPECT_EQ(extinf_of(4499, 1000), "4.499");
  EXPECT_EQ(extinf_of(12345, 10000), "1.2345");
  EXPECT_EQ(extinf_of(19999999, 10000000), "2.000");  // 1.9999999 rounds up into the next second
  EXPECT_EQ(extinf_of(7, 1), "7.000");
  EXPECT_EQ(extinf_of(-5, 1000), "0.000");  // corrupt timing is not written as a negative duration
}

TEST(HlsMediaPlaylist, UriLinesCannotBreakTheLineStructure) {
  HlsMediaPlaylist p = one_segment(1000, 1000);
  p.init_uri = "in\"it.mp4";
  p.segments[0].uri = "a b\r\n#EXT-X-ENDLIST.m4s";
  const std::string text = render_media_playlist(p);
  EXPECT_TRUE(contains(text, "#EXT-X-MAP:URI=\"in%22it.mp4\"\n")) << text;
  EXPECT_TRUE(contains(text, "\na%20b%0D%0A#EXT-X-ENDLIST.m4s\n")) << text;
  p.segments[0].uri = "#EXT-X-ENDLIST";  // would read as a tag, not a URI
  EXPECT_TRUE(contains(render_media_playlist(p), "\n%23EXT-X-ENDLIST\n#EXT-X-ENDLIST\n"));
}

TEST(HlsTargetDuration, RoundsEachSegmentToTheNearestSecondHalvesUp) {
  EXPECT_EQ(target_duration_seconds(playlist_ms({{4500, 1}})), 5);
  EXPECT_EQ(target_duration_seconds(playlist_ms({{4499, 1}})), 4);
  EXPECT_EQ(target_duration_seconds(playlist_ms({{4499, 1}, {3000, 1}, {4000, 1}})), 4);
  EXPECT_EQ(target_duration_seconds(playlist_ms({{4000, 1}, {5400, 1}, {2000, 1}})), 5);  // never below 5.4 -> 5
  EXPECT_EQ(target_duration_seconds(playlist_ms({{4000, 1}, {5500, 1}})), 6);
  // 1.5015 s at 30000/1001 rounds to 2; 45045 ticks at 90000 is 0.5005 s, which rounds to 1.
  EXPECT_EQ(target_duration_seconds(one_segment(45045, 30000)), 2);
  EXPECT_EQ(target_duration_seconds(one_segment(45045, 90000)), 1);
}

TEST(HlsTargetDuration, FollowsTheWrittenExtinfNotAHiddenDigit) {
  // 4.4999996 s is written "4.500", which a client rounds to 5; a target of 4 would be invalid.
  EXPECT_EQ(extinf_of(44999996, 10000000), "4.500");
  EXPECT_EQ(target_duration_seconds(one_segment(44999996, 10000000)), 5);
  EXPECT_EQ(target_duration_seconds(one_segment(44999994, 10000000)), 4);
}

TEST(HlsTargetDuration, IsAtLeastOneSecond) {
  EXPECT_EQ(target_duration_seconds(HlsMediaPlaylist{}), 1);
  EXPECT_EQ(target_duration_seconds(playlist_ms({{400, 1}})), 1);
}

TEST(HlsBitRate, ConstantRate) {
  const HlsMediaPlaylist p = playlist_ms({{4000, 500000}, {4000, 500000}, {4000, 500000}});
  EXPECT_EQ(peak_bit_rate(p), 1000000u);
  EXPECT_EQ(average_bit_rate(p), 1000000u);
}

TEST(HlsBitRate, AShortLastSegmentDoesNotInflateThePeak) {
  // Alone the 0.5 s tail runs at 1.6 Mb/s, but it is shorter than half the 4 s target: it only counts
  // together with the segment before it (4.5 s, 500000 bytes).
  const HlsMediaPlaylist p = playlist_ms({{4000, 400000}, {4000, 400000}, {500, 100000}});
  EXPECT_EQ(peak_bit_rate(p), 888889u);  // 4000000 / 4.5, rounded up
  EXPECT_EQ(average_bit_rate(p), 847059u);  // 7200000 / 8.5, rounded up
}

TEST(HlsBitRate, PeakIsTheDensestRunBetweenHalfAndOneAndAHalfTargets) {
  // Target 4 s: runs of 2 to 6 s. The two 1 s bursts at 2 Mb/s sit apart; the densest qualifying run
  // is [burst, 1 s quiet, burst] = 3 s, 520000 bytes; a single burst (1 s) is too short to count.
  const HlsMediaPlaylist p =
      playlist_ms({{4000, 100000}, {1000, 250000}, {1000, 20000}, {1000, 250000}, {4000, 100000}});
  EXPECT_EQ(target_duration_seconds(p), 4);
  EXPECT_EQ(peak_bit_rate(p), 1386667u);  // 4160000 / 3, rounded up
}

TEST(HlsBitRate, WholePlaylistRateWhenNoRunQualifies) {
  // Target 1 s (the minimum) but only 0.3 s of media: nothing lasts half a target.
  const HlsMediaPlaylist p = playlist_ms({{100, 1000}, {100, 1000}, {100, 1000}});
  EXPECT_EQ(peak_bit_rate(p), 80000u);
  EXPECT_EQ(average_bit_rate(p), 80000u);
  EXPECT_EQ(peak_bit_rate(HlsMediaPlaylist{}), 0u);
  EXPECT_EQ(average_bit_rate(HlsMediaPlaylist{}), 0u);
}

// Every qualifying run, compared as exact fractions.
uint64_t brute_force_peak(const HlsMediaPlaylist& p) {
  const int64_t target = target_duration_seconds(p) * p.timescale;
  __int128 best_bits = -1;
  __int128 best_ticks = 1;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    __int128 bits = 0;
    __int128 ticks = 0;
    for (size_t j = i; j < p.segments.size(); ++j) {
      bits += static_cast<__int128>(p.segments[j].bytes) * 8;
      ticks += p.segments[j].duration;
      if (2 * ticks >= target && 2 * ticks <= 3 * target && bits * best_ticks > best_bits * ticks) {
        best_bits = bits;
        best_ticks = ticks;
      }
    }
  }
  if (best_bits < 0) return average_bit_rate(p);
  return static_cast<uint64_t>((best_bits * p.timescale + best_ticks - 1) / best_ticks);
}

TEST(HlsBitRate, PeakMatchesAnExhaustiveSearch) {
  std::mt19937 random(7);
  for (int round = 0; round < 300; ++round) {
    HlsMediaPlaylist p;
    p.timescale = round % 2 == 0 ? 90000 : 48000;
    const int count = 1 + static_cast<int>(random() % 40);
    for (int i = 0; i < count; ++i) {
      const int64_t duration = 1 + static_cast<int64_t>(random() % (p.timescale * (i % 7 == 0 ? 9 : 3)));
      p.segments.push_back({duration, random() % 3000000, "s"});
    }
    ASSERT_EQ(peak_bit_rate(p), brute_force_peak(p)) << "round " << round;
  }
}

TEST(HlsBitRate, ManyShortSegmentsUnderALongTarget) {
  // One 1000 s segment makes every run of up to 1500 s qualify; the exhaustive search would take
  // billions of steps. The densest run is all the 10 ms segments: 100 bytes each, 80 kb/s.
  HlsMediaPlaylist p = playlist_ms({{1000000, 1000}});
  p.segments.resize(100000, HlsSegment{10, 100, "s"});
  EXPECT_EQ(target_duration_seconds(p), 1000);
  EXPECT_EQ(peak_bit_rate(p), 80000u);
}

HlsRendition audio(std::string uri, std::string language, std::string codecs, int channels, uint64_t peak,
                   uint64_t average) {
  return {std::move(uri), std::move(language), std::move(codecs), channels, peak, average};
}

HlsVideo video(std::string uri, uint64_t peak, uint64_t average) {
  return {std::move(uri), "avc1.64001f", 1280, 720, {30000, 1001}, peak, average};
}

TEST(HlsMasterPlaylist, GroupsAudioByCodecWithOneVariantPerGroup) {
  HlsPresentation p;
  p.videos = {video("video0.m3u8", 2000000, 1500000)};
  p.audios = {audio("audio1.m3u8", "eng", "mp4a.40.2", 2, 130000, 128000),
              audio("audio2.m3u8", "fre", "ac-3", 6, 390000, 384000),
              audio("audio3.m3u8", "ger", "mp4a.40.2", 2, 140000, 120000)};
  EXPECT_EQ(render_master_playlist(p),
            "#EXTM3U\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio-aac\",LANGUAGE=\"en\",NAME=\"English\",CHANNELS=\"2\","
            "DEFAULT=YES,AUTOSELECT=YES,URI=\"audio1.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio-aac\",LANGUAGE=\"de\",NAME=\"German\",CHANNELS=\"2\","
            "DEFAULT=NO,AUTOSELECT=YES,URI=\"audio3.m3u8\"\n"
            "\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio-ac-3\",LANGUAGE=\"fr\",NAME=\"French\",CHANNELS=\"6\","
            "DEFAULT=YES,AUTOSELECT=YES,URI=\"audio2.m3u8\"\n"
            "\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=2140000,AVERAGE-BANDWIDTH=1628000,CODECS=\"avc1.64001f,mp4a.40.2\","
            "RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO=\"audio-aac\"\n"
            "video0.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=2390000,AVERAGE-BANDWIDTH=1884000,CODECS=\"avc1.64001f,ac-3\","
            "RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO=\"audio-ac-3\"\n"
            "video0.m3u8\n");
}

TEST(HlsMasterPlaylist, NeedsNoVersionTag) {
  HlsPresentation p;
  p.videos = {video("v.m3u8", 1, 1)};
  p.audios = {audio("a.m3u8", "eng", "ec-3", 6, 1, 1)};
  p.subtitles = {HlsRendition{"s.m3u8", "eng", "", 0, 0, 0}};
  EXPECT_FALSE(contains(render_master_playlist(p), "EXT-X-VERSION"));
}

TEST(HlsMasterPlaylist, NamesAreUniqueWithinAGroup) {
  HlsPresentation p;
  p.videos = {video("v.m3u8", 1000, 1000)};
  p.audios = {audio("a0.m3u8", "eng", "mp4a.40.2", 2, 1, 1), audio("a1.m3u8", "", "mp4a.40.2", 2, 1, 1),
              audio("a2.m3u8", "eng", "mp4a.40.2", 6, 1, 1), audio("a3.m3u8", "eng", "ec-3", 6, 1, 1),
              audio("a4.m3u8", "und", "mp4a.40.2", 2, 1, 1), audio("a5.m3u8", "eng", "mp4a.40.2", 2, 1, 1)};
  const std::string text = render_master_playlist(p);
  EXPECT_TRUE(contains(text, "GROUP-ID=\"audio-aac\",LANGUAGE=\"en\",NAME=\"English\",")) << text;
  EXPECT_TRUE(contains(text, "GROUP-ID=\"audio-aac\",NAME=\"Audio 2\",")) << text;  // no LANGUAGE when unknown
  EXPECT_TRUE(contains(text, "GROUP-ID=\"audio-aac\",LANGUAGE=\"en\",NAME=\"English 2\",")) << text;
  EXPECT_TRUE(contains(text, "GROUP-ID=\"audio-aac\",NAME=\"Audio 5\",")) << text;
  EXPECT_TRUE(contains(text, "GROUP-ID=\"audio-aac\",LANGUAGE=\"en\",NAME=\"English 3\",")) << text;
  // Another group may reuse the name: a client switching codec keeps the same language choice.
  EXPECT_TRUE(contains(text, "GROUP-ID=\"audio-ec-3\",LANGUAGE=\"en\",NAME=\"English\",")) << text;
}

TEST(HlsMasterPlaylist, SubtitlesFormOneGroupReferencedByEveryVariant) {
  HlsPresentation p;
  p.videos = {video("v.m3u8", 1000000, 900000)};
  p.audios = {audio("a.m3u8", "eng", "mp4a.40.2", 2, 100000, 90000)};
  p.subtitles = {HlsRendition{"sub-fre.m3u8", "fre", "", 0, 0, 0}, HlsRendition{"sub-x.m3u8", "", "", 0, 0, 0}};
  const std::string text = render_master_playlist(p);
  EXPECT_TRUE(contains(text, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"fr\",NAME=\"French\","
                             "DEFAULT=NO,AUTOSELECT=YES,URI=\"sub-fre.m3u8\"\n"))
      << text;
  EXPECT_TRUE(contains(text, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Subtitles 2\","
                             "DEFAULT=NO,AUTOSELECT=YES,URI=\"sub-x.m3u8\"\n"))
      << text;
  EXPECT_TRUE(contains(text, "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970,"
                             "AUDIO=\"audio-aac\",SUBTITLES=\"subs\"\nv.m3u8\n"))
      << text;
}

TEST(HlsMasterPlaylist, TwoVideosMakeTwoVariantsInVideoOrder) {
  HlsPresentation p;
  p.videos = {video("hi.m3u8", 3000000, 2500000), video("lo.m3u8", 800000, 700000)};
  p.videos[1].width = 640;
  p.videos[1].height = 360;
  p.videos[1].frame_rate = {25, 1};
  p.audios = {audio("a.m3u8", "eng", "mp4a.40.2", 2, 130000, 128000)};
  const std::string text = render_master_playlist(p);
  const size_t hi = text.find("BANDWIDTH=3130000,AVERAGE-BANDWIDTH=2628000,CODECS=\"avc1.64001f,mp4a.40.2\","
                              "RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO=\"audio-aac\"\nhi.m3u8\n");
  const size_t lo = text.find("BANDWIDTH=930000,AVERAGE-BANDWIDTH=828000,CODECS=\"avc1.64001f,mp4a.40.2\","
                              "RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO=\"audio-aac\"\nlo.m3u8\n");
  ASSERT_NE(hi, std::string::npos) << text;
  ASSERT_NE(lo, std::string::npos) << text;
  EXPECT_LT(hi, lo);
}

TEST(HlsMasterPlaylist, VideoWithoutAudioOrKnownFrameRate) {
  HlsPresentation p;
  p.videos = {video("v.m3u8", 500000, 400000)};
  p.videos[0].frame_rate = {0, 1};
  EXPECT_EQ(render_master_playlist(p),
            "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=400000,CODECS=\"avc1.64001f\","
            "RESOLUTION=1280x720\nv.m3u8\n");
}

TEST(HlsMasterPlaylist, AudioOnlyHasOneVariantPerGroupOnItsDefaultRendition) {
  HlsPresentation p;
  p.audios = {audio("a0.m3u8", "eng", "mp4a.40.2", 2, 130000, 128000),
              audio("a1.m3u8", "spa", "mp4a.40.2", 2, 150000, 120000),
              audio("a2.m3u8", "eng", "ec-3", 6, 400000, 384000)};
  const std::string text = render_master_playlist(p);
  EXPECT_TRUE(contains(text, "\n#EXT-X-STREAM-INF:BANDWIDTH=150000,AVERAGE-BANDWIDTH=128000,CODECS=\"mp4a.40.2\","
                             "AUDIO=\"audio-aac\"\na0.m3u8\n"))
      << text;
  EXPECT_TRUE(contains(text, "\n#EXT-X-STREAM-INF:BANDWIDTH=400000,AVERAGE-BANDWIDTH=384000,CODECS=\"ec-3\","
                             "AUDIO=\"audio-ec-3\"\na2.m3u8\n"))
      << text;
  EXPECT_FALSE(contains(text, "RESOLUTION"));
}

TEST(HlsMasterPlaylist, QuotedValuesHoldNoQuoteOrLineBreak) {
  HlsPresentation p;
  p.videos = {video("v\".m3u8", 1, 1)};
  p.videos[0].codecs = "avc1.64001f\"\r\nX";
  p.audios = {audio("a\n\".m3u8", "eng", "mp4a.40.2", 2, 1, 1)};
  const std::string text = render_master_playlist(p);
  EXPECT_TRUE(contains(text, "CODECS=\"avc1.64001f'X,mp4a.40.2\"")) << text;
  EXPECT_TRUE(contains(text, "URI=\"a%0A%22.m3u8\"")) << text;  // URIs are percent-encoded, still the same file
  EXPECT_TRUE(contains(text, "\nv%22.m3u8\n")) << text;
  // Every line is a tag or a URI, and every tag has balanced quotes.
  size_t begin = 0;
  for (size_t end = text.find('\n'); end != std::string::npos; begin = end + 1, end = text.find('\n', begin)) {
    const std::string line = text.substr(begin, end - begin);
    EXPECT_EQ(std::count(line.begin(), line.end(), '"') % 2, 0) << line;
    EXPECT_EQ(line.find('\r'), std::string::npos);
  }
}

TEST(HlsMasterPlaylist, GroupIdsAreSafeNamesOfTheCodec) {
  EXPECT_EQ(audio_group_id("mp4a.40.2"), "audio-aac");
  EXPECT_EQ(audio_group_id("mp4a.40.5"), "audio-he-aac");
  EXPECT_EQ(audio_group_id("mp4a.40.29"), "audio-he-aac-v2");
  EXPECT_EQ(audio_group_id("mp4a.6B"), "audio-mp3");
  EXPECT_EQ(audio_group_id("ac-3"), "audio-ac-3");
  EXPECT_EQ(audio_group_id("ec-3"), "audio-ec-3");
  EXPECT_EQ(audio_group_id("opus"), "audio-opus");
  EXPECT_EQ(audio_group_id("fLaC"), "audio-flac");
  EXPECT_EQ(audio_group_id("Foo.1\" x"), "audio-foo-1--x");
  EXPECT_EQ(audio_group_id(""), "audio");
}

}  // namespace
}  // namespace ve::core
