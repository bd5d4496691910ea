// SPDX-License-Identifier: Apache-2.0
// Text tracks read from real files: mov_text made by the ffmpeg CLI from .srt files, and 'wvtt'
// (ISO/IEC 14496-30) files written box by box below, since no tool on Debian 12 writes them (FFmpeg
// 5.1 cannot mux WebVTT into MP4 and GPAC's MP4Box is not packaged). Expected cue times come from
// the .srt files and, independently, from ffprobe's view of the same packets.
#include "adapters/media/text_tracks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stop_token>

#include "support/test_support.hpp"

namespace ve::adapters::media {
namespace {

using ve::testing::TempDir;

const std::string kSrt =
    "1\n00:00:00,500 --> 00:00:01,250\nHello <i>world</i>\n\n"
    "2\n00:00:01,500 --> 00:00:02,000\nLine one\nLine two\n\n"
    "3\n00:00:02,700 --> 00:00:03,999\nBye & \"so\" 1 < 2 > 0\n";

// The cues of kSrt as WebVTT: the same times and text, '&' '<' '>' escaped.
const std::vector<std::string> kSrtCues = {
    "500-1250 Hello <i>world</i>",
    "1500-2000 Line one\nLine two",
    "2700-3999 Bye &amp; \"so\" 1 &lt; 2 &gt; 0",
};

// "start_ms-end_ms text" per cue, with " #id" and " [settings]" when present.
std::vector<std::string> describe(const TextTrack& track) {
  std::vector<std::string> out;
  for (const auto& c : track.cues) {
    std::string line;
    if (c.start_us % 1000 != 0 || c.end_us % 1000 != 0) line = "(not whole ms) ";
    line += std::to_string(c.start_us / 1000) + "-" + std::to_string(c.end_us / 1000) + " " + c.text;
    if (!c.id.empty()) line += " #" + c.id;
    if (!c.settings.empty()) line += " [" + c.settings + "]";
    out.push_back(line);
  }
  return out;
}

// Non-empty subtitle packets of stream `index` as ffprobe reads them: "start_ms-end_ms".
std::vector<std::string> ffprobe_cue_times(const std::filesystem::path& file, int index) {
  const auto r = ve::testing::run("ffprobe -v error -select_streams " + std::to_string(index) +
                                  " -show_entries packet=pts_time,duration_time,size -of csv=p=0 " +
                                  ve::testing::quote(file.string()));
  std::vector<std::string> out;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    double pts = 0, duration = 0;
    long size = 0;
    if (std::sscanf(line.c_str(), "%lf,%lf,%ld", &pts, &duration, &size) != 3 || size <= 2) continue;
    out.push_back(std::to_string(std::lround(pts * 1000)) + "-" + std::to_string(std::lround((pts + duration) * 1000)));
  }
  return out;
}

std::vector<std::string> cue_times(const TextTrack& track) {
  std::vector<std::string> out;
  for (const auto& d : describe(track)) out.push_back(d.substr(0, d.find(' ')));
  return out;
}

const std::string kVideoAudio =
    "-f lavfi -i testsrc2=size=160x120:rate=25:duration=4 -f lavfi -i sine=frequency=440:duration=4 ";
const std::string kVideoCodec = "-c:v libx264 -preset ultrafast -c:a aac ";

core::Result<std::vector<TextTrack>> read(const std::filesystem::path& file,
                                          std::vector<SkippedTrack>* skipped = nullptr) {
  return read_text_tracks(file, {}, skipped);
}

TEST(TextTracks, MovTextCuesMatchTheSrt) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "fr.srt", kSrt);
  const auto input = tmp / "subs.mp4";
  ve::testing::ffmpeg_generate(kVideoAudio + "-i " + ve::testing::quote((tmp / "fr.srt").string()) +
                                   " -map 0 -map 1 -map 2 " + kVideoCodec +
                                   "-c:s mov_text -metadata:s:s:0 language=fre",
                               input);
  if (HasFatalFailure()) return;
  std::vector<SkippedTrack> skipped;
  auto tracks = read(input, &skipped);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 1u);
  const TextTrack& t = (*tracks)[0];
  EXPECT_EQ(t.input_index, 2);
  EXPECT_EQ(t.language, "fre");
  EXPECT_EQ(describe(t), kSrtCues);
  EXPECT_EQ(cue_times(t), ffprobe_cue_times(input, 2));
  EXPECT_TRUE(skipped.empty()) << skipped[0].reason;  // audio and video are the packager's, not skipped
  // The cues make a WebVTT file that ffmpeg reads back with the same timings and text.
  ve::testing::write_bytes(tmp / "out.vtt", core::render_webvtt(t.cues));
  const auto back = ve::testing::run("ffmpeg -nostdin -v error -i " + ve::testing::quote((tmp / "out.vtt").string()) +
                                     " -f webvtt -");
  EXPECT_NE(back.output.find("00:01.500 --> 00:02.000\nLine one\nLine two\n"), std::string::npos) << back.output;
  // ffmpeg decodes the character references and writes the characters back unescaped.
  EXPECT_NE(back.output.find("00:02.700 --> 00:03.999\nBye & \"so\" 1 < 2 > 0\n"), std::string::npos) << back.output;
}

