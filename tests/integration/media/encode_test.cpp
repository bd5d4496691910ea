// SPDX-License-Identifier: Apache-2.0
// LadderPackager's encoding as a viewer would notice it: inputs of many containers and codecs,
// rotated, anamorphic, interlaced, HDR, variable frame rate, odd sizes and odd audio are generated
// with the ffmpeg CLI, packaged, and the presentation is checked with ffprobe/ffmpeg
// (support/rendition_check.hpp): H.264 High renditions at the displayed aspect ratio and never
// upscaled, the input's frames and duration, aligned IDR segment boundaries, audio and video
// starting together, AAC-LC audio, a PSNR floor per rendition, and playback through ffmpeg's HLS
// and DASH demuxers. Also: the kept browser-safe source, bad inputs, refused settings and
// cancellation.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <regex>
#include <stop_token>

#include "adapters/media/dash_packager.hpp"
#include "adapters/media/ladder_packager.hpp"
#include "support/rendition_check.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::media {
namespace {

using ve::testing::ffmpeg_generate;
using ve::testing::LadderExpectations;
using ve::testing::quote;
using ve::testing::read_text;
using ve::testing::TempDir;

constexpr double kSegmentSeconds = 1.0;

// PSNR floors (dB, average of Y, U and V over all frames) of an encoded rendition against the
// input scaled to its size with bicubic, for testsrc2 sources at libx264 veryfast and the default
// ladder's bit rates. Set about 4 dB below the lowest value measured under ASan on Debian 12
// (FFmpeg 5.1, x264 164), so that a real regression (wrong scaling or crop, shifted frames, a
// wrong colour matrix, broken rate control) fails while encoder noise does not. Lowest measured:
// 2160p 52.6, 1440p 52.7, 1080p 52.4, 720p 44.3, 480p 44.7, 360p 41.5 (1280x360) / 41.8 (from
// VP9), 240p 48.2, 180p 42.4. The tests print every value as "[ PSNR     ] ...".
double testsrc_psnr_floor(int height) {
  if (height >= 1080) return 48;
  if (height >= 480) return 40;
  if (height >= 360) return 37;
  return 38;  // below every rung: the source's own size at the smallest rung's 800 kbit/s, or a listed rung
}

ports::PackageOptions options_for(const std::string& renditions = "auto", double segment = kSegmentSeconds) {
  ports::PackageOptions options;
  options.segment_duration_seconds = segment;
  auto setting = core::parse_renditions(renditions);
  EXPECT_TRUE(setting) << renditions;
  if (setting) options.renditions = *setting;
  return options;
}

core::Result<ports::PackageSummary> encode(const std::filesystem::path& input, const std::filesystem::path& out,
                                           const ports::PackageOptions& options = options_for()) {
  return LadderPackager().package(input, out, options, nullptr);
}

LadderExpectations testsrc_expectations() {
  LadderExpectations e;
  e.segment_seconds = kSegmentSeconds;
  e.psnr_floor = testsrc_psnr_floor;
  return e;
}

// The summary names the representations the manifest has, with their sizes.
void expect_summary_matches(const ports::PackageSummary& summary, const std::vector<ve::testing::CheckedRendition>& checked) {
  for (const auto& c : checked) {
    const auto it = std::find_if(summary.renditions.begin(), summary.renditions.end(),
                                 [&](const ports::RenditionSummary& r) { return r.id == c.id; });
    ASSERT_NE(it, summary.renditions.end()) << c.id;
    EXPECT_EQ(it->width, c.width) << c.id;
    EXPECT_EQ(it->height, c.height) << c.id;
    EXPECT_EQ(it->encoded, c.encoded) << c.id;
    EXPECT_TRUE(it->video) << c.id;
  }
}

std::vector<std::string> ids_of(const std::vector<ve::testing::CheckedRendition>& checked) {
  std::vector<std::string> ids;
  for (const auto& c : checked) ids.push_back(c.id);
  return ids;
}

// Picture and tone: 3 s of testsrc2 (not trivially compressible) and a 440 Hz tone.
std::string testsrc(const std::string& size = "640x360", double seconds = 3, const std::string& rate = "25") {
  const std::string d = std::to_string(seconds);
  return "-f lavfi -i testsrc2=size=" + size + ":rate=" + rate + ":duration=" + d +
         " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=" + d + " ";
}

bool ffmpeg_has_encoder(const std::string& name) {
  const auto r = ve::testing::run("ffmpeg -hide_banner -encoders");
  return std::regex_search(r.output, std::regex("\\s" + name + "\\s"));
}

struct ContainerCase {
  const char* name;
  const char* file;
  const char* arguments;  // after the testsrc inputs
  const char* needs_encoder;
};

void PrintTo(const ContainerCase& c, std::ostream* os) { *os << c.name; }

class Containers : public ::testing::TestWithParam<ContainerCase> {
 protected:
  static void SetUpTestSuite() { route_libav_logs(); }
};

// Each codec family and container becomes H.264 High renditions and AAC-LC 48 kHz stereo.
TEST_P(Containers, BecomeH264HighAndAacLcStereo) {
  const ContainerCase& c = GetParam();
  if (c.needs_encoder && !ffmpeg_has_encoder(c.needs_encoder)) GTEST_SKIP() << "ffmpeg lacks " << c.needs_encoder;
  TempDir tmp;
  const auto input = tmp / c.file;
  ffmpeg_generate(testsrc() + c.arguments, input);
  auto summary = encode(input, tmp / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  const auto checked = ve::testing::expect_good_ladder(input, tmp / "p", e);
  EXPECT_EQ(ids_of(checked), std::vector<std::string>{"video0-360p"});
  expect_summary_matches(*summary, checked);
  EXPECT_EQ(summary->frames_encoded, static_cast<int64_t>(ve::testing::probe_video_frames(input).size()));
  EXPECT_TRUE(std::filesystem::exists(tmp / "p/poster.jpg"));
}

INSTANTIATE_TEST_SUITE_P(
    Encode, Containers,
    ::testing::Values(
        ContainerCase{"hevc10_mp4", "hevc10.mp4",
                      "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=error -c:a aac -ac 2",
                      "libx265"},
        ContainerCase{"vp9_opus_webm", "vp9.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 1M -c:a libopus",
                      "libvpx-vp9"},
        ContainerCase{"mpeg2_mp2_ts", "mpeg2.ts", "-c:v mpeg2video -b:v 3M -c:a mp2", nullptr},
        // 74 frames: FFmpeg's AVI leaves time 1 empty, so a 75th frame would sit at 3.00 s alone in
        // a segment (see LastFrameAloneInItsSegmentKeepsItsDuration).
        ContainerCase{"mpeg4_mp3_avi", "mpeg4.avi", "-c:v mpeg4 -q:v 2 -frames:v 74 -c:a libmp3lame", "libmp3lame"},
        ContainerCase{"prores_pcm_mov", "prores.mov", "-c:v prores_ks -profile:v 0 -c:a pcm_s16le", nullptr},
        ContainerCase{"av1_opus_webm", "av1.webm", "-c:v libsvtav1 -preset 12 -c:a libopus", "libsvtav1"},
        // 4:2:2 H.264 is not browser-safe, so it is encoded even under auto.
        ContainerCase{"h264_422_ac3_mkv", "h264.mkv", "-c:v libx264 -preset ultrafast -pix_fmt yuv422p -c:a ac3",
                      nullptr}),
    [](const ::testing::TestParamInfo<ContainerCase>& info) { return std::string(info.param.name); });

class Encode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { route_libav_logs(); }
  TempDir tmp_;
};

// A landscape H.264 file re-muxed with a display matrix: the renditions are portrait, upright
// (the PSNR reference is ffmpeg's autorotated picture) and carry no rotation any more.
TEST_F(Encode, RotatedInputsBecomeUprightPortraitRenditions) {
  ffmpeg_generate(testsrc("640x360", 2) + "-c:v libx264 -preset ultrafast -c:a aac", tmp_ / "landscape.mp4");
  for (const int degrees : {90, 270}) {
    SCOPED_TRACE(degrees);
    const auto input = tmp_ / ("rotated" + std::to_string(degrees) + ".mp4");
    ffmpeg_generate("-i " + quote((tmp_ / "landscape.mp4").string()) + " -c copy -metadata:s:v:0 rotate=" +
                        std::to_string(degrees),
                    input);
    const auto out = tmp_ / ("p" + std::to_string(degrees));
    auto summary = encode(input, out);
    ASSERT_TRUE(summary) << summary.error().message;
    auto e = testsrc_expectations();
    e.audio_encoded = false;  // mono AAC-LC is kept
    const auto checked = ve::testing::expect_good_ladder(input, out, e);
    // 640 wide shown upright is 360x640: the 480p and 360p rungs at 9:16.
    ASSERT_EQ(ids_of(checked), (std::vector<std::string>{"video0-480p", "video0-360p"}));
    EXPECT_EQ(checked[0].width, 270);
    EXPECT_EQ(checked[1].width, 202);
    expect_summary_matches(*summary, checked);
  }
}

// 640x360 with 2:1 pixels is shown at 1280x360: an encoded rung has square pixels at that shape.
TEST_F(Encode, AnamorphicSourceGetsSquarePixelsAtTheDisplayAspect) {
  const auto input = ve::testing::shared_media("sar_2x1.mp4");
  auto summary = encode(input, tmp_ / "p", options_for("360p:800k"));
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  ASSERT_EQ(ids_of(checked), std::vector<std::string>{"video0-360p"});
  EXPECT_EQ(checked[0].width, 1280);
  EXPECT_EQ(checked[0].height, 360);
}

// Under auto the anamorphic H.264 High source is browser-safe and kept; its renditions still show
// at 32:9 (the kept one through its sample aspect ratio).
TEST_F(Encode, AnamorphicSourceUnderAutoShowsAtTheDisplayAspect) {
  const auto input = ve::testing::shared_media("sar_2x1.mp4");
  // Default 4 s segments: its key frames are close enough for them (not for 1 s ones).
  auto summary = encode(input, tmp_ / "p", options_for("auto", 4.0));
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.all_encoded = false;
  e.audio_encoded = false;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  ASSERT_FALSE(checked.empty());
  EXPECT_EQ(checked[0].id, "video0");
}

// Interlaced (top field first, coded as fields by libx264) comes out progressive.
TEST_F(Encode, InterlacedSourceBecomesProgressive) {
  const auto input = tmp_ / "interlaced.mp4";
  ffmpeg_generate(testsrc("640x360", 3, "50") +
                      "-vf tinterlace=interleave_top,setfield=tff -c:v libx264 -preset ultrafast -flags +ildct+ilme "
                      "-c:a aac",
                  input);
  const auto probed = ve::testing::probe_streams(input);
  ASSERT_FALSE(probed.empty());
  ASSERT_NE(probed[0].field_order, "progressive") << "the generated input should be interlaced";
  ASSERT_GT(ve::testing::interlaced_frame_count(input), 70);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.reference_filters = "yadif";  // the reference deinterlaced too, so PSNR compares like with like
  e.audio_encoded = false;        // mono AAC-LC is kept
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  ASSERT_EQ(ids_of(checked), std::vector<std::string>{"video0-360p"});
  // testsrc2's moving lines fool idet now and then even when progressive (4 of 75 after ffmpeg's
  // own yadif), so the bound is a tenth of the frames; the input scores 75 of 75.
  ve::testing::TempDir scratch;
  ve::testing::join_representation(tmp_ / "p", "video0-360p", scratch / "v.mp4");
  EXPECT_LT(ve::testing::interlaced_frame_count(scratch / "v.mp4"), 8);
  for (const auto& f : ve::testing::probe_video_frames(scratch / "v.mp4")) EXPECT_EQ(f.interlaced, "0") << f.pts;
}

// HDR (10-bit HEVC tagged PQ or HLG) is tone-mapped to 8-bit BT.709 SDR.
TEST_F(Encode, HdrSourcesBecomeTaggedBt709Sdr) {
  for (const char* transfer : {"smpte2084", "arib-std-b67"}) {
    SCOPED_TRACE(transfer);
    const auto input = tmp_ / (std::string(transfer) + ".mp4");
    ffmpeg_generate(testsrc("640x360", 2) +
                        "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=error "
                        "-color_primaries bt2020 -colorspace bt2020nc -color_trc " +
                        transfer + " -c:a aac",
                    input);
    const auto out = tmp_ / (std::string("p-") + transfer);
    auto summary = encode(input, out);
    ASSERT_TRUE(summary) << summary.error().message;
    auto e = testsrc_expectations();
    e.check_psnr = false;  // tone mapping changes the picture on purpose
    e.audio_encoded = false;
    const auto checked = ve::testing::expect_good_ladder(input, out, e);
    ASSERT_EQ(ids_of(checked), std::vector<std::string>{"video0-360p"});
    ve::testing::TempDir scratch;
    ve::testing::join_representation(out, "video0-360p", scratch / "v.mp4");
    const auto v = ve::testing::probe_streams(scratch / "v.mp4");
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].pix_fmt, "yuv420p");
    EXPECT_EQ(v[0].color_primaries, "bt709");
    EXPECT_EQ(v[0].color_transfer, "bt709");
    EXPECT_EQ(v[0].color_space, "bt709");
  }
}