TEST(TextTracks, StylesBecomeTagsAndLineBreaksStay) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "s.srt",
                           "1\n00:00:00,000 --> 00:00:01,000\n<b>bold</b> <u>under</u> <i>it</i> {curly}\n"
                           "<font color=\"red\">red</font> & more\n");
  const auto input = tmp / "styled.mp4";
  ve::testing::ffmpeg_generate(kVideoAudio + "-i " + ve::testing::quote((tmp / "s.srt").string()) +
                                   " -map 0 -map 2 -c:v libx264 -preset ultrafast -c:s mov_text",
                               input);
  if (HasFatalFailure()) return;
  auto tracks = read(input);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 1u);
  EXPECT_EQ(describe((*tracks)[0]),
            std::vector<std::string>{"0-1000 <b>bold</b> <u>under</u> <i>it</i> {curly}\nred &amp; more"});
  EXPECT_EQ((*tracks)[0].language, "");  // und
}

TEST(TextTracks, TwoSubtitleTracks) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "fr.srt", kSrt);
  ve::testing::write_bytes(tmp / "de.srt",
                           "1\n00:00:01,000 --> 00:00:03,000\nHallo\n\n"
                           "2\n00:00:03,000 --> 00:00:03,500\nTschüss\n");
  const auto input = tmp / "two.mp4";
  ve::testing::ffmpeg_generate(kVideoAudio + "-i " + ve::testing::quote((tmp / "fr.srt").string()) + " -i " +
                                   ve::testing::quote((tmp / "de.srt").string()) + " -map 0 -map 1 -map 2 -map 3 " +
                                   kVideoCodec +
                                   "-c:s mov_text -metadata:s:s:0 language=fre -metadata:s:s:1 language=ger",
                               input);
  if (HasFatalFailure()) return;
  auto tracks = read(input);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 2u);
  EXPECT_EQ((*tracks)[0].input_index, 2);
  EXPECT_EQ((*tracks)[0].language, "fre");
  EXPECT_EQ(describe((*tracks)[0]), kSrtCues);
  EXPECT_EQ((*tracks)[1].input_index, 3);
  EXPECT_EQ((*tracks)[1].language, "ger");
  EXPECT_EQ(describe((*tracks)[1]), (std::vector<std::string>{"1000-3000 Hallo", "3000-3500 Tschüss"}));
}

TEST(TextTracks, CueTimesStayOnTheInputTimelineWhenTheVideoStartsLate) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "fr.srt", kSrt);
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=size=160x120:rate=25:duration=4 " + kVideoCodec, tmp / "v.mp4");
  if (HasFatalFailure()) return;
  // The video is shifted by 1 s, which the MP4 muxer writes as an empty edit in the video's edit list.
  const auto input = tmp / "late.mp4";
  ve::testing::ffmpeg_generate("-copyts -itsoffset 1 -i " + ve::testing::quote((tmp / "v.mp4").string()) + " -i " +
                                   ve::testing::quote((tmp / "fr.srt").string()) +
                                   " -map 0 -map 1 -c:v copy -c:s mov_text",
                               input);
  if (HasFatalFailure()) return;
  const auto starts = ve::testing::run("ffprobe -v error -show_entries stream=start_time -of csv=p=0 " +
                                       ve::testing::quote(input.string()));
  ASSERT_EQ(starts.output, "1.000000\n0.000000\n") << "the video should start at 1 s on the input's timeline";
  auto tracks = read(input);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 1u);
  EXPECT_EQ(describe((*tracks)[0]), kSrtCues);

  // Subtitles shifted too: 1.5 s later on the same timeline.
  const auto shifted = tmp / "shifted.mp4";
  ve::testing::ffmpeg_generate("-copyts -itsoffset 1 -i " + ve::testing::quote((tmp / "v.mp4").string()) +
                                   " -itsoffset 1.5 -i " + ve::testing::quote((tmp / "fr.srt").string()) +
                                   " -map 0 -map 1 -c:v copy -c:s mov_text",
                               shifted);
  if (HasFatalFailure()) return;
  auto later = read(shifted);
  ASSERT_TRUE(later) << later.error().message;
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(cue_times((*later)[0]), (std::vector<std::string>{"2000-2750", "3000-3500", "4200-5499"}));
  EXPECT_EQ(cue_times((*later)[0]), ffprobe_cue_times(shifted, 1));
}

// Other demuxers give WebVTT as AV_CODEC_ID_WEBVTT packets: cue text, with id and settings as side data.
TEST(TextTracks, WebVttPacketsOfOtherContainers) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "in.vtt",
                           "WEBVTT\n\nfirst\n00:00:00.500 --> 00:00:01.250 line:10%\n"
                           "Hello <i>world</i>\n\n00:00:01.500 --> 00:00:02.000\nA &amp; B\n");
  const auto input = tmp / "subs.mkv";
  ve::testing::ffmpeg_generate(
      "-i " + ve::testing::quote((tmp / "in.vtt").string()) + " -c:s copy -metadata:s:s:0 language=fre", input);
  if (HasFatalFailure()) return;
  auto tracks = read(input);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 1u);
  EXPECT_EQ((*tracks)[0].language, "fre");
  EXPECT_EQ(describe((*tracks)[0]),
            (std::vector<std::string>{"500-1250 Hello <i>world</i> #first [line:10%]", "1500-2000 A &amp; B"}));
}

TEST(TextTracks, NoSubtitlesGiveNoTracks) {
  TempDir tmp;
  const auto input = tmp / "plain.mp4";
  ve::testing::ffmpeg_generate(kVideoAudio + kVideoCodec, input);
  if (HasFatalFailure()) return;
  std::vector<SkippedTrack> skipped;
  auto tracks = read(input, &skipped);
  ASSERT_TRUE(tracks) << tracks.error().message;
  EXPECT_TRUE(tracks->empty());
  EXPECT_TRUE(skipped.empty());
}

TEST(TextTracks, SharedMediaReadWithoutError) {
  for (const auto& file : ve::testing::all_shared_media()) {
    const auto name = file.filename().string();
    if (name == "chunk_out_of_range.mp4" || name == "invalid_userdata.mp4") continue;  // malformed on purpose
    SCOPED_TRACE(name);
    auto tracks = read(file);
    ASSERT_TRUE(tracks) << tracks.error().message;
    EXPECT_TRUE(tracks->empty());
  }
}

TEST(TextTracks, OtherTracksAreListedAsSkipped) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "fr.srt", kSrt);
  ve::testing::ffmpeg_generate("-f lavfi -i color=red:size=64x64:duration=0.04 -frames:v 1", tmp / "cover.png");
  if (HasFatalFailure()) return;
  const auto input = tmp / "misc.mp4";
  ve::testing::ffmpeg_generate(kVideoAudio + "-i " + ve::testing::quote((tmp / "cover.png").string()) + " -i " +
                                   ve::testing::quote((tmp / "fr.srt").string()) + " -map 0 -map 1 -map 2 -map 3 " +
                                   kVideoCodec +
                                   "-c:v:1 png -disposition:v:1 attached_pic -c:s mov_text "
                                   "-timecode 01:00:00:00 -write_tmcd on",
                               input);
  if (HasFatalFailure()) return;
  std::vector<SkippedTrack> skipped;
  auto tracks = read(input, &skipped);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 1u);
  EXPECT_EQ(describe((*tracks)[0]), kSrtCues);
  std::vector<std::string> reasons;
  for (const auto& s : skipped) reasons.push_back(s.reason);
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "cover art"), reasons.end());
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "timecode track"), reasons.end());
  for (const auto& s : skipped) EXPECT_NE(s.input_index, (*tracks)[0].input_index);
}