// Variable frame rate: 1.5 s at 25 fps then 1.4 s at 50 fps. Every frame keeps its time. (The
// last frame does not begin a segment of its own: see LastFrameAloneInItsSegmentKeepsItsDuration.)
TEST_F(Encode, VariableFrameRateKeepsEveryFrameAndItsTime) {
  const auto input = tmp_ / "vfr.mkv";
  ffmpeg_generate(
      "-f lavfi -i testsrc2=size=640x360:rate=25:duration=1.5 -f lavfi -i testsrc2=size=640x360:rate=50:duration=1.4 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=3 "
      "-filter_complex '[0:v]settb=1/1000[a];[1:v]settb=1/1000[b];[a][b]concat=n=2:v=1:a=0[v]' -map '[v]' -map 2:a "
      "-c:v libx264 -preset ultrafast -pix_fmt yuv422p -c:a aac -ac 2",
      input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.frame_tolerance = 1;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  ASSERT_EQ(ids_of(checked), std::vector<std::string>{"video0-360p"});
  const auto in_frames = ve::testing::probe_video_frames(input);
  ve::testing::TempDir scratch;
  ve::testing::join_representation(tmp_ / "p", "video0-360p", scratch / "v.mp4");
  const auto out_frames = ve::testing::probe_video_frames(scratch / "v.mp4");
  ASSERT_EQ(out_frames.size(), in_frames.size());
  ASSERT_GT(in_frames.size(), 100u);
  for (size_t i = 0; i < in_frames.size(); ++i) {
    EXPECT_NEAR(out_frames[i].pts - out_frames[0].pts, in_frames[i].pts - in_frames[0].pts, 0.002) << "frame " << i;
  }
}

struct AudioCase {
  const char* name;
  const char* file;
  const char* audio;  // ffmpeg arguments for the audio input and its codec
  int audio_tracks;
  const char* languages[2];
};

void PrintTo(const AudioCase& c, std::ostream* os) { *os << c.name; }

class AudioLayouts : public ::testing::TestWithParam<AudioCase> {
 protected:
  static void SetUpTestSuite() { route_libav_logs(); }
};

// Surround, low sample rates and several tracks all become AAC-LC stereo 48 kHz; languages stay.
TEST_P(AudioLayouts, BecomeAacLcStereo48kWithTheirLanguages) {
  const AudioCase& c = GetParam();
  TempDir tmp;
  const auto input = tmp / c.file;
  ffmpeg_generate("-f lavfi -i testsrc2=size=320x180:rate=25:duration=2 " + std::string(c.audio) +
                      " -c:v libx264 -preset ultrafast -pix_fmt yuv444p",
                  input);
  auto summary = encode(input, tmp / "p", options_for("180p:400k"));
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.audio_representations = c.audio_tracks;
  const auto checked = ve::testing::expect_good_ladder(input, tmp / "p", e);
  EXPECT_EQ(ids_of(checked), std::vector<std::string>{"video0-180p"});
  const std::string mpd = read_text(tmp / "p/manifest.mpd");
  const std::string master = read_text(tmp / "p/master.m3u8");
  for (int i = 0; i < c.audio_tracks; ++i) {
    const std::string id = "audio" + std::to_string(i + 1);
    EXPECT_TRUE(std::filesystem::exists(tmp / "p" / ("init-" + id + ".mp4"))) << id;
    EXPECT_TRUE(master.find("URI=\"" + id + ".m3u8\"") != std::string::npos) << master;
    if (c.languages[i] == nullptr) continue;
    const auto reps = ve::testing::parse_mpd(tmp / "p/manifest.mpd");
    const auto rep = std::find_if(reps.begin(), reps.end(), [&](const auto& r) { return r.id == id; });
    ASSERT_NE(rep, reps.end()) << mpd;
    EXPECT_EQ(rep->lang, c.languages[i]) << mpd;
    const std::string two_letter = std::string(c.languages[i]) == "eng" ? "en" : "fr";
    EXPECT_TRUE(std::regex_search(master, std::regex("LANGUAGE=\"" + two_letter + "\"[^\\n]*URI=\"" + id + "\\.m3u8\"")))
        << master;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Encode, AudioLayouts,
    ::testing::Values(
        AudioCase{"aac_5_1", "aac51.mp4", "-f lavfi -i sine=sample_rate=48000:duration=2 -af 'pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0' -c:a aac",
                  1, {nullptr, nullptr}},
        AudioCase{"ac3_5_1", "ac351.mkv", "-f lavfi -i sine=sample_rate=48000:duration=2 -af 'pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0' -c:a ac3",
                  1, {nullptr, nullptr}},
        AudioCase{"mono_22050", "mono22.mkv", "-f lavfi -i sine=sample_rate=22050:duration=2 -c:a libmp3lame", 1,
                  {nullptr, nullptr}},
        AudioCase{"two_languages", "two.mp4",
                  "-f lavfi -i sine=frequency=300:sample_rate=44100:duration=2 -f lavfi -i "
                  "sine=frequency=600:sample_rate=44100:duration=2 -map 0 -map 1 -map 2 -c:a ac3 "
                  "-metadata:s:a:0 language=eng -metadata:s:a:1 language=fre",
                  2, {"eng", "fre"}}),
    [](const ::testing::TestParamInfo<AudioCase>& info) { return std::string(info.param.name); });

TEST_F(Encode, VideoWithoutAudio) {
  const auto input = tmp_ / "silent.mp4";
  ffmpeg_generate("-f lavfi -i testsrc2=size=640x360:rate=25:duration=2 -c:v mpeg4 -q:v 2", input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", testsrc_expectations());
  EXPECT_EQ(ids_of(checked), std::vector<std::string>{"video0-360p"});
  for (const auto& r : summary->renditions) EXPECT_TRUE(r.video) << r.id;
}

TEST_F(Encode, AudioOnlyBecomesAacLcStereo) {
  const auto input = tmp_ / "tone.mka";
  ffmpeg_generate("-f lavfi -i sine=sample_rate=44100:duration=3 -c:a libopus", input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  ve::testing::expect_good_ladder(input, tmp_ / "p", testsrc_expectations());
  ASSERT_EQ(summary->renditions.size(), 1u);
  EXPECT_EQ(summary->renditions[0].id, "audio0");
  EXPECT_FALSE(summary->renditions[0].video);
  EXPECT_TRUE(summary->renditions[0].encoded);
  EXPECT_EQ(summary->frames_encoded, 0);
  const auto reps = ve::testing::parse_mpd(tmp_ / "p/manifest.mpd");
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_NEAR(reps[0].end_seconds() - reps[0].start_seconds(0), 3.0, 0.03);
}

// Regression: libx264's packets carry no duration; the one frame once lasted one tick (1/12800 s)
// and the MPD PT0.000S. Encoded packets now take their frame's duration.
TEST_F(Encode, OneFrameVideo) {
  const auto input = tmp_ / "one.mp4";
  ffmpeg_generate("-f lavfi -i testsrc2=size=640x360:rate=25 -frames:v 1 -c:v mpeg4 -q:v 2", input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", testsrc_expectations());
  EXPECT_EQ(ids_of(checked), std::vector<std::string>{"video0-360p"});
  EXPECT_EQ(summary->frames_encoded, 1);
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "p/poster.jpg"));
  const auto reps = ve::testing::parse_mpd(tmp_ / "p/manifest.mpd");
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_NEAR(reps[0].end_seconds() - reps[0].start_seconds(0), 0.04, 0.02);
}

// Regression (same cause as OneFrameVideo): 51 frames at 25 fps with 1 s segments, the last frame
// (at 2.00 s) begins a segment of its own and must last 40 ms, not one tick.
TEST_F(Encode, LastFrameAloneInItsSegmentKeepsItsDuration) {
  const auto input = tmp_ / "tail.mkv";
  ffmpeg_generate("-f lavfi -i testsrc2=size=320x180:rate=25 -frames:v 51 -c:v mpeg4 -q:v 2", input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  ve::testing::expect_good_ladder(input, tmp_ / "p", testsrc_expectations());
  const auto reps = ve::testing::parse_mpd(tmp_ / "p/manifest.mpd");
  ASSERT_EQ(reps.size(), 1u);
  ASSERT_EQ(reps[0].starts.size(), 3u);
  EXPECT_NEAR(reps[0].end_seconds() - reps[0].start_seconds(2), 0.04, 0.001);
  EXPECT_NEAR(summary->duration_seconds, 2.04, 0.001);
}

// 321x241 is smaller than every rung: one rendition at its own even size, never upscaled.
TEST_F(Encode, OddSizeSmallerThanEveryRung) {
  const auto input = tmp_ / "odd.mkv";
  ffmpeg_generate(testsrc("321x241", 2) + "-c:v ffv1 -c:a flac", input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", testsrc_expectations());
  ASSERT_EQ(ids_of(checked), std::vector<std::string>{"video0-240p"});
  EXPECT_EQ(checked[0].width, 320);
  EXPECT_EQ(checked[0].height, 240);
}

// A 4K source gets the whole default ladder, 2160p down to 360p, aligned.
TEST_F(Encode, FourKSourceGetsTheWholeLadder) {
  const auto input = tmp_ / "uhd.mp4";
  ffmpeg_generate("-f lavfi -i testsrc2=size=3840x2160:rate=25:duration=1 -c:v libx265 -preset ultrafast "
                  "-x265-params log-level=error -b:v 2M",
                  input);
  auto options = options_for("auto", 0.5);
  auto summary = encode(input, tmp_ / "p", options);
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.segment_seconds = 0.5;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  EXPECT_EQ(ids_of(checked), (std::vector<std::string>{"video0-2160p", "video0-1440p", "video0-1080p", "video0-720p",
                                                       "video0-480p", "video0-360p"}));
  expect_summary_matches(*summary, checked);
}

// A lossless 1280x720 source (High 4:4:4 Predictive, not browser-safe): the 720p, 480p and 360p
// rungs each keep the floor of their height.
TEST_F(Encode, EachRungKeepsItsQualityFloor) {
  const auto input = tmp_ / "lossless.mp4";
  ffmpeg_generate(testsrc("1280x720", 2) + "-c:v libx264 -preset ultrafast -qp 0 -c:a aac", input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.audio_encoded = false;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  EXPECT_EQ(ids_of(checked), (std::vector<std::string>{"video0-720p", "video0-480p", "video0-360p"}));
  for (const auto& c : checked) EXPECT_GT(c.psnr, 0) << c.id;
}

// A browser-safe H.264 source is kept byte for byte as the top rendition; the rungs below are
// encoded with IDR frames at its segment boundaries.
TEST_F(Encode, KeyFramesTooFarApartForTheSegmentsAreEncoded) {
  // video.mp4 has one key frame in 5 s: with 2 s segments keeping it would leave one 5 s segment
  // and nothing to switch at, so its 1080p is encoded too.
  auto summary = encode(ve::testing::shared_media("video.mp4"), tmp_ / "p", options_for("auto", 2.0));
  ASSERT_TRUE(summary) << summary.error().message;
  ASSERT_FALSE(summary->renditions.empty());
  EXPECT_EQ(summary->renditions.front().id, "video0-1080p");
  EXPECT_TRUE(summary->renditions.front().encoded);
}

TEST_F(Encode, BrowserSafeSourceIsKeptAndTheRungsFollowItsBoundaries) {
  const auto input = ve::testing::shared_media("video.mp4");
  // 4 s segments, the default: its one key frame in 5 s is close enough to keep it (with 2 s
  // segments it would be encoded; see KeyFramesTooFarApartForTheSegmentsAreEncoded).
  auto summary = encode(input, tmp_ / "p", options_for("auto", 4.0));
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.all_encoded = false;
  e.audio_encoded = false;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  // 720p at 2.8 Mb/s would cost as much as the 2.86 Mb/s source: it is left out (core::spaced_below).
  EXPECT_EQ(ids_of(checked), (std::vector<std::string>{"video0", "video0-480p", "video0-360p"}));
  expect_summary_matches(*summary, checked);
  EXPECT_EQ(ve::testing::stream_hashes(tmp_ / "p/init-video0.mp4").size(), 1u);
}

// Key frames at irregular times (0, 0.72, 2.32, 3.12 s) in a browser-safe source: the kept
// source's segments begin at the first key frame at or past each 1 s grid line (0, 2.32, 3.12),
// and the encoded rungs have IDR frames exactly there, not on the grid.
TEST_F(Encode, EncodedRungsFollowTheKeptSourcesIrregularKeyFrames) {
  const auto input = tmp_ / "keyed.mp4";
  ffmpeg_generate(testsrc("1280x720", 4) +
                      "-c:v libx264 -preset veryfast -profile:v high -b:v 2M -maxrate 3M -bufsize 4M -g 1000 "
                      "-sc_threshold 0 -force_key_frames 0,0.72,2.32,3.12 -c:a aac -ac 2",
                  input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  auto e = testsrc_expectations();
  e.all_encoded = false;
  e.audio_encoded = false;
  const auto checked = ve::testing::expect_good_ladder(input, tmp_ / "p", e);
  EXPECT_EQ(ids_of(checked), (std::vector<std::string>{"video0", "video0-480p", "video0-360p"}));
  expect_summary_matches(*summary, checked);
  for (const auto& rep : ve::testing::parse_mpd(tmp_ / "p/manifest.mpd")) {
    if (rep.content_type != "video") continue;
    ASSERT_EQ(rep.starts.size(), 3u) << rep.id;
    EXPECT_NEAR(rep.start_seconds(1) - rep.start_seconds(0), 2.32, 0.001) << rep.id;
    EXPECT_NEAR(rep.start_seconds(2) - rep.start_seconds(0), 3.12, 0.001) << rep.id;
  }
}

// Under "source" nothing is encoded: every representation is the input's packets.
TEST_F(Encode, SourceModeEncodesNothing) {
  const auto input = ve::testing::shared_media("video.mp4");
  auto summary = encode(input, tmp_ / "p", options_for("source"));
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->frames_encoded, 0);
  for (const auto& r : summary->renditions) EXPECT_FALSE(r.encoded) << r.id;
  ve::testing::TempDir scratch;
  const auto input_hashes = ve::testing::stream_hashes(input);
  for (const auto& [id, stream] : std::vector<std::pair<std::string, size_t>>{{"video0", 0}, {"audio1", 1}}) {
    ve::testing::join_representation(tmp_ / "p", id, scratch / (id + ".mp4"));
    const auto hashes = ve::testing::stream_hashes(scratch / (id + ".mp4"));
    ASSERT_EQ(hashes.size(), 1u) << id;
    EXPECT_EQ(hashes[0], input_hashes.at(stream)) << id;
  }
  for (const auto& name : ve::testing::list_names(tmp_ / "p")) EXPECT_EQ(name.find("720p"), std::string::npos) << name;
}

// Regression: with a video time base of one frame (AVI: 1/25), the presentation's origin (the AAC
// priming, -1024/48000 s) was rounded to whole video ticks (-1/25 s), and the video started 18.7 ms
// late against the sound. The origin is now applied in the segments' finer time base.
TEST_F(Encode, VideoInACoarseTimeBaseStartsWithTheSound) {
  const auto input = tmp_ / "coarse.avi";
  ffmpeg_generate(testsrc("320x180", 2) + "-c:v mpeg4 -q:v 2 -c:a pcm_s16le", input);
  auto summary = encode(input, tmp_ / "p");
  ASSERT_TRUE(summary) << summary.error().message;
  const auto reps = ve::testing::parse_mpd(tmp_ / "p/manifest.mpd");
  ASSERT_EQ(reps.size(), 2u);
  ASSERT_EQ(reps[0].content_type, "video");
  const double input_offset = ve::testing::first_pts(input, "v:0") - ve::testing::first_pts(input, "a:0");
  EXPECT_NEAR(reps[0].start_seconds(0) - reps[1].start_seconds(0), input_offset + 1024.0 / 48000, 0.002);
}

// A failed package leaves nothing behind: no output folder and no staging folder beside it.
void expect_nothing_written(const TempDir& tmp, const std::vector<std::string>& inputs) {
  EXPECT_FALSE(std::filesystem::exists(tmp / "p"));
  EXPECT_EQ(ve::testing::list_names(tmp.path()), inputs);
}

TEST_F(Encode, TruncatedHevcIsInvalidInput) {
  const auto whole = tmp_ / "whole.mp4";
  ffmpeg_generate(testsrc("640x360", 3) + "-c:v libx265 -preset ultrafast -x265-params log-level=error -c:a aac",
                  whole);
  const std::string bytes = read_text(whole);
  ve::testing::write_bytes(tmp_ / "cut.mp4", bytes.substr(0, bytes.size() / 2));
  std::filesystem::remove(whole);
  auto summary = encode(tmp_ / "cut.mp4", tmp_ / "p");
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().kind, core::ErrorKind::InvalidInput) << summary.error().message;
  EXPECT_NE(summary.error().message.find("cut.mp4"), std::string::npos) << summary.error().message;
  expect_nothing_written(tmp_, {"cut.mp4"});
}

// Cut at half with its index in front (faststart): the headers promise 3 s, the file holds 1.5 s.
// Regression: libavformat answers a cut-off faststart MP4 with an early end of file, and it was
// packaged as a 1.5 s presentation with a warning; the samples read are now counted against the
// sample tables.
TEST_F(Encode, TruncatedFaststartHevcIsInvalidInput) {
  const auto whole = tmp_ / "whole.mp4";
  ffmpeg_generate(testsrc("640x360", 3) +
                      "-c:v libx265 -preset ultrafast -x265-params log-level=error -c:a aac -movflags +faststart",
                  whole);
  const std::string bytes = read_text(whole);
  ve::testing::write_bytes(tmp_ / "cut.mp4", bytes.substr(0, bytes.size() / 2));
  std::filesystem::remove(whole);
  auto summary = encode(tmp_ / "cut.mp4", tmp_ / "p");
  ASSERT_FALSE(summary) << "a half file was packaged: " << summary->duration_seconds << " s";
  EXPECT_EQ(summary.error().kind, core::ErrorKind::InvalidInput) << summary.error().message;
  EXPECT_NE(summary.error().message.find("cut.mp4"), std::string::npos) << summary.error().message;
  expect_nothing_written(tmp_, {"cut.mp4"});
}

TEST_F(Encode, RandomBytesAreInvalidInput) {
  std::string noise(200000, '\0');
  uint32_t x = 2463534242u;
  for (char& c : noise) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  ve::testing::write_bytes(tmp_ / "noise.mp4", noise);
  auto summary = encode(tmp_ / "noise.mp4", tmp_ / "p");
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().kind, core::ErrorKind::InvalidInput) << summary.error().message;
  EXPECT_NE(summary.error().message.find("noise.mp4"), std::string::npos) << summary.error().message;
  expect_nothing_written(tmp_, {"noise.mp4"});
}

TEST_F(Encode, UnknownX264PresetIsRefused) {
  const auto input = tmp_ / "in.mkv";
  ffmpeg_generate(testsrc("320x180", 2) + "-c:v mpeg4 -c:a mp2", input);
  auto options = options_for();
  options.x264_preset = "warpspeed";
  auto summary = encode(input, tmp_ / "p", options);
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().kind, core::ErrorKind::InvalidInput) << summary.error().message;
  EXPECT_NE(summary.error().message.find("warpspeed"), std::string::npos) << summary.error().message;
  expect_nothing_written(tmp_, {"in.mkv"});
}

// Every rung's thread carries its name ("rung 480p", as `top -H` shows it) and, where the rungs
// fill the cores one thread each (2 cores, 720p..360p), all but the heaviest run at a lower
// priority, so the scheduler gives the heaviest a core whenever it has a frame (core::encode_threads),
// libx264's own threads included. Read from /proc half-way through, when every rung thread has
// taken frames; the packaging thread itself keeps its priority.
TEST_F(Encode, TheRungsBehindTheHeaviestYieldItTheCores) {
  const auto input = tmp_ / "in.mp4";
  ffmpeg_generate(testsrc("1280x720", 2) + "-c:v libx264 -preset ultrafast -c:a aac", input);
  auto options = options_for("720p:2800k,480p:1400k,360p:800k");
  options.cores = 2;
  const auto nice_of = [](const std::filesystem::path& task) {
    // Field 19 of stat is the nice value; the name (field 2) may hold spaces, so count after its ')'.
    const std::string stat = read_text(task / "stat");
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i) {
    }
    return std::stoi(field);
  };
  const int own_nice = nice_of("/proc/thread-self");
  std::map<std::string, std::set<int>> nice_by_name;
  std::map<std::string, int> threads_by_name;
  const ports::ProgressFn progress = [&](const ports::Progress& p) {
    if (p.fraction < 0.5 || !nice_by_name.empty()) return;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::string name = read_text(task.path() / "comm");
      while (!name.empty() && name.back() == '\n') name.pop_back();
      if (name.rfind("rung ", 0) != 0) continue;
      nice_by_name[name].insert(nice_of(task.path()));
      ++threads_by_name[name];
    }
  };
  auto summary = LadderPackager().package(input, tmp_ / "p", options, progress);
  ASSERT_TRUE(summary) << summary.error().message;
  const int yielding = std::min(own_nice + 12, 19);
  EXPECT_EQ(nice_by_name, (std::map<std::string, std::set<int>>{
                              {"rung 720p", {own_nice}}, {"rung 480p", {yielding}}, {"rung 360p", {yielding}}}));
  // 720p encodes in its rung's thread alone; 480p and 360p run libx264 with two threads of its own
  // (core::kSmallRungPixels), which carry the rung's name and priority.
  EXPECT_EQ(threads_by_name["rung 720p"], 1);
  EXPECT_GE(threads_by_name["rung 480p"], 3);
  EXPECT_GE(threads_by_name["rung 360p"], 3);
  EXPECT_EQ(nice_of("/proc/thread-self"), own_nice);
}

// A stop requested mid-encode (from the progress callback, once a tenth is done) ends package()
// promptly with Transient and no output. The bound is generous: a timed assertion must not flake.
TEST_F(Encode, CancellationStopsPromptlyAndLeavesNothing) {
  const auto input = tmp_ / "long.mkv";
  ffmpeg_generate(testsrc("640x360", 20) + "-c:v mpeg4 -q:v 4 -c:a mp2", input);
  std::stop_source stop;
  auto options = options_for("360p:800k,240p:400k");
  options.cancel = stop.get_token();
  std::chrono::steady_clock::time_point requested;
  const ports::ProgressFn progress = [&](const ports::Progress& p) {
    if (p.fraction >= 0.1 && !stop.stop_requested()) {
      requested = std::chrono::steady_clock::now();
      stop.request_stop();
    }
  };
  auto summary = LadderPackager().package(input, tmp_ / "p", options, progress);
  const auto returned = std::chrono::steady_clock::now();
  ASSERT_TRUE(stop.stop_requested()) << "the encode finished before a tenth was reported";
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().kind, core::ErrorKind::Transient) << summary.error().message;
  const auto waited = std::chrono::duration<double>(returned - requested).count();
  std::printf("[ CANCEL   ] returned %.3f s after the stop request\n", waited);
  EXPECT_LT(waited, 5.0);
  expect_nothing_written(tmp_, {"long.mkv"});
}

}  // namespace
}  // namespace ve::adapters::media