TEST(TextTracks, MissingTruncatedAndCancelled) {
  TempDir tmp;
  auto missing = read(tmp / "nope.mp4");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, core::ErrorKind::NotFound);

  ve::testing::write_bytes(tmp / "fr.srt", kSrt);
  const auto input = tmp / "subs.mp4";
  ve::testing::ffmpeg_generate(kVideoAudio + "-i " + ve::testing::quote((tmp / "fr.srt").string()) +
                                   " -map 0 -map 1 -map 2 " + kVideoCodec + "-c:s mov_text -movflags +faststart",
                               input);
  if (HasFatalFailure()) return;
  const std::string whole = ve::testing::read_text(input);
  // The header stays, the samples after the first cue are gone.
  const size_t first_cue = whole.find("Hello world");
  ASSERT_NE(first_cue, std::string::npos);
  ve::testing::write_bytes(tmp / "cut.mp4", whole.substr(0, first_cue + 40));
  auto cut = read(tmp / "cut.mp4");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(cut.error().message.find("truncated"), std::string::npos) << cut.error().message;
  // Without its header the file is not an MP4 at all.
  ve::testing::write_bytes(tmp / "half.mp4", whole.substr(whole.size() / 2));
  auto half = read(tmp / "half.mp4");
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().kind, core::ErrorKind::InvalidInput);

  std::stop_source stop;
  stop.request_stop();
  auto cancelled = read_text_tracks(input, stop.get_token(), nullptr);
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().kind, core::ErrorKind::Transient);
  EXPECT_NE(cancelled.error().message.find("cancelled"), std::string::npos);
}

TEST(TextTracks, HostileSampleTablesAreRefusedBeforeTheDemuxerAllocates) {
  for (const std::string name : {"hostile/fixed-size-count.mp4", "hostile/long-edit-list.mp4"}) {
    SCOPED_TRACE(name);
    auto r = read(ve::testing::test_data(name));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, core::ErrorKind::InvalidInput);
  }
}

TEST(TextTracks, CorruptMovTextSampleNamesTheTrack) {
  TempDir tmp;
  ve::testing::write_bytes(tmp / "fr.srt", kSrt);
  const auto input = tmp / "subs.mp4";
  ve::testing::ffmpeg_generate(kVideoAudio + "-i " + ve::testing::quote((tmp / "fr.srt").string()) +
                                   " -map 0 -map 1 -map 2 " + kVideoCodec + "-c:s mov_text",
                               input);
  if (HasFatalFailure()) return;
  std::string bytes = ve::testing::read_text(input);
  const size_t at = bytes.find("Line one");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = '\xFF';  // not UTF-8: libavcodec refuses the sample
  ve::testing::write_bytes(tmp / "bad.mp4", bytes);
  auto bad = read(tmp / "bad.mp4");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(bad.error().message.find("subtitle track 2 sample 4 is corrupt"), std::string::npos) << bad.error().message;
}

// A minimal MP4 holding one 'wvtt' track (ISO/IEC 14496-30) of timescale 1000: ftyp, then moov
// (mvhd, trak (tkhd, optional edts/elst, mdia (mdhd, hdlr 'text', minf (nmhd, dinf, stbl)))), then mdat.
struct WvttSample {
  uint32_t duration_ms = 0;
  std::string bytes;
};

struct Edit {
  uint32_t duration_ms = 0;
  int32_t media_time_ms = 0;  // -1: an empty edit
};

std::string be16(uint16_t v) { return {char(v >> 8), char(v)}; }
std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
std::string mp4_box(const std::string& type, const std::string& body) {
  return be32(static_cast<uint32_t>(8 + body.size())) + type + body;
}
std::string full_box(const std::string& type, uint32_t flags, const std::string& body) {
  return mp4_box(type, be32(flags) + body);
}
std::string vttc(const std::string& text, const std::string& id = "", const std::string& settings = "") {
  return mp4_box("vttc", (id.empty() ? "" : mp4_box("iden", id)) + (settings.empty() ? "" : mp4_box("sttg", settings)) +
                             mp4_box("payl", text));
}
std::string vtte() { return mp4_box("vtte", ""); }

void write_wvtt_mp4(const std::filesystem::path& path, const std::vector<WvttSample>& samples,
                    const std::vector<Edit>& edits = {}, const std::string& language = "und") {
  uint32_t duration = 0;
  std::string payload;
  std::string sizes;
  std::vector<std::pair<uint32_t, uint32_t>> runs;  // stts: (sample count, duration)
  for (const auto& sample : samples) {
    duration += sample.duration_ms;
    payload += sample.bytes;
    sizes += be32(static_cast<uint32_t>(sample.bytes.size()));
    if (runs.empty() || runs.back().second != sample.duration_ms) runs.push_back({0, sample.duration_ms});
    ++runs.back().first;
  }
  std::string stts = be32(static_cast<uint32_t>(runs.size()));
  for (const auto& [count, delta] : runs) stts += be32(count) + be32(delta);
  const std::string matrix =
      be32(0x10000) + be32(0) + be32(0) + be32(0) + be32(0x10000) + be32(0) + be32(0) + be32(0) + be32(0x40000000);
  const uint16_t lang =
      static_cast<uint16_t>(((language[0] - 0x60) << 10) | ((language[1] - 0x60) << 5) | (language[2] - 0x60));
  const auto moov = [&](uint32_t mdat_offset) {
    const std::string mvhd = full_box("mvhd", 0,
                                      be32(0) + be32(0) + be32(1000) + be32(duration) + be32(0x10000) + be16(0x100) +
                                          std::string(10, '\0') + matrix + std::string(24, '\0') + be32(2));
    const std::string tkhd = full_box(
        "tkhd", 3,
        be32(0) + be32(0) + be32(1) + be32(0) + be32(duration) + std::string(16, '\0') + matrix + be32(0) + be32(0));
    std::string elst = be32(static_cast<uint32_t>(edits.size()));
    for (const auto& e : edits)
      elst += be32(e.duration_ms) + be32(static_cast<uint32_t>(e.media_time_ms)) + be32(0x10000);
    const std::string edts = edits.empty() ? "" : mp4_box("edts", full_box("elst", 0, elst));
    const std::string mdhd =
        full_box("mdhd", 0, be32(0) + be32(0) + be32(1000) + be32(duration) + be16(lang) + be16(0));
    const std::string hdlr = full_box("hdlr", 0, be32(0) + "text" + std::string(12, '\0') + "WebVTT" + '\0');
    const std::string wvtt = mp4_box("wvtt", std::string(6, '\0') + be16(1) + mp4_box("vttC", "WEBVTT"));
    const std::string stbl = mp4_box(
        "stbl", full_box("stsd", 0, be32(1) + wvtt) + full_box("stts", 0, stts) +
                    full_box("stsc", 0, be32(1) + be32(1) + be32(static_cast<uint32_t>(samples.size())) + be32(1)) +
                    full_box("stsz", 0, be32(0) + be32(static_cast<uint32_t>(samples.size())) + sizes) +
                    full_box("stco", 0, be32(1) + be32(mdat_offset)));
    const std::string dinf = mp4_box("dinf", full_box("dref", 0, be32(1) + full_box("url ", 1, "")));
    const std::string minf = mp4_box("minf", full_box("nmhd", 0, "") + dinf + stbl);
    return mp4_box("moov", mvhd + mp4_box("trak", tkhd + edts + mp4_box("mdia", mdhd + hdlr + minf)));
  };
  const std::string ftyp = mp4_box("ftyp", std::string("isom") + be32(512) + "isomiso2mp41");
  const auto offset = static_cast<uint32_t>(ftyp.size() + moov(0).size() + 8);
  ve::testing::write_bytes(path, ftyp + moov(offset) + mp4_box("mdat", payload));
}

const std::vector<WvttSample> kWvttSamples = {
    {500, vtte()},   {750, vttc("Hello <i>world</i>", "c1", "line:10% align:start")},
    {250, vtte()},   {500, vttc("Line one\nLine two") + vttc("Second")},
    {300, vttc("")},  // a cue without text is a gap too
    {1000, vtte()},
};

TEST(TextTracksWvtt, CuesWithIdsSettingsAndGaps) {
  TempDir tmp;
  const auto input = tmp / "wvtt.mp4";
  write_wvtt_mp4(input, kWvttSamples, {}, "fre");
  // What FFmpeg 5.1 makes of it: a data stream tagged wvtt, one packet per sample.
  const auto probe = ve::testing::run(
      "ffprobe -v error -count_packets -show_entries "
      "stream=codec_type,codec_tag_string,nb_read_packets -of csv=p=0 " +
      ve::testing::quote(input.string()));
  ASSERT_EQ(probe.output, "data,wvtt,6\n");
  std::vector<SkippedTrack> skipped;
  auto tracks = read(input, &skipped);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 1u);
  EXPECT_EQ((*tracks)[0].input_index, 0);
  EXPECT_EQ((*tracks)[0].language, "fre");
  EXPECT_EQ(describe((*tracks)[0]), (std::vector<std::string>{"500-1250 Hello <i>world</i> #c1 [line:10% align:start]",
                                                              "1500-2000 Line one\nLine two", "1500-2000 Second"}));
  EXPECT_TRUE(skipped.empty());
}

TEST(TextTracksWvtt, EditListsMoveTheCues) {
  TempDir tmp;
  // An empty edit of 1 s: everything plays 1 s later.
  write_wvtt_mp4(tmp / "late.mp4", kWvttSamples, {{1000, -1}, {3300, 0}});
  auto late = read(tmp / "late.mp4");
  ASSERT_TRUE(late) << late.error().message;
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ(cue_times((*late)[0]), (std::vector<std::string>{"1500-2250", "2500-3000", "2500-3000"}));
  // Playback from 1.25 s into the media, where a sample starts: the cues of 1.5-2 s play at 0.25-0.75 s
  // and the first cue (0.5-1.25 s) is cut.
  write_wvtt_mp4(tmp / "trimmed.mp4", kWvttSamples, {{2050, 1250}});
  auto trimmed = read(tmp / "trimmed.mp4");
  ASSERT_TRUE(trimmed) << trimmed.error().message;
  ASSERT_EQ(trimmed->size(), 1u);
  EXPECT_EQ(cue_times((*trimmed)[0]), (std::vector<std::string>{"250-750", "250-750"}));
  // From 1 s, inside the first cue: libavformat 5.1 starts the track's timeline at its first sample
  // at or after that point (1.25 s), not at 1 s, and gives the cue it cut a negative time ending at
  // 0. That is the timeline the packager follows for every track; the 0.25 s the first cue would
  // still show by the edit list are lost.
  write_wvtt_mp4(tmp / "mid-cue.mp4", kWvttSamples, {{2300, 1000}});
  auto mid_cue = read(tmp / "mid-cue.mp4");
  ASSERT_TRUE(mid_cue) << mid_cue.error().message;
  ASSERT_EQ(mid_cue->size(), 1u);
  EXPECT_EQ(cue_times((*mid_cue)[0]), (std::vector<std::string>{"250-750", "250-750"}));
}

TEST(TextTracksWvtt, CorruptSampleNamesTheTrack) {
  TempDir tmp;
  std::string broken = vttc("fine");
  broken[3] = 100;  // the box claims more bytes than the sample has
  write_wvtt_mp4(tmp / "bad.mp4", {{500, vtte()}, {500, broken}});
  auto bad = read(tmp / "bad.mp4");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(bad.error().message.find("bad.mp4: subtitle track 0 sample 2: corrupt wvtt sample"), std::string::npos)
      << bad.error().message;
}

TEST(TextTracksWvtt, TooManyCuesOrTooMuchTextIsRefused) {
  TempDir tmp;
  std::vector<WvttSample> many(kMaxTextCues + 1, WvttSample{10, vttc("x")});
  write_wvtt_mp4(tmp / "many.mp4", many);
  auto too_many = read(tmp / "many.mp4");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(too_many.error().message.find("more than 100000 subtitle cues"), std::string::npos)
      << too_many.error().message;

  // All in one sample: refused before the cues are stored.
  std::string one_sample;
  for (size_t i = 0; i < kMaxTextCues + 2; ++i) one_sample += vttc("x");
  write_wvtt_mp4(tmp / "dense.mp4", {{1000, one_sample}});
  auto dense = read(tmp / "dense.mp4");
  ASSERT_FALSE(dense);
  EXPECT_EQ(dense.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(dense.error().message.find("dense.mp4: subtitle track 0 sample 1: wvtt sample: more than 100001 cues"),
            std::string::npos)
      << dense.error().message;

  const std::string nine_mib(size_t{9} << 20, 'a');
  write_wvtt_mp4(tmp / "long.mp4", {{1000, vttc(nine_mib)}, {1000, vttc(nine_mib)}});
  auto too_long = read(tmp / "long.mp4");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(too_long.error().message.find("more than 16 MiB of subtitle text"), std::string::npos)
      << too_long.error().message;

  write_wvtt_mp4(tmp / "huge.mp4", {{1000, vttc(std::string(size_t{17} << 20, 'a'))}});
  auto huge = read(tmp / "huge.mp4");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().kind, core::ErrorKind::InvalidInput);
  EXPECT_NE(huge.error().message.find("sample 1 is larger than 16 MiB"), std::string::npos) << huge.error().message;
}

}  // namespace
}  // namespace ve::adapters::media
